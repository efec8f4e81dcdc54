//! Unit tests of the saga state machines: one scenario per rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::order::{hold_id, order_id, CloseReason};
use super::*;
use crate::risk::{self, InstrumentRisk, RiskState, UnitScale};

const T0: Timestamp = Timestamp(1_000);

fn config() -> SagaConfig {
    SagaConfig {
        reply_timeout_ns: 100,
        backoff_factor: 2,
        backoff_max_ns: 1_000,
        forward_deliveries_max: 3,
        sagas_max: 16,
        escalate_after_deliveries: 6,
    }
}

fn spec() -> OrderSpec {
    OrderSpec {
        account: AccountId(7),
        instrument: InstrumentId(1),
        side: Side::Buy,
        qty: Lots(10),
        limit_price: Ticks(100),
        scale: UnitScale { base_per_lot: 1, quote_per_tick_lot: 1 },
        maker_fee_bps: 0,
        taker_fee_bps: 0,
        good_till: Timestamp(1_000_000),
    }
}

fn commands(actions: &[Action]) -> Vec<Command> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send(c) => Some(*c),
            _ => None,
        })
        .collect()
}

fn kinds(actions: &[Action]) -> Vec<CommandKind> {
    commands(actions).into_iter().map(|c| c.kind).collect()
}

fn feed(saga: &mut OrderSaga, now: u64, input: OrderInput) -> Vec<Action> {
    let mut out = Vec::new();
    saga.advance(&config(), Timestamp(now), input, &mut out).unwrap();
    out
}

/// A saga whose order the engine accepted.
fn working() -> OrderSaga {
    let id = SagaId(42);
    let mut saga = OrderSaga::new(id, spec()).unwrap();
    feed(&mut saga, 1_000, OrderInput::Start);
    feed(&mut saga, 1_001, OrderInput::FundsReserved { hold: hold_id(id) });
    feed(&mut saga, 1_002, OrderInput::OrderAccepted { order: order_id(id) });
    assert_eq!(saga.state().name(), "working");
    saga
}

/// A fill for the saga of [`working`], which took liquidity.
fn fill(trade: u64, qty: i64, price: i64) -> OrderInput {
    OrderInput::Fill {
        order: order_id(SagaId(42)),
        trade: TradeId(trade),
        qty: Lots(qty),
        price: Ticks(price),
        aggressor: Side::Buy,
    }
}

#[test]
fn idempotency_id_packs_saga_step_sequence_and_attempt_injectively() {
    let a = IdempotencyId::derive(SagaId(5), Step::SettleTrade, 3, 1);
    assert_eq!(a.saga(), SagaId(5));
    assert_eq!(a.0, (5_u128 << 64) | (3_u128 << 56) | (3_u128 << 24) | 1);
    let others = [
        IdempotencyId::derive(SagaId(6), Step::SettleTrade, 3, 1),
        IdempotencyId::derive(SagaId(5), Step::ReleaseFunds, 3, 1),
        IdempotencyId::derive(SagaId(5), Step::SettleTrade, 4, 1),
        IdempotencyId::derive(SagaId(5), Step::SettleTrade, 3, 2),
    ];
    assert!(others.iter().all(|o| *o != a));
}

#[test]
fn order_id_is_32_lowercase_hex_digits_of_the_placement_id() {
    for saga in [0, 1, 42, 0xdead_beef, u64::MAX - 1, u64::MAX] {
        let placement = IdempotencyId::derive(SagaId(saga), Step::PlaceOrder, 0, 0);
        let order = order_id(SagaId(saga));
        assert_eq!(order.as_str(), format!("{:032x}", placement.0));
        // The engine's own validation accepts it as it is.
        assert_eq!(ClientOrderId::new(order.as_str()).unwrap(), order);
    }
    assert_eq!(order_id(SagaId(1)).as_str(), "00000000000000010200000000000000");
    assert_ne!(order_id(SagaId(1)), order_id(SagaId(2)));
}

#[test]
fn reply_for_another_order_is_a_foreign_reference() {
    let mut saga = working();
    let other = order_id(SagaId(43));
    let mut out = Vec::new();
    let err = saga.advance(&config(), T0, OrderInput::OrderAccepted { order: other }, &mut out).unwrap_err();
    assert_eq!(err, SagaError::ForeignOrder { saga: 42, order: other });
    assert_eq!(err.code(), "foreign_reference");
    assert_eq!(err.to_string(), "saga 42 got a reply for a foreign order 000000000000002b0200000000000000");
}

#[test]
fn backoff_grows_by_integer_factor_and_is_capped() {
    let c = config();
    assert_eq!(c.backoff_ns(0), 100);
    assert_eq!(c.backoff_ns(1), 200);
    assert_eq!(c.backoff_ns(3), 800);
    assert_eq!(c.backoff_ns(4), 1_000);
    assert_eq!(c.backoff_ns(200), 1_000);
}

