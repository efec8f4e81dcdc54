//! A small brokerage end to end through the Broker: accounts funded by idempotent
//! deposits, orders from several clients, fills settled in the ledger, balances
//! printed.
//!
//!     cargo run --example brokerage

use brokerx_engine::broker::*;
use brokerx_engine::*;

const USD: AssetId = AssetId(1);
const ACME: AssetId = AssetId(2);
const CLIENTS: [(u64, &str); 3] = [(1, "alice"), (2, "bob"), (3, "carol")];

struct Desk {
    broker: Broker,
    events: Vec<BrokerEvent>,
    ts: u64,
}

impl Desk {
    fn run(&mut self, what: &str, kind: BrokerCommandKind) {
        self.ts += 1_000;
        let start = self.events.len();
        let cmd = BrokerCommand { ts: Timestamp(self.ts), correlation_id: CorrelationId(self.ts), kind };
        match self.broker.apply(&cmd, &mut self.events) {
            Err(e) => println!("{what:<44} refused: {} ({e})", e.code()),
            Ok(()) => {
                let mut said = Vec::new();
                for e in &self.events[start..] {
                    match e.kind {
                        BrokerEventKind::Order(EventKind::Trade { instrument, price, qty, .. }) => {
                            if let Some(i) = self.broker.engine().instrument(instrument) {
                                said.push(format!("trade {} @ {}", i.lots_to_qty(qty), at_tick(i, price)))
                            }
                        }
                        BrokerEventKind::Order(EventKind::Cancelled { reason, .. }) => {
                            said.push(format!("cancelled ({})", reason.code()))
                        }
                        BrokerEventKind::OrderRejected { reject, .. } => {
                            said.push(format!("rejected: {} {}", reject.code.code(), reject.context))
                        }
                        BrokerEventKind::FundsMoved { status, replayed, .. } => said.push(format!(
                            "{}{}",
                            status.code(),
                            if replayed { " (replayed: nothing moved)" } else { "" }
                        )),
                        BrokerEventKind::Order(EventKind::Accepted { order_id, .. }) => {
                            said.push(format!("order {order_id} accepted"))
                        }
                        _ => {}
                    }
                }
                println!("{what:<44} {}", said.join(", "));
            }
        }
        if let Err(why) = self.broker.check_invariants() {
            eprintln!("invariant broken: {why}");
            std::process::exit(1);
        }
    }
}

