//! Criterion benches: per-command cost on the two seeded workloads, replayed from a
//! warm engine (setup outside the timed closure).

use std::hint::black_box;

use brokerx_engine::*;
use brokerx_testkit::workload::{deep_book_mix, exchange_core_mix, Workload};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

fn warm(w: &Workload) -> Engine {
    let mut e = Engine::new(EngineConfig { market_data: false, ..EngineConfig::default() });
    let mut out = Vec::new();
    for c in &w.commands[..w.measured_from] {
        out.clear();
        let _ = e.apply(c, &mut out);
    }
    e
}

fn bench(c: &mut Criterion, name: &str, w: &Workload) {
    let measured = &w.commands[w.measured_from..];
    let base = warm(w);
    let snap = base.snapshot();
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(measured.len() as u64));
    g.sample_size(10);
    g.bench_function("replay", |b| {
        b.iter_batched(
            || (Engine::restore(&snap).unwrap_or_default(), Vec::with_capacity(1 << 12)),
            |(mut e, mut out): (Engine, Vec<Event>)| {
                for cmd in measured {
                    out.clear();
                    let _ = black_box(e.apply(cmd, &mut out));
                }
                e
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn engine(c: &mut Criterion) {
    bench(c, "exchange_core_mix_100k", &exchange_core_mix(42, 100_000, 1_000, 1_000));
    bench(c, "deep_book_100k_resting", &deep_book_mix(42, 100_000, 100_000, 2_000, 1_000));
}

criterion_group!(benches, engine);
criterion_main!(benches);
