//! The full path: risk + hold + match + settle, on the exchange-core-style mix with
//! 1,000 funded accounts. Prints commands/s, latency percentiles, allocations per
//! command, and the Broker's memory per live order.
//!
//!     cargo run --release -p brokerx-benches --bin broker_bench [-- quick]

use std::hint::black_box;
use std::time::Instant;

use brokerx_benches::{allocs, percentiles, CountingAlloc};
use brokerx_engine::broker::*;
use brokerx_engine::*;
use brokerx_ledger::LedgerConfig;
use brokerx_testkit::market::{broker_commands, Market};
use brokerx_testkit::workload::exchange_core_mix;
use hdrhistogram::Histogram;

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn setup(accounts: u64, commands: usize) -> (Broker, Vec<BrokerEvent>) {
    let ledger = LedgerConfig {
        transfers_reserve: (commands * 8).min(u32::MAX as usize) as u32,
        holds_reserve: 1 << 20,
        prefault: true,
        ..LedgerConfig::default()
    };
    let market = Market {
        accounts,
        usd_each_minor: 1_000_000_000_000,
        bx_each_minor: 100_000_000,
        maker_fee_bps: 1,
        taker_fee_bps: 2,
    };
    let config = BrokerConfig { engine: EngineConfig { market_data: false, ..EngineConfig::default() }, ledger };
    let (b, _) = market.broker(config).unwrap_or_else(|e| panic!("setup: {e}"));
    (b, Vec::with_capacity(1 << 12))
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let (n, accounts) = if quick { (200_000, 1_000) } else { (2_000_000, 1_000) };
    let w = exchange_core_mix(42, n, 1_000, accounts);
    let warm = broker_commands(&w.commands[..w.measured_from], 1_000_000);
    let measured = broker_commands(&w.commands[w.measured_from..], 1_000_000);
    println!(
        "broker_bench: seed 42, {} measured commands (exchange-core mix), {accounts} funded accounts; single thread",
        measured.len()
    );

    // Instruction counting on this noisy machine: `BROKERX_REPLAY_ONLY=k` sets up,
    // warms, replays the first k measured commands once and exits, so
    // `valgrind --tool=cachegrind` at two values of k gives instructions per command.
    if let Some(k) = std::env::var("BROKERX_REPLAY_ONLY").ok().and_then(|v| v.parse::<usize>().ok()) {
        // `BROKERX_GOLDEN=1` also hashes every event and the final state, to
        // show that a change to the settlement path changed no output.
        let golden = std::env::var("BROKERX_GOLDEN").is_ok_and(|v| v == "1");
        let mut events_hash: u64 = 0xcbf29ce484222325;
        let (mut b, mut out) = setup(accounts, w.commands.len());
        for c in warm.iter().chain(measured.iter().take(k)) {
            out.clear();
            let _ = black_box(b.apply(c, &mut out));
            if golden {
                for byte in out.iter().flat_map(|e| format!("{e:?}").into_bytes()) {
                    events_hash = (events_hash ^ u64::from(byte)).wrapping_mul(0x100000001b3);
                }
            }
        }
        println!("replayed {} measured commands; last seq {}", k.min(measured.len()), b.last_seq());
        if golden {
            println!("golden: events {events_hash:016x}, state {:016x}", b.state_hash());
        }
        return;
    }

    let mut best = f64::MAX;
    let mut stats = (0usize, 0usize, 0.0f64);
    for _ in 0..if quick { 1 } else { 3 } {
        let (mut b, mut out) = setup(accounts, w.commands.len());
        for c in &warm {
            out.clear();
            let _ = b.apply(c, &mut out);
        }
        let a0 = allocs();
        let (mut trades, mut rejects) = (0usize, 0usize);
        let t = Instant::now();
        for c in &measured {
            out.clear();
            let _ = black_box(b.apply(c, &mut out));
            for e in &out {
                match e.kind {
                    BrokerEventKind::Order(EventKind::Trade { .. }) => trades += 1,
                    BrokerEventKind::OrderRejected { .. } => rejects += 1,
                    _ => {}
                }
            }
        }
        let secs = t.elapsed().as_secs_f64();
        best = best.min(secs);
        stats = (trades, rejects, (allocs() - a0) as f64 / measured.len() as f64);
        assert!(b.check_invariants().is_ok(), "invariants after the run");
    }
    println!(
        "full path: {:.2} M commands/s ({} trades settled, {} risk rejections, {:.3} allocs/cmd)",
        measured.len() as f64 / best / 1e6,
        stats.0,
        stats.1,
        stats.2
    );
    let (mut b, mut out) = setup(accounts, w.commands.len());
    for c in &warm {
        out.clear();
        let _ = b.apply(c, &mut out);
    }
    let new_hist = || Histogram::<u64>::new_with_bounds(1, 100_000_000, 3).unwrap_or_else(|_| unreachable!());
    let mut h = new_hist();
    // Per command kind: gtc place, ioc place, cancel, amend price (buy, sell), amend quantity.
    let names = ["place gtc", "place ioc", "cancel", "amend price (buy)", "amend price (sell)", "amend qty"];
    let mut by_kind: Vec<Histogram<u64>> = names.iter().map(|_| new_hist()).collect();
    // By fills per command (0, 1, 2, 3, 4 or more): each fill is one linked
    // settlement batch, so this is where the tail comes from.
    let mut by_fills: Vec<Histogram<u64>> = (0..5).map(|_| new_hist()).collect();
    for c in &measured {
        let kind = match &c.kind {
            BrokerCommandKind::Place(p) if p.time_in_force == TimeInForce::Gtc => 0,
            BrokerCommandKind::Place(_) => 1,
            BrokerCommandKind::Cancel(_) => 2,
            BrokerCommandKind::Amend(a) if a.new_price.is_some() => {
                let buy = match a.order {
                    OrderRef::Id(id) => b.engine().order(id).is_some_and(|o| o.side == Side::Buy),
                    OrderRef::Client(_) => false,
                };
                if buy {
                    3
                } else {
                    4
                }
            }
            _ => 5,
        };
        out.clear();
        let t = Instant::now();
        let _ = black_box(b.apply(c, &mut out));
        let ns = (t.elapsed().as_nanos() as u64).max(1);
        let _ = h.record(ns);
        let _ = by_kind[kind].record(ns);
        let fills = out.iter().filter(|e| matches!(e.kind, BrokerEventKind::Order(EventKind::Trade { .. }))).count();
        let _ = by_fills[fills.min(4)].record(ns);
    }
    println!("latency per command: {}", percentiles(&h));
    for (name, h) in names.iter().zip(&by_kind) {
        println!(
            "  {name:<19} {:>5.1} % of commands, mean {:>5.0} ns, p50 {} ns, p99 {} ns",
            100.0 * h.len() as f64 / measured.len() as f64,
            h.mean(),
            h.value_at_quantile(0.5),
            h.value_at_quantile(0.99)
        );
    }
    println!(
        "  (p98 {} ns, p99 {} ns, p99.5 {} ns; above 2 us: {:.2} % of commands)",
        h.value_at_quantile(0.98),
        h.value_at_quantile(0.99),
        h.value_at_quantile(0.995),
        100.0 * (h.len() - h.count_between(0, 2_000)) as f64 / h.len() as f64
    );
    for (fills, f) in by_fills.iter().enumerate() {
        let name = if fills == 4 { "4+ fills".to_string() } else { format!("{fills} fills") };
        println!(
            "  {name:<19} {:>5.2} % of commands, p50 {} ns, p90 {} ns, p99 {} ns, above 2 us: {:.2} % of all commands",
            100.0 * f.len() as f64 / measured.len() as f64,
            f.value_at_quantile(0.5),
            f.value_at_quantile(0.9),
            f.value_at_quantile(0.99),
            100.0 * (f.len() - f.count_between(0, 2_000)) as f64 / measured.len() as f64
        );
    }
}
