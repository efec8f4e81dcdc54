//! The main job: a seeded market simulation through the Broker. 1,000 clients are
//! funded by idempotent deposits, then trade one instrument on an
//! exchange-core-style order flow; every fill is settled in the ledger. Prints
//! throughput, trades, fees, the final book and the checks that held.
//!
//!     cargo run --release --example simulate [-- <commands>]

#![allow(clippy::float_arithmetic)] // throughput figures only; no money here

use std::time::Instant;

use brokerx_engine::broker::*;
use brokerx_engine::risk::InstrumentRisk;
use brokerx_engine::workload::{exchange_core_mix, instrument_spec};
use brokerx_engine::*;
use brokerx_ledger::{AccountKey, AssetId, AssetSpec, LedgerConfig};
use rust_decimal::Decimal;

const USD: AssetId = AssetId(1);
const BX: AssetId = AssetId(2);

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let clients = 1_000u64;
    println!("BrokerX Engine market simulation: {clients} clients, {n} commands (seeded exchange-core-style flow)");
    let w = exchange_core_mix(7, n, 1_000, clients);

    let ledger = LedgerConfig { transfers_reserve: (n * 4).min(u32::MAX as usize) as u32, ..LedgerConfig::default() };
    let mut broker = Broker::new(BrokerConfig { engine: EngineConfig::default(), ledger });
    let mut events = Vec::with_capacity(1 << 12);
    let mut ts = 1u64;
    let mut admin = |b: &mut Broker, kind| {
        ts += 1;
        if let Err(e) =
            b.apply(&BrokerCommand { ts: Timestamp(ts), correlation_id: CorrelationId(0), kind }, &mut Vec::new())
        {
            eprintln!("set-up refused: {e}");
            std::process::exit(1);
        }
    };
    admin(
        &mut broker,
        BrokerCommandKind::CreateAsset {
            spec: AssetSpec { id: USD, code: "USD".into(), scale: 2 },
            wallet_max_balance: None,
        },
    );
    admin(
        &mut broker,
        BrokerCommandKind::CreateAsset {
            spec: AssetSpec { id: BX, code: "BX".into(), scale: 0 },
            wallet_max_balance: None,
        },
    );
    let risk = InstrumentRisk {
        collar_bps: Some(5_000),
        reference_price: Some(Ticks(100_000)),
        maker_fee_bps: 1,
        taker_fee_bps: 3,
        ..InstrumentRisk::default()
    };
    admin(
        &mut broker,
        BrokerCommandKind::RegisterMarket(MarketSpec { instrument: instrument_spec(), base: BX, quote: USD, risk }),
    );
    for c in 1..=clients {
        // Each deposit twice: the second is an idempotent replay and moves nothing.
        for _ in 0..2 {
            admin(
                &mut broker,
                BrokerCommandKind::Deposit(Funds {
                    account: AccountId(c),
                    asset: USD,
                    amount: 500_000_000,
                    key: u128::from(c),
                }),
            );
        }
        admin(
            &mut broker,
            BrokerCommandKind::Deposit(Funds {
                account: AccountId(c),
                asset: BX,
                amount: 50_000,
                key: u128::from(c) << 32,
            }),
        );
    }

    let (mut trades, mut volume, mut rejected, mut refused) = (0u64, 0i64, 0u64, 0u64);
    let started = Instant::now();
    for c in &w.commands {
        let kind = match c.kind {
            CommandKind::Place(p) => BrokerCommandKind::Place(p),
            CommandKind::Cancel(x) => BrokerCommandKind::Cancel(x),
            CommandKind::Amend(a) => BrokerCommandKind::Amend(a),
            _ => continue,
        };
        events.clear();
        let cmd = BrokerCommand { ts: Timestamp(1_000_000 + c.ts.0), correlation_id: c.correlation_id, kind };
        if broker.apply(&cmd, &mut events).is_err() {
            refused += 1;
        }
        for e in &events {
            match e.kind {
                BrokerEventKind::Order(EventKind::Trade { qty, .. }) => {
                    trades += 1;
                    volume += qty.0;
                }
                BrokerEventKind::OrderRejected { .. } => rejected += 1,
                _ => {}
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} commands in {:.2} s: {:.2} M commands/s through risk + hold + match + settlement ({} events)",
        w.commands.len(),
        secs,
        w.commands.len() as f64 / secs / 1e6,
        broker.last_seq()
    );
    println!("{trades} trades settled, volume {volume} BX; {rejected} risk rejections; {refused} refused commands");
    let fees = broker.ledger().balance(AccountKey::new(FEES_OWNER, USD.0)).map_or(0, |b| b.posted());
    println!("fees collected: {} USD", Decimal::from_i128_with_scale(fees, 2));
    let cash: i128 = (1..=clients).map(|c| broker.balance(AccountId(c), USD)).sum();
    let shares: i128 = (1..=clients).map(|c| broker.balance(AccountId(c), BX)).sum();
    println!(
        "money conserved: clients hold {} USD + fees {} = deposits {}; shares {} = deposited {}",
        Decimal::from_i128_with_scale(cash, 2),
        Decimal::from_i128_with_scale(fees, 2),
        Decimal::from_i128_with_scale(i128::from(clients) * 500_000_000, 2),
        shares,
        clients * 50_000
    );
    if cash + fees != i128::from(clients) * 500_000_000 {
        eprintln!("MONEY NOT CONSERVED");
        std::process::exit(1);
    }
    if let Err(why) = broker.check_invariants() {
        println!("INVARIANT BROKEN: {why}");
        std::process::exit(1);
    }
    println!(
        "invariants hold (book, holds = worst-case cost of every live order, double entry); state hash {:016x}",
        broker.state_hash()
    );

    let engine = broker.engine();
    let inst = InstrumentId(0);
    let Some(instrument) = engine.instrument(inst).cloned() else { return };
    println!("\nfinal book ({} resting orders), top 5 levels:", engine.live_orders());
    println!("{:>12} {:>8} {:>7} | {:<12} {:>8} {:>7}", "bid", "qty", "orders", "ask", "qty", "orders");
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
        println!("{bp:>12} {bq:>8} {bn:>7} | {ap:<12} {aq:>8} {an:>7}");
    }
    println!("\n(engine-only figures: cargo run --release -p brokerx-benches --bin engine_bench)");
}
