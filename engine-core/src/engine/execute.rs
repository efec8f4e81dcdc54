//! Execution of validated commands: register, trading status, mass cancel, place, and
//! the linking and removal of resting orders they share.

use super::matching::{fok_fillable, Taker, NO_BUDGET};
use super::side_tables::Reserve;
use super::*;
use crate::book::orders::{OrderFlags, RestingOrder, NIL};
use crate::book::{link_back, unlink, Book};
use crate::command::{MassCancel, Place, SetTradingStatus};
use crate::event::{CancelReason, EventKind, EventSink, RejectReason};
use crate::instrument::{Instrument, InstrumentSpec, TradingStatus};
use crate::outcome::{OrderStatus, Outcome};
use crate::types::{AccountId, InstrumentId, Lots, OrderId, OrderType, Side, Ticks, TimeInForce};

impl Engine {
    pub(super) fn exec_register<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        spec: &InstrumentSpec,
        sink: &mut Sink<'_, S, MD>,
    ) -> Outcome {
        let id = InstrumentId(self.instruments.len() as u32);
        self.symbols.insert(spec.symbol.clone(), id);
        self.instruments.push(InstrumentState {
            instrument: Instrument { id, spec: spec.clone() },
            book: Book::new(),
            counters: QtyCounters::default(),
            last_price: 0,
            stops: StopQueues::default(),
        });
        sink.emit(EventKind::InstrumentRegistered { instrument: id });
        Outcome::InstrumentRegistered { instrument: id }
    }

    pub(super) fn exec_set_status<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        i: usize,
        s: &SetTradingStatus,
        sink: &mut Sink<'_, S, MD>,
    ) -> Outcome {
        self.instruments[i].instrument.spec.status = s.status;
        sink.emit(EventKind::TradingStatusChanged { instrument: s.instrument, status: s.status });
        if s.cancel_resting {
            let reason = match s.status {
                TradingStatus::Halted => CancelReason::Halted,
                TradingStatus::Closed => CancelReason::Closed,
                TradingStatus::Open => CancelReason::MassCancel,
            };
            // Waiting stops are not in the book: they keep waiting.
            let cancelled = self.cancel_where(Some(i), None, reason, false, sink);
            return Outcome::TradingStatusSet { instrument: s.instrument, cancelled };
        }
        Outcome::TradingStatusSet { instrument: s.instrument, cancelled: 0 }
    }

    pub(super) fn exec_mass_cancel<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        m: &MassCancel,
        sink: &mut Sink<'_, S, MD>,
    ) -> Outcome {
        let orders =
            self.cancel_where(m.instrument.map(|i| i.0 as usize), m.account, CancelReason::MassCancel, true, sink);
        Outcome::MassCancelled { orders }
    }

    /// A user's cancel of the live order at `key` (validated).
    #[inline(always)]
    pub(super) fn exec_cancel<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        key: u32,
        order_id: OrderId,
        sink: &mut Sink<'_, S, MD>,
    ) -> Outcome {
        let (leaves, filled) = self.remove_resting(key, CancelReason::User, sink).unwrap_or_else(|| {
            debug_assert!(false, "invariant: a validated cancel names a resting order");
            (Lots(0), Lots(0))
        });
        Outcome::Cancelled { order_id, leaves, filled }
    }

    /// Cancels in a fixed order: instrument, bids then asks, best level first,
    /// FIFO, then (with `stops`) the waiting buy stops then sell stops, each in
    /// trigger order. Returns how many orders it cancelled.
    pub(super) fn cancel_where<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        only: Option<usize>,
        account: Option<AccountId>,
        reason: CancelReason,
        stops: bool,
        sink: &mut Sink<'_, S, MD>,
    ) -> u32 {
        let mut cancelled = 0u32;
        let range = match only {
            Some(i) => i..i + 1,
            None => 0..self.instruments.len(),
        };
        let mut keys = std::mem::take(&mut self.scratch);
        for i in range {
            keys.clear();
            let Some(st) = self.instruments.get(i) else {
                continue;
            };
            for ladder in [&st.book.bids, &st.book.asks] {
                for level in ladder.keys_best_first().filter_map(|lk| st.book.level(lk)) {
                    let mut k = level.head;
                    while let Some(o) = self.orders.get(k) {
                        if account.is_none_or(|a| a == o.account) {
                            keys.push(k);
                        }
                        k = o.next;
                    }
                }
            }
            if stops {
                for &k in st.stops.buys.values().chain(st.stops.sells.values()) {
                    if self.orders.get(k).is_some_and(|o| account.is_none_or(|a| a == o.account)) {
                        keys.push(k);
                    }
                }
            }
            for &k in &keys {
                if self.remove_resting(k, reason, sink).is_some() {
                    cancelled += 1;
                }
            }
        }
        keys.clear();
        self.scratch = keys;
        cancelled
    }

    #[inline(always)]
    pub(super) fn exec_place<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        i: usize,
        p: &Place,
        sink: &mut Sink<'_, S, MD>,
    ) -> Outcome {
        let instrument = p.instrument;
        let st = &self.instruments[i];
        let reject = |reason| EventKind::Rejected {
            account: p.account,
            instrument,
            order_id: None,
            client_order_id: p.client_order_id,
            reason,
        };
        let refused = |reason, sink: &mut Sink<'_, S, MD>| {
            sink.emit(reject(reason));
            Outcome::Rejected { order_id: None, reason }
        };
        match st.instrument.spec.status {
            TradingStatus::Open => {}
            TradingStatus::Halted => return refused(RejectReason::InstrumentHalted, sink),
            TradingStatus::Closed => return refused(RejectReason::InstrumentClosed, sink),
        }
        let limit = match p.order_type {
            OrderType::Limit(px)
            | OrderType::LimitByAmount { limit: px, .. }
            | OrderType::Iceberg { limit: px, .. } => Some(px),
            OrderType::Market | OrderType::MarketByAmount { .. } => None,
            OrderType::StopMarket { .. } | OrderType::StopLimit { .. } => return self.place_stop(i, p, sink),
        };
        let opposite = st.book.side(p.side.opposite());
        let crosses = opposite.best_price().is_some_and(|best| opposite.crossed_by(limit, best));
        if p.post_only && crosses {
            return refused(RejectReason::PostOnlyWouldCross, sink);
        }

        let order_id = OrderId(self.next_order_id);
        self.next_order_id += 1;
        sink.emit(EventKind::Accepted {
            order_id,
            account: p.account,
            instrument,
            side: p.side,
            price: limit,
            qty: p.qty,
            time_in_force: p.time_in_force,
            client_order_id: p.client_order_id,
        });
        let st = &mut self.instruments[i];
        st.counters.placed += i128::from(p.qty.0);

        // A fill-or-kill that cannot fill in full does not match at all.
        let unfillable = p.time_in_force == TimeInForce::Fok && !fok_fillable(st, &self.orders, &self.tables, p, limit);

        let before = sink.bbo_before(&st.book);
        // Nothing above changed the book, so `crosses` still holds. A taker is
        // set up only to match: most places rest as they came.
        let (remaining, filled, stp_killed) = if crosses && !unfillable {
            let mut taker = Taker {
                id: order_id,
                account: p.account,
                side: p.side,
                limit,
                remaining: p.qty.0,
                filled: 0,
                stp: p.stp,
                stp_killed: false,
                budget: p.order_type.amount().map_or(NO_BUDGET, |a| a.0),
            };
            self.match_crossing(i, &mut taker, sink);
            (taker.remaining, taker.filled, taker.stp_killed)
        } else {
            (p.qty.0, 0, false)
        };
        let status = if remaining > 0 {
            let reason = if unfillable {
                Some(CancelReason::FokUnfillable)
            } else if stp_killed {
                Some(CancelReason::SelfTradePrevention)
            } else {
                match p.time_in_force {
                    TimeInForce::Gtc | TimeInForce::Gtd => None,
                    TimeInForce::Ioc | TimeInForce::Fok if limit.is_none() => Some(CancelReason::NoLiquidity),
                    TimeInForce::Ioc | TimeInForce::Fok => Some(CancelReason::IocRemainder),
                }
            };
            match reason {
                Some(reason) => {
                    debug_assert!(
                        p.time_in_force != TimeInForce::Fok || stp_killed || unfillable,
                        "invariant: a fillable fok fills fully"
                    );
                    self.instruments[i].counters.cancelled += i128::from(remaining);
                    sink.emit(EventKind::Cancelled {
                        order_id,
                        account: p.account,
                        instrument,
                        side: p.side,
                        price: limit,
                        qty: Lots(remaining),
                        filled: Lots(filled),
                        reason,
                    });
                    OrderStatus::Cancelled(reason)
                }
                None => {
                    let price = limit.unwrap_or_default();
                    let flags = OrderFlags::new(p.time_in_force, p.stp, p.post_only, p.client_order_id.is_some());
                    // An iceberg rests showing one slice, the rest in reserve.
                    let display = p.order_type.display();
                    let shown = display.map_or(remaining, |d| remaining.min(d.0));
                    let order = RestingOrder {
                        id: order_id,
                        account: p.account,
                        remaining: Lots(shown),
                        filled: Lots(filled),
                        expire_at: p.expire_at.map_or(0, |t| t.0),
                        prev: NIL,
                        next: NIL,
                        level: NIL,
                        version: 0,
                        instrument: i as u16,
                        side: p.side,
                        flags,
                        iceberg: display.is_some(),
                    };
                    self.tables.add(&order, p.client_order_id);
                    if let Some(display) = display {
                        self.tables.reserves.insert(order_id, Reserve { display, hidden: Lots(remaining - shown) });
                    }
                    let key = self.orders.insert(order);
                    self.link_at(i, key, p.side, price, sink);
                    OrderStatus::Resting
                }
            }
        } else if stp_killed {
            OrderStatus::Cancelled(CancelReason::SelfTradePrevention)
        } else {
            OrderStatus::Filled
        };
        let st = &self.instruments[i];
        sink.bbo_after(instrument, &st.book, before);
        // Stops reached by this order's trades fire now, after it is done.
        if crosses && !unfillable && st.stops.due(self.trade_lo, self.trade_hi) {
            self.after_trades(i, 0, sink);
        }
        Outcome::Placed { order_id, status, filled: Lots(filled), leaves: Lots(remaining) }
    }

    /// Links the stored order at `key` at the back of the level at `price`.
    #[inline(always)]
    pub(super) fn link_at<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        i: usize,
        key: u32,
        side: Side,
        price: Ticks,
        sink: &mut Sink<'_, S, MD>,
    ) {
        let book = &mut self.instruments[i].book;
        let lk = book.level_for(side, price);
        link_back(&mut self.orders.slab, &mut book.levels, lk, key);
        sink.level(InstrumentId(i as u32), side, book.level(lk), price);
    }

    /// Unlinks `o` (a copy of a stored record) from its level, which is at
    /// `price`, dropping the level if it empties; the slab entry stays.
    #[inline(always)]
    pub(super) fn unlink_order<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        o: &RestingOrder,
        price: Ticks,
        sink: &mut Sink<'_, S, MD>,
    ) {
        let i = o.instrument as usize;
        let st = &mut self.instruments[i];
        let emptied = unlink(&mut self.orders.slab, &mut st.book.levels, o);
        if emptied {
            st.book.drop_level(o.side, o.level, price.0);
        }
        sink.level(InstrumentId(i as u32), o.side, if emptied { None } else { st.book.level(o.level) }, price);
    }

    /// Unlinks and frees the resting order `o`, the record at `key` as the
    /// caller read it (one copy of the 64-byte record, not one per step).
    /// Returns the price it rested at; `None` if it is not linked into a level
    /// of its book.
    #[inline(always)]
    pub(super) fn take_resting<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        key: u32,
        o: &RestingOrder,
        sink: &mut Sink<'_, S, MD>,
    ) -> Option<Ticks> {
        let price =
            self.instruments.get(o.instrument as usize).and_then(|st| st.book.level(o.level)).map(|l| l.price)?;
        self.unlink_order(o, price, sink);
        self.orders.free(key, o.id);
        Some(price)
    }

    /// Removes a resting order for `reason` (cancel paths) and reports it.
    /// Returns its (leaves, filled) when it was resting.
    pub(super) fn remove_resting<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        key: u32,
        reason: CancelReason,
        sink: &mut Sink<'_, S, MD>,
    ) -> Option<(Lots, Lots)> {
        let &o = self.orders.get(key)?;
        if o.flags.is_stop() {
            return self.end_stop(key, &o, Some(reason), sink);
        }
        let leaves = self.tables.leaves(&o);
        self.take_out(key, &o, leaves, sink, |price| EventKind::Cancelled {
            order_id: o.id,
            account: o.account,
            instrument: InstrumentId(u32::from(o.instrument)),
            side: o.side,
            price: Some(price),
            qty: leaves,
            filled: o.filled,
            reason,
        })?;
        Some((leaves, o.filled))
    }

    /// Takes the resting order `o` (the record at `key`) out of its book for
    /// good and reports it with the event `report` makes of its price (a cancel
    /// or an expiry), counting its `leaves` (an iceberg's reserve included, the
    /// caller has them for its event). `None` if it was not resting.
    #[inline(always)]
    pub(super) fn take_out<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        key: u32,
        o: &RestingOrder,
        leaves: Lots,
        sink: &mut Sink<'_, S, MD>,
        report: impl FnOnce(Ticks) -> EventKind,
    ) -> Option<Ticks> {
        let i = o.instrument as usize;
        let before = sink.bbo_before(&self.instruments[i].book);
        let price = self.take_resting(key, o, sink)?;
        self.tables.retire(o);
        let st = &mut self.instruments[i];
        let event = report(price);
        match event {
            EventKind::Expired { .. } => st.counters.expired += i128::from(leaves.0),
            _ => st.counters.cancelled += i128::from(leaves.0),
        }
        sink.emit(event);
        sink.bbo_after(InstrumentId(i as u32), &st.book, before);
        Some(price)
    }
}
