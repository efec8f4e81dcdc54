//! Stop orders: waiting outside the book, triggering on the last trade price.
//!
//! A waiting stop is a record in the order store (so ids, client order ids, GTD
//! deadlines, cancel and amend resolve it like any live order) that is linked into
//! no level (`level == NIL`, flag `is_stop`) and sits in exactly one of its
//! instrument's two trigger queues: buy stops by (trigger asc, seq), sell stops by
//! (trigger desc, seq), where `seq` counts entries into a queue (acceptance, or an
//! amend that loses priority). Its trigger and limit are in `SideTables::stops`.
//!
//! A buy stop triggers when a trade of its instrument prints at or above its
//! trigger, a sell stop at or below. After a command's matching the engine
//! compares the range of prices it traded at with the cached best trigger of each
//! side (`buy_at`, `sell_at`), one comparison each; only when one is reached does
//! it fire stops, one at a time, the best of each queue first and, when both
//! sides have one due, the earlier `seq`. Each triggered stop trades as a taker;
//! its trades widen the range, so cascades run to completion within the command,
//! up to `EngineConfig::max_triggers_per_command`.
//!
//! Invariants (checked by `Engine::check_invariants`): no stop is linked into a
//! level; every waiting stop is in exactly one queue, under its own trigger and
//! seq; `buy_at` / `sell_at` are the best triggers (or "any trade" while `carry`
//! holds trades the last command could not finish firing).

use std::collections::BTreeMap;

use super::matching::{fok_fillable, Taker, NO_BUDGET};
use super::*;
use crate::book::orders::{OrderFlags, RestingOrder, NIL};
use crate::command::{Amend, Place};
use crate::event::{CancelReason, EventKind, EventSink, RejectReason};
use crate::instrument::TradingStatus;
use crate::outcome::{OrderStatus, Outcome};
use crate::types::{InstrumentId, Lots, OrderId, OrderType, Side, Ticks, TimeInForce};

/// A waiting stop's trigger, limit (`None`: stop-market) and queue position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StopSpec {
    pub trigger: Ticks,
    pub limit: Option<Ticks>,
    pub seq: u64,
}

/// One instrument's waiting stops, in trigger order.
#[derive(Clone, Debug)]
pub(crate) struct StopQueues {
    /// Buy stops by (trigger, seq) → order slab key: lowest trigger first.
    pub buys: BTreeMap<(i64, u64), u32>,
    /// Sell stops by (−trigger, seq) → order slab key: highest trigger first.
    pub sells: BTreeMap<(i64, u64), u32>,
    /// A trade at or above this fires a buy stop: the lowest buy trigger,
    /// `i64::MAX` with none (`i64::MIN` while `carry` is set).
    pub buy_at: i64,
    /// A trade at or below this fires a sell stop: the highest sell trigger,
    /// `i64::MIN` with none (`i64::MAX` while `carry` is set).
    pub sell_at: i64,
    /// The traded range (low, high) of a command that reached
    /// `max_triggers_per_command` with stops still due: the next trade fires them.
    pub carry: Option<(i64, i64)>,
}

impl Default for StopQueues {
    fn default() -> Self {
        StopQueues { buys: BTreeMap::new(), sells: BTreeMap::new(), buy_at: i64::MAX, sell_at: i64::MIN, carry: None }
    }
}

impl StopQueues {
    /// Does a trade range (low, high) reach a waiting stop? Two comparisons:
    /// all a command that triggers nothing pays.
    #[inline(always)]
    pub fn due(&self, lo: i64, hi: i64) -> bool {
        (hi >= self.buy_at) | (lo <= self.sell_at)
    }

    fn queue_key(side: Side, trigger: Ticks, seq: u64) -> (i64, u64) {
        match side {
            Side::Buy => (trigger.0, seq),
            Side::Sell => (-trigger.0, seq),
        }
    }

    pub fn insert(&mut self, side: Side, spec: &StopSpec, key: u32) {
        let k = Self::queue_key(side, spec.trigger, spec.seq);
        match side {
            Side::Buy => self.buys.insert(k, key),
            Side::Sell => self.sells.insert(k, key),
        };
        self.refresh();
    }

