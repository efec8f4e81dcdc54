//! One order book per instrument: two price ladders, each a sorted `Vec` of levels
//! with the best level last (so the touch is pushed and popped in O(1) and levels
//! near it move few bytes), each level the head and tail of an intrusive FIFO list
//! of slab keys.
//!
//! Invariants: levels strictly ordered worst → best; no empty level; a level's
//! `qty` and `orders` equal the sum and count of the orders linked into it.

pub(crate) mod orders;

use slab::Slab;

use crate::event::LevelView;
use crate::types::{Lots, Side, Ticks};
use orders::{RestingOrder, NIL};

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
        LevelView {
            price: self.price,
            qty: Lots(self.qty),
            orders: self.orders,
        }
    }
}

/// One side of a book; `levels` is sorted worst → best.
#[derive(Clone, Debug)]
pub(crate) struct Ladder {
    pub side: Side,
    pub levels: Vec<Level>,
}

impl Ladder {
    pub fn new(side: Side) -> Self {
        Ladder {
            side,
            levels: Vec::with_capacity(256),
        }
    }

    /// Sort key: larger is better.
    #[inline]
    fn key(&self, price: Ticks) -> i64 {
        match self.side {
            Side::Buy => price.0,
            Side::Sell => -price.0,
        }
    }

    #[inline]
    pub fn best(&self) -> Option<&Level> {
        self.levels.last()
    }

    /// Would an order on the other side at `limit` (None = market) trade with `price` on this side?
    #[inline]
    pub fn crossed_by(&self, limit: Option<Ticks>, price: Ticks) -> bool {
        match limit {
            None => true,
            Some(l) => match self.side {
                // Resting bids are hit by sells priced at or below them.
                Side::Buy => l <= price,
                Side::Sell => l >= price,
            },
        }
    }

    /// Position of `price`, or where it would be inserted. Levels near the touch are
    /// found by a short scan from the best end; the rest by binary search.
    #[inline]
    pub fn find(&self, price: Ticks) -> Result<usize, usize> {
        let k = self.key(price);
        let n = self.levels.len();
        let scan_floor = n.saturating_sub(8);
        let mut i = n;
        while i > scan_floor {
            let lk = self.key(self.levels[i - 1].price);
            if lk == k {
                return Ok(i - 1);
            }
            if lk < k {
                return Err(i);
            }
            i -= 1;
        }
        let head = &self.levels[..scan_floor];
        head.binary_search_by(|l| self.key(l.price).cmp(&k))
    }

    pub fn iter_best_first(&self) -> impl Iterator<Item = &Level> + '_ {
        self.levels.iter().rev()
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Book {
    pub bids: Ladder,
    pub asks: Ladder,
}

impl Book {
    pub fn new() -> Self {
        Book {
            bids: Ladder::new(Side::Buy),
            asks: Ladder::new(Side::Sell),
        }
    }

    #[inline]
    pub fn side(&self, side: Side) -> &Ladder {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    #[inline]
    pub fn side_mut(&mut self, side: Side) -> &mut Ladder {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    pub fn bbo(&self) -> (Option<LevelView>, Option<LevelView>) {
        (
            self.bids.best().map(Level::view),
            self.asks.best().map(Level::view),
        )
    }
}

/// Appends the order at `key` to the back of `level`.
#[inline]
pub(crate) fn link_back(slab: &mut Slab<RestingOrder>, level: &mut Level, key: u32) {
    let tail = level.tail;
    if let Some(o) = slab.get_mut(key as usize) {
        o.prev = tail;
        o.next = NIL;
        level.qty += o.remaining.0;
    }
    if tail == NIL {
        level.head = key;
    } else if let Some(t) = slab.get_mut(tail as usize) {
        t.next = key;
    }
    level.tail = key;
    level.orders += 1;
}

/// Removes the order at `key` from `level`'s list (the slab entry stays).
#[inline]
pub(crate) fn unlink(slab: &mut Slab<RestingOrder>, level: &mut Level, key: u32) {
    let Some(o) = slab.get(key as usize) else {
        return;
    };
    let (prev, next, rem) = (o.prev, o.next, o.remaining.0);
    if prev == NIL {
        level.head = next;
    } else if let Some(p) = slab.get_mut(prev as usize) {
        p.next = next;
    }
    if next == NIL {
        level.tail = prev;
    } else if let Some(n) = slab.get_mut(next as usize) {
        n.prev = prev;
    }
    level.qty -= rem;
    level.orders -= 1;
}
