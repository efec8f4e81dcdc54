//! `state_hash`, `snapshot` and `restore`.
//!
//! The canonical order of the state (instrument, bids then asks, best level first,
//! FIFO within a level; then the waiting stops in the order they entered their
//! trigger queues) is used by the hash and the snapshot alike, so a restored
//! engine hashes the same as the one it came from. A stop's queue sequence number
//! itself is not state: only the order it gives (restore renumbers from 1).

use serde::{Deserialize, Serialize};

use crate::book::orders::{OrderFlags, OrderStore, RestingOrder, NIL};
use crate::book::{link_back, Book};
use crate::error::SnapshotError;

use super::side_tables::Reserve;
use super::*;
use crate::hash::Fnv64;
use crate::instrument::Instrument;
use crate::types::{
    AccountId, ClientOrderId, InstrumentId, Lots, OrderId, SelfTradePrevention, Side, Ticks, TimeInForce, Timestamp,
};

impl Engine {
    /// A 64-bit FNV-1a hash of the whole logical state in canonical order. Equal
    /// for two engines that will respond identically to any command.
    pub fn state_hash(&self) -> u64 {
        let mut h = Fnv64::default();
        // The limits change answers (a full book refuses), market data the events
        // and their numbering. Destructured without `..`, so a new field is hashed.
        let EngineConfig { max_orders, max_levels_per_side, max_instruments, market_data, max_triggers_per_command } =
            self.config;
        for limit in [max_orders, max_levels_per_side, max_instruments] {
            h.u64(limit as u64);
        }
        h.u64(u64::from(market_data));
        h.u64(u64::from(max_triggers_per_command));
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
            // The last trade price decides whether a new stop triggers at once.
            h.i64(st.last_price);
            match st.stops.carry {
                Some((lo, hi)) => {
                    h.u64(1);
                    h.i64(lo);
                    h.i64(hi);
                }
                None => h.u64(0),
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
            match self.reserve_of(o) {
                Some(r) => {
                    h.u64(1);
                    h.i64(r.display.0);
                    h.i64(r.hidden.0);
                }
                None => h.u64(0),
            }
        });
        for (o, spec) in self.stops_in_entry_order() {
            h.u64(o.id.0);
            h.u64(o.account.0);
            h.u64(u64::from(o.instrument));
            h.str(o.side.as_str());
            h.i64(spec.trigger.0);
            h.i64(spec.limit.map_or(0, |l| l.0));
            h.i64(o.remaining.0);
            h.i64(o.filled.0);
            h.u64(o.expire_at);
            h.u64(u64::from(o.version));
            h.str(o.flags.tif().as_str());
            h.str(o.flags.stp().as_str());
            match self.tables.client_id_of.get(&o.id) {
                Some(c) => h.str(c.as_str()),
                None => h.u64(0),
            }
        }
        h.finish()
    }

    /// An iceberg's display and reserve; `None` for any other order.
    fn reserve_of(&self, o: &RestingOrder) -> Option<Reserve> {
        if o.iceberg {
            self.tables.reserves.get(&o.id).copied()
        } else {
            None
        }
    }

    /// Every waiting stop with its spec, in the order it entered its queue.
    fn stops_in_entry_order(&self) -> Vec<(&RestingOrder, StopSpec)> {
        let mut stops: Vec<_> = self
            .instruments
            .iter()
            .flat_map(|st| st.stops.buys.values().chain(st.stops.sells.values()))
            .filter_map(|&k| {
                let o = self.orders.get(k)?;
                Some((o, self.stop_spec(o.id)?))
            })
            .collect();
        stops.sort_by_key(|(_, spec)| spec.seq);
        stops
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
                stop: None,
                iceberg: self.reserve_of(o).map(|r| IcebergSnapshot { display: r.display, hidden: r.hidden }),
            })
        });
        for (o, spec) in self.stops_in_entry_order() {
            orders.push(OrderSnapshot {
                order_id: o.id,
                account: o.account,
                instrument: InstrumentId(u32::from(o.instrument)),
                side: o.side,
                price: spec.limit.unwrap_or(spec.trigger),
                remaining: o.remaining,
                filled: o.filled,
                expire_at: (o.expire_at != 0).then_some(Timestamp(o.expire_at)),
                version: o.version,
                time_in_force: o.flags.tif(),
                stp: o.flags.stp(),
                post_only: false,
                client_order_id: self.tables.client_id_of.get(&o.id).copied(),
                stop: Some(StopSnapshot { trigger: spec.trigger, limit: spec.limit }),
                iceberg: None,
            });
        }
        EngineSnapshot {
            format_version: EngineSnapshot::FORMAT_VERSION,
            config: self.config,
            instruments: self
                .instruments
                .iter()
                .map(|s| InstrumentSnapshot {
                    instrument: s.instrument.clone(),
                    counters: s.counters,
                    last_price: (s.last_price != 0).then_some(Ticks(s.last_price)),
                    stop_carry: s.stops.carry.map(|(lo, hi)| (Ticks(lo), Ticks(hi))),
                })
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
            if s.last_price.is_some_and(|p| p.0 <= 0) {
                return Err(bad(format!("instrument {i} has last price {:?}", s.last_price)));
            }
            e.instruments.push(InstrumentState {
                instrument: s.instrument.clone(),
                book: Book::new(),
                counters: s.counters,
                last_price: s.last_price.map_or(0, |p| p.0),
                stops: StopQueues { carry: s.stop_carry.map(|(lo, hi)| (lo.0, hi.0)), ..StopQueues::default() },
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
            if let Some(ice) = o.iceberg {
                if o.stop.is_some() || ice.display.0 <= 0 || ice.hidden.0 < 0 || o.remaining > ice.display {
                    return Err(bad(format!("iceberg {} is impossible", o.order_id)));
                }
            }
            if let Some(stop) = o.stop {
                let prices_ok = stop.trigger.0 > 0 && stop.limit.is_none_or(|l| l.0 > 0);
                if !prices_ok || o.filled.0 != 0 || o.post_only {
                    return Err(bad(format!("stop {} is impossible", o.order_id)));
                }
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
                flags: OrderFlags::new(o.time_in_force, o.stp, o.post_only, o.client_order_id.is_some())
                    .with_stop(o.stop.is_some()),
                iceberg: o.iceberg.is_some(),
            };
            if let Some(ice) = o.iceberg {
                e.tables.reserves.insert(o.order_id, Reserve { display: ice.display, hidden: ice.hidden });
            }
            if let Some(c) = o.client_order_id {
                if e.tables.client_ids.contains_key(&(o.account, c)) {
                    return Err(bad(format!("client order id {c} duplicated")));
                }
            }
            e.tables.add(&ro, o.client_order_id);
            let key = e.orders.insert(ro);
            if let Some(stop) = o.stop {
                // Snapshots list stops in queue-entry order: renumbering keeps it.
                let spec = StopSpec { trigger: stop.trigger, limit: stop.limit, seq: e.next_stop_seq };
                e.next_stop_seq += 1;
                e.tables.stops.insert(o.order_id, spec);
                e.instruments[i].stops.insert(o.side, &spec, key);
                continue;
            }
            let book = &mut e.instruments[i].book;
            let lk = book.level_for(o.side, o.price);
            link_back(&mut e.orders.slab, &mut book.levels, lk, key);
        }
        e.next_order_id = snap.next_order_id;
        e.next_trade_id = snap.next_trade_id;
        e.last_seq = snap.last_seq;
        e.now = snap.now;
        for st in &mut e.instruments {
            st.stops.refresh();
        }
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
    /// Canonical order: instrument, bids then asks, best level first, FIFO;
    /// then the waiting stops (`stop` set), in the order they entered their
    /// trigger queues.
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
    /// The last trade price, `None` before the first trade.
    #[serde(default)]
    pub last_price: Option<Ticks>,
    /// Trades (low, high) whose stops the last command could not all fire
    /// (`max_triggers_per_command`): they fire at the next trade.
    #[serde(default)]
    pub stop_carry: Option<(Ticks, Ticks)>,
}

/// A waiting stop's trigger and limit (`None`: stop-market).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopSnapshot {
    pub trigger: Ticks,
    pub limit: Option<Ticks>,
}

/// A resting iceberg's display and the lots it still hides (its `remaining`
/// is the slice shown in the book).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcebergSnapshot {
    pub display: Lots,
    pub hidden: Lots,
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
    /// Set for a waiting stop (then `price` is its limit, or its trigger for a
    /// stop-market, and it is in no book).
    #[serde(default)]
    pub stop: Option<StopSnapshot>,
    /// Set for a resting iceberg (then `remaining` is its shown slice).
    #[serde(default)]
    pub iceberg: Option<IcebergSnapshot>,
}
