//! `check_invariants`: the whole state walked and checked.

use super::*;
use crate::book::orders::NIL;
use crate::types::{Side, Ticks, Timestamp};

impl Engine {
    /// Walks the whole state and reports the first broken invariant:
    /// books sorted and uncrossed, no empty level, level totals equal the sum of their
    /// orders, list links consistent, every resting order linked and indexed exactly
    /// once, side tables in step; no stop in a book, every waiting stop in
    /// exactly one trigger queue under its own trigger, the cached best triggers
    /// right; every resting iceberg with one reserve, showing 1 lot up to its
    /// display; and per instrument `placed = filled + cancelled + expired +
    /// resting (shown and hidden) + waiting`.
    ///
    /// # Errors
    /// A description of the first violation found.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut linked = 0usize;
        let mut gtd = 0usize;
        let mut with_client_id = 0usize;
        let mut waiting = 0usize;
        let mut icebergs = 0usize;
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
                        if o.flags.is_stop() || self.tables.stops.contains_key(&o.id) {
                            return Err(format!("stop {} rests in the book", o.id));
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
                        if o.iceberg {
                            icebergs += 1;
                            let r = self
                                .tables
                                .reserves
                                .get(&o.id)
                                .ok_or_else(|| format!("iceberg {} has no reserve", o.id))?;
                            if r.display.0 <= 0 || r.hidden.0 < 0 || o.remaining > r.display {
                                return Err(format!(
                                    "iceberg {} shows {} of display {} with {} hidden",
                                    o.id, o.remaining, r.display, r.hidden
                                ));
                            }
                            resting += i128::from(r.hidden.0);
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
            for (side, queue) in [(Side::Buy, &st.stops.buys), (Side::Sell, &st.stops.sells)] {
                for (&(qk, seq), &k) in queue {
                    let o = self.orders.get(k).ok_or_else(|| format!("stop queue links free slot {k}"))?;
                    let spec = self.tables.stops.get(&o.id).ok_or_else(|| format!("stop {} has no spec", o.id))?;
                    let trigger = if side == Side::Buy { qk } else { -qk };
                    if !o.flags.is_stop() || o.iceberg || o.level != NIL || o.prev != NIL || o.next != NIL {
                        return Err(format!("waiting stop {} is flagged or linked wrong", o.id));
                    }
                    if o.side != side || o.instrument as usize != i || spec.trigger.0 != trigger || spec.seq != seq {
                        return Err(format!("stop {} sits in the wrong queue place", o.id));
                    }
                    if o.remaining.0 <= 0 || o.filled.0 != 0 {
                        return Err(format!("stop {} waits with {} lots, {} filled", o.id, o.remaining, o.filled));
                    }
                    if self.orders.key_of(o.id) != Some(k) {
                        return Err(format!("stop {} is not indexed under its slot", o.id));
                    }
                    if o.expire_at != 0 {
                        gtd += 1;
                        if !self.tables.expiries.contains(&(Timestamp(o.expire_at), o.id)) {
                            return Err(format!("gtd stop {} has no deadline entry", o.id));
                        }
                    }
                    if o.flags.has_client_id() {
                        with_client_id += 1;
                        let c = self.tables.client_id_of.get(&o.id).ok_or("client id missing")?;
                        if self.tables.client_ids.get(&(o.account, *c)) != Some(&o.id) {
                            return Err(format!("client id of stop {} not indexed", o.id));
                        }
                    }
                    waiting += 1;
                    resting += i128::from(o.remaining.0);
                }
            }
            if (st.stops.buy_at, st.stops.sell_at) != st.stops.thresholds() {
                return Err(format!("instrument {i} caches stale best triggers"));
            }
            if st.stops.carry.is_some() && st.stops.buys.is_empty() && st.stops.sells.is_empty() {
                return Err(format!("instrument {i} carries trades for no stop"));
            }
            let c = st.counters;
            if c.placed != c.filled + c.cancelled + c.expired + resting {
                return Err(format!(
                    "instrument {i} quantity not conserved: placed {} != filled {} + cancelled {} + expired {} + resting {resting}",
                    c.placed, c.filled, c.cancelled, c.expired
                ));
            }
        }
        if icebergs != self.tables.reserves.len() {
            return Err(format!("{icebergs} icebergs rest, {} reserves", self.tables.reserves.len()));
        }
        if waiting != self.tables.stops.len() {
            return Err(format!("{waiting} stops queued, {} specs", self.tables.stops.len()));
        }
        if linked + waiting != self.orders.len() || self.orders.index.len() != self.orders.len() {
            return Err(format!(
                "{} orders linked, {waiting} stops waiting, {} stored, {} indexed",
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
}
