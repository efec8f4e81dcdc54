//! Criterion benches: single-phase batches of 8,189 transfers across 10,000
//! accounts, pending+post pairs, and retries of an existing id.
//!
//! Inputs are seeded and built outside the timed section; the ledger is
//! rebuilt (untimed) before it grows past its pre-allocated reserve.
//! Run: `cargo bench -p brokerx-ledger --bench ledger`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use brokerx_ledger::{
    AccountKey, AccountSpec, Amount, AssetId, AssetSpec, Ledger, LedgerConfig, Timestamp, Transfer, TransferCode,
    TransferId,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const BATCH: usize = 8_189;
const ACCOUNTS: u64 = 10_000;
const USD: AssetId = AssetId(1);
// This bench's own codes for order holds and trade settlements (the Broker's numbers).
const SETTLE: TransferCode = TransferCode(3);
const HOLD: TransferCode = TransferCode(5);
const RESERVE: u32 = 2_000_000;

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

fn key(owner: u64) -> AccountKey {
    AccountKey::new(owner, USD.0)
}

fn ledger() -> Ledger {
    let mut l = Ledger::new(LedgerConfig {
        transfers_reserve: RESERVE,
        holds_reserve: RESERVE / 2,
        prefault: true,
        ..LedgerConfig::default()
    });
    l.create_asset(Timestamp(1), AssetSpec { id: USD, code: "USD".into(), scale: 2 }).unwrap();
    for owner in 1..=ACCOUNTS {
        l.create_account(Timestamp(1), AccountSpec::system(key(owner))).unwrap();
    }
    l
}

fn fill_single(batch: &mut Vec<Transfer>, rng: &mut Rng, next_id: &mut u128) {
    batch.clear();
    for _ in 0..BATCH {
        let d = rng.next() % ACCOUNTS + 1;
        let c = (d + rng.next() % (ACCOUNTS - 1)) % ACCOUNTS + 1;
        *next_id += 1;
        batch.push(Transfer::single(
            TransferId(*next_id),
            key(d),
            key(c),
            Amount::from_minor(u128::from(rng.next() % 10_000 + 1)),
            SETTLE,
        ));
    }
}

fn fill_pairs(batch: &mut Vec<Transfer>, rng: &mut Rng, next_id: &mut u128) {
    batch.clear();
    while batch.len() + 2 <= BATCH {
        let d = rng.next() % ACCOUNTS + 1;
        let c = d % ACCOUNTS + 1;
        let amount = rng.next() % 10_000 + 2;
        *next_id += 1;
        let hold = TransferId(*next_id);
        batch.push(Transfer::pending(hold, key(d), key(c), Amount::from_minor(u128::from(amount)), HOLD, 0));
        *next_id += 1;
        batch.push(Transfer::post(TransferId(*next_id), hold, Amount::from_minor(u128::from(amount / 2)), SETTLE));
    }
}

fn run(c: &mut Criterion, name: &str, elements: u64, fill: fn(&mut Vec<Transfer>, &mut Rng, &mut u128)) {
    let mut group = c.benchmark_group("ledger");
    group.throughput(Throughput::Elements(elements));
    group.sample_size(20);
    let mut l = ledger();
    let mut rng = Rng(42);
    let mut next_id = 0u128;
    let mut batch = Vec::with_capacity(BATCH);
    let mut out = Vec::with_capacity(BATCH);
    let mut now = 2u64;
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                if l.transfer_ids() + BATCH > RESERVE as usize {
                    l = ledger();
                }
                fill(&mut batch, &mut rng, &mut next_id);
                now += 1;
                let start = Instant::now();
                l.submit(Timestamp(now), black_box(&batch), &mut out).unwrap();
                total += start.elapsed();
                black_box(&out);
            }
            total
        });
    });
    group.finish();
}

fn single_phase(c: &mut Criterion) {
    run(c, "single_phase_batch_8189", BATCH as u64, fill_single);
}

fn pending_post_pairs(c: &mut Criterion) {
    run(c, "pending_post_pairs_batch_8189", (BATCH / 2) as u64, fill_pairs);
}

fn retry_existing(c: &mut Criterion) {
    let mut l = ledger();
    let mut rng = Rng(7);
    let mut next_id = 0u128;
    let mut batch = Vec::with_capacity(BATCH);
    let mut out = Vec::with_capacity(BATCH);
    let mut applied = Vec::new();
    for _ in 0..100 {
        fill_single(&mut batch, &mut rng, &mut next_id);
        l.submit(Timestamp(2), &batch, &mut out).unwrap();
        applied.extend_from_slice(&batch);
    }
    let mut i = 0usize;
    c.bench_function("ledger/retry_random_existing_id", |b| {
        b.iter(|| {
            i = (i + 7_919) % applied.len();
            l.submit(Timestamp(3), black_box(std::slice::from_ref(&applied[i])), &mut out).unwrap();
            black_box(&out);
        });
    });
    // The usual retry: a client repeating a request it just sent (ids of
    // the last batch, hot in cache).
    let recent = &applied[applied.len() - BATCH..];
    let mut j = 0usize;
    c.bench_function("ledger/retry_recent_id", |b| {
        b.iter(|| {
            j = (j + 1) % recent.len();
            l.submit(Timestamp(3), black_box(std::slice::from_ref(&recent[j])), &mut out).unwrap();
            black_box(&out);
        });
    });
}

criterion_group!(benches, single_phase, pending_post_pairs, retry_existing);
criterion_main!(benches);
