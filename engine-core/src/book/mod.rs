//! One order book per instrument. Price levels live in a slab (stable keys); each
//! side keeps its level keys sorted worst → best (the touch is pushed and popped in
//! O(1)) plus a price → level index, so resting at an existing price and unlinking
//! an order (which carries its level key) never search. Each level is the head and
//! tail of an intrusive FIFO list of order slab keys.
//!
//! Invariants: `sorted` strictly ordered worst → best and in step with `index`; no
//! empty level; a level's `qty` and `orders` equal the sum and count of the orders
//! linked into it.

pub(crate) mod orders;

use slab::Slab;

use crate::event::LevelView;
use crate::hash::IdHashMap;
use crate::types::{Lots, Side, Ticks};
use orders::{OrderSlab, RestingOrder, NIL};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Level {
    pub price: Ticks,
    pub qty: i64,
    pub orders: u32,
    pub head: u32,
    pub tail: u32,
}

impl Level {
    pub fn view(&self) -> LevelView {
        LevelView { price: self.price, qty: Lots(self.qty), orders: self.orders }
    }
}

/// Slots in a ladder's direct-mapped price window.
const WINDOW: usize = 4_096;

/// One side of a book.
#[derive(Clone, Debug)]
pub(crate) struct Ladder {
    pub side: Side,
    /// (price, level key), worst → best.
    pub sorted: Vec<(i64, u32)>,
    /// Price → level key for prices inside `[window_base, window_base + WINDOW)`:
    /// one array read instead of a hash probe for the prices that trade.
    window: Vec<u32>,
    window_base: i64,
    window_levels: usize,
    /// Price → level key for prices outside the window.
    pub index: IdHashMap<i64, u32>,
}

impl Ladder {
    pub fn new(side: Side) -> Self {
        Ladder {
            side,
            sorted: Vec::with_capacity(256),
            window: vec![NIL; WINDOW],
            window_base: 0,
            window_levels: 0,
            index: IdHashMap::default(),
        }
    }

    /// Sort key: larger is better.
    #[inline]
    fn key(&self, price: i64) -> i64 {
        match self.side {
            Side::Buy => price,
            Side::Sell => -price,
        }
    }

    #[inline]
    pub fn best(&self) -> Option<u32> {
        self.sorted.last().map(|&(_, k)| k)
    }

    #[inline]
    pub fn best_price(&self) -> Option<Ticks> {
        self.sorted.last().map(|&(p, _)| Ticks(p))
    }

    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    #[inline]
    fn slot(&self, price: i64) -> Option<usize> {
        let off = price.wrapping_sub(self.window_base);
        (0..WINDOW as i64).contains(&off).then_some(off as usize)
    }

    #[inline(always)]
    pub fn level_at(&self, price: Ticks) -> Option<u32> {
        match self.slot(price.0) {
            Some(i) => self.window.get(i).copied().filter(|&k| k != NIL),
            None => self.index.get(&price.0).copied(),
        }
    }

    /// Number of price → level entries (window and index); equals `len()`.
    pub fn indexed(&self) -> usize {
        self.window_levels + self.index.len()
    }

    fn index_insert(&mut self, price: i64, key: u32) {
        if self.window_levels == 0 && self.slot(price).is_none() {
            // An empty window moves to where trading is now, taking over any
            // far levels that now fall inside it (a price is in one place only).
            let base = price.saturating_sub(WINDOW as i64 / 2);
            self.window_base = base;
            let inside = |p: i64| (0..WINDOW as i64).contains(&p.wrapping_sub(base));
            for (&p, &k) in &self.index {
                if inside(p) {
                    if let Some(w) = self.window.get_mut(p.wrapping_sub(base) as usize) {
                        *w = k;
                        self.window_levels += 1;
                    }
                }
            }
            self.index.retain(|&p, _| !inside(p));
        }
        match self.slot(price) {
            Some(i) => {
                if let Some(w) = self.window.get_mut(i) {
                    *w = key;
                    self.window_levels += 1;
                }
            }
            None => {
                self.index.insert(price, key);
            }
        }
    }

    pub(crate) fn index_remove(&mut self, price: i64) {
        match self.slot(price) {
            Some(i) => {
                if let Some(w) = self.window.get_mut(i) {
                    if *w != NIL {
                        *w = NIL;
                        self.window_levels -= 1;
                    }
                }
            }
            None => {
                self.index.remove(&price);
            }
        }
    }

    /// Would an order on the other side at `limit` (None = market) trade with `price` on this side?
    #[inline]
    pub fn crossed_by(&self, limit: Option<Ticks>, price: Ticks) -> bool {
        match limit {
            None => true,
            // Bids are crossed by l <= price, asks by l >= price. Written as
            // flags rather than a match: the side is random from one order to
            // the next, and a branch on it was mispredicted about half the time.
            Some(l) => (l == price) | ((l < price) != (self.side == Side::Sell)),
        }
    }

