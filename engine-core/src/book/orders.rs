//! Resting orders: a slab of 64-byte records linked into per-level FIFO lists,
//! and a paged direct index from `OrderId` (a dense sequence) to slab key.
//!
//! Invariants (checked by `Engine::check_invariants`): every slab entry is indexed
//! exactly once under its own id, and is linked into exactly one level.

use crate::types::{AccountId, Lots, OrderId, SelfTradePrevention, Side, TimeInForce};

/// End of a FIFO list.
pub(crate) const NIL: u32 = u32::MAX;

/// A live order resting in a book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RestingOrder {
    pub id: OrderId,
    pub account: AccountId,
    pub remaining: Lots,
    pub filled: Lots,
    /// 0 when the order does not expire (not GTD).
    pub expire_at: u64,
    pub prev: u32,
    pub next: u32,
    /// Key of the level (in the book's level slab) this order is linked into; the
    /// level holds the price.
    pub level: u32,
    pub version: u32,
    pub instrument: u16,
    pub side: Side,
    pub flags: OrderFlags,
    /// An iceberg: `remaining` is its shown slice, and the side tables hold its
    /// display and hidden reserve (`SideTables::reserves`).
    pub iceberg: bool,
}

// The hot record fits one cache line.
const _: () = assert!(std::mem::size_of::<RestingOrder>() <= 64);

/// Time in force, STP mode, post-only, "has a client order id" and "is a waiting
/// stop" (bit 7), packed in a byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OrderFlags(u8);

impl OrderFlags {
    pub fn new(tif: TimeInForce, stp: SelfTradePrevention, post_only: bool, has_client_id: bool) -> Self {
        let t = match tif {
            TimeInForce::Gtc => 0,
            TimeInForce::Ioc => 1,
            TimeInForce::Fok => 2,
            TimeInForce::Gtd => 3,
        };
        let s = match stp {
            SelfTradePrevention::None => 0,
            SelfTradePrevention::CancelTaker => 1,
            SelfTradePrevention::CancelMaker => 2,
            SelfTradePrevention::CancelBoth => 3,
            SelfTradePrevention::Decrement => 4,
        };
        OrderFlags(t | (s << 2) | (u8::from(post_only) << 5) | (u8::from(has_client_id) << 6))
    }
    pub fn tif(self) -> TimeInForce {
        match self.0 & 3 {
            0 => TimeInForce::Gtc,
            1 => TimeInForce::Ioc,
            2 => TimeInForce::Fok,
            _ => TimeInForce::Gtd,
        }
    }
    pub fn stp(self) -> SelfTradePrevention {
        match (self.0 >> 2) & 7 {
            1 => SelfTradePrevention::CancelTaker,
            2 => SelfTradePrevention::CancelMaker,
            3 => SelfTradePrevention::CancelBoth,
            4 => SelfTradePrevention::Decrement,
            _ => SelfTradePrevention::None,
        }
    }
    pub fn post_only(self) -> bool {
        self.0 & (1 << 5) != 0
    }
    pub fn has_client_id(self) -> bool {
        self.0 & (1 << 6) != 0
    }
    /// A waiting stop: in the order store and a trigger queue, not in the book.
    #[inline]
    pub fn is_stop(self) -> bool {
        self.0 & (1 << 7) != 0
    }
    pub fn with_stop(self, stop: bool) -> Self {
        OrderFlags((self.0 & !(1 << 7)) | (u8::from(stop) << 7))
    }
}

const PAGE_BITS: u32 = 12;
const PAGE_LEN: usize = 1 << PAGE_BITS;
const EMPTY: u32 = u32::MAX;

#[derive(Debug)]
struct Page {
    slots: Box<[u32; PAGE_LEN]>,
    live: u32,
}

/// OrderId → slab key. Pages of 4,096 ids; a page whose orders are all gone is
/// returned to a pool and reused, so memory follows the live set, and steady state
/// allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct OrderIndex {
    pages: Vec<Option<Page>>,
    pool: Vec<Page>,
    len: usize,
}

impl OrderIndex {
    pub fn with_capacity(orders: usize) -> Self {
        let mut idx = OrderIndex { pages: Vec::with_capacity(1 << 14), pool: Vec::new(), len: 0 };
        // A few spare pages so the allocation frontier can move without the allocator.
        for _ in 0..(orders / PAGE_LEN).clamp(4, 64) {
            idx.pool.push(Page { slots: Box::new([EMPTY; PAGE_LEN]), live: 0 });
        }
        idx
    }

