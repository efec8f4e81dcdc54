//! Criterion benches of one saga step. Seeded, no I/O in the timed closures;
//! the saga under test is cloned outside the timing (`iter_batched`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use brokerx_engine::saga::{
    hold_id, order_id, AccountId, Action, Amount, DepositInput, DepositSaga, DepositSpec, InstrumentId, Lots,
    OrderInput, OrderSaga, OrderSpec, SagaConfig, SagaId, SagaInput, SagaRegistry, Side, Ticks, Timestamp, TradeId,
};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

fn spec() -> OrderSpec {
    OrderSpec::limit(AccountId(7), InstrumentId(1), Side::Buy, Lots(10), Ticks(100), Timestamp(u64::MAX / 2))
}

fn at(saga: &mut OrderSaga, inputs: &[OrderInput]) {
    let config = SagaConfig::default();
    let mut out = Vec::new();
    for i in inputs {
        saga.advance(&config, Timestamp(1), *i, &mut out).unwrap();
    }
}

fn working(id: u64) -> OrderSaga {
    let id = SagaId(id);
    let mut s = OrderSaga::new(id, spec()).unwrap();
    at(
        &mut s,
        &[
            OrderInput::Start,
            OrderInput::FundsReserved { hold: hold_id(id) },
            OrderInput::OrderAccepted { order: order_id(id) },
        ],
    );
    s
}

fn fill(id: u64, trade: u64, qty: i64) -> OrderInput {
    OrderInput::Fill {
        order: order_id(SagaId(id)),
        trade: TradeId(trade),
        qty: Lots(qty),
        price: Ticks(99),
        aggressor: Side::Buy,
    }
}

fn order_steps(c: &mut Criterion) {
    let config = SagaConfig::default();
    let mut g = c.benchmark_group("order_saga_step");
    let cases: Vec<(&str, OrderSaga, OrderInput)> = vec![
        ("start_reserve", OrderSaga::new(SagaId(1), spec()).unwrap(), OrderInput::Start),
        ("fill_in_working", working(1), fill(1, 5, 3)),
        (
            "duplicate_fill",
            {
                let mut s = working(1);
                at(&mut s, &[fill(1, 5, 3)]);
                s
            },
            fill(1, 5, 3),
        ),
        (
            "trade_settled_then_release",
            {
                let mut s = working(1);
                at(&mut s, &[fill(1, 5, 10)]);
                s
            },
            OrderInput::TradeSettled { trade: TradeId(5) },
        ),
        ("timer_not_due", working(1), OrderInput::Timer),
    ];
    for (name, saga, input) in cases {
        g.bench_function(name, |b| {
            let mut out = Vec::with_capacity(8);
            b.iter_batched_ref(
                || saga.clone(),
                |s| {
                    out.clear();
                    s.advance(&config, Timestamp(2), black_box(input), &mut out).unwrap();
                    black_box(out.len())
                },
                BatchSize::SmallInput,
            );
        });
    }
    g.finish();

    c.bench_function("order_saga_lifecycle_8_steps", |b| {
        let mut out = Vec::with_capacity(8);
        let id = SagaId(3);
        let inputs = [
            OrderInput::Start,
            OrderInput::FundsReserved { hold: hold_id(id) },
            OrderInput::OrderAccepted { order: order_id(id) },
            fill(3, 1, 4),
            fill(3, 2, 6),
            OrderInput::TradeSettled { trade: TradeId(1) },
            OrderInput::TradeSettled { trade: TradeId(2) },
            OrderInput::FundsReleased { hold: hold_id(id) },
        ];
        b.iter(|| {
            let mut s = OrderSaga::new(id, spec()).unwrap();
            for i in inputs {
                out.clear();
                s.advance(&config, Timestamp(5), black_box(i), &mut out).unwrap();
            }
            black_box(s.is_finished())
        });
    });

    c.bench_function("deposit_saga_lifecycle_3_steps", |b| {
        let mut out = Vec::with_capacity(8);
        let id = SagaId(4);
        let spec = DepositSpec { account: AccountId(1), amount: Amount::from_minor(100) };
        b.iter(|| {
            let mut s = DepositSaga::new(id, spec).unwrap();
            let p = s.payment();
            for i in [
                DepositInput::Start,
                DepositInput::PaymentConfirmed { payment: p },
                DepositInput::Credited { payment: p },
            ] {
                out.clear();
                s.advance(&config, Timestamp(5), black_box(i), &mut out).unwrap();
            }
            black_box(s.is_finished())
        });
    });
}

fn registry_step(c: &mut Criterion) {
    // 100k live sagas; one routed step = lookup + advance + deadline reindex.
    const SAGAS: u64 = 100_000;
    let mut reg = SagaRegistry::new(SagaConfig::default());
    let mut out = Vec::new();
    for i in 0..SAGAS {
        reg.start_order(Timestamp(i), SagaId(i), spec(), &mut out).unwrap();
    }
    let mut next = 0_u64;
    c.bench_function("registry_route_timer_100k", |b| {
        b.iter(|| {
            // A timer that is not due: the cheapest full routing path.
            next = (next + 7_919) % SAGAS;
            out.clear();
            reg.advance(Timestamp(0), SagaId(next), SagaInput::Order(OrderInput::Timer), &mut out).unwrap();
            black_box(out.len())
        });
    });
    let _: &Vec<Action> = &out;
}

criterion_group!(benches, order_steps, registry_step);
criterion_main!(benches);
