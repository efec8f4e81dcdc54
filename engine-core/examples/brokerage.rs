//! A small brokerage end to end through the Broker: accounts funded by idempotent
//! deposits, orders from several clients, fills settled in the ledger, balances
//! printed.
//!
//!     cargo run --example brokerage

use brokerx_engine::broker::*;
use brokerx_engine::risk::InstrumentRisk;
use brokerx_engine::*;
use brokerx_ledger::{AssetId, AssetSpec};
use rust_decimal::Decimal;

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
                        BrokerEventKind::Order(EventKind::Trade { price, qty, .. }) => {
                            said.push(format!("trade {} @ {}", qty, Decimal::new(price.0, 2)))
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

fn usd(minor: i128) -> Decimal {
    Decimal::from_i128_with_scale(minor, 2)
}

fn main() {
    let mut d = Desk { broker: Broker::new(BrokerConfig::default()), events: Vec::new(), ts: 0 };
    d.run(
        "create USD",
        BrokerCommandKind::CreateAsset {
            spec: AssetSpec { id: USD, code: "USD".into(), scale: 2 },
            wallet_max_balance: Some(1_000_000),
        },
    );
    d.run(
        "create ACME",
        BrokerCommandKind::CreateAsset {
            spec: AssetSpec { id: ACME, code: "ACME".into(), scale: 0 },
            wallet_max_balance: None,
        },
    );
    let risk = InstrumentRisk {
        maker_fee_bps: 10,
        taker_fee_bps: 20,
        reference_price: Some(Ticks(10_000)),
        ..InstrumentRisk::default()
    };
    let spec = InstrumentSpec::new("ACME/USD", Decimal::new(1, 2), Decimal::ONE);
    d.run(
        "list ACME/USD (10% collar, fees 10/20 bps)",
        BrokerCommandKind::RegisterMarket(MarketSpec { instrument: spec, base: ACME, quote: USD, risk }),
    );
    let m = InstrumentId(0);

    let deposit = |account, asset, amount, key| {
        BrokerCommandKind::Deposit(Funds { account: AccountId(account), asset, amount, key })
    };
    d.run("alice deposits $5,000.00 (key 0xA1)", deposit(1, USD, 500_000, 0xA1));
    d.run("alice retries the same deposit (key 0xA1)", deposit(1, USD, 500_000, 0xA1));
    d.run("alice reuses key 0xA1 for $6,000.00", deposit(1, USD, 600_000, 0xA1));
    d.run("bob deposits $2,000.00", deposit(2, USD, 200_000, 0xB1));
    d.run("bob transfers in 50 ACME", deposit(2, ACME, 50, 0xB2));
    d.run("carol deposits $20,000.00 (over the $10k wallet limit)", deposit(3, USD, 2_000_000, 0xC1));
    d.run("carol deposits $900.00", deposit(3, USD, 90_000, 0xC2));

    let place = |p: Place| BrokerCommandKind::Place(p);
    d.run("bob sells 30 ACME @ 101.00", place(Place::limit(AccountId(2), m, Side::Sell, Ticks(10_100), Lots(30))));
    d.run("bob sells 20 ACME @ 102.00", place(Place::limit(AccountId(2), m, Side::Sell, Ticks(10_200), Lots(20))));
    d.run(
        "carol buys 10 ACME @ 101.00 (can't afford)",
        place(Place::limit(AccountId(3), m, Side::Buy, Ticks(10_100), Lots(10))),
    );
    d.run("carol buys 8 ACME @ 101.00", place(Place::limit(AccountId(3), m, Side::Buy, Ticks(10_100), Lots(8))));
    d.run("alice buys 35 ACME @ 102.00", place(Place::limit(AccountId(1), m, Side::Buy, Ticks(10_200), Lots(35))));
    d.run("alice buys 5 ACME at market (IOC)", place(Place::market(AccountId(1), m, Side::Buy, Lots(5))));
    d.run(
        "alice bids 10 ACME @ 150.00 (outside collar)",
        place(Place::limit(AccountId(1), m, Side::Buy, Ticks(15_000), Lots(10))),
    );
    d.run("alice bids 9 ACME @ 100.00", place(Place::limit(AccountId(1), m, Side::Buy, Ticks(10_000), Lots(9))));
    d.run(
        "alice withdraws $1,000.00 (funds are held)",
        BrokerCommandKind::Withdraw(Funds { account: AccountId(1), asset: USD, amount: 100_000, key: 0xA2 }),
    );
    d.run(
        "alice withdraws $30.00",
        BrokerCommandKind::Withdraw(Funds { account: AccountId(1), asset: USD, amount: 3_000, key: 0xA3 }),
    );

    println!("\n{:<8} {:>12} {:>12} {:>6} {:>6}", "client", "cash", "available", "ACME", "free");
    for (id, name) in CLIENTS {
        let a = AccountId(id);
        println!(
            "{name:<8} {:>12} {:>12} {:>6} {:>6}",
            usd(d.broker.balance(a, USD)),
            usd(d.broker.available(a, USD)),
            d.broker.balance(a, ACME),
            d.broker.available(a, ACME)
        );
    }
    let fees = d.broker.ledger().balance(brokerx_ledger::AccountKey::new(FEES_OWNER, USD.0)).map_or(0, |b| b.posted());
    println!("fees collected: {}", usd(fees));
    let bbo = d.broker.engine().bbo(m).unwrap_or_default();
    println!(
        "book: bid {:?} / ask {:?}",
        bbo.bid.map(|l| (usd(l.price.0.into()), l.qty.0)),
        bbo.ask.map(|l| (usd(l.price.0.into()), l.qty.0))
    );
    println!(
        "{} events; every invariant held after every command; state hash {:016x}",
        d.broker.last_seq(),
        d.broker.state_hash()
    );
}