#[test]
fn filled_order_settles_each_trade_once_then_releases_the_rest() {
    let mut saga = working();
    let out = feed(&mut saga, 1_010, fill(2, 4, 90));
    assert_eq!(
        kinds(&out),
        vec![CommandKind::SettleTrade {
            hold: hold_id(SagaId(42)),
            trade: TradeId(2),
            qty: Lots(4),
            price: Ticks(90),
            amount: Amount::from_minor(360),
        }]
    );
    assert_eq!(saga.state().name(), "partially_filled");
    // The same trade again: acknowledged, nothing sent.
    assert!(feed(&mut saga, 1_011, fill(2, 4, 90)).is_empty());
    let out = feed(&mut saga, 1_012, fill(1, 6, 100));
    assert_eq!(commands(&out).len(), 1);
    assert_eq!(saga.state().name(), "settling");
    feed(&mut saga, 1_013, OrderInput::TradeSettled { trade: TradeId(2) });
    // Duplicate settlement reply: nothing happens.
    assert!(feed(&mut saga, 1_014, OrderInput::TradeSettled { trade: TradeId(2) }).is_empty());
    let out = feed(&mut saga, 1_015, OrderInput::TradeSettled { trade: TradeId(1) });
    assert_eq!(kinds(&out), vec![CommandKind::ReleaseFunds { hold: hold_id(SagaId(42)), account: AccountId(7) }]);
    let out = feed(&mut saga, 1_016, OrderInput::FundsReleased { hold: hold_id(SagaId(42)) });
    let expected =
        OrderOutcome::Closed { reason: CloseReason::Filled, filled: Lots(10), consumed: Amount::from_minor(960) };
    assert_eq!(out, vec![Action::Complete { saga: SagaId(42), outcome: Outcome::Order(expected) }]);
    assert_eq!(saga.state(), &OrderState::Settled { outcome: expected });
}

#[test]
fn finished_saga_refuses_input_with_a_typed_error() {
    let id = SagaId(1);
    let mut saga = OrderSaga::new(id, spec()).unwrap();
    feed(&mut saga, 1_000, OrderInput::Start);
    let out = feed(&mut saga, 1_001, OrderInput::FundsReservationFailed { hold: hold_id(id), reason_code: 3 });
    assert!(kinds(&out).is_empty(), "nothing held, nothing to release");
    assert_eq!(saga.state().name(), "compensated");
    let mut out = Vec::new();
    let err = saga.advance(&config(), T0, OrderInput::FundsReserved { hold: hold_id(id) }, &mut out).unwrap_err();
    assert_eq!(err.code(), "saga_finished");
    assert_eq!(err.to_string(), "saga 1 is finished (compensated)");
    assert!(out.is_empty());
}

#[test]
fn late_funds_reserved_while_working_sends_nothing() {
    let mut saga = working();
    assert!(feed(&mut saga, 2_000, OrderInput::FundsReserved { hold: hold_id(SagaId(42)) }).is_empty());
    assert!(feed(&mut saga, 2_000, OrderInput::OrderAccepted { order: order_id(SagaId(42)) }).is_empty());
}

#[test]
fn refused_input_leaves_the_saga_unchanged() {
    let mut saga = working();
    feed(&mut saga, 1_010, fill(1, 4, 90));
    let before = saga.clone();
    let mut out = Vec::new();
    let cases = [
        (fill(2, 7, 90), "overfill"),
        (fill(1, 5, 90), "conflicting_fill"),
        (fill(3, 1, 101), "price_beyond_limit"),
        (OrderInput::FundsReleased { hold: HoldId(9) }, "foreign_reference"),
        (OrderInput::Start, ""),
    ];
    for (input, code) in cases {
        let r = saga.advance(&config(), Timestamp(1_020), input, &mut out);
        match r {
            Err(e) => assert_eq!(e.code(), code),
            Ok(()) => assert_eq!(code, ""),
        }
        assert_eq!(saga, before);
        assert!(out.is_empty());
    }
}