    #[inline]
    pub fn get(&self, id: OrderId) -> Option<u32> {
        let page = usize::try_from(id.0 >> PAGE_BITS).ok()?;
        let slot = (id.0 as usize) & (PAGE_LEN - 1);
        let key = *self.pages.get(page)?.as_ref()?.slots.get(slot)?;
        (key != EMPTY).then_some(key)
    }

    /// The slot that holds `id`'s key, empty or not (for a cache hint).
    #[inline]
    pub fn slot(&self, id: OrderId) -> Option<&u32> {
        let page = usize::try_from(id.0 >> PAGE_BITS).ok()?;
        self.pages.get(page)?.as_ref()?.slots.get((id.0 as usize) & (PAGE_LEN - 1))
    }

    pub fn len(&self) -> usize {
        self.len
    }

    #[inline(always)]
    pub fn insert(&mut self, id: OrderId, key: u32) {
        let Ok(page_no) = usize::try_from(id.0 >> PAGE_BITS) else {
            return;
        };
        // Ids are dense and new orders take the newest ids, so the page is
        // almost always there; adding one is out of line.
        if !matches!(self.pages.get(page_no), Some(Some(_))) {
            self.add_page(page_no);
        }
        let Some(Some(page)) = self.pages.get_mut(page_no) else {
            return;
        };
        if let Some(s) = page.slots.get_mut((id.0 as usize) & (PAGE_LEN - 1)) {
            debug_assert_eq!(*s, EMPTY, "invariant: an order id is indexed once");
            *s = key;
            page.live += 1;
            self.len += 1;
        }
    }

    /// Makes page `page_no` present: a pooled page if there is one.
    #[inline(never)]
    fn add_page(&mut self, page_no: usize) {
        if page_no >= self.pages.len() {
            self.pages.resize_with(page_no + 1, || None);
        }
        if let Some(entry) = self.pages.get_mut(page_no) {
            entry.get_or_insert_with(|| {
                self.pool.pop().unwrap_or_else(|| Page { slots: Box::new([EMPTY; PAGE_LEN]), live: 0 })
            });
        }
    }

    #[inline]
    pub fn remove(&mut self, id: OrderId) {
        let Ok(page_no) = usize::try_from(id.0 >> PAGE_BITS) else {
            return;
        };
        let slot = (id.0 as usize) & (PAGE_LEN - 1);
        let Some(entry) = self.pages.get_mut(page_no) else {
            return;
        };
        let Some(page) = entry.as_mut() else { return };
        let Some(s) = page.slots.get_mut(slot) else {
            return;
        };
        if *s == EMPTY {
            return;
        }
        *s = EMPTY;
        page.live -= 1;
        self.len -= 1;
        if page.live == 0 {
            if let Some(p) = entry.take() {
                self.pool.push(p);
            }
        }
    }
}

/// Resting-order records in one vector, with a LIFO free list threaded through
/// the vacant records (like `slab::Slab`, which it replaces). A vacant record has
/// id 0, which no order carries (ids start at 1), so a record needs no separate
/// tag, and [`OrderSlab::record`] can give the address of a record without
/// reading it (for a cache hint) — a `Slab` must read the entry to check its tag.
#[derive(Debug, Default)]
pub(crate) struct OrderSlab {
    records: Vec<RestingOrder>,
    /// First vacant record, NIL when none.
    free: u32,
    len: usize,
}

const VACANT: OrderId = OrderId(0);

impl OrderSlab {
    pub fn with_capacity(n: usize) -> Self {
        OrderSlab { records: Vec::with_capacity(n), free: NIL, len: 0 }
    }

    #[inline]
    pub fn get(&self, key: usize) -> Option<&RestingOrder> {
        self.records.get(key).filter(|o| o.id != VACANT)
    }

    #[inline]
    pub fn get_mut(&mut self, key: usize) -> Option<&mut RestingOrder> {
        self.records.get_mut(key).filter(|o| o.id != VACANT)
    }

    /// The record at `key`, live or vacant, without reading it: only for cache hints.
    #[inline]
    pub fn record(&self, key: u32) -> Option<&RestingOrder> {
        self.records.get(key as usize)
    }

