//! Reading the engine without changing it: top of book, depth, orders at a level,
//! order status

use serde::{Deserialize, Serialize};

use super::*;
use crate::book::orders::{OrderStore, RestingOrder, NIL};
use crate::book::Level;
use crate::event::LevelView;
use crate::instrument::Instrument;
use crate::types::{AccountId, ClientOrderId, InstrumentId, Lots, OrderId, Side, Ticks, TimeInForce, Timestamp};

/// A live order as seen from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub order_id: OrderId,
    pub account: AccountId,
    pub instrument: InstrumentId,
    pub side: Side,
    pub price: Ticks,
    /// Total quantity: filled + remaining.
    pub qty: Lots,
    pub remaining: Lots,
    pub filled: Lots,
    pub version: u32,
    pub time_in_force: TimeInForce,
    pub post_only: bool,
    pub expire_at: Option<Timestamp>,
    pub client_order_id: Option<ClientOrderId>,
    /// `Some` while the order is a stop waiting for this trigger (outside the
    /// book); its `price` is then its limit, or for a stop-market the trigger.
    pub trigger: Option<Ticks>,
    /// An iceberg's display (its `remaining` counts its reserve too). `None`
    /// for other orders, and in L3 ([`Engine::orders_at`]), which shows every
    /// order as the book shows it: an iceberg's `remaining` there is its slice.
    #[serde(default)]
    pub display: Option<Lots>,
}

/// Best bid and offer of one instrument.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bbo {
    pub bid: Option<LevelView>,
    pub ask: Option<LevelView>,
}

impl Engine {
    pub fn instrument(&self, id: InstrumentId) -> Option<&Instrument> {
        self.instruments.get(id.0 as usize).map(|s| &s.instrument)
    }

    pub fn instrument_by_symbol(&self, symbol: &str) -> Option<&Instrument> {
        self.symbols.get(symbol).and_then(|id| self.instrument(*id))
    }

    pub fn instruments(&self) -> impl Iterator<Item = &Instrument> + '_ {
        self.instruments.iter().map(|s| &s.instrument)
    }

    pub fn counters(&self, id: InstrumentId) -> Option<QtyCounters> {
        self.instruments.get(id.0 as usize).map(|s| s.counters)
    }

    /// The engine's time: the timestamp of the last applied command.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Sequence number of the last event emitted (0 before any).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Live orders: resting in the books, and stops waiting for their trigger.
    pub fn live_orders(&self) -> usize {
        self.orders.len()
    }

    pub fn bbo(&self, id: InstrumentId) -> Option<Bbo> {
        let (bid, ask) = self.instruments.get(id.0 as usize)?.book.bbo();
        Some(Bbo { bid, ask })
    }

    /// Price levels of one side, best first, without copying the book. Take the
    /// top N with `.take(n)`.
    pub fn depth(&self, id: InstrumentId, side: Side) -> impl Iterator<Item = LevelView> + '_ {
        self.instruments
            .get(id.0 as usize)
            .into_iter()
            .flat_map(move |s| s.book.side(side).keys_best_first().filter_map(|k| s.book.level(k)).map(Level::view))
    }

    /// The orders resting at one price, in time priority (L3): as the market
    /// sees them, an iceberg with its shown slice only.
    pub fn orders_at(&self, id: InstrumentId, side: Side, price: Ticks) -> impl Iterator<Item = OrderView> + '_ {
        let head = self
            .instruments
            .get(id.0 as usize)
            .and_then(|s| {
                let lk = s.book.side(side).level_at(price)?;
                s.book.level(lk).map(|l| l.head)
            })
            .unwrap_or(NIL);
        FifoIter { orders: &self.orders, key: head }.map(move |o| OrderView {
            qty: Lots(o.filled.0 + o.remaining.0),
            remaining: o.remaining,
            display: None,
            ..self.view(o)
        })
    }

    /// The waiting stops of one side, in the order they would fire: buy stops
    /// lowest trigger first, sell stops highest first, then by time of entry.
    pub fn stops(&self, id: InstrumentId, side: Side) -> impl Iterator<Item = OrderView> + '_ {
        self.instruments.get(id.0 as usize).into_iter().flat_map(move |s| {
            let queue = match side {
                Side::Buy => &s.stops.buys,
                Side::Sell => &s.stops.sells,
            };
            queue.values().filter_map(|&k| self.orders.get(k)).map(|o| self.view(o))
        })
    }

    /// Price of the instrument's last trade (`None` before the first): what
    /// stops trigger on.
    pub fn last_price(&self, id: InstrumentId) -> Option<Ticks> {
        self.instruments.get(id.0 as usize).and_then(|s| (s.last_price != 0).then_some(Ticks(s.last_price)))
    }

    /// Status of a live order (a waiting stop included, with its `trigger`); `None` once it is filled, cancelled or expired
    /// (the event stream says which).
    pub fn order(&self, id: OrderId) -> Option<OrderView> {
        let key = self.orders.key_of(id)?;
        self.orders.get(key).map(|o| self.view(o))
    }

    /// Status of the live order `account` placed with `client_order_id`, as
    /// [`order`](Self::order) gives it; `None` if the account has no live order
    /// with that id (another account's client ids are never searched).
    pub fn order_by_client_id(&self, account: AccountId, client_order_id: ClientOrderId) -> Option<OrderView> {
        self.tables.client_ids.get(&(account, client_order_id)).and_then(|&id| self.order(id))
    }

    pub(super) fn view(&self, o: &RestingOrder) -> OrderView {
        let leaves = self.tables.leaves(o);
        OrderView {
            order_id: o.id,
            account: o.account,
            instrument: InstrumentId(u32::from(o.instrument)),
            side: o.side,
            price: self.price_of(o),
            qty: Lots(o.filled.0 + leaves.0),
            remaining: leaves,
            filled: o.filled,
            version: o.version,
            time_in_force: o.flags.tif(),
            post_only: o.flags.post_only(),
            expire_at: (o.expire_at != 0).then_some(Timestamp(o.expire_at)),
            client_order_id: if o.flags.has_client_id() { self.tables.client_id_of.get(&o.id).copied() } else { None },
            trigger: if o.flags.is_stop() { self.stop_spec(o.id).map(|s| s.trigger) } else { None },
            display: if o.iceberg { self.tables.reserves.get(&o.id).map(|r| r.display) } else { None },
        }
    }

    pub(crate) fn price_of(&self, o: &RestingOrder) -> Ticks {
        if o.flags.is_stop() {
            return self.stop_spec(o.id).map_or(Ticks(0), |s| s.limit.unwrap_or(s.trigger));
        }
        self.instruments.get(o.instrument as usize).and_then(|s| s.book.level(o.level)).map_or(Ticks(0), |l| l.price)
    }

    /// Visits every resting order (with its price) in canonical order.
    pub(super) fn for_each_canonical(&self, mut f: impl FnMut(&InstrumentState, Ticks, &RestingOrder)) {
        for st in &self.instruments {
            for ladder in [&st.book.bids, &st.book.asks] {
                for level in ladder.keys_best_first().filter_map(|k| st.book.level(k)) {
                    for o in (FifoIter { orders: &self.orders, key: level.head }) {
                        f(st, level.price, o);
                    }
                }
            }
        }
    }
}

pub(super) struct FifoIter<'a> {
    pub(super) orders: &'a OrderStore,
    pub(super) key: u32,
}

impl<'a> Iterator for FifoIter<'a> {
    type Item = &'a RestingOrder;
    fn next(&mut self) -> Option<&'a RestingOrder> {
        let o = self.orders.get(self.key)?;
        self.key = o.next;
        Some(o)
    }
}