#[test]
fn reservation_timeout_redelivers_same_id_then_voids_the_hold() {
    let id = SagaId(3);
    let mut saga = OrderSaga::new(id, spec()).unwrap();
    let first = commands(&feed(&mut saga, 1_000, OrderInput::Start));
    assert_eq!(saga.next_deadline(), Some(Timestamp(1_100)));
    // Too early: nothing.
    assert!(feed(&mut saga, 1_050, OrderInput::Timer).is_empty());
    let second = commands(&feed(&mut saga, 1_100, OrderInput::Timer));
    assert_eq!(second[0].idempotency_id, first[0].idempotency_id);
    assert_eq!(second[0].delivery, 1);
    assert_eq!(saga.next_deadline(), Some(Timestamp(1_300)));
    feed(&mut saga, 1_300, OrderInput::Timer);
    let out = feed(&mut saga, 1_700, OrderInput::Timer);
    assert_eq!(kinds(&out), vec![CommandKind::ReleaseFunds { hold: hold_id(id), account: AccountId(7) }]);
    // The reservation reply arrives after all: ignored, the void stands.
    assert!(feed(&mut saga, 1_701, OrderInput::FundsReserved { hold: hold_id(id) }).is_empty());
    feed(&mut saga, 1_702, OrderInput::FundsReleased { hold: hold_id(id) });
    assert_eq!(
        saga.state(),
        &OrderState::Compensated { outcome: OrderOutcome::Rejected { reason: NotPlacedReason::ReservationTimedOut } }
    );
}

#[test]
fn engine_rejection_or_refusal_releases_the_funds_and_says_why() {
    let engine = (
        OrderInput::OrderRejected { order: order_id(SagaId(5)), reason: RejectReason::PostOnlyWouldCross },
        NotPlacedReason::Engine { reason: RejectReason::PostOnlyWouldCross },
    );
    let refused = (
        OrderInput::OrderRefused { order: order_id(SagaId(5)), reason_code: 9 },
        NotPlacedReason::EngineRefused { code: 9 },
    );
    for (input, reason) in [engine, refused] {
        let id = SagaId(5);
        let mut saga = OrderSaga::new(id, spec()).unwrap();
        feed(&mut saga, 1_000, OrderInput::Start);
        feed(&mut saga, 1_001, OrderInput::FundsReserved { hold: hold_id(id) });
        let out = feed(&mut saga, 1_002, input);
        assert_eq!(kinds(&out), vec![CommandKind::ReleaseFunds { hold: hold_id(id), account: AccountId(7) }]);
        let out = feed(&mut saga, 1_003, OrderInput::FundsReleased { hold: hold_id(id) });
        let outcome = OrderOutcome::Rejected { reason };
        assert_eq!(out, vec![Action::Complete { saga: id, outcome: Outcome::Order(outcome) }]);
    }
}

#[test]
fn placement_timeout_cancels_the_order_before_releasing_funds() {
    let id = SagaId(4);
    let mut saga = OrderSaga::new(id, spec()).unwrap();
    feed(&mut saga, 1_000, OrderInput::Start);
    feed(&mut saga, 1_000, OrderInput::FundsReserved { hold: hold_id(id) });
    feed(&mut saga, 1_100, OrderInput::Timer);
    feed(&mut saga, 1_300, OrderInput::Timer);
    let out = feed(&mut saga, 1_700, OrderInput::Timer);
    assert_eq!(kinds(&out), vec![CommandKind::CancelOrder { order: order_id(id) }]);
    // Compensation redelivered until acknowledged, with the same id.
    let again = feed(&mut saga, 1_800, OrderInput::Timer);
    assert_eq!(commands(&again)[0].idempotency_id, commands(&out)[0].idempotency_id);
    let out = feed(&mut saga, 1_900, OrderInput::OrderCancelled { order: order_id(id), remaining: Lots(10) });
    assert!(matches!(kinds(&out)[..], [CommandKind::ReleaseFunds { .. }]));
}

#[test]
fn closure_before_its_fills_waits_for_them_and_queries_the_engine() {
    let mut saga = working();
    let out = feed(&mut saga, 2_000, OrderInput::OrderCancelled { order: order_id(SagaId(42)), remaining: Lots(7) });
    assert!(kinds(&out).is_empty(), "3 lots still unaccounted for");
    assert_eq!(saga.state().name(), "settling");
    let out = feed(&mut saga, 2_100, OrderInput::Timer);
    assert_eq!(kinds(&out), vec![CommandKind::QueryOrder { order: order_id(SagaId(42)) }]);
    // Too many lots for the closure: refused.
    let mut sink = Vec::new();
    let err = saga.advance(&config(), Timestamp(2_101), fill(9, 4, 100), &mut sink).unwrap_err();
    assert_eq!(err.code(), "overfill");
    feed(&mut saga, 2_102, fill(9, 3, 100));
    let out = feed(&mut saga, 2_103, OrderInput::TradeSettled { trade: TradeId(9) });
    assert!(matches!(kinds(&out)[..], [CommandKind::ReleaseFunds { .. }]));
    feed(&mut saga, 2_104, OrderInput::FundsReleased { hold: hold_id(SagaId(42)) });
    assert_eq!(
        saga.state(),
        &OrderState::Compensated {
            outcome: OrderOutcome::Closed {
                reason: CloseReason::CancelledByEngine,
                filled: Lots(3),
                consumed: Amount::from_minor(300),
            }
        }
    );
}