    pub fn remove(&mut self, side: Side, spec: &StopSpec) -> Option<u32> {
        let k = Self::queue_key(side, spec.trigger, spec.seq);
        let key = match side {
            Side::Buy => self.buys.remove(&k),
            Side::Sell => self.sells.remove(&k),
        };
        self.refresh();
        key
    }

    /// What `buy_at` and `sell_at` must be.
    pub fn thresholds(&self) -> (i64, i64) {
        if self.carry.is_some() {
            return (i64::MIN, i64::MAX);
        }
        (
            self.buys.first_key_value().map_or(i64::MAX, |(k, _)| k.0),
            self.sells.first_key_value().map_or(i64::MIN, |(k, _)| -k.0),
        )
    }

    pub fn refresh(&mut self) {
        if self.buys.is_empty() && self.sells.is_empty() {
            self.carry = None;
        }
        (self.buy_at, self.sell_at) = self.thresholds();
    }

    /// The stop to fire next after trades from `lo` to `hi`: of the buy stops
    /// the lowest trigger at or below `hi`, of the sell stops the highest at or
    /// above `lo`; of the two, the earlier seq. Its side, queue key and slab key.
    fn next_due(&self, lo: i64, hi: i64) -> Option<(Side, (i64, u64), u32)> {
        let buy = self.buys.first_key_value().filter(|(k, _)| k.0 <= hi);
        let sell = self.sells.first_key_value().filter(|(k, _)| -k.0 >= lo);
        match (buy, sell) {
            (Some((bk, &b)), Some((sk, &s))) => {
                Some(if bk.1 < sk.1 { (Side::Buy, *bk, b) } else { (Side::Sell, *sk, s) })
            }
            (Some((bk, &b)), None) => Some((Side::Buy, *bk, b)),
            (None, Some((sk, &s))) => Some((Side::Sell, *sk, s)),
            (None, None) => None,
        }
    }
}

/// Has the last trade price `last` (0: no trade yet) reached a `side` stop's `trigger`?
#[inline]
pub(super) fn reached(side: Side, trigger: Ticks, last: i64) -> bool {
    last != 0
        && match side {
            Side::Buy => last >= trigger.0,
            Side::Sell => last <= trigger.0,
        }
}

impl Engine {
    /// A waiting stop's trigger, limit and queue position.
    pub(super) fn stop_spec(&self, id: OrderId) -> Option<StopSpec> {
        self.tables.stops.get(&id).copied()
    }