/// A price at the instrument's precision (`101.00`, not `101`).
fn at_tick(i: &Instrument, price: Ticks) -> Decimal {
    let mut p = i.ticks_to_price(price);
    p.rescale(i.spec.tick_size.scale());
    p
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A decimal from the source text.
fn d(text: &str) -> Result<Decimal> {
    Ok(text.parse()?)
}

fn main() -> Result<()> {
    let mut desk = Desk { broker: Broker::new(BrokerConfig::default()), events: Vec::new(), ts: 0 };
    let usd_spec = AssetSpec { id: USD, code: "USD".into(), scale: 2 };
    let acme_spec = AssetSpec { id: ACME, code: "ACME".into(), scale: 0 };
    let cap = Some(usd_spec.amount_from_decimal(d("10000.00")?)?);
    desk.run("create USD", BrokerCommandKind::CreateAsset { spec: usd_spec.clone(), wallet_max_balance: cap });
    desk.run("create ACME", BrokerCommandKind::CreateAsset { spec: acme_spec.clone(), wallet_max_balance: None });

    let spec = InstrumentSpec::new("ACME/USD", d("0.01")?, Decimal::ONE);
    let risk = InstrumentRisk { maker_fee_bps: 10, taker_fee_bps: 20, ..InstrumentRisk::default() }
        .with_reference_price(&spec, d("100.00")?)?;
    desk.run(
        "list ACME/USD (10% collar, fees 10/20 bps)",
        BrokerCommandKind::RegisterMarket(MarketSpec { instrument: spec, base: ACME, quote: USD, risk }),
    );
    let acme_usd = desk.broker.engine().instrument_by_symbol("ACME/USD").ok_or("ACME/USD not listed")?.clone();

    // Decimal at the boundary: exact at the asset's scale or the instrument's grid, or refused.
    let funds = |asset: &AssetSpec, account, amount: &str, key| -> Result<Funds> {
        Ok(Funds::from_decimal(asset, AccountId(account), d(amount)?, key)?)
    };
    let deposit = |f: Result<Funds>| f.map(BrokerCommandKind::Deposit);
    let withdraw = |f: Result<Funds>| f.map(BrokerCommandKind::Withdraw);
    desk.run("alice deposits $5,000.00 (key 0xA1)", deposit(funds(&usd_spec, 1, "5000.00", 0xA1))?);
    desk.run("alice retries the same deposit (key 0xA1)", deposit(funds(&usd_spec, 1, "5000.00", 0xA1))?);
    desk.run("alice reuses key 0xA1 for $6,000.00", deposit(funds(&usd_spec, 1, "6000.00", 0xA1))?);
    desk.run("bob deposits $2,000.00", deposit(funds(&usd_spec, 2, "2000", 0xB1))?);
    desk.run("bob transfers in 50 ACME", deposit(funds(&acme_spec, 2, "50", 0xB2))?);
    desk.run("carol deposits $20,000.00 (over the $10k wallet limit)", deposit(funds(&usd_spec, 3, "20000", 0xC1))?);
    desk.run("carol deposits $900.00", deposit(funds(&usd_spec, 3, "900", 0xC2))?);

    let m = acme_usd.id;
    let limit = |account, side, qty: &str, price: &str| -> Result<BrokerCommandKind> {
        let (price, qty) = (acme_usd.price_to_ticks(d(price)?)?, acme_usd.qty_to_lots(d(qty)?)?);
        Ok(BrokerCommandKind::Place(Place::limit(AccountId(account), m, side, price, qty)))
    };
    desk.run("bob sells 30 ACME @ 101.00", limit(2, Side::Sell, "30", "101.00")?);
    desk.run("bob sells 20 ACME @ 102.00", limit(2, Side::Sell, "20", "102.00")?);
    desk.run("carol buys 10 ACME @ 101.00 (can't afford)", limit(3, Side::Buy, "10", "101.00")?);
    desk.run("carol buys 8 ACME @ 101.00", limit(3, Side::Buy, "8", "101.00")?);
    desk.run("alice buys 35 ACME @ 102.00", limit(1, Side::Buy, "35", "102.00")?);
    desk.run(
        "alice buys 5 ACME at market (IOC)",
        BrokerCommandKind::Place(Place::market(AccountId(1), m, Side::Buy, Lots(5))),
    );
    desk.run("alice bids 10 ACME @ 150.00 (outside collar)", limit(1, Side::Buy, "10", "150.00")?);
    desk.run("alice bids 9 ACME @ 100.00", limit(1, Side::Buy, "9", "100.00")?);
    desk.run("alice withdraws $1,000.00 (funds are held)", withdraw(funds(&usd_spec, 1, "1000", 0xA2))?);
    desk.run("alice withdraws $30.00", withdraw(funds(&usd_spec, 1, "30", 0xA3))?);

    println!("\n{:<8} {:>12} {:>12} {:>6} {:>6}", "client", "cash", "available", "ACME", "free");
    let b = &desk.broker;
    for (id, name) in CLIENTS {
        let a = AccountId(id);
        let show = |v: Option<Decimal>| v.map_or_else(|| "-".to_string(), |v| v.to_string());
        println!(
            "{name:<8} {:>12} {:>12} {:>6} {:>6}",
            show(b.balance_decimal(a, USD)),
            show(b.available_decimal(a, USD)),
            show(b.balance_decimal(a, ACME)),
            show(b.available_decimal(a, ACME)),
        );
    }
    let fees = b.ledger().balance(AccountKey::new(FEES_OWNER, USD.0)).map_or(0, |x| x.posted());
    println!("fees collected: {}", Decimal::from_i128_with_scale(fees, 2));
    let bbo = b.engine().bbo(m).unwrap_or_default();
    let level = |l: LevelView| (at_tick(&acme_usd, l.price), acme_usd.lots_to_qty(l.qty));
    println!("book: bid {:?} / ask {:?}", bbo.bid.map(level), bbo.ask.map(level));
    println!("{} events; every invariant held after every command; state hash {:016x}", b.last_seq(), b.state_hash());
    Ok(())
}