#[test]
fn good_till_cancels_a_working_order() {
    let mut saga = working();
    assert_eq!(saga.next_deadline(), Some(Timestamp(1_000_000)));
    let out = feed(&mut saga, 1_000_000, OrderInput::Timer);
    assert_eq!(kinds(&out), vec![CommandKind::CancelOrder { order: order_id(SagaId(42)) }]);
    // A fill racing the cancel is still settled.
    let out = feed(&mut saga, 1_000_001, fill(5, 2, 100));
    assert!(matches!(kinds(&out)[..], [CommandKind::SettleTrade { .. }]));
}

#[test]
fn settlement_failure_retries_with_a_new_attempt_and_ignores_stale_failures() {
    let mut saga = working();
    let out = feed(&mut saga, 1_010, fill(1, 10, 100));
    let first = commands(&out)[0].idempotency_id;
    let failed = OrderInput::SettlementFailed { trade: TradeId(1), idempotency_id: first };
    // Nothing sent now; only the timer for the new attempt.
    assert_eq!(feed(&mut saga, 1_020, failed), vec![Action::ScheduleTimer { saga: SagaId(42), at: Timestamp(1_120) }]);
    // A duplicate of the same failure does not bump the attempt twice.
    feed(&mut saga, 1_021, failed);
    let out = feed(&mut saga, 1_120, OrderInput::Timer);
    let second = commands(&out)[0].idempotency_id;
    assert_eq!(second, IdempotencyId::derive(saga.id(), Step::SettleTrade, 0, 1));
}

#[test]
fn sell_order_holds_its_base_units_not_notional() {
    let mut s = spec();
    s.side = Side::Sell;
    s.scale = UnitScale { base_per_lot: 1_000, quote_per_tick_lot: 7 };
    s.taker_fee_bps = 30;
    assert_eq!(s.hold_amount(), Some(Amount::from_minor(10_000)));
    let mut saga = OrderSaga::new(SagaId(1), s).unwrap();
    let out = feed(&mut saga, 1_000, OrderInput::Start);
    assert!(matches!(kinds(&out)[..], [CommandKind::ReserveFunds { amount, .. }] if amount.minor() == 10_000));
    s.scale.base_per_lot = 0;
    assert_eq!(OrderSaga::new(SagaId(1), s).unwrap_err().code(), "invalid_value");
}

