//! Replays seeded workloads through the engine and prints throughput, latency
//! percentiles, allocations per command and memory per resting order.
//!
//!     cargo run --release -p brokerx-benches --bin engine_bench [-- quick] [exchange] [deep] [retail] [memory]
//!
//! Each workload is replayed through `Engine::apply` (one call per command, also
//! timed per command for the latency percentiles) and through `Engine::apply_batch`
//! (1,024 commands per call; it prefetches on books larger than L2).

use std::hint::black_box;
use std::time::Instant;

use brokerx_benches::{allocs, live_bytes, percentiles, CountingAlloc};
use brokerx_engine::*;
use brokerx_testkit::workload::{deep_book_mix, exchange_core_mix, instrument_spec, retail_mix, Retail, Workload};
use hdrhistogram::Histogram;

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

struct Figures {
    ops_per_sec: f64,
    allocs_per_cmd: f64,
    latency: String,
    events_per_cmd: f64,
}

fn warm_engine(w: &Workload, market_data: bool) -> (Engine, Vec<Event>) {
    let mut e = Engine::new(EngineConfig { market_data, ..EngineConfig::default() });
    let mut out = Vec::with_capacity(1 << 16);
    for c in &w.commands[..w.measured_from] {
        out.clear();
        let _ = e.apply(c, &mut out);
    }
    (e, out)
}

/// Commands per `apply_batch` call: what a host draining a ring buffer might hand over.
const BATCH: usize = 1_024;

/// Applies `cmds` one `apply` call each, or in `apply_batch` calls of `BATCH`;
/// returns the number of events.
fn replay(e: &mut Engine, out: &mut Vec<Event>, cmds: &[Command], batched: bool) -> usize {
    let mut events = 0;
    if batched {
        for chunk in cmds.chunks(BATCH) {
            out.clear();
            e.apply_batch(chunk, out, |_, err| {
                black_box(err);
            });
            events += out.len();
        }
    } else {
        for c in cmds {
            out.clear();
            let _ = black_box(e.apply(c, out));
            events += out.len();
        }
    }
    events
}

fn run(w: &Workload, market_data: bool, batched: bool, repeats: usize) -> Figures {
    let measured = &w.commands[w.measured_from..];
    // Throughput: best of `repeats` whole replays (each from the same warm state).
    let mut best = f64::MAX;
    let mut allocs_per_cmd = 0.0;
    let mut events = 0usize;
    for _ in 0..repeats {
        let (mut e, mut out) = warm_engine(w, market_data);
        let a0 = allocs();
        let t = Instant::now();
        events = replay(&mut e, &mut out, measured, batched);
        let secs = t.elapsed().as_secs_f64();
        allocs_per_cmd = (allocs() - a0) as f64 / measured.len() as f64;
        best = best.min(secs);
        debug_assert!(e.check_invariants().is_ok());
    }
    // Latency (per command, so only for `apply`): one more replay timing each command.
    let latency = if batched {
        format!("n/a (batches of {BATCH})")
    } else {
        let (mut e, mut out) = warm_engine(w, market_data);
        let mut h = Histogram::<u64>::new_with_bounds(1, 10_000_000, 3)
            .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!()));
        for c in measured {
            out.clear();
            let t = Instant::now();
            let _ = black_box(e.apply(c, &mut out));
            let ns = t.elapsed().as_nanos() as u64;
            let _ = h.record(ns.max(1));
        }
        percentiles(&h)
    };
    Figures {
        ops_per_sec: measured.len() as f64 / best,
        allocs_per_cmd,
        latency,
        events_per_cmd: events as f64 / measured.len() as f64,
    }
}

