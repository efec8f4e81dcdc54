//! Amend (cancel/replace with optimistic locking): keeps priority or re-queues.

use super::matching::{Taker, NO_BUDGET};
use super::side_tables::Reserve;
use super::*;
use crate::book::orders::RestingOrder;
use crate::command::Amend;
use crate::event::{CancelReason, EventKind, EventSink, RejectReason};
use crate::instrument::TradingStatus;
use crate::outcome::{OrderStatus, Outcome};
use crate::types::{InstrumentId, Lots, OrderId};

impl Engine {
    #[inline(always)]
    pub(super) fn exec_amend<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        key: u32,
        a: &Amend,
        sink: &mut Sink<'_, S, MD>,
    ) -> Outcome {
        // A validated amend names a live order, and expiring what was due
        // cannot remove it (validation treats due orders as gone). One linked
        // into no level is a waiting stop.
        let Some((o, old_price)) = self
            .orders
            .get(key)
            .and_then(|o| Some((*o, self.instruments.get(o.instrument as usize)?.book.level(o.level)?.price)))
        else {
            return self.amend_stop(key, a, sink);
        };
        let i = o.instrument as usize;
        let instrument = InstrumentId(i as u32);
        let st = &self.instruments[i];
        let reject = |reason| EventKind::Rejected {
            account: o.account,
            instrument,
            order_id: Some(o.id),
            client_order_id: None,
            reason,
        };
        let refused = |reason, sink: &mut Sink<'_, S, MD>| {
            sink.emit(reject(reason));
            Outcome::Rejected { order_id: Some(o.id), reason }
        };
        match st.instrument.spec.status {
            TradingStatus::Open => {}
            TradingStatus::Halted => return refused(RejectReason::InstrumentHalted, sink),
            TradingStatus::Closed => return refused(RejectReason::InstrumentClosed, sink),
        }
        let new_price = a.new_price.unwrap_or(old_price);
        // Leaves (the shown quantity and an iceberg's reserve) and an iceberg's
        // display after the amend (`None` for any other order).
        let (leaves, display) = if o.iceberg { self.iceberg_terms(&o, a) } else { (o.remaining.0, None) };
        let new_remaining = a.new_qty.map_or(leaves, |q| q.0 - o.filled.0);
        let opposite = st.book.side(o.side.opposite());
        if o.flags.post_only() && new_price != old_price {
            if let Some(best) = opposite.best_price() {
                if opposite.crossed_by(Some(new_price), best) {
                    return refused(RejectReason::PostOnlyWouldCross, sink);
                }
            }
        }
        let version = o.version.wrapping_add(1);
        let before = sink.bbo_before(&st.book);
        let amended = |priority_kept| EventKind::Amended {
            order_id: o.id,
            account: o.account,
            instrument,
            side: o.side,
            version,
            price: new_price,
            qty: Lots(o.filled.0 + new_remaining),
            remaining: Lots(new_remaining),
            filled: o.filled,
            priority_kept,
        };
        let outcome = |priority_kept, filled, leaves, status| Outcome::Amended {
            order_id: o.id,
            version,
            price: new_price,
            filled: Lots(filled),
            leaves: Lots(leaves),
            priority_kept,
            status,
        };

        if new_price == old_price && new_remaining <= leaves {
            // Same price, same or less quantity: keeps its place in the queue
            // (an iceberg shows no more than before: a larger display shows at
            // its next slice).
            let shown = match display {
                None => new_remaining,
                Some(d) => self.set_reserve(o.id, d, new_remaining, o.remaining.0.min(d.0)),
            };
            let delta = o.remaining.0 - shown;
            let st = &mut self.instruments[i];
            st.counters.cancelled += i128::from(leaves - new_remaining);
            if let Some(ord) = self.orders.get_mut(key) {
                ord.remaining = Lots(shown);
                ord.version = version;
            }
            sink.emit(amended(true));
            if let Some(level) = st.book.levels.get_mut(o.level as usize) {
                level.qty -= delta;
                if delta != 0 {
                    sink.level(instrument, o.side, Some(level), old_price);
                }
            }
            sink.bbo_after(instrument, &st.book, before);
            return outcome(true, o.filled.0, new_remaining, OrderStatus::Resting);
        }

        // Loses priority: leave the level (keeping the slab slot), trade if it now
        // crosses, then rest at the back of the new level.
        self.unlink_order(&o, old_price, sink);
        let st = &mut self.instruments[i];
        if new_remaining >= leaves {
            st.counters.placed += i128::from(new_remaining - leaves);
        } else {
            st.counters.cancelled += i128::from(leaves - new_remaining);
        }
        sink.emit(amended(false));
        let opposite = self.instruments[i].book.side(o.side.opposite());
        let crosses = opposite.best_price().is_some_and(|best| opposite.crossed_by(Some(new_price), best));
        if !crosses && new_remaining > 0 {
            // Most amends do not cross: the order rests as it is, with no taker to set up.
            let shown = display.map_or(new_remaining, |d| self.set_reserve(o.id, d, new_remaining, d.0));
            if let Some(ord) = self.orders.get_mut(key) {
                ord.remaining = Lots(shown);
                ord.version = version;
            }
            self.link_at(i, key, o.side, new_price, sink);
            sink.bbo_after(instrument, &self.instruments[i].book, before);
            return outcome(false, o.filled.0, new_remaining, OrderStatus::Resting);
        }
        let mut taker = Taker {
            id: o.id,
            account: o.account,
            side: o.side,
            limit: Some(new_price),
            remaining: new_remaining,
            filled: o.filled.0,
            stp: o.flags.stp(),
            stp_killed: false,
            budget: NO_BUDGET,
        };
        self.match_taker(i, &mut taker, sink);
        let status = if taker.remaining > 0 && !taker.stp_killed {
            let shown = display.map_or(taker.remaining, |d| self.set_reserve(o.id, d, taker.remaining, d.0));
            if let Some(ord) = self.orders.get_mut(key) {
                ord.remaining = Lots(shown);
                ord.filled = Lots(taker.filled);
                ord.version = version;
            }
            self.link_at(i, key, o.side, new_price, sink);
            OrderStatus::Resting
        } else {
            if taker.remaining > 0 {
                self.instruments[i].counters.cancelled += i128::from(taker.remaining);
                sink.emit(EventKind::Cancelled {
                    order_id: o.id,
                    account: o.account,
                    instrument,
                    side: o.side,
                    price: Some(new_price),
                    qty: Lots(taker.remaining),
                    filled: Lots(taker.filled),
                    reason: CancelReason::SelfTradePrevention,
                });
            }
            if let Some(gone) = self.orders.remove(key) {
                self.tables.retire(&gone);
            }
            if taker.stp_killed {
                OrderStatus::Cancelled(CancelReason::SelfTradePrevention)
            } else {
                OrderStatus::Filled
            }
        };
        sink.bbo_after(instrument, &self.instruments[i].book, before);
        if self.instruments[i].stops.due(self.trade_lo, self.trade_hi) {
            self.after_trades(i, 0, sink);
        }
        outcome(false, taker.filled, new_remaining, status)
    }
}

impl Engine {
    /// A resting iceberg's leaves and the display an amend leaves it with.
    #[inline(never)]
    #[cold]
    fn iceberg_terms(&self, o: &RestingOrder, a: &Amend) -> (i64, Option<Lots>) {
        match self.tables.reserves.get(&o.id) {
            Some(r) => (o.remaining.0 + r.hidden.0, Some(a.new_display.unwrap_or(r.display))),
            None => (o.remaining.0, None),
        }
    }

    /// An iceberg with `leaves` lots left shows at most `most` of them (and
    /// never more than `display`); the rest goes to its reserve. Returns the
    /// lots shown.
    #[inline(never)]
    #[cold]
    fn set_reserve(&mut self, id: OrderId, display: Lots, leaves: i64, most: i64) -> i64 {
        let shown = leaves.min(most).min(display.0);
        self.tables.reserves.insert(id, Reserve { display, hidden: Lots(leaves - shown) });
        shown
    }
}
