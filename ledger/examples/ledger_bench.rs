//! Throughput and latency of the ledger, single thread, in memory.
//!
//! Run: `cargo run --release -p brokerx-ledger --example ledger_bench`
//!
//! Workloads (seeded, deterministic inputs built before timing):
//! - single-phase transfers in batches of 8,189 across 10,000 accounts;
//! - pending + post pairs (a hold, then a partial post of it) in batches of
//!   8,189 transfers;
//! - retries of existing ids (one-transfer submits of an applied id).
//!
//! Prints throughput and per-batch / per-call latency percentiles.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::cast_precision_loss, clippy::float_arithmetic)]

use brokerx_ledger::{
    AccountKey, AccountSpec, Amount, AssetId, AssetSpec, Ledger, LedgerConfig, Timestamp, Transfer, TransferCode,
    TransferId, TransferStatus,
};
use hdrhistogram::Histogram;
use std::time::Instant;

const BATCH: usize = 8_189;
const ACCOUNTS: u64 = 10_000;

/// SplitMix64: a small seeded generator so inputs are reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

const USD: AssetId = AssetId(1);
// This bench's own codes for order holds and trade settlements (the Broker's numbers).
const SETTLE: TransferCode = TransferCode(3);
const HOLD: TransferCode = TransferCode(5);

fn key(owner: u64) -> AccountKey {
    AccountKey::new(owner, USD.0)
}

fn ledger(reserve: u32) -> Ledger {
    let mut l = Ledger::new(LedgerConfig {
        transfers_reserve: reserve,
        holds_reserve: reserve / 2,
        prefault: std::env::var("BENCH_NO_PREFAULT").is_err(),
        ..LedgerConfig::default()
    });
    l.create_asset(Timestamp(1), AssetSpec { id: USD, code: "USD".into(), scale: 2 }).unwrap();
    for owner in 1..=ACCOUNTS {
        // System accounts (may go negative) so random flows never run dry.
        l.create_account(Timestamp(1), AccountSpec::system(key(owner))).unwrap();
    }
    l
}

fn single_batches(rng: &mut Rng, next_id: &mut u128, batches: usize) -> Vec<Vec<Transfer>> {
    (0..batches)
        .map(|_| {
            (0..BATCH)
                .map(|_| {
                    let d = rng.next() % ACCOUNTS + 1;
                    let mut c = rng.next() % ACCOUNTS + 1;
                    if c == d {
                        c = c % ACCOUNTS + 1;
                    }
                    *next_id += 1;
                    Transfer::single(
                        TransferId(*next_id),
                        key(d),
                        key(c),
                        Amount::from_minor(u128::from(rng.next() % 10_000 + 1)),
                        SETTLE,
                    )
                })
                .collect()
        })
        .collect()
}

fn pair_batches(rng: &mut Rng, next_id: &mut u128, batches: usize) -> Vec<Vec<Transfer>> {
    (0..batches)
        .map(|_| {
            let mut b = Vec::with_capacity(BATCH);
            while b.len() + 2 <= BATCH {
                let d = rng.next() % ACCOUNTS + 1;
                let c = d % ACCOUNTS + 1;
                let amount = rng.next() % 10_000 + 2;
                *next_id += 1;
                let hold = TransferId(*next_id);
                b.push(Transfer::pending(hold, key(d), key(c), Amount::from_minor(u128::from(amount)), HOLD, 0));
                *next_id += 1;
                b.push(Transfer::post(TransferId(*next_id), hold, Amount::from_minor(u128::from(amount / 2)), SETTLE));
            }
            b
        })
        .collect()
}

/// Nanoseconds this thread has spent on a CPU (Linux schedstat), to tell
/// the ledger's own speed apart from time lost to other processes on a
/// shared machine. `None` where unavailable.
fn on_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn report(name: &str, hist: &Histogram<u64>, unit: &str) {
    println!(
        "  {name} latency ({unit}): p50 {} p90 {} p99 {} p99.9 {} max {}",
        hist.value_at_quantile(0.50),
        hist.value_at_quantile(0.90),
        hist.value_at_quantile(0.99),
        hist.value_at_quantile(0.999),
        hist.max()
    );
}