fn report(name: &str, w: &Workload, repeats: usize) {
    // Instruction counting on this noisy machine: `BROKERX_REPLAY_ONLY=k` warms,
    // replays the first k measured commands once (market data off unless
    // BROKERX_MARKET_DATA=1; through `apply_batch` if BROKERX_BATCH is set) and
    // returns, so `valgrind --tool=cachegrind` at two values of k gives
    // instructions per command.
    if let Some(k) = std::env::var("BROKERX_REPLAY_ONLY").ok().and_then(|v| v.parse::<usize>().ok()) {
        let md = std::env::var("BROKERX_MARKET_DATA").is_ok_and(|v| v == "1");
        let (mut e, mut out) = warm_engine(w, md);
        let cmds = &w.commands[w.measured_from..][..k.min(w.commands.len() - w.measured_from)];
        replay(&mut e, &mut out, cmds, std::env::var_os("BROKERX_BATCH").is_some());
        println!("{name}: replayed {k} measured commands; last seq {}", e.last_seq());
        return;
    }
    for (md, batched) in [(false, false), (false, true), (true, false), (true, true)] {
        let f = run(w, md, batched, repeats);
        let how = if batched { "apply_batch" } else { "apply" };
        println!(
            "{name:<22} {how:<11} market_data={md:<5} {:>6.2} M cmds/s  {:.2} events/cmd  {:.4} allocs/cmd  latency {}",
            f.ops_per_sec / 1e6,
            f.events_per_cmd,
            f.allocs_per_cmd,
            f.latency
        );
    }
}

fn memory(n: usize) {
    let before = live_bytes();
    let mut e = Engine::new(EngineConfig { max_orders: n, market_data: false, ..EngineConfig::default() });
    let mut out = Vec::new();
    let reg = Command {
        ts: Timestamp(1),
        correlation_id: CorrelationId(0),
        kind: CommandKind::RegisterInstrument(instrument_spec()),
    };
    let _ = e.apply(&reg, &mut out);
    // Bids on 10,000 levels below the asks: nothing crosses, everything rests.
    for k in 0..n {
        out.clear();
        let side = if k % 2 == 0 { Side::Buy } else { Side::Sell };
        let price = match side {
            Side::Buy => 1_000_000 - (k % 10_000) as i64,
            Side::Sell => 1_000_001 + (k % 10_000) as i64,
        };
        let cmd = Command {
            ts: Timestamp(2 + k as u64),
            correlation_id: CorrelationId(k as u64),
            kind: CommandKind::Place(Place::limit(
                AccountId(k as u64 % 1000),
                InstrumentId(0),
                side,
                Ticks(price),
                Lots(10),
            )),
        };
        let _ = e.apply(&cmd, &mut out);
    }
    let bytes = live_bytes() - before;
    println!(
        "memory: {} resting orders use {:.1} MiB ({:.1} bytes/order, heap bytes by counting allocator)",
        e.live_orders(),
        bytes as f64 / (1 << 20) as f64,
        bytes as f64 / e.live_orders().max(1) as f64
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let (n, repeats) = if quick { (200_000, 1) } else { (2_000_000, 3) };
    // BROKERX_REPEATS=r: best of r replays (steadier figures on a noisy host).
    let repeats = std::env::var("BROKERX_REPEATS").ok().and_then(|v| v.parse().ok()).unwrap_or(repeats);
    println!("engine_bench: seed 42, {n} measured commands per workload, best of {repeats} replays; single thread");
    let only = |name: &str| {
        !std::env::args().skip(1).any(|a| ["exchange", "deep", "retail", "memory"].contains(&a.as_str()))
            || std::env::args().any(|a| a == name)
    };
    if only("exchange") {
        let w = exchange_core_mix(42, n, 1_000, 1_000);
        report("exchange-core mix", &w, repeats);
    }
    if only("deep") {
        let w = deep_book_mix(42, n, 100_000, 2_000, 1_000);
        report("deep book (100k)", &w, repeats);
    }
    if only("retail") {
        // 10 % stops and 5 % orders by amount; the same stream with 100 and with
        // 100,000 stops waiting far from the market.
        // BROKERX_FAR_STOPS=k: only that variant (for instruction counts).
        let only_far = std::env::var("BROKERX_FAR_STOPS").ok().and_then(|v| v.parse::<usize>().ok());
        for far_stops in [100, 100_000].into_iter().filter(|f| only_far.is_none_or(|o| o == *f)) {
            let retail = Retail { stops_per_mille: 100, by_amount_per_mille: 50, far_stops };
            let w = retail_mix(42, n, 1_000, 1_000, retail);
            report(&format!("retail, {far_stops} far stops"), &w, repeats);
            // The exchange-core mix itself beside the same waiting stops: what
            // they cost trading that triggers none.
            let w = retail_mix(42, n, 1_000, 1_000, Retail { far_stops, ..Retail::default() });
            report(&format!("exchange, {far_stops} far stops"), &w, repeats);
        }
    }
    if only("memory") {
        memory(if quick { 1_000_000 } else { 10_000_000 });
    }
}
