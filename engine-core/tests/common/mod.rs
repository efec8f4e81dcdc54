//! Test harness shared by the engine's integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod broker;

use brokerx_engine::*;
use rust_decimal::Decimal;
use std::str::FromStr;

pub struct H {
    pub e: Engine,
    pub events: Vec<Event>,
    pub ts: u64,
    pub corr: u64,
    pub inst: InstrumentId,
}

pub fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

impl H {
    pub fn new() -> H {
        H::with_config(EngineConfig::default())
    }

    pub fn with_config(config: EngineConfig) -> H {
        let mut h = H { e: Engine::new(config), events: Vec::new(), ts: 1_000, corr: 0, inst: InstrumentId(0) };
        h.apply(CommandKind::RegisterInstrument(InstrumentSpec::new("ACME", d("0.01"), d("1")))).unwrap();
        h
    }

    /// Applies at the current time + 1 ns; returns the command's trading events
    /// (market data filtered out) and checks invariants.
    pub fn apply(&mut self, kind: CommandKind) -> Result<Vec<EventKind>, CommandError> {
        self.ts += 1;
        self.apply_at(self.ts, kind)
    }

    pub fn apply_at(&mut self, ts: u64, kind: CommandKind) -> Result<Vec<EventKind>, CommandError> {
        self.corr += 1;
        let start = self.events.len();
        let r = self
            .e
            .apply(&Command { ts: Timestamp(ts), correlation_id: CorrelationId(self.corr), kind }, &mut self.events);
        self.e.check_invariants().unwrap();
        r?;
        Ok(self.events[start..].iter().map(|e| e.kind).filter(|k| !is_market_data(k)).collect())
    }

    pub fn place(&mut self, p: Place) -> Result<Vec<EventKind>, CommandError> {
        self.apply(CommandKind::Place(p))
    }

    /// A GTC limit; returns its id.
    pub fn limit(&mut self, account: u64, side: Side, price: i64, qty: i64) -> OrderId {
        let evs = self.place(Place::limit(AccountId(account), self.inst, side, Ticks(price), Lots(qty))).unwrap();
        accepted_id(&evs)
    }

    pub fn cancel(&mut self, account: u64, id: OrderId) -> Result<Vec<EventKind>, CommandError> {
        self.apply(CommandKind::Cancel(Cancel { account: AccountId(account), order: OrderRef::Id(id) }))
    }

    pub fn amend(
        &mut self,
        account: u64,
        id: OrderId,
        price: Option<i64>,
        qty: Option<i64>,
        version: Option<u32>,
    ) -> Result<Vec<EventKind>, CommandError> {
        self.apply(CommandKind::Amend(Amend {
            account: AccountId(account),
            order: OrderRef::Id(id),
            new_price: price.map(Ticks),
            new_qty: qty.map(Lots),
            expected_version: version,
            new_trigger: None,
            new_display: None,
        }))
    }

    /// (price, qty, orders) of each level of a side, best first.
    pub fn levels(&self, side: Side) -> Vec<(i64, i64, u32)> {
        self.e.depth(self.inst, side).map(|l| (l.price.0, l.qty.0, l.orders)).collect()
    }

    /// Order ids at a level, in queue order.
    pub fn queue(&self, side: Side, price: i64) -> Vec<u64> {
        self.e.orders_at(self.inst, side, Ticks(price)).map(|o| o.order_id.0).collect()
    }
}

pub fn is_market_data(k: &EventKind) -> bool {
    matches!(k, EventKind::LevelChanged { .. } | EventKind::BboChanged { .. })
}

pub fn accepted_id(evs: &[EventKind]) -> OrderId {
    evs.iter()
        .find_map(|k| match k {
            EventKind::Accepted { order_id, .. } => Some(*order_id),
            _ => None,
        })
        .expect("accepted")
}

/// (price, qty, maker, taker) of each trade.
pub fn trades(evs: &[EventKind]) -> Vec<(i64, i64, u64, u64)> {
    evs.iter()
        .filter_map(|k| match k {
            EventKind::Trade { price, qty, maker_order_id, taker_order_id, .. } => {
                Some((price.0, qty.0, maker_order_id.0, taker_order_id.0))
            }
            _ => None,
        })
        .collect()
}

pub fn cancels(evs: &[EventKind]) -> Vec<(u64, i64, CancelReason)> {
    evs.iter()
        .filter_map(|k| match k {
            EventKind::Cancelled { order_id, qty, reason, .. } => Some((order_id.0, qty.0, *reason)),
            _ => None,
        })
        .collect()
}
