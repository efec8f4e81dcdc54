//! Reading the engine without changing it: top of book, depth, orders at a level,
//! order status; and the whole-state operations: `check_invariants`, `state_hash`,
//! `snapshot` and `restore`.
//!
//! The canonical order of the state (instrument, bids then asks, best level first,
//! FIFO within a level) is used by the hash and the snapshot alike, so a restored
//! engine hashes the same as the one it came from.

use serde::{Deserialize, Serialize};

use crate::book::orders::{OrderFlags, OrderStore, RestingOrder, NIL};
use crate::book::{link_back, Book, Level};
use crate::engine::{Bbo, Engine, EngineConfig, InstrumentState, OrderView, QtyCounters};
use crate::error::SnapshotError;
use crate::event::LevelView;
use crate::hash::Fnv64;
use crate::instrument::Instrument;
use crate::types::{
    AccountId, ClientOrderId, InstrumentId, Lots, OrderId, SelfTradePrevention, Side, Ticks, TimeInForce, Timestamp,
};

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

    /// Resting orders across all books.
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

    /// The orders resting at one price, in time priority (L3).
    pub fn orders_at(&self, id: InstrumentId, side: Side, price: Ticks) -> impl Iterator<Item = OrderView> + '_ {
        let head = self
            .instruments
            .get(id.0 as usize)
            .and_then(|s| {
                let lk = s.book.side(side).level_at(price)?;
                s.book.level(lk).map(|l| l.head)
            })
            .unwrap_or(NIL);
        FifoIter { orders: &self.orders, key: head }.map(move |o| self.view(o))
    }

    /// Status of a live order; `None` once it is filled, cancelled or expired
    /// (the event stream says which).
    pub fn order(&self, id: OrderId) -> Option<OrderView> {
        let key = self.orders.key_of(id)?;
        self.orders.get(key).map(|o| self.view(o))
    }

    fn view(&self, o: &RestingOrder) -> OrderView {
        OrderView {
            order_id: o.id,
            account: o.account,
            instrument: InstrumentId(u32::from(o.instrument)),
            side: o.side,
            price: self.price_of(o),
            qty: Lots(o.filled.0 + o.remaining.0),
            remaining: o.remaining,
            filled: o.filled,
            version: o.version,
            time_in_force: o.flags.tif(),
            post_only: o.flags.post_only(),
            expire_at: (o.expire_at != 0).then_some(Timestamp(o.expire_at)),
            client_order_id: if o.flags.has_client_id() { self.tables.client_id_of.get(&o.id).copied() } else { None },
        }
    }

    pub(crate) fn price_of(&self, o: &RestingOrder) -> Ticks {
        self.instruments.get(o.instrument as usize).and_then(|s| s.book.level(o.level)).map_or(Ticks(0), |l| l.price)
    }

    /// Visits every resting order (with its price) in canonical order.
    fn for_each_canonical(&self, mut f: impl FnMut(&InstrumentState, Ticks, &RestingOrder)) {
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

    /// Walks the whole state and reports the first broken invariant:
    /// books sorted and uncrossed, no empty level, level totals equal the sum of their
    /// orders, list links consistent, every resting order linked and indexed exactly
    /// once, side tables in step, and per instrument
    /// `placed = filled + cancelled + expired + resting`.
    ///
    /// # Errors
    /// A description of the first violation found.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut linked = 0usize;
        let mut gtd = 0usize;
        let mut with_client_id = 0usize;
        for (i, st) in self.instruments.iter().enumerate() {
            if st.instrument.id.0 as usize != i {
                return Err(format!("instrument {i} carries id {}", st.instrument.id));
            }
            let mut resting: i128 = 0;
            if st.book.levels.len() != st.book.bids.len() + st.book.asks.len() {
                return Err(format!(
                    "instrument {i} has {} levels stored, {} in its ladders",
                    st.book.levels.len(),
                    st.book.bids.len() + st.book.asks.len()
                ));
            }
            for ladder in [&st.book.bids, &st.book.asks] {
                for w in ladder.sorted.windows(2) {
                    let ok = match ladder.side {
                        Side::Buy => w[0].0 < w[1].0,
                        Side::Sell => w[0].0 > w[1].0,
                    };
                    if !ok {
                        return Err(format!("instrument {i} {:?} levels out of order at {}", ladder.side, w[1].0));
                    }
                }
                if ladder.indexed() != ladder.sorted.len() {
                    return Err(format!("instrument {i} {:?} price index out of step", ladder.side));
                }
                for &(price, lk) in &ladder.sorted {
                    if ladder.level_at(Ticks(price)) != Some(lk) {
                        return Err(format!("instrument {i} price {price} not indexed to its level"));
                    }
                    let level = st.book.level(lk).ok_or_else(|| format!("level key {lk} is free"))?;
                    if level.price.0 != price {
                        return Err(format!("level {lk} holds price {} but is sorted at {price}", level.price));
                    }
                    let key_of_level = lk;
                    let (mut qty, mut n, mut prev) = (0i64, 0u32, NIL);
                    let mut k = level.head;
                    while k != NIL {
                        let o = self.orders.get(k).ok_or_else(|| format!("level {} links a free slot", level.price))?;
                        if o.prev != prev {
                            return Err(format!("order {} has a broken prev link", o.id));
                        }
                        if o.level != key_of_level || o.side != ladder.side || o.instrument as usize != i {
                            return Err(format!("order {} sits in the wrong level", o.id));
                        }
                        if o.remaining.0 <= 0 {
                            return Err(format!("order {} rests with {} lots", o.id, o.remaining));
                        }
                        if self.orders.key_of(o.id) != Some(k) {
                            return Err(format!("order {} is not indexed under its slot", o.id));
                        }
                        if o.expire_at != 0 {
                            gtd += 1;
                            if !self.tables.expiries.contains(&(Timestamp(o.expire_at), o.id)) {
                                return Err(format!("gtd order {} has no deadline entry", o.id));
                            }
                        }
                        if o.flags.has_client_id() {
                            with_client_id += 1;
                            let c = self.tables.client_id_of.get(&o.id).ok_or("client id missing")?;
                            if self.tables.client_ids.get(&(o.account, *c)) != Some(&o.id) {
                                return Err(format!("client id of order {} not indexed", o.id));
                            }
                        }
                        qty += o.remaining.0;
                        n += 1;
                        prev = k;
                        k = o.next;
                        if n as usize > self.orders.len() {
                            return Err(format!("level {} has a cycle", level.price));
                        }
                    }
                    if level.tail != prev {
                        return Err(format!("level {} tail is stale", level.price));
                    }
                    if n == 0 {
                        return Err(format!("empty level {} left in the book", level.price));
                    }
                    if qty != level.qty || n != level.orders {
                        return Err(format!(
                            "level {} says {} lots/{} orders, holds {qty}/{n}",
                            level.price, level.qty, level.orders
                        ));
                    }
                    linked += n as usize;
                    resting += i128::from(qty);
                }
            }
            if let (Some(b), Some(a)) = (st.book.bids.best_price(), st.book.asks.best_price()) {
                if b >= a {
                    return Err(format!("instrument {i} is crossed at rest: bid {} >= ask {}", b, a));
                }
            }
            let c = st.counters;
            if c.placed != c.filled + c.cancelled + c.expired + resting {
                return Err(format!(
                    "instrument {i} quantity not conserved: placed {} != filled {} + cancelled {} + expired {} + resting {resting}",
                    c.placed, c.filled, c.cancelled, c.expired
                ));
            }
        }
        if linked != self.orders.len() || self.orders.index.len() != self.orders.len() {
            return Err(format!(
                "{} orders linked, {} stored, {} indexed",
                linked,
                self.orders.len(),
                self.orders.index.len()
            ));
        }
        if gtd != self.tables.expiries.len() {
            return Err(format!("{} gtd orders but {} deadlines", gtd, self.tables.expiries.len()));
        }
        if with_client_id != self.tables.client_id_of.len() || with_client_id != self.tables.client_ids.len() {
            return Err("client order id tables out of step".into());
        }
        Ok(())
    }

    /// A 64-bit FNV-1a hash of the whole logical state in canonical order. Equal
    /// for two engines that will respond identically to any command.
    pub fn state_hash(&self) -> u64 {
        let mut h = Fnv64::default();
        h.u64(self.next_order_id);
        h.u64(self.next_trade_id);
        h.u64(self.last_seq);
        h.u64(self.now.0);
        for st in &self.instruments {
            let s = &st.instrument.spec;
            h.u64(u64::from(st.instrument.id.0));
            h.str(&s.symbol);
            h.str(&s.tick_size.to_string());
            h.str(&s.lot_size.to_string());
            h.i64(s.min_qty.0);
            h.i64(s.max_qty.0);
            h.str(s.status.as_str());
            for c in [st.counters.placed, st.counters.filled, st.counters.cancelled, st.counters.expired] {
                h.i128(c);
            }
        }
        self.for_each_canonical(|_, price, o| {
            h.u64(o.id.0);
            h.u64(o.account.0);
            h.u64(u64::from(o.instrument));
            h.str(o.side.as_str());
            h.i64(price.0);
            h.i64(o.remaining.0);
            h.i64(o.filled.0);
            h.u64(o.expire_at);
            h.u64(u64::from(o.version));
            h.str(o.flags.tif().as_str());
            h.str(o.flags.stp().as_str());
            h.u64(u64::from(o.flags.post_only()));
            match self.tables.client_id_of.get(&o.id) {
                Some(c) => h.str(c.as_str()),
                None => h.u64(0),
            }
        });
        h.finish()
    }

    /// Everything needed to continue exactly where this engine is.
    pub fn snapshot(&self) -> EngineSnapshot {
        let mut orders = Vec::with_capacity(self.orders.len());
        self.for_each_canonical(|_, price, o| {
            orders.push(OrderSnapshot {
                order_id: o.id,
                account: o.account,
                instrument: InstrumentId(u32::from(o.instrument)),
                side: o.side,
                price,
                remaining: o.remaining,
                filled: o.filled,
                expire_at: (o.expire_at != 0).then_some(Timestamp(o.expire_at)),
                version: o.version,
                time_in_force: o.flags.tif(),
                stp: o.flags.stp(),
                post_only: o.flags.post_only(),
                client_order_id: self.tables.client_id_of.get(&o.id).copied(),
            })
        });
        EngineSnapshot {
            format_version: EngineSnapshot::FORMAT_VERSION,
            config: self.config,
            instruments: self
                .instruments
                .iter()
                .map(|s| InstrumentSnapshot { instrument: s.instrument.clone(), counters: s.counters })
                .collect(),
            orders,
            next_order_id: self.next_order_id,
            next_trade_id: self.next_trade_id,
            last_seq: self.last_seq,
            now: self.now,
        }
    }

    /// Rebuilds an engine from a snapshot, checking it as it goes.
    ///
    /// # Errors
    /// [`SnapshotError`] if the format version is unknown or the snapshot is
    /// inconsistent (an order on an unknown instrument, a duplicate id, a crossed
    /// book, ...).
    pub fn restore(snap: &EngineSnapshot) -> Result<Engine, SnapshotError> {
        if snap.format_version != EngineSnapshot::FORMAT_VERSION {
            return Err(SnapshotError::UnsupportedVersion {
                found: snap.format_version,
                expected: EngineSnapshot::FORMAT_VERSION,
            });
        }
        let bad = |why: String| SnapshotError::Inconsistent { why };
        let mut e = Engine::new(snap.config);
        e.orders = OrderStore::with_capacity(snap.orders.len().max(snap.config.max_orders.min(1 << 16)));
        for (i, s) in snap.instruments.iter().enumerate() {
            if s.instrument.id.0 as usize != i || i >= 1 << 16 {
                return Err(bad(format!("instrument {i} carries id {}", s.instrument.id)));
            }
            if e.symbols.insert(s.instrument.spec.symbol.clone(), s.instrument.id).is_some() {
                return Err(bad(format!("duplicate symbol {}", s.instrument.spec.symbol)));
            }
            e.instruments.push(InstrumentState {
                instrument: s.instrument.clone(),
                book: Book::new(),
                counters: s.counters,
            });
        }
        for o in &snap.orders {
            let i = o.instrument.0 as usize;
            if i >= e.instruments.len() {
                return Err(bad(format!("order {} on unknown instrument {}", o.order_id, o.instrument)));
            }
            if o.order_id.0 == 0 || o.order_id.0 >= snap.next_order_id || e.orders.key_of(o.order_id).is_some() {
                return Err(bad(format!("order id {} is duplicated or out of range", o.order_id)));
            }
            if o.remaining.0 <= 0 || o.filled.0 < 0 || o.price.0 <= 0 {
                return Err(bad(format!("order {} has impossible quantities", o.order_id)));
            }
            let ro = RestingOrder {
                id: o.order_id,
                account: o.account,
                remaining: o.remaining,
                filled: o.filled,
                expire_at: o.expire_at.map_or(0, |t| t.0),
                prev: NIL,
                next: NIL,
                level: NIL,
                version: o.version,
                instrument: i as u16,
                side: o.side,
                flags: OrderFlags::new(o.time_in_force, o.stp, o.post_only, o.client_order_id.is_some()),
            };
            if let Some(c) = o.client_order_id {
                if e.tables.client_ids.contains_key(&(o.account, c)) {
                    return Err(bad(format!("client order id {c} duplicated")));
                }
            }
            e.tables.add(&ro, o.client_order_id);
            let key = e.orders.insert(ro);
            let book = &mut e.instruments[i].book;
            let lk = book.level_for(o.side, o.price);
            link_back(&mut e.orders.slab, &mut book.levels, lk, key);
        }
        e.next_order_id = snap.next_order_id;
        e.next_trade_id = snap.next_trade_id;
        e.last_seq = snap.last_seq;
        e.now = snap.now;
        e.check_invariants().map_err(bad)?;
        Ok(e)
    }
}