    /// Position of `price` in `sorted`, or where it would go. Levels near the touch
    /// are found by a short scan from the best end.
    #[inline]
    fn position(&self, price: i64) -> Result<usize, usize> {
        let k = self.key(price);
        let n = self.sorted.len();
        let floor = n.saturating_sub(4);
        let mut i = n;
        while i > floor {
            let lk = self.key(self.sorted[i - 1].0);
            if lk == k {
                return Ok(i - 1);
            }
            if lk < k {
                return Err(i);
            }
            i -= 1;
        }
        self.sorted[..floor].binary_search_by(|&(p, _)| self.key(p).cmp(&k))
    }

    /// Level keys best first.
    pub fn keys_best_first(&self) -> impl Iterator<Item = u32> + '_ {
        self.sorted.iter().rev().map(|&(_, k)| k)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Book {
    pub bids: Ladder,
    pub asks: Ladder,
    pub levels: Slab<Level>,
}

impl Book {
    pub fn new() -> Self {
        Book { bids: Ladder::new(Side::Buy), asks: Ladder::new(Side::Sell), levels: Slab::with_capacity(512) }
    }

    #[inline]
    pub fn side(&self, side: Side) -> &Ladder {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    #[inline]
    pub fn level(&self, key: u32) -> Option<&Level> {
        self.levels.get(key as usize)
    }

    #[inline]
    pub fn best_level(&self, side: Side) -> Option<&Level> {
        self.side(side).best().and_then(|k| self.level(k))
    }

    pub fn bbo(&self) -> (Option<LevelView>, Option<LevelView>) {
        (self.best_level(Side::Buy).map(Level::view), self.best_level(Side::Sell).map(Level::view))
    }

    /// The level at `price`, created (empty) if missing.
    #[inline]
    pub fn level_for(&mut self, side: Side, price: Ticks) -> u32 {
        let ladder = match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        match ladder.level_at(price) {
            Some(k) => k,
            None => self.new_level(side, price),
        }
    }

    /// Creates the empty level at `price`, which has none; out of line so the
    /// common case (the level exists) stays small where it is inlined.
    #[inline(never)]
    fn new_level(&mut self, side: Side, price: Ticks) -> u32 {
        let ladder = match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        let key = self.levels.insert(Level { price, qty: 0, orders: 0, head: NIL, tail: NIL }) as u32;
        let at = match ladder.position(price.0) {
            Ok(at) | Err(at) => at,
        };
        ladder.sorted.insert(at, (price.0, key));
        ladder.index_insert(price.0, key);
        key
    }

    /// Drops the empty level at `key`, which holds `price`.
    #[inline]
    pub fn drop_level(&mut self, side: Side, key: u32, price: i64) {
        debug_assert!(self.levels.get(key as usize).is_some_and(|l| l.orders == 0 && l.price.0 == price));
        let ladder = match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        };
        if ladder.sorted.last().is_some_and(|&(_, k)| k == key) {
            ladder.sorted.pop();
        } else if let Ok(at) = ladder.position(price) {
            ladder.sorted.remove(at);
        }
        ladder.index_remove(price);
        self.levels.remove(key as usize);
    }
}

/// Appends the order at `key` to the back of level `lk`.
#[inline(always)]
pub(crate) fn link_back(orders: &mut OrderSlab, levels: &mut Slab<Level>, lk: u32, key: u32) {
    let Some(level) = levels.get_mut(lk as usize) else { return };
    let tail = level.tail;
    if let Some(o) = orders.get_mut(key as usize) {
        o.prev = tail;
        o.next = NIL;
        o.level = lk;
        level.qty += o.remaining.0;
    }
    if tail == NIL {
        level.head = key;
    } else if let Some(t) = orders.get_mut(tail as usize) {
        t.next = key;
    }
    level.tail = key;
    level.orders += 1;
}

/// Removes the order `o` (a copy of its record) from its level's list (the slab
/// entry stays); true if the level is now empty, for the caller to drop.
#[inline(always)]
pub(crate) fn unlink(orders: &mut OrderSlab, levels: &mut Slab<Level>, o: &RestingOrder) -> bool {
    let (prev, next, rem, lk) = (o.prev, o.next, o.remaining.0, o.level);
    let Some(level) = levels.get_mut(lk as usize) else { return false };
    if prev == NIL {
        level.head = next;
    } else if let Some(p) = orders.get_mut(prev as usize) {
        p.next = next;
    }
    if next == NIL {
        level.tail = prev;
    } else if let Some(n) = orders.get_mut(next as usize) {
        n.prev = prev;
    }
    level.qty -= rem;
    level.orders -= 1;
    level.orders == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_crosses_a_level_at_or_through_its_price_and_a_market_order_crosses_any() {
        let (bids, asks) = (Ladder::new(Side::Buy), Ladder::new(Side::Sell));
        for (level, limit, sell_crosses_bid, buy_crosses_ask) in [
            (100, 99, true, false),
            (100, 100, true, true),
            (100, 101, false, true),
            (1, i64::MAX, false, true),
            (i64::MAX, 1, true, false),
        ] {
            let (level, limit) = (Ticks(level), Some(Ticks(limit)));
            assert_eq!(bids.crossed_by(limit, level), sell_crosses_bid, "sell at {limit:?} vs bid {level:?}");
            assert_eq!(asks.crossed_by(limit, level), buy_crosses_ask, "buy at {limit:?} vs ask {level:?}");
            assert!(bids.crossed_by(None, level) && asks.crossed_by(None, level));
        }
    }
}