    /// Accepts a validated stop place on an open instrument: it waits, or, if the
    /// last trade price already reached its trigger, triggers at once.
    #[inline(never)]
    #[cold]
    pub(super) fn place_stop<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        i: usize,
        p: &Place,
        sink: &mut Sink<'_, S, MD>,
    ) -> Outcome {
        let (trigger, limit) = match p.order_type {
            OrderType::StopMarket { trigger } => (trigger, None),
            OrderType::StopLimit { trigger, limit } => (trigger, Some(limit)),
            _ => {
                debug_assert!(false, "invariant: place_stop gets stops");
                return Outcome::MassCancelled { orders: 0 };
            }
        };
        let instrument = p.instrument;
        let order_id = OrderId(self.next_order_id);
        self.next_order_id += 1;
        sink.emit(EventKind::StopAccepted {
            order_id,
            account: p.account,
            instrument,
            side: p.side,
            trigger,
            limit,
            qty: p.qty,
            time_in_force: p.time_in_force,
        });
        self.instruments[i].counters.placed += i128::from(p.qty.0);
        let flags = OrderFlags::new(p.time_in_force, p.stp, false, p.client_order_id.is_some()).with_stop(true);
        let order = RestingOrder {
            id: order_id,
            account: p.account,
            remaining: p.qty,
            filled: Lots(0),
            expire_at: p.expire_at.map_or(0, |t| t.0),
            prev: NIL,
            next: NIL,
            level: NIL,
            version: 0,
            instrument: i as u16,
            side: p.side,
            flags,
            iceberg: false,
        };
        self.tables.add(&order, p.client_order_id);
        let key = self.orders.insert(order);
        self.enqueue_stop(i, key, order_id, p.side, trigger, limit);
        let status = self.trigger_if_reached(i, key, sink);
        let (status, filled, leaves) = status.unwrap_or((OrderStatus::Waiting, 0, p.qty.0));
        Outcome::Placed { order_id, status, filled: Lots(filled), leaves: Lots(leaves) }
    }

    fn enqueue_stop(&mut self, i: usize, key: u32, id: OrderId, side: Side, trigger: Ticks, limit: Option<Ticks>) {
        let spec = StopSpec { trigger, limit, seq: self.next_stop_seq };
        self.next_stop_seq += 1;
        self.tables.stops.insert(id, spec);
        self.instruments[i].stops.insert(side, &spec, key);
    }

    /// The at-entry rule (a place or an amend of a stop): if the last trade price
    /// has reached the waiting stop at `key`, it triggers now and its trades fire
    /// any stops they reach. Returns where it ended (status, filled, leaves);
    /// `None` if it keeps waiting.
    fn trigger_if_reached<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        i: usize,
        key: u32,
        sink: &mut Sink<'_, S, MD>,
    ) -> Option<(OrderStatus, i64, i64)> {
        let o = *self.orders.get(key)?;
        let spec = self.stop_spec(o.id)?;
        let st = &mut self.instruments[i];
        let last = st.last_price;
        if !reached(o.side, spec.trigger, last) {
            return None;
        }
        if self.config.max_triggers_per_command == 0 {
            st.stops.carry = Some((last, last));
            st.stops.refresh();
            sink.emit(EventKind::TriggerLimitReached { instrument: InstrumentId(i as u32), fired: 0 });
            return None;
        }
        let (status, filled, leaves, matched) = self.trigger_stop(i, key, sink)?;
        if matched {
            self.after_trades(i, 1, sink);
        }
        Some((status, filled, leaves))
    }

    /// After a command's own matching: fire the stops its trades reached. The
    /// caller has checked [`StopQueues::due`] for the cheap common case.
    #[inline(never)]
    #[cold]
    pub(super) fn after_trades<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        i: usize,
        fired: u32,
        sink: &mut Sink<'_, S, MD>,
    ) {
        let (lo, hi) = (self.trade_lo, self.trade_hi);
        if hi >= lo && self.instruments[i].stops.due(lo, hi) {
            self.fire_stops(i, lo, hi, fired, sink);
        }
    }

    /// Fires, one at a time, every stop reached by trades from `lo` to `hi`
    /// (widened by the trades of each stop fired), until none is due or the
    /// command has fired `max_triggers_per_command` (`fired` so far).
    fn fire_stops<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        i: usize,
        mut lo: i64,
        mut hi: i64,
        mut fired: u32,
        sink: &mut Sink<'_, S, MD>,
    ) {
        if let Some((clo, chi)) = self.instruments[i].stops.carry.take() {
            lo = lo.min(clo);
            hi = hi.max(chi);
            self.instruments[i].stops.refresh();
        }
        loop {
            let st = &mut self.instruments[i];
            let Some((side, qk, key)) = st.stops.next_due(lo, hi) else { break };
            if fired >= self.config.max_triggers_per_command {
                st.stops.carry = Some((lo, hi));
                st.stops.refresh();
                sink.emit(EventKind::TriggerLimitReached { instrument: InstrumentId(i as u32), fired });
                break;
            }
            fired += 1;
            match self.trigger_stop(i, key, sink) {
                Some((_, _, _, true)) => {
                    lo = lo.min(self.trade_lo);
                    hi = hi.max(self.trade_hi);
                }
                Some(_) => {}
                None => {
                    // Unreachable (the queue and the store move together); drop
                    // the entry rather than loop on it.
                    debug_assert!(false, "invariant: a queued stop is stored");
                    let st = &mut self.instruments[i];
                    match side {
                        Side::Buy => st.stops.buys.remove(&qk),
                        Side::Sell => st.stops.sells.remove(&qk),
                    };
                    st.stops.refresh();
                }
            }
        }
    }

    /// Triggers the waiting stop at `key`: out of its queue, a `Triggered` event,
    /// then it enters the book as a market (IOC) or limit order under its own id,
    /// as a place would after `Accepted`. Returns (status, filled, leaves, whether
    /// it matched, so `trade_lo`/`trade_hi` hold its trades).
    ///
    /// The same steps as `exec_place` after acceptance, kept apart so the hot
    /// place path carries nothing for stops.
    fn trigger_stop<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        i: usize,
        key: u32,
        sink: &mut Sink<'_, S, MD>,
    ) -> Option<(OrderStatus, i64, i64, bool)> {
        let o = *self.orders.get(key)?;
        let spec = self.tables.stops.remove(&o.id)?;
        let instrument = InstrumentId(i as u32);
        let st = &mut self.instruments[i];
        st.stops.remove(o.side, &spec);
        let limit = spec.limit;
        let tif = if limit.is_some() { o.flags.tif() } else { TimeInForce::Ioc };
        sink.emit(EventKind::Triggered {
            order_id: o.id,
            account: o.account,
            instrument,
            side: o.side,
            trigger: spec.trigger,
            last_price: Ticks(st.last_price),
            limit,
            qty: o.remaining,
            time_in_force: tif,
        });
        let p = Place {
            account: o.account,
            instrument,
            side: o.side,
            order_type: limit.map_or(OrderType::Market, OrderType::Limit),
            qty: o.remaining,
            time_in_force: tif,
            expire_at: None,
            post_only: false,
            stp: o.flags.stp(),
            client_order_id: None,
        };
        let st = &self.instruments[i];
        let opposite = st.book.side(o.side.opposite());
        let crosses = opposite.best_price().is_some_and(|best| opposite.crossed_by(limit, best));
        let unfillable = tif == TimeInForce::Fok && !fok_fillable(st, &self.orders, &self.tables, &p, limit);
        let before = sink.bbo_before(&st.book);
        let matched = crosses && !unfillable;
        let (remaining, filled, stp_killed) = if matched {
            let mut taker = Taker {
                id: o.id,
                account: o.account,
                side: o.side,
                limit,
                remaining: o.remaining.0,
                filled: o.filled.0,
                stp: p.stp,
                stp_killed: false,
                budget: NO_BUDGET,
            };
            self.match_crossing(i, &mut taker, sink);
            (taker.remaining, taker.filled, taker.stp_killed)
        } else {
            (o.remaining.0, o.filled.0, false)
        };
        let status = if remaining > 0 {
            let mut reason = if unfillable {
                Some(CancelReason::FokUnfillable)
            } else if stp_killed {
                Some(CancelReason::SelfTradePrevention)
            } else {
                match tif {
                    TimeInForce::Gtc | TimeInForce::Gtd => None,
                    TimeInForce::Ioc | TimeInForce::Fok if limit.is_none() => Some(CancelReason::NoLiquidity),
                    TimeInForce::Ioc | TimeInForce::Fok => Some(CancelReason::IocRemainder),
                }
            };
            if let (None, Some(px)) = (reason, limit) {
                let ladder = self.instruments[i].book.side(o.side);
                if ladder.len() >= self.config.max_levels_per_side && ladder.level_at(px).is_none() {
                    reason = Some(CancelReason::LevelCapacity);
                }
            }
            match (reason, limit) {
                (None, Some(px)) => {
                    if let Some(ord) = self.orders.get_mut(key) {
                        ord.remaining = Lots(remaining);
                        ord.filled = Lots(filled);
                        ord.flags = ord.flags.with_stop(false);
                    }
                    self.link_at(i, key, o.side, px, sink);
                    OrderStatus::Resting
                }
                (reason, _) => {
                    let reason = reason.unwrap_or(CancelReason::NoLiquidity);
                    self.instruments[i].counters.cancelled += i128::from(remaining);
                    sink.emit(EventKind::Cancelled {
                        order_id: o.id,
                        account: o.account,
                        instrument,
                        side: o.side,
                        price: limit,
                        qty: Lots(remaining),
                        filled: Lots(filled),
                        reason,
                    });
                    self.tables.retire(&o);
                    self.orders.free(key, o.id);
                    OrderStatus::Cancelled(reason)
                }
            }
        } else {
            self.tables.retire(&o);
            self.orders.free(key, o.id);
            if stp_killed {
                OrderStatus::Cancelled(CancelReason::SelfTradePrevention)
            } else {
                OrderStatus::Filled
            }
        };
        sink.bbo_after(instrument, &self.instruments[i].book, before);
        Some((status, filled, remaining, matched))
    }

    /// Ends the waiting stop `o` (the record at `key`): cancelled for `reason`,
    /// or expired when `reason` is `None`. Returns its (leaves, filled).
    #[inline(never)]
    #[cold]
    pub(super) fn end_stop<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        key: u32,
        o: &RestingOrder,
        reason: Option<CancelReason>,
        sink: &mut Sink<'_, S, MD>,
    ) -> Option<(Lots, Lots)> {
        let spec = self.tables.stops.remove(&o.id)?;
        let i = o.instrument as usize;
        let instrument = InstrumentId(u32::from(o.instrument));
        let st = self.instruments.get_mut(i)?;
        st.stops.remove(o.side, &spec);
        match reason {
            Some(reason) => {
                st.counters.cancelled += i128::from(o.remaining.0);
                sink.emit(EventKind::Cancelled {
                    order_id: o.id,
                    account: o.account,
                    instrument,
                    side: o.side,
                    price: spec.limit,
                    qty: o.remaining,
                    filled: o.filled,
                    reason,
                });
            }
            None => {
                st.counters.expired += i128::from(o.remaining.0);
                sink.emit(EventKind::Expired {
                    order_id: o.id,
                    account: o.account,
                    instrument,
                    side: o.side,
                    price: spec.limit.unwrap_or(spec.trigger),
                    qty: o.remaining,
                    filled: o.filled,
                });
            }
        }
        self.tables.retire(o);
        self.orders.free(key, o.id);
        Some((o.remaining, o.filled))
    }

    /// A validated amend of the waiting stop at `key`: trigger, limit and total
    /// quantity, versioned like any amend. It keeps its place in its trigger
    /// queue when only the quantity went down (or nothing changed); otherwise it
    /// goes to the back of its (new) trigger. If the last trade price already
    /// reached the new trigger it triggers at once.
    #[inline(never)]
    #[cold]
    pub(super) fn amend_stop<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        key: u32,
        a: &Amend,
        sink: &mut Sink<'_, S, MD>,
    ) -> Outcome {
        let Some((o, spec)) = self.orders.get(key).and_then(|o| Some((*o, self.stop_spec(o.id)?))) else {
            debug_assert!(false, "invariant: a validated stop amend names a waiting stop");
            return Outcome::MassCancelled { orders: 0 };
        };
        let i = o.instrument as usize;
        let instrument = InstrumentId(i as u32);
        let refused = |reason, sink: &mut Sink<'_, S, MD>| {
            sink.emit(EventKind::Rejected {
                account: o.account,
                instrument,
                order_id: Some(o.id),
                client_order_id: None,
                reason,
            });
            Outcome::Rejected { order_id: Some(o.id), reason }
        };
        match self.instruments[i].instrument.spec.status {
            TradingStatus::Open => {}
            TradingStatus::Halted => return refused(RejectReason::InstrumentHalted, sink),
            TradingStatus::Closed => return refused(RejectReason::InstrumentClosed, sink),
        }
        let trigger = a.new_trigger.unwrap_or(spec.trigger);
        let limit = spec.limit.map(|l| a.new_price.unwrap_or(l));
        let remaining = a.new_qty.map_or(o.remaining.0, |q| q.0 - o.filled.0);
        let priority_kept = trigger == spec.trigger && limit == spec.limit && remaining <= o.remaining.0;
        let version = o.version.wrapping_add(1);
        let st = &mut self.instruments[i];
        if remaining >= o.remaining.0 {
            st.counters.placed += i128::from(remaining - o.remaining.0);
        } else {
            st.counters.cancelled += i128::from(o.remaining.0 - remaining);
        }
        if let Some(ord) = self.orders.get_mut(key) {
            ord.remaining = Lots(remaining);
            ord.version = version;
        }
        if priority_kept {
            // Only the quantity went down, or nothing changed: same queue place.
        } else {
            self.instruments[i].stops.remove(o.side, &spec);
            self.tables.stops.remove(&o.id);
            self.enqueue_stop(i, key, o.id, o.side, trigger, limit);
        }
        sink.emit(EventKind::StopAmended {
            order_id: o.id,
            account: o.account,
            instrument,
            side: o.side,
            version,
            trigger,
            limit,
            qty: Lots(o.filled.0 + remaining),
            priority_kept,
        });
        let (status, filled, _) =
            self.trigger_if_reached(i, key, sink).unwrap_or((OrderStatus::Waiting, o.filled.0, remaining));
        Outcome::Amended {
            order_id: o.id,
            version,
            price: limit.unwrap_or(trigger),
            filled: Lots(filled),
            leaves: Lots(remaining),
            priority_kept,
            status,
        }
    }
}
