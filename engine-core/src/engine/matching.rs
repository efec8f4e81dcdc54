//! Price-time matching of a taker against the opposite side, and the FOK pre-check.

use super::*;
use crate::book::orders::{OrderStore, NIL};
use crate::book::Book;
use crate::command::Place;
use crate::event::{CancelReason, EventKind, EventSink};
use crate::types::{AccountId, InstrumentId, Lots, OrderId, SelfTradePrevention, Side, Ticks, TradeId};

/// The incoming side of a match: a new order or an amended one that now crosses.
pub(super) struct Taker {
    pub(super) id: OrderId,
    pub(super) account: AccountId,
    pub(super) side: Side,
    pub(super) limit: Option<Ticks>,
    pub(super) remaining: i64,
    pub(super) filled: i64,
    pub(super) stp: SelfTradePrevention,
    /// Self-trade prevention ended this order; its Cancelled event is already out
    /// (`remaining == 0`) or due (`remaining > 0`).
    pub(super) stp_killed: bool,
    /// What a by-amount order may still spend, in tick·lots ([`NO_BUDGET`]
    /// for every other order).
    pub(super) budget: u64,
}

/// The budget of an order that is not by amount.
pub(super) const NO_BUDGET: u64 = u64::MAX;

/// How many of `qty` lots at `price` a by-amount taker can still pay for.
#[inline]
fn affordable(budget: u64, price: Ticks, qty: i64) -> i64 {
    // Prices are validated positive; lots fit i64.
    let lots = budget / price.0.max(1) as u64;
    qty.min(i64::try_from(lots).unwrap_or(i64::MAX))
}