fn run_batches(name: &str, per_batch_items: usize, batches: &[Vec<Transfer>], item: &str) -> f64 {
    let total_transfers: usize = batches.iter().map(Vec::len).sum();
    let mut l = ledger(u32::try_from(total_transfers + 16).unwrap());
    let mut out = Vec::with_capacity(BATCH);
    let mut hist = Histogram::<u64>::new(3).unwrap();
    let mut now = 2u64;
    let cpu_start = on_cpu_ns();
    let start = Instant::now();
    for b in batches {
        now += 1;
        let t0 = Instant::now();
        l.submit(Timestamp(now), b, &mut out).unwrap();
        hist.record(t0.elapsed().as_nanos() as u64).unwrap();
        debug_assert!(out.iter().all(|r| r.status == TransferStatus::Ok));
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu_secs = on_cpu_ns().zip(cpu_start).map(|(end, start)| (end - start) as f64 / 1e9);
    assert!(out.iter().all(|r| r.status == TransferStatus::Ok));
    let items = (per_batch_items * batches.len()) as f64;
    let rate = items / secs;
    println!("{name}: {} batches, wall {:.0} {item}/s ({:.1} ns per {item})", batches.len(), rate, secs * 1e9 / items);
    if let Some(cpu) = cpu_secs {
        println!(
            "  on-CPU {:.0} {item}/s ({:.1} ns per {item}); wall/on-CPU = {:.2}",
            items / cpu,
            cpu * 1e9 / items,
            secs / cpu
        );
    }
    let p50 = hist.value_at_quantile(0.5) as f64;
    println!(
        "  from the median batch: {:.0} {item}/s ({:.1} ns per {item})",
        per_batch_items as f64 * 1e9 / p50,
        p50 / per_batch_items as f64
    );
    report("batch", &hist, "ns per batch");
    l.check_invariants().unwrap();
    rate
}

fn main() {
    let batches: usize = std::env::var("BENCH_BATCHES").ok().and_then(|v| v.parse().ok()).unwrap_or(500);
    println!("brokerx-ledger bench: {batches} batches of {BATCH} transfers, {ACCOUNTS} accounts, single thread");
    let mut rng = Rng(0x5eed);
    let mut next_id = 0u128;

    // Warm-up pass (page faults, allocator) on a throwaway ledger.
    let warm = single_batches(&mut rng, &mut next_id, 20);
    run_batches("warm-up", BATCH, &warm, "transfer");

    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "single" {
        let singles = single_batches(&mut rng, &mut next_id, batches);
        run_batches("single-phase", BATCH, &singles, "transfer");
    }
    if only.is_empty() || only == "pairs" {
        let pairs = pair_batches(&mut rng, &mut next_id, batches);
        run_batches("pending+post", BATCH / 2, &pairs, "pair");
    }
    if !only.is_empty() && only != "retry" {
        return;
    }

    // Retries: a ledger with 1,000,000 applied ids, then one-transfer
    // submits of existing ids (each returns `exists`).
    let fill = single_batches(&mut rng, &mut next_id, 1_000_000 / BATCH + 1);
    let total: usize = fill.iter().map(Vec::len).sum();
    let mut l = ledger(u32::try_from(total + 16).unwrap());
    let mut out = Vec::with_capacity(BATCH);
    for b in &fill {
        l.submit(Timestamp(2), b, &mut out).unwrap();
    }
    let retries: Vec<Transfer> = (0..1_000_000)
        .map(|_| {
            let b = &fill[(rng.next() as usize) % fill.len()];
            b[(rng.next() as usize) % b.len()]
        })
        .collect();
    let mut hist = Histogram::<u64>::new(3).unwrap();
    let cpu_start = on_cpu_ns();
    let start = Instant::now();
    for t in &retries {
        let t0 = Instant::now();
        l.submit(Timestamp(3), std::slice::from_ref(t), &mut out).unwrap();
        hist.record(t0.elapsed().as_nanos() as u64).unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = on_cpu_ns().zip(cpu_start).map(|(e, s)| e - s);
    assert!(out.iter().all(|r| r.status == TransferStatus::Exists));
    println!(
        "retry of a random existing id (1M ids), one submit each: {} retries, wall {:.1} ns per retry (two timer reads included)",
        retries.len(),
        secs * 1e9 / retries.len() as f64
    );
    if let Some(cpu) = cpu {
        println!("  on-CPU {:.1} ns per retry", cpu as f64 / retries.len() as f64);
    }
    report("retry", &hist, "ns");

    // Retries of recent ids (the last batch applied), the usual case of a
    // client retrying after a timeout.
    let recent = fill.last().unwrap();
    let mut hist = Histogram::<u64>::new(3).unwrap();
    let cpu_start = on_cpu_ns();
    let start = Instant::now();
    let rounds = 100;
    for _ in 0..rounds {
        for t in recent {
            let t0 = Instant::now();
            l.submit(Timestamp(3), std::slice::from_ref(t), &mut out).unwrap();
            hist.record(t0.elapsed().as_nanos() as u64).unwrap();
        }
    }
    let n = (rounds * recent.len()) as f64;
    let secs = start.elapsed().as_secs_f64();
    println!("retry of a recent id, one submit each: wall {:.1} ns per retry", secs * 1e9 / n);
    if let Some(cpu) = on_cpu_ns().zip(cpu_start).map(|(e, s)| e - s) {
        println!("  on-CPU {:.1} ns per retry", cpu as f64 / n);
    }
    report("recent retry", &hist, "ns");

    // Retries batched: 8,189 existing ids per submit.
    let start = Instant::now();
    for chunk in retries.chunks(BATCH) {
        l.submit(Timestamp(3), chunk, &mut out).unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    println!("retry of existing id, batched: {:.1} ns per retry", secs * 1e9 / retries.len() as f64);
}