/// splitmix64, for seeded fill splits.
fn mix(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn buy_hold_is_the_brokers_and_its_fills_never_consume_more() {
    let mut seed = 11_u64;
    for case in 0..300 {
        let scale = UnitScale {
            base_per_lot: u128::from(1 + mix(&mut seed) % 1_000),
            quote_per_tick_lot: u128::from(1 + mix(&mut seed) % 250),
        };
        let (maker_fee_bps, taker_fee_bps) =
            if case == 0 { (10, 25) } else { ((mix(&mut seed) % 40) as u32, (mix(&mut seed) % 60) as u32) };
        let qty = Lots(1 + (mix(&mut seed) % 40) as i64);
        let limit_price = Ticks(1 + (mix(&mut seed) % 10_000) as i64);
        let s = OrderSpec { scale, maker_fee_bps, taker_fee_bps, qty, limit_price, ..spec() };
        // The Broker's function, with an instrument whose other risk settings differ.
        let instrument = InstrumentRisk {
            state: RiskState::Reducing,
            max_order_qty: Some(Lots(1)),
            collar_bps: None,
            maker_fee_bps,
            taker_fee_bps,
            ..InstrumentRisk::default()
        };
        let broker = risk::buy_hold(&scale, &instrument, limit_price, qty).unwrap();
        let hold = s.hold_amount().unwrap().minor();
        assert_eq!(hold, broker, "case {case}");
        if case == 0 {
            assert!(hold > scale.notional(limit_price, qty).unwrap(), "the fee is held too");
        }

        let id = SagaId(42);
        let mut saga = OrderSaga::new(id, s).unwrap();
        let reserved = kinds(&feed(&mut saga, 1_000, OrderInput::Start));
        assert!(matches!(reserved[..], [CommandKind::ReserveFunds { amount, .. }] if amount.minor() == broker));
        feed(&mut saga, 1_001, OrderInput::FundsReserved { hold: hold_id(id) });
        feed(&mut saga, 1_002, OrderInput::OrderAccepted { order: order_id(id) });
        // Fills at or below the limit, each maker or taker, until filled.
        let (mut left, mut trade, mut settled, mut accrued) = (qty.0, 0, 0_u128, 0_u128);
        while left > 0 {
            let q = 1 + (mix(&mut seed) % left as u64) as i64;
            let p = 1 + (mix(&mut seed) % limit_price.0 as u64) as i64;
            let aggressor = if mix(&mut seed) % 2 == 0 { Side::Buy } else { Side::Sell };
            trade += 1;
            left -= q;
            let input = OrderInput::Fill {
                order: order_id(id),
                trade: TradeId(trade),
                qty: Lots(q),
                price: Ticks(p),
                aggressor,
            };
            let out = feed(&mut saga, 1_003, input);
            let [CommandKind::SettleTrade { amount, .. }] = kinds(&out)[..] else { panic!("{out:?}") };
            // What the Broker's settlement takes from the buyer's hold for the same fill.
            let notional = scale.notional(Ticks(p), Lots(q)).unwrap();
            let bps = if aggressor == Side::Buy { taker_fee_bps } else { maker_fee_bps };
            let (fee, after) = risk::fee_step(accrued, notional, bps);
            accrued = after;
            assert_eq!(amount.minor(), notional + fee, "case {case} trade {trade}");
            settled += amount.minor();
            assert!(settled <= hold, "case {case}: settled {settled} > hold {hold}");
        }
        for t in 1..=trade {
            feed(&mut saga, 1_004, OrderInput::TradeSettled { trade: TradeId(t) });
        }
        feed(&mut saga, 1_005, OrderInput::FundsReleased { hold: hold_id(id) });
        let OrderState::Settled { outcome: OrderOutcome::Closed { consumed, filled, .. } } = *saga.state() else {
            panic!("case {case}: {:?}", saga.state())
        };
        assert_eq!((filled, consumed.minor()), (qty, settled), "case {case}");
    }
}

#[test]
fn redelivered_settlement_keeps_its_amount() {
    let s = OrderSpec { maker_fee_bps: 7, taker_fee_bps: 13, ..spec() };
    let id = SagaId(42);
    let mut saga = OrderSaga::new(id, s).unwrap();
    feed(&mut saga, 1_000, OrderInput::Start);
    feed(&mut saga, 1_001, OrderInput::FundsReserved { hold: hold_id(id) });
    feed(&mut saga, 1_002, OrderInput::OrderAccepted { order: order_id(id) });
    let first = kinds(&feed(&mut saga, 1_010, fill(1, 3, 33)));
    let maker = OrderInput::Fill {
        order: order_id(id),
        trade: TradeId(2),
        qty: Lots(3),
        price: Ticks(33),
        aggressor: Side::Sell,
    };
    let second = kinds(&feed(&mut saga, 1_011, maker));
    let again = kinds(&feed(&mut saga, 1_200, OrderInput::Timer));
    // 99 notional each; fees 0.1287 then 0.0693 on the running total: 1 then 0.
    assert!(matches!(first[..], [CommandKind::SettleTrade { amount, .. }] if amount.minor() == 100));
    assert!(matches!(second[..], [CommandKind::SettleTrade { amount, .. }] if amount.minor() == 99));
    assert_eq!(again, [first, second].concat(), "redelivered with the same amounts");
}

fn deposit() -> DepositSaga {
    DepositSaga::new(SagaId(9), DepositSpec { account: AccountId(3), amount: Amount::from_minor(5_000) }).unwrap()
}

fn dfeed(saga: &mut DepositSaga, now: u64, input: DepositInput) -> Vec<Action> {
    let mut out = Vec::new();
    saga.advance(&config(), Timestamp(now), input, &mut out).unwrap();
    out
}

#[test]
fn confirmed_deposit_is_credited_once() {
    let mut saga = deposit();
    let p = saga.payment();
    dfeed(&mut saga, 0, DepositInput::Start);
    let out = dfeed(&mut saga, 10, DepositInput::PaymentConfirmed { payment: p });
    assert!(matches!(kinds(&out)[..], [CommandKind::CreditAccount { .. }]));
    assert!(dfeed(&mut saga, 11, DepositInput::PaymentConfirmed { payment: p }).is_empty());
    let out = dfeed(&mut saga, 12, DepositInput::Credited { payment: p });
    assert!(matches!(out[..], [Action::Complete { .. }]));
    assert_eq!(saga.state(), &DepositState::Credited);
}

#[test]
fn deposit_timeout_backs_off_exponentially_then_cancels() {
    let mut saga = deposit();
    let p = saga.payment();
    dfeed(&mut saga, 0, DepositInput::Start);
    let mut deadlines = vec![saga.next_deadline().unwrap().0];
    for _ in 0..2 {
        let at = saga.next_deadline().unwrap().0;
        let out = dfeed(&mut saga, at, DepositInput::Timer);
        assert!(matches!(kinds(&out)[..], [CommandKind::RequestPayment { .. }]));
        deadlines.push(saga.next_deadline().unwrap().0);
    }
    assert_eq!(deadlines, vec![100, 300, 700]);
    let out = dfeed(&mut saga, 700, DepositInput::Timer);
    assert_eq!(kinds(&out), vec![CommandKind::CancelPayment { payment: p }]);
    // The provider had collected the money after all: it is credited.
    let out = dfeed(&mut saga, 710, DepositInput::PaymentConfirmed { payment: p });
    assert!(matches!(kinds(&out)[..], [CommandKind::CreditAccount { .. }]));
}

#[test]
fn failed_payment_ends_the_deposit_without_credit() {
    let mut saga = deposit();
    let p = saga.payment();
    dfeed(&mut saga, 0, DepositInput::Start);
    let out = dfeed(&mut saga, 5, DepositInput::PaymentFailed { payment: p, reason_code: 51 });
    assert!(kinds(&out).is_empty());
    let mut sink = Vec::new();
    let err = saga.advance(&config(), Timestamp(6), DepositInput::Credited { payment: p }, &mut sink).unwrap_err();
    assert_eq!(err.code(), "saga_finished");
}

#[test]
fn registry_routes_by_correlation_id_and_wakes_due_sagas_in_order() {
    let mut reg = SagaRegistry::new(config());
    let mut out = Vec::new();
    reg.start_order(T0, SagaId(2), spec(), &mut out).unwrap();
    reg.start_deposit(
        Timestamp(1_050),
        SagaId(1),
        DepositSpec { account: AccountId(1), amount: Amount::from_minor(1) },
        &mut out,
    )
    .unwrap();
    assert_eq!(reg.start_order(T0, SagaId(2), spec(), &mut out).unwrap_err().code(), "duplicate_saga");
    assert_eq!(reg.next_deadline(), Some(Timestamp(1_100)));
    out.clear();
    assert_eq!(reg.on_time(Timestamp(1_150), &mut out), 2);
    let order: Vec<SagaId> = commands(&out).iter().map(|c| c.saga).collect();
    assert_eq!(order, vec![SagaId(2), SagaId(1)], "by deadline, then id");
    let err = reg.advance(T0, SagaId(1), SagaInput::Order(OrderInput::Timer), &mut out).unwrap_err();
    assert_eq!(err.code(), "wrong_saga_kind");
    assert_eq!(
        reg.advance(T0, SagaId(77), SagaInput::Order(OrderInput::Timer), &mut out).unwrap_err().code(),
        "unknown_saga"
    );
    reg.check_invariants().unwrap();
}

#[test]
fn registry_snapshot_round_trips_and_refuses_other_versions() {
    let mut reg = SagaRegistry::new(config());
    let mut out = Vec::new();
    reg.start_order(T0, SagaId(2), spec(), &mut out).unwrap();
    let json = serde_json::to_string(&reg).unwrap();
    let back: SagaRegistry = serde_json::from_str(&json).unwrap();
    assert_eq!(back, reg);
    back.check_invariants().unwrap();
    let current = format!("\"version\":{SAGA_STATE_VERSION}");
    assert!(json.contains(&current));
    let other = json.replacen(&current, "\"version\":99", 1);
    let err = serde_json::from_str::<SagaRegistry>(&other).unwrap_err();
    assert!(err.to_string().contains("unsupported saga state version 99"));
}

#[test]
fn registry_is_bounded() {
    let mut c = config();
    c.sagas_max = 1;
    let mut reg = SagaRegistry::new(c);
    let mut out = Vec::new();
    reg.start_order(T0, SagaId(1), spec(), &mut out).unwrap();
    let err = reg.start_order(T0, SagaId(2), spec(), &mut out).unwrap_err();
    assert_eq!(err.code(), "registry_full");
    assert_eq!(err.to_string(), "registry full: 1 sagas");
}

#[test]
fn saga_sizes_fit_the_budget() {
    assert!(std::mem::size_of::<OrderSaga>() <= 512);
    assert!(std::mem::size_of::<DepositSaga>() <= 512);
    assert!(std::mem::size_of::<Saga>() <= 512);
}

#[test]
fn accepted_order_schedules_its_good_till_timer() {
    let id = SagaId(42);
    let mut saga = OrderSaga::new(id, spec()).unwrap();
    feed(&mut saga, 1_000, OrderInput::Start);
    feed(&mut saga, 1_001, OrderInput::FundsReserved { hold: hold_id(id) });
    let out = feed(&mut saga, 1_002, OrderInput::OrderAccepted { order: order_id(id) });
    assert_eq!(out, vec![Action::ScheduleTimer { saga: id, at: Timestamp(1_000_000) }]);
}

mod random_inputs {
    //! Any sequence of inputs, valid or not: no panic, errors change nothing,
    //! funds are released under one idempotency id at most once per step
    //! entry, each trade is settled under one step sequence, and the saga
    //! survives a serde round trip at every step.
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn input() -> impl Strategy<Value = (u64, OrderInput)> {
        let id = SagaId(42);
        let hold = prop_oneof![Just(hold_id(id)), Just(HoldId(1))];
        let order = prop_oneof![4 => Just(order_id(id)), 1 => Just(ClientOrderId::new("1").unwrap())];
        let input = prop_oneof![
            Just(OrderInput::Start),
            hold.clone().prop_map(|hold| OrderInput::FundsReserved { hold }),
            hold.clone().prop_map(|hold| OrderInput::FundsReservationFailed { hold, reason_code: 1 }),
            order.clone().prop_map(|order| OrderInput::OrderAccepted { order }),
            order.clone().prop_map(|order| OrderInput::OrderRejected { order, reason: RejectReason::InstrumentHalted }),
            order.clone().prop_map(|order| OrderInput::OrderRefused { order, reason_code: 2 }),
            (order.clone(), 1_u64..6, 0_i64..5, 0_i64..120, any::<bool>()).prop_map(|(order, t, q, p, buy)| {
                let aggressor = if buy { Side::Buy } else { Side::Sell };
                OrderInput::Fill { order, trade: TradeId(t), qty: Lots(q), price: Ticks(p), aggressor }
            }),
            (order.clone(), -1_i64..12).prop_map(|(order, r)| OrderInput::OrderCancelled { order, remaining: Lots(r) }),
            (order, -1_i64..12).prop_map(|(order, r)| OrderInput::OrderExpired { order, remaining: Lots(r) }),
            (1_u64..6).prop_map(|t| OrderInput::TradeSettled { trade: TradeId(t) }),
            (1_u64..6, 0_u32..3).prop_map(|(t, a)| OrderInput::SettlementFailed {
                trade: TradeId(t),
                idempotency_id: IdempotencyId::derive(SagaId(42), Step::SettleTrade, (t % 3) as u32, a),
            }),
            hold.prop_map(|hold| OrderInput::FundsReleased { hold }),
            Just(OrderInput::Timer),
        ];
        (0_u64..400, input)
    }

    proptest! {
        #[test]
        fn order_saga_never_panics_and_refusals_change_nothing(
            inputs in proptest::collection::vec(input(), 1..80)
        ) {
            let mut saga = OrderSaga::new(SagaId(42), spec()).unwrap();
            let mut now = 1_000;
            let mut settle_sequence: BTreeMap<TradeId, u32> = BTreeMap::new();
            let mut releases_started = 0;
            for (dt, input) in inputs {
                now += dt;
                let before = saga.clone();
                let mut out = Vec::new();
                match saga.advance(&config(), Timestamp(now), input, &mut out) {
                    Err(_) => {
                        prop_assert_eq!(&saga, &before);
                        prop_assert!(out.is_empty());
                    }
                    Ok(()) => {
                        for c in commands(&out) {
                            match c.kind {
                                CommandKind::SettleTrade { trade, .. } => {
                                    let seq = ((c.idempotency_id.0 >> 24) & 0xFFFF_FFFF) as u32;
                                    let first = *settle_sequence.entry(trade).or_insert(seq);
                                    prop_assert_eq!(first, seq, "trade settled under two steps");
                                }
                                CommandKind::ReleaseFunds { .. } if c.delivery == 0 => {
                                    releases_started += 1;
                                }
                                _ => {}
                            }
                        }
                    }
                }
                prop_assert!(releases_started <= 1, "release entered twice");
                let json = serde_json::to_string(&saga).unwrap();
                let back: OrderSaga = serde_json::from_str(&json).unwrap();
                prop_assert_eq!(&back, &saga);
                if let OrderState::PartiallyFilled { fills }
                | OrderState::Cancelling { fills, .. }
                | OrderState::Settling { fills, .. } = saga.state()
                {
                    prop_assert!(fills.filled() <= spec().qty);
                    let sum: i64 = fills.records().iter().map(|r| r.qty.0).sum();
                    prop_assert_eq!(sum, fills.filled().0);
                    prop_assert!(fills.records().windows(2).all(|w| w[0].trade < w[1].trade));
                }
            }
        }
    }
}

#[test]
fn registry_lists_overdue_sagas_and_prunes_finished_ones() {
    let mut reg = SagaRegistry::new(config());
    let mut out = Vec::new();
    reg.start_order(T0, SagaId(1), spec(), &mut out).unwrap();
    reg.start_order(Timestamp(2_000), SagaId(2), spec(), &mut out).unwrap();
    // Saga 1 waits until 1_100, saga 2 until 2_100.
    assert_eq!(reg.overdue(Timestamp(1_600), 500), vec![SagaId(1)]);
    assert_eq!(reg.overdue(Timestamp(2_600), 500), vec![SagaId(1), SagaId(2)]);
    assert_eq!(reg.remove_finished(SagaId(1)).unwrap_err().code(), "unexpected_input");
    reg.advance(
        T0,
        SagaId(1),
        SagaInput::Order(OrderInput::FundsReservationFailed { hold: hold_id(SagaId(1)), reason_code: 1 }),
        &mut out,
    )
    .unwrap();
    assert_eq!(reg.live(), 1);
    assert!(reg.remove_finished(SagaId(1)).is_ok());
    assert_eq!(reg.next_deadline(), Some(Timestamp(2_100)));
    reg.check_invariants().unwrap();
}

mod random_deposit_inputs {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn deposit_saga_credits_at_most_once_and_refusals_change_nothing(
            inputs in proptest::collection::vec((0_u64..400, 0_u8..7), 1..60)
        ) {
            let mut saga = deposit();
            let p = saga.payment();
            let mut credits_started = 0;
            let mut now = 0;
            for (dt, k) in inputs {
                now += dt;
                let input = match k {
                    0 => DepositInput::Start,
                    1 => DepositInput::PaymentConfirmed { payment: p },
                    2 => DepositInput::PaymentFailed { payment: p, reason_code: 1 },
                    3 => DepositInput::PaymentCancelled { payment: p },
                    4 => DepositInput::Credited { payment: p },
                    5 => DepositInput::PaymentConfirmed { payment: PaymentId(3) },
                    _ => DepositInput::Timer,
                };
                let before = saga.clone();
                let mut out = Vec::new();
                match saga.advance(&config(), Timestamp(now), input, &mut out) {
                    Err(_) => {
                        prop_assert_eq!(&saga, &before);
                        prop_assert!(out.is_empty());
                    }
                    Ok(()) => {
                        credits_started += commands(&out)
                            .iter()
                            .filter(|c| matches!(c.kind, CommandKind::CreditAccount { .. }) && c.delivery == 0)
                            .count();
                    }
                }
                prop_assert!(credits_started <= 1);
                let json = serde_json::to_string(&saga).unwrap();
                let back: DepositSaga = serde_json::from_str(&json).unwrap();
                prop_assert_eq!(&back, &saga);
            }
        }
    }
}