/// Serde form of the engine; see [`Engine::snapshot`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineSnapshot {
    pub format_version: u32,
    pub config: EngineConfig,
    pub instruments: Vec<InstrumentSnapshot>,
    /// Canonical order: instrument, bids then asks, best level first, FIFO.
    pub orders: Vec<OrderSnapshot>,
    pub next_order_id: u64,
    pub next_trade_id: u64,
    pub last_seq: u64,
    pub now: Timestamp,
}

impl EngineSnapshot {
    pub const FORMAT_VERSION: u32 = 1;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstrumentSnapshot {
    pub instrument: Instrument,
    pub counters: QtyCounters,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSnapshot {
    pub order_id: OrderId,
    pub account: AccountId,
    pub instrument: InstrumentId,
    pub side: Side,
    pub price: Ticks,
    pub remaining: Lots,
    pub filled: Lots,
    pub expire_at: Option<Timestamp>,
    pub version: u32,
    pub time_in_force: TimeInForce,
    pub stp: SelfTradePrevention,
    pub post_only: bool,
    pub client_order_id: Option<ClientOrderId>,
}

struct FifoIter<'a> {
    orders: &'a OrderStore,
    key: u32,
}

impl<'a> Iterator for FifoIter<'a> {
    type Item = &'a RestingOrder;
    fn next(&mut self) -> Option<&'a RestingOrder> {
        let o = self.orders.get(self.key)?;
        self.key = o.next;
        Some(o)
    }
}
