//! Saga figures for docs/performance.md (Sagas): nanoseconds per step (p50/p99
//! via an HDR histogram) and bytes per live saga with 1 million sagas.
//!
//! Run: `cargo run --release -p brokerx-benches --bin saga_bench`
//!
//! Memory is measured as the growth of the process's resident set
//! (`VmRSS` in /proc/self/status) while the registry is filled, divided by
//! the number of sagas. The workspace forbids `unsafe`, so a counting global
//! allocator is not available; RSS includes allocator overhead, which is
//! what a host would pay anyway.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;

use brokerx_engine::saga::{
    hold_id, order_id, AccountId, Action, DepositSaga, FillRecord, InstrumentId, Lots, OrderInput, OrderSaga,
    OrderSpec, Saga, SagaConfig, SagaId, SagaInput, SagaRegistry, Side, Ticks, Timestamp, TradeId,
};
use hdrhistogram::Histogram;

const SAGAS: u64 = 1_000_000;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Minor page faults of this process so far (`minflt`, field 10 of /proc/self/stat).
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or("");
    after_name.split_whitespace().nth(7).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn spec(i: u64) -> OrderSpec {
    OrderSpec::limit(AccountId(i % 10_000), InstrumentId(1), Side::Buy, Lots(10), Ticks(100), Timestamp(u64::MAX / 2))
}

/// Permutes 0..SAGAS so routed steps do not walk the map in key order.
fn scatter(i: u64) -> u64 {
    (i * 7_919) % SAGAS
}

fn timed_pass(name: &str, reg: &mut SagaRegistry, now: Timestamp, input: impl Fn(SagaId) -> OrderInput) {
    let mut hist = Histogram::<u64>::new_with_bounds(1, 100_000_000, 3).unwrap();
    let mut out: Vec<Action> = Vec::with_capacity(8);
    let faults = minor_faults();
    let pass = Instant::now();
    for i in 0..SAGAS {
        let id = SagaId(scatter(i));
        let input = SagaInput::Order(input(id));
        out.clear();
        let t = Instant::now();
        reg.advance(now, id, input, &mut out).unwrap();
        let ns = u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX);
        hist.saturating_record(ns.max(1));
    }
    let total = pass.elapsed();
    let faults = minor_faults() - faults;
    println!(
        "{name:<34} p50 {:>6} ns  p99 {:>6} ns  p99.9 {:>7} ns  max {:>9} ns  mean(incl. timer) {:>6} ns  page faults {}.{:02} %",
        hist.value_at_quantile(0.50),
        hist.value_at_quantile(0.99),
        hist.value_at_quantile(0.999),
        hist.max(),
        total.as_nanos() / u128::from(SAGAS),
        // Minor faults per 100 steps: the heap growing into fresh pages.
        faults * 100 / SAGAS,
        faults * 10_000 / SAGAS % 100,
    );
}

fn untimed_steps_per_sec(reg: &mut SagaRegistry) {
    // Throughput without per-step clock reads: a timer that is not due,
    // routed through the registry (lookup + advance + deadline check).
    let mut out: Vec<Action> = Vec::with_capacity(8);
    let t = Instant::now();
    for i in 0..SAGAS {
        let id = SagaId(scatter(i));
        out.clear();
        reg.advance(Timestamp(2), id, SagaInput::Order(OrderInput::Timer), &mut out).unwrap();
    }
    let ns = t.elapsed().as_nanos() / u128::from(SAGAS);
    println!("registry routed timer (no clock/step) mean {ns} ns per step");
}

fn main() {
    println!(
        "size_of: OrderSaga {} B, DepositSaga {} B, Saga {} B, FillRecord {} B, Action {} B",
        std::mem::size_of::<OrderSaga>(),
        std::mem::size_of::<DepositSaga>(),
        std::mem::size_of::<Saga>(),
        std::mem::size_of::<FillRecord>(),
        std::mem::size_of::<Action>(),
    );
    let config = SagaConfig::default();
    let rss0 = rss_kib();
    let mut reg = SagaRegistry::new(config);
    let mut out = Vec::with_capacity(8);
    let t = Instant::now();
    for i in 0..SAGAS {
        out.clear();
        reg.start_order(Timestamp(1), SagaId(i), spec(i), &mut out).unwrap();
    }
    let build = t.elapsed();
    let rss1 = rss_kib();
    println!(
        "1M order sagas started (reserving_funds): {} ms, RSS +{} MiB, {} B per live saga",
        build.as_millis(),
        (rss1 - rss0) / 1024,
        (rss1 - rss0) * 1024 / SAGAS
    );

    // Every reservation times out at once: one on_time call redelivers all.
    let mut batch: Vec<Action> = Vec::with_capacity(3 * 1_000_000);
    let t = Instant::now();
    let woken = reg.on_time(Timestamp(3_000_000_000), &mut batch);
    let ns = t.elapsed().as_nanos();
    println!(
        "on_time: {woken} sagas timed out in {} ms, {} ns per woken saga ({} actions)",
        ns / 1_000_000,
        ns / u128::try_from(woken.max(1)).unwrap_or(1),
        batch.len()
    );
    drop(batch);

    timed_pass("step funds_reserved → placing", &mut reg, Timestamp(2), |id| OrderInput::FundsReserved {
        hold: hold_id(id),
    });
    timed_pass("step order_accepted → working", &mut reg, Timestamp(2), |id| OrderInput::OrderAccepted {
        order: order_id(id),
    });
    timed_pass("step fill → partially_filled", &mut reg, Timestamp(2), |id| OrderInput::Fill {
        order: order_id(id),
        trade: TradeId(id.0 * 2),
        qty: Lots(4),
        price: Ticks(99),
        aggressor: Side::Buy,
    });
    timed_pass("step duplicate fill (no action)", &mut reg, Timestamp(2), |id| OrderInput::Fill {
        order: order_id(id),
        trade: TradeId(id.0 * 2),
        qty: Lots(4),
        price: Ticks(99),
        aggressor: Side::Buy,
    });
    timed_pass("step trade_settled", &mut reg, Timestamp(2), |id| OrderInput::TradeSettled {
        trade: TradeId(id.0 * 2),
    });
    untimed_steps_per_sec(&mut reg);
    let rss2 = rss_kib();
    println!(
        "1M order sagas partially filled (1 fill each): RSS +{} MiB over empty, {} B per live saga",
        (rss2 - rss0) / 1024,
        (rss2 - rss0) * 1024 / SAGAS
    );
    println!("live sagas: {}", reg.live());
}