#[test]
fn unanswered_compensation_is_handed_to_an_operator_once_and_listed_until_answered() {
    // The provider never answers: the payment request is abandoned after three
    // deliveries, then CancelPayment is redelivered without limit. Its sixth
    // delivery escalates, once; the saga keeps retrying and stays listed.
    let mut reg = SagaRegistry::new(config());
    let id = SagaId(9);
    let mut out = Vec::new();
    reg.start_deposit(T0, id, DepositSpec { account: AccountId(1), amount: Amount::from_minor(500) }, &mut out)
        .unwrap();
    let mut escalations = Vec::new();
    let mut now = T0.0;
    for _ in 0..40 {
        now += 1_000;
        out.clear();
        reg.on_time(Timestamp(now), &mut out);
        for a in &out {
            if let Action::Escalate { saga, command } = a {
                escalations.push((*saga, *command));
            }
        }
        reg.check_invariants().unwrap();
    }
    assert_eq!(escalations.len(), 1, "escalated once: {escalations:?}");
    let (saga, command) = escalations[0];
    assert_eq!(saga, id);
    assert_eq!(command.delivery + 1, config().escalate_after_deliveries);
    assert!(matches!(command.kind, CommandKind::CancelPayment { .. }), "{command:?}");
    let stuck = reg.stuck();
    assert_eq!(stuck.len(), 1);
    assert_eq!(stuck[0].0, id);
    assert!(stuck[0].1 > config().escalate_after_deliveries, "still retrying: {stuck:?}");
    // The operator fixes the provider; its reply ends the saga and the listing.
    out.clear();
    reg.advance(
        Timestamp(now),
        id,
        SagaInput::Deposit(DepositInput::PaymentCancelled { payment: payment_id(id) }),
        &mut out,
    )
    .unwrap();
    assert!(reg.get(id).unwrap().is_finished());
    assert!(reg.stuck().is_empty());
    // Escalation off: nothing is pushed or listed.
    let mut off = config();
    off.escalate_after_deliveries = 0;
    let mut reg = SagaRegistry::new(off);
    reg.start_deposit(T0, id, DepositSpec { account: AccountId(1), amount: Amount::from_minor(500) }, &mut out)
        .unwrap();
    out.clear();
    for k in 1..40 {
        reg.on_time(Timestamp(T0.0 + k * 1_000), &mut out);
    }
    assert!(!out.iter().any(|a| matches!(a, Action::Escalate { .. })));
    assert!(reg.stuck().is_empty());
}