impl Engine {
    /// Matches `taker` against the opposite side at the makers' prices, best level
    /// first, FIFO within a level, applying the taker's self-trade prevention.
    ///
    /// Most orders and amends do not cross; that answer is one read of the opposite
    /// touch, kept inline so the common case skips the matching loop's set-up.
    #[inline(always)]
    pub(super) fn match_taker<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        i: usize,
        taker: &mut Taker,
        sink: &mut Sink<'_, S, MD>,
    ) {
        let book = &self.instruments[i].book;
        let opposite = book.side(taker.side.opposite());
        let crosses = match opposite.best_price() {
            None => false,
            Some(best) => opposite.crossed_by(taker.limit, best),
        };
        if crosses && taker.remaining > 0 {
            self.match_crossing(i, taker, sink);
        }
    }

    #[inline(never)]
    pub(super) fn match_crossing<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        i: usize,
        taker: &mut Taker,
        sink: &mut Sink<'_, S, MD>,
    ) {
        let instrument = InstrumentId(i as u32);
        let Engine { instruments, orders, tables, next_trade_id, trade_lo, trade_hi, .. } = self;
        // The range of prices traded at, for the stop check after the match.
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        let st = &mut instruments[i];
        let counters = &mut st.counters;
        let Book { bids, asks, levels } = &mut st.book;
        let ladder = match taker.side {
            Side::Buy => asks,
            Side::Sell => bids,
        };
        let maker_side = ladder.side;
        // A by-amount taker stops at the first lot it cannot pay for.
        let mut spent = false;
        while taker.remaining > 0 && !taker.stp_killed && !spent {
            let Some(lk) = ladder.best() else { break };
            let Some(level) = levels.get_mut(lk as usize) else { break };
            if !ladder.crossed_by(taker.limit, level.price) {
                break;
            }
            let price = level.price;
            let filled_before = taker.filled;
            let mut touched = false;
            while taker.remaining > 0 && level.head != NIL {
                let key = level.head;
                let Some(maker) = orders.slab.get_mut(key as usize) else {
                    break;
                };
                let self_trade = taker.stp != SelfTradePrevention::None && maker.account == taker.account;
                // An iceberg maker's reserve: its leaves are `remaining + hidden`.
                let hidden = tables.hidden(maker);
                let mut maker_done = None;
                if self_trade {
                    match taker.stp {
                        SelfTradePrevention::CancelTaker => {
                            taker.stp_killed = true;
                            break;
                        }
                        SelfTradePrevention::CancelMaker | SelfTradePrevention::CancelBoth => {
                            maker_done = Some(CancelReason::SelfTradePrevention);
                            taker.stp_killed = taker.stp == SelfTradePrevention::CancelBoth;
                        }
                        _ => {
                            // Decrement both by the smaller quantity, no trade.
                            let d = maker.remaining.0.min(taker.remaining);
                            maker.remaining.0 -= d;
                            level.qty -= d;
                            taker.remaining -= d;
                            counters.cancelled += 2 * i128::from(d);
                            touched = true;
                            if maker.remaining.0 + hidden > 0 {
                                sink.emit(EventKind::Reduced {
                                    order_id: maker.id,
                                    account: maker.account,
                                    instrument,
                                    side: maker_side,
                                    price: Some(price),
                                    qty: Lots(d),
                                    remaining: Lots(maker.remaining.0 + hidden),
                                    filled: maker.filled,
                                    reason: CancelReason::SelfTradePrevention,
                                });
                            } else {
                                sink.emit(EventKind::Cancelled {
                                    order_id: maker.id,
                                    account: maker.account,
                                    instrument,
                                    side: maker_side,
                                    price: Some(price),
                                    qty: Lots(d),
                                    filled: maker.filled,
                                    reason: CancelReason::SelfTradePrevention,
                                });
                            }
                            if taker.remaining > 0 {
                                sink.emit(EventKind::Reduced {
                                    order_id: taker.id,
                                    account: taker.account,
                                    instrument,
                                    side: taker.side,
                                    price: taker.limit,
                                    qty: Lots(d),
                                    remaining: Lots(taker.remaining),
                                    filled: Lots(taker.filled),
                                    reason: CancelReason::SelfTradePrevention,
                                });
                            } else {
                                taker.stp_killed = true;
                                sink.emit(EventKind::Cancelled {
                                    order_id: taker.id,
                                    account: taker.account,
                                    instrument,
                                    side: taker.side,
                                    price: taker.limit,
                                    qty: Lots(d),
                                    filled: Lots(taker.filled),
                                    reason: CancelReason::SelfTradePrevention,
                                });
                            }
                        }
                    }
                } else {
                    let mut q = maker.remaining.0.min(taker.remaining);
                    if taker.budget != NO_BUDGET {
                        q = affordable(taker.budget, price, q);
                        if q == 0 {
                            spent = true;
                            break;
                        }
                        // q × price ≤ budget by construction.
                        taker.budget -= q as u64 * price.0 as u64;
                    }
                    maker.remaining.0 -= q;
                    maker.filled.0 += q;
                    level.qty -= q;
                    taker.remaining -= q;
                    taker.filled += q;
                    counters.filled += 2 * i128::from(q);
                    touched = true;
                    let trade_id = TradeId(*next_trade_id);
                    *next_trade_id += 1;
                    sink.emit(EventKind::Trade {
                        trade_id,
                        instrument,
                        price,
                        qty: Lots(q),
                        aggressor: taker.side,
                        maker_order_id: maker.id,
                        maker_account: maker.account,
                        maker_remaining: Lots(maker.remaining.0 + hidden),
                        taker_order_id: taker.id,
                        taker_account: taker.account,
                        taker_remaining: Lots(taker.remaining),
                    });
                }
                if maker_done.is_none() && maker.remaining.0 > 0 {
                    break;
                }
                if maker_done.is_none() && hidden > 0 {
                    // An iceberg's slice is used up: show the next one at the back
                    // of the level, where the taker may still reach it.
                    refresh_iceberg(orders, tables, level, key, instrument, maker_side, price, sink);
                    touched = true;
                    continue;
                }
                // The maker is done: pop it off the head of the level, and free
                // its slot without copying the record out.
                let (gone_id, gone_account, gone_filled) = (maker.id, maker.account, maker.filled);
                tables.retire(maker);
                // What a cancel (self-trade prevention) takes: the shown slice and
                // an iceberg's reserve.
                let cancelled_qty = Lots(maker.remaining.0 + hidden);
                let next = maker.next;
                level.head = next;
                level.qty -= maker.remaining.0;
                level.orders -= 1;
                touched = true;
                if next == NIL {
                    level.tail = NIL;
                } else if let Some(n) = orders.slab.get_mut(next as usize) {
                    n.prev = NIL;
                }
                orders.free(key, gone_id);
                if let Some(reason) = maker_done {
                    counters.cancelled += i128::from(cancelled_qty.0);
                    sink.emit(EventKind::Cancelled {
                        order_id: gone_id,
                        account: gone_account,
                        instrument,
                        side: maker_side,
                        price: Some(price),
                        qty: cancelled_qty,
                        filled: gone_filled,
                        reason,
                    });
                }
                if taker.stp_killed {
                    break;
                }
            }
            if taker.filled != filled_before {
                lo = lo.min(price.0);
                hi = hi.max(price.0);
            }
            let (qty, count) = (level.qty, level.orders);
            if count == 0 {
                ladder.sorted.pop();
                ladder.index_remove(price.0);
                levels.remove(lk as usize);
            }
            if touched && MD {
                sink.emit(EventKind::LevelChanged {
                    instrument,
                    side: maker_side,
                    price,
                    qty: Lots(qty),
                    orders: count,
                });
            }
            if count != 0 {
                // Level still has orders: the taker is done (filled or stopped by STP).
                break;
            }
        }
        *trade_lo = lo;
        *trade_hi = hi;
        if hi >= lo {
            // A buy taker climbs the asks, a sell taker descends the bids.
            st.last_price = match taker.side {
                Side::Buy => hi,
                Side::Sell => lo,
            };
        }
    }
}

