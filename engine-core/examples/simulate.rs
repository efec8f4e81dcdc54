//! A market simulation: seeded clients trade one instrument through the engine.
//! Prints throughput, trade count and volume, and the final book.
//!
//!     cargo run --release --example simulate [-- <commands>]

#![allow(clippy::float_arithmetic)] // throughput figures only; no money here

use std::time::Instant;

use brokerx_engine::workload::exchange_core_mix;
use brokerx_engine::*;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(2_000_000);
    println!("generating a seeded exchange-core-style workload: {n} commands, ~1,000 resting orders, 1,000 clients");
    let w = exchange_core_mix(7, n, 1_000, 1_000);

    let mut engine = Engine::default();
    let mut events = Vec::with_capacity(1 << 12);
    let (mut trades, mut volume, mut refused) = (0u64, 0i64, 0u64);
    let started = Instant::now();
    for cmd in &w.commands {
        events.clear();
        if engine.apply(cmd, &mut events).is_err() {
            refused += 1;
        }
        for e in &events {
            if let EventKind::Trade { qty, .. } = e.kind {
                trades += 1;
                volume += qty.0;
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let inst = InstrumentId(0);
    let instrument = engine.instrument(inst).cloned();
    let Some(instrument) = instrument else { return };
    println!(
        "applied {} commands in {:.3} s: {:.2} M commands/s, {} events, {refused} refused",
        w.commands.len(),
        secs,
        w.commands.len() as f64 / secs / 1e6,
        engine.last_seq()
    );
    println!("{trades} trades, volume {} {}", instrument.lots_to_qty(Lots(volume)), instrument.spec.symbol);
    if let Err(why) = engine.check_invariants() {
        println!("INVARIANT BROKEN: {why}");
        std::process::exit(1);
    }
    println!("invariants hold; state hash {:016x}", engine.state_hash());
    println!("\nfinal book ({} resting orders), top 5 levels:", engine.live_orders());
    println!("{:>14} {:>10} {:>7} | {:<14} {:>10} {:>7}", "bid", "qty", "orders", "ask", "qty", "orders");
    let bids: Vec<_> = engine.depth(inst, Side::Buy).take(5).collect();
    let asks: Vec<_> = engine.depth(inst, Side::Sell).take(5).collect();
    for k in 0..5 {
        let cell = |l: Option<&LevelView>| match l {
            Some(l) => (
                instrument.ticks_to_price(l.price).to_string(),
                instrument.lots_to_qty(l.qty).to_string(),
                l.orders.to_string(),
            ),
            None => (String::new(), String::new(), String::new()),
        };
        let (bp, bq, bn) = cell(bids.get(k));
        let (ap, aq, an) = cell(asks.get(k));
        println!("{bp:>14} {bq:>10} {bn:>7} | {ap:<14} {aq:>10} {an:>7}");
    }
}
