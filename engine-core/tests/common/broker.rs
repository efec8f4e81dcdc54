//! The Broker test harness: a USD/ACME market (tick 0.01 USD, lot 1 share), a
//! command runner that checks the Broker's invariants after every command, and
//! readers for the events tests look for.

use brokerx_engine::broker::*;
use brokerx_engine::*;
use brokerx_ledger::{AssetId, AssetSpec, TransferStatus};

use super::d;

pub const USD: AssetId = AssetId(1);
pub const ACME: AssetId = AssetId(2);
pub const M: InstrumentId = InstrumentId(0);

pub struct B {
    pub b: Broker,
    pub events: Vec<BrokerEvent>,
    pub ts: u64,
    pub corr: u64,
}

impl B {
    pub fn with(config: BrokerConfig, risk: InstrumentRisk) -> B {
        let mut h = B { b: Broker::new(config), events: Vec::new(), ts: 0, corr: 0 };
        h.run(BrokerCommandKind::CreateAsset {
            spec: AssetSpec { id: USD, code: "USD".into(), scale: 2 },
            wallet_max_balance: None,
        })
        .unwrap();
        h.run(BrokerCommandKind::CreateAsset {
            spec: AssetSpec { id: ACME, code: "ACME".into(), scale: 0 },
            wallet_max_balance: None,
        })
        .unwrap();
        // tick 0.01 USD, lot 1 share: one tick·lot is one cent.
        h.run(BrokerCommandKind::RegisterMarket(MarketSpec {
            instrument: InstrumentSpec::new("ACME/USD", d("0.01"), d("1")),
            base: ACME,
            quote: USD,
            risk,
        }))
        .unwrap();
        h
    }
    pub fn new() -> B {
        B::with(
            BrokerConfig::default(),
            InstrumentRisk {
                collar_bps: Some(2_000),
                reference_price: Some(Ticks(10_000)),
                ..InstrumentRisk::default()
            },
        )
    }
    pub fn run(&mut self, kind: BrokerCommandKind) -> Result<Vec<BrokerEventKind>, BrokerError> {
        self.ts += 10;
        self.corr += 1;
        let start = self.events.len();
        let r = self.b.apply(
            &BrokerCommand { ts: Timestamp(self.ts), correlation_id: CorrelationId(self.corr), kind },
            &mut self.events,
        );
        self.b.check_invariants().unwrap_or_else(|e| panic!("invariant after command {}: {e}", self.corr));
        r?;
        Ok(self.events[start..].iter().map(|e| e.kind).collect())
    }
    pub fn deposit(&mut self, account: u64, asset: AssetId, amount: u128, key: u128) -> Vec<BrokerEventKind> {
        self.run(BrokerCommandKind::Deposit(Funds {
            account: AccountId(account),
            asset,
            amount: Amount::from_minor(amount),
            key,
        }))
        .unwrap()
    }
    pub fn place(&mut self, p: Place) -> Vec<BrokerEventKind> {
        self.run(BrokerCommandKind::Place(p)).unwrap()
    }
    pub fn limit(&mut self, account: u64, side: Side, price: i64, qty: i64) -> Vec<BrokerEventKind> {
        self.place(Place::limit(AccountId(account), M, side, Ticks(price), Lots(qty)))
    }
    pub fn cash(&self, account: u64) -> (u128, u128) {
        (self.b.balance(AccountId(account), USD).minor(), self.b.available(AccountId(account), USD).minor())
    }
    pub fn shares(&self, account: u64) -> (u128, u128) {
        (self.b.balance(AccountId(account), ACME).minor(), self.b.available(AccountId(account), ACME).minor())
    }
}

pub fn order_id(evs: &[BrokerEventKind]) -> OrderId {
    evs.iter()
        .find_map(|e| match e {
            BrokerEventKind::Order(EventKind::Accepted { order_id, .. }) => Some(*order_id),
            _ => None,
        })
        .expect("accepted")
}
pub fn rejected(evs: &[BrokerEventKind]) -> Option<&'static str> {
    evs.iter().find_map(|e| match e {
        BrokerEventKind::OrderRejected { reject, .. } => Some(reject.code.code()),
        _ => None,
    })
}
pub fn funds_status(evs: &[BrokerEventKind]) -> (TransferStatus, bool) {
    evs.iter()
        .find_map(|e| match e {
            BrokerEventKind::FundsMoved { status, replayed, .. } => Some((*status, *replayed)),
            _ => None,
        })
        .unwrap()
}