    /// Stores `order` (whose id must not be 0) in the most recently freed record,
    /// or a new one; returns its key.
    #[inline(always)]
    pub fn insert(&mut self, order: RestingOrder) -> usize {
        debug_assert!(order.id != VACANT, "invariant: order ids start at 1");
        self.len += 1;
        let key = self.free as usize;
        if let Some(r) = self.records.get_mut(key) {
            debug_assert!(r.id == VACANT, "invariant: the free list holds vacant records only");
            self.free = r.next;
            *r = order;
            key
        } else {
            self.records.push(order);
            self.records.len() - 1
        }
    }

    /// Frees the record at `key` and returns the order it held.
    #[inline]
    pub fn try_remove(&mut self, key: usize) -> Option<RestingOrder> {
        let o = *self.get(key)?;
        self.vacate(key);
        Some(o)
    }

    /// Frees the record at `key`, for a caller that has read it already;
    /// false if it was vacant.
    #[inline(always)]
    pub fn vacate(&mut self, key: usize) -> bool {
        let Some(r) = self.records.get_mut(key).filter(|o| o.id != VACANT) else {
            return false;
        };
        r.id = VACANT;
        r.next = self.free;
        self.free = key as u32;
        self.len -= 1;
        true
    }

    pub fn len(&self) -> usize {
        self.len
    }
}

/// The resting-order records plus the id index.
#[derive(Debug, Default)]
pub(crate) struct OrderStore {
    pub slab: OrderSlab,
    pub index: OrderIndex,
}

impl OrderStore {
    pub fn with_capacity(n: usize) -> Self {
        OrderStore { slab: OrderSlab::with_capacity(n), index: OrderIndex::with_capacity(n) }
    }

    #[inline]
    pub fn key_of(&self, id: OrderId) -> Option<u32> {
        self.index.get(id)
    }

    #[inline]
    pub fn get(&self, key: u32) -> Option<&RestingOrder> {
        self.slab.get(key as usize)
    }

    #[inline]
    pub fn get_mut(&mut self, key: u32) -> Option<&mut RestingOrder> {
        self.slab.get_mut(key as usize)
    }

    /// Stores the order and indexes it. Capacity is checked by the caller.
    #[inline(always)]
    pub fn insert(&mut self, order: RestingOrder) -> u32 {
        let id = order.id;
        let key = self.slab.insert(order) as u32;
        self.index.insert(id, key);
        key
    }

    /// Frees the record at `key`, which holds order `id` (read by the caller),
    /// and unindexes it.
    #[inline(always)]
    pub fn free(&mut self, key: u32, id: OrderId) {
        debug_assert!(self.slab.get(key as usize).is_some_and(|o| o.id == id), "invariant: key holds id");
        if self.slab.vacate(key as usize) {
            self.index.remove(id);
        }
    }

    #[inline(always)]
    pub fn remove(&mut self, key: u32) -> Option<RestingOrder> {
        let o = self.slab.try_remove(key as usize)?;
        self.index.remove(o.id);
        Some(o)
    }

    pub fn len(&self) -> usize {
        self.slab.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_recycles_pages_when_their_orders_are_gone() {
        let mut idx = OrderIndex::with_capacity(0);
        for i in 1..10_000u64 {
            idx.insert(OrderId(i), i as u32);
        }
        assert_eq!(idx.get(OrderId(5000)), Some(5000));
        for i in 1..10_000u64 {
            idx.remove(OrderId(i));
        }
        assert_eq!(idx.len(), 0);
        assert!(idx.pages.iter().all(Option::is_none));
        assert!(idx.pool.len() >= 3);
        assert_eq!(idx.get(OrderId(5000)), None);
        assert_eq!(idx.get(OrderId(u64::MAX)), None);
    }

    #[test]
    fn flags_round_trip() {
        for tif in [TimeInForce::Gtc, TimeInForce::Ioc, TimeInForce::Fok, TimeInForce::Gtd] {
            for stp in [
                SelfTradePrevention::None,
                SelfTradePrevention::CancelTaker,
                SelfTradePrevention::CancelMaker,
                SelfTradePrevention::CancelBoth,
                SelfTradePrevention::Decrement,
            ] {
                for po in [false, true] {
                    let f = OrderFlags::new(tif, stp, po, !po);
                    assert_eq!((f.tif(), f.stp(), f.post_only(), f.has_client_id()), (tif, stp, po, !po));
                    let s = f.with_stop(true);
                    assert!(s.is_stop() && !f.is_stop() && s.with_stop(false) == f);
                    assert_eq!((s.tif(), s.stp(), s.post_only(), s.has_client_id()), (tif, stp, po, !po));
                }
            }
        }
    }
}