/// Shows an iceberg's next slice: the maker at the head of `level` (its shown
/// quantity used up, its reserve not) takes `display` lots (or what is left)
/// from its reserve and moves to the back of the level, losing time priority.
#[inline(never)]
#[cold]
#[allow(clippy::too_many_arguments)]
fn refresh_iceberg<S: EventSink + ?Sized, const MD: bool>(
    orders: &mut OrderStore,
    tables: &mut crate::engine::SideTables,
    level: &mut crate::book::Level,
    key: u32,
    instrument: InstrumentId,
    side: Side,
    price: Ticks,
    sink: &mut Sink<'_, S, MD>,
) {
    let Some(maker) = orders.slab.get_mut(key as usize) else { return };
    let Some(reserve) = tables.reserves.get_mut(&maker.id) else { return };
    debug_assert!(maker.remaining.0 == 0 && reserve.hidden.0 > 0, "invariant: refresh a used-up slice with a reserve");
    let shown = reserve.display.0.min(reserve.hidden.0);
    reserve.hidden.0 -= shown;
    let hidden = reserve.hidden;
    maker.remaining = Lots(shown);
    level.qty += shown;
    let (id, account, filled, next) = (maker.id, maker.account, maker.filled, maker.next);
    debug_assert!(level.head == key, "invariant: the refreshed maker heads its level");
    if next != NIL {
        // Unlink from the head, link at the tail.
        let tail = level.tail;
        maker.prev = tail;
        maker.next = NIL;
        level.head = next;
        level.tail = key;
        if let Some(n) = orders.slab.get_mut(next as usize) {
            n.prev = NIL;
        }
        if let Some(t) = orders.slab.get_mut(tail as usize) {
            t.next = key;
        }
    }
    sink.emit(EventKind::Refreshed {
        order_id: id,
        account,
        instrument,
        side,
        price,
        shown: Lots(shown),
        hidden,
        filled,
    });
}

/// Would a FOK order fill completely right now? Mirrors `match_taker` without
/// mutating: self-trades stop it (cancel-taker/both), are skipped (cancel-maker), or
/// consume quantity without filling it (decrement).
/// A by-amount order must also pay for all of it within its amount.
/// Icebergs' reserves count: a taker that uses up a slice meets the next one
/// at the back of the same level.
pub(super) fn fok_fillable(
    st: &InstrumentState,
    orders: &OrderStore,
    tables: &SideTables,
    p: &Place,
    limit: Option<Ticks>,
) -> bool {
    let icebergs = !tables.reserves.is_empty();
    let ladder = st.book.side(p.side.opposite());
    let mut need = p.qty.0;
    let mut budget = p.order_type.amount().map(|a| u128::from(a.0));
    // Takes `qty` lots at `price` from what is needed; false if unaffordable.
    let mut take = |need: &mut i64, qty: i64, price: Ticks| {
        let q = qty.min(*need);
        *need -= q;
        match &mut budget {
            Some(b) => {
                let cost = q as u128 * price.0 as u128;
                *b = match b.checked_sub(cost) {
                    Some(left) => left,
                    None => return false,
                };
                true
            }
            None => true,
        }
    };
    for level in ladder.keys_best_first().filter_map(|k| st.book.level(k)) {
        if !ladder.crossed_by(limit, level.price) {
            return false;
        }
        if p.stp == SelfTradePrevention::None {
            let hidden = if icebergs { hidden_at(orders, tables, level.head) } else { 0 };
            if !take(&mut need, level.qty + hidden, level.price) {
                return false;
            }
            if need <= 0 {
                return true;
            }
            continue;
        }
        let mut k = level.head;
        // Other accounts' reserves at this level, reached after the shown
        // quantity (and after any own order, which stops a cancel-taker first).
        let mut hidden = 0;
        while let Some(o) = orders.get(k) {
            if o.account == p.account {
                match p.stp {
                    SelfTradePrevention::CancelTaker | SelfTradePrevention::CancelBoth => return false,
                    SelfTradePrevention::Decrement => return false,
                    _ => {}
                }
            } else {
                if !take(&mut need, o.remaining.0, level.price) {
                    return false;
                }
                if need <= 0 {
                    return true;
                }
                hidden += tables.hidden(o);
            }
            k = o.next;
        }
        if hidden > 0 {
            if !take(&mut need, hidden, level.price) {
                return false;
            }
            if need <= 0 {
                return true;
            }
        }
    }
    false
}

/// The icebergs' reserves in the level whose FIFO starts at `head`.
#[inline(never)]
#[cold]
fn hidden_at(orders: &OrderStore, tables: &SideTables, head: u32) -> i64 {
    let mut hidden = 0;
    let mut k = head;
    while let Some(o) = orders.get(k) {
        hidden += tables.hidden(o);
        k = o.next;
    }
    hidden
}
