//! Steady state allocates nothing: after a warm-up replay of a seeded workload, the
//! same kind of traffic runs with zero heap allocations per command (counted by a
//! global allocator that wraps the system one).

use brokerx_benches::{allocs, CountingAlloc};
use brokerx_engine::*;
use brokerx_testkit::workload::{deep_book_mix, exchange_core_mix, Workload};

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Replays the warm-up and the first half of the measured commands, then counts
/// allocations over the second half.
fn allocations_in_steady_state(w: &Workload, market_data: bool) -> (u64, usize) {
    let mut e = Engine::new(EngineConfig { market_data, ..EngineConfig::default() });
    let mut out = Vec::with_capacity(1 << 12);
    let split = w.measured_from + (w.commands.len() - w.measured_from) / 2;
    for c in &w.commands[..split] {
        out.clear();
        let _ = e.apply(c, &mut out);
    }
    let before = allocs();
    for c in &w.commands[split..] {
        out.clear();
        let _ = e.apply(c, &mut out);
    }
    let n = allocs() - before;
    assert!(e.check_invariants().is_ok());
    (n, w.commands.len() - split)
}

#[test]
fn exchange_core_mix_allocates_nothing_per_command() {
    let w = exchange_core_mix(42, 60_000, 1_000, 1_000);
    for md in [false, true] {
        let (n, cmds) = allocations_in_steady_state(&w, md);
        assert_eq!(n, 0, "{n} allocations over {cmds} commands (market data {md})");
    }
}

#[test]
fn deep_book_mix_allocates_nothing_per_command() {
    let w = deep_book_mix(42, 60_000, 20_000, 500, 1_000);
    let (n, cmds) = allocations_in_steady_state(&w, true);
    assert_eq!(n, 0, "{n} allocations over {cmds} commands");
}
