//! The idempotency index: transfer id → packed `u64`.
//!
//! Two parts:
//! - a linear-probing hash table whose slots hold key and value together, so
//!   a lookup usually touches one cache line (a general-purpose map touches a
//!   control-byte group and a slot, often on different pages);
//! - optionally, a *sequential run*: when the host allocates its ids by
//!   counting up from a known base (the Broker does), those ids are indexed
//!   by their offset in a plain array. A fresh id is then an append next to
//!   the previous one and a lookup is one load, where the hash table costs a
//!   cache and TLB miss per access once it outgrows the caches.
//!
//! Invariants: the hash table is a power of two in size and at most half
//! full (so every probe ends at an empty slot); id 0 is never stored (an
//! all-zero slot is empty); every stored id is reachable by probing from its
//! home slot without crossing an empty slot (removal shifts later entries
//! back to keep this). Each id is stored in exactly one part; an id in the
//! run's range whose array cell is vacant may only be in the hash table if
//! `hashed_from_base > 0` (it was inserted before the run reached it), so
//! with `hashed_from_base == 0` a miss in the run's range needs no probe.

use crate::hash::id_position_hash;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Slot {
    lo: u64,
    hi: u64,
    value: u64,
}

const _: () = assert!(std::mem::size_of::<Slot>() == 24);

impl Slot {
    #[inline]
    fn is_empty(&self) -> bool {
        self.lo == 0 && self.hi == 0
    }

    #[inline]
    fn id(&self) -> u128 {
        u128::from(self.lo) | (u128::from(self.hi) << 64)
    }
}

#[inline]
fn split(id: u128) -> (u64, u64) {
    // Splitting into halves is the point of the truncation.
    #[allow(clippy::cast_possible_truncation)]
    (id as u64, (id >> 64) as u64)
}

/// Transfer id → `u64`, for non-zero ids.
#[derive(Debug, Clone)]
pub(crate) struct IdTable {
    slots: Vec<Slot>,
    /// Ids in `slots`.
    hashed: usize,
    run: Option<SequentialRun>,
}

/// Ids `base + i` for `i < values.len()`; [`VACANT`] marks a gap.
#[derive(Debug, Clone)]
struct SequentialRun {
    base: u128,
    values: Vec<u64>,
    present: usize,
    /// Ids ≥ `base` that live in the hash table.
    hashed_from_base: usize,
}

/// A run cell with no id. The ledger never stores this value (it would need
/// a journal of 2^32 − 1 entries); if it ever did, that id goes to the hash.
const VACANT: u64 = u64::MAX - 1;

/// How far past the run's end an id may land and still extend it (the cells
/// in between become vacant): hosts skip ids they allocated but did not use.
const MAX_GAP: usize = 64;

impl IdTable {
    const MIN_SLOTS: usize = 16;

    /// A table that holds `capacity` ids without growing. Its slots are
    /// written (emptied) here, so its memory is faulted in at creation.
    ///
    /// With `sequential_from`, ids counting up from it go to the run (room
    /// for `capacity` of them, faulted in if `prefault`) and the hash table
    /// starts small: it only sees the other ids.
    pub(crate) fn with_capacity(capacity: usize, sequential_from: Option<u128>, prefault: bool) -> Self {
        let hashed_capacity = if sequential_from.is_some() { capacity.min(1 << 12) } else { capacity };
        let slots = hashed_capacity.saturating_mul(2).max(Self::MIN_SLOTS).next_power_of_two();
        let run = sequential_from.filter(|&b| b != 0).map(|base| {
            let mut values = Vec::with_capacity(capacity);
            if prefault {
                values.resize(capacity, VACANT);
                values.clear();
            }
            SequentialRun { base, values, present: 0, hashed_from_base: 0 }
        });
        Self { slots: vec![Slot::default(); slots], hashed: 0, run }
    }

    pub(crate) fn len(&self) -> usize {
        self.hashed + self.run.as_ref().map_or(0, |r| r.present)
    }

    /// `id`'s offset in the run, if it is at or above the run's base.
    #[inline]
    fn run_offset(run: &SequentialRun, id: u128) -> Option<usize> {
        id.checked_sub(run.base).and_then(|d| usize::try_from(d).ok())
    }

    #[inline]
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    #[inline]
    fn home(&self, id: u128) -> usize {
        // Only the low bits are used as the position; truncation intended.
        #[allow(clippy::cast_possible_truncation)]
        let h = id_position_hash(id) as usize;
        h & self.mask()
    }

    /// The slot holding `id`, or the empty slot where it would go.
    #[inline]
    fn find(&self, id: u128) -> usize {
        let (lo, hi) = split(id);
        let mask = self.mask();
        let mut i = self.home(id);
        // At most half full, so an empty slot always ends the probe.
        loop {
            match self.slots.get(i) {
                Some(s) if (s.lo == lo && s.hi == hi) || s.is_empty() => return i,
                Some(_) => i = (i + 1) & mask,
                None => return i,
            }
        }
    }

    // `get` and `insert` inline the run's common cases (a hit, a miss in its
    // range, an append) and call out for the rest: whole, they were too big
    // to inline and cost a call per transfer.

    #[inline]
    pub(crate) fn get(&self, id: u128) -> Option<u64> {
        if let Some(run) = &self.run {
            // The run's base is never 0, so id 0 is never in its range.
            if let Some(off) = Self::run_offset(run, id) {
                match run.values.get(off) {
                    Some(&v) if v != VACANT => return Some(v),
                    _ if run.hashed_from_base == 0 => return None,
                    _ => {}
                }
            }
        }
        self.hashed_get(id)
    }

    #[inline(never)]
    fn hashed_get(&self, id: u128) -> Option<u64> {
        if id == 0 {
            return None;
        }
        match self.slots.get(self.find(id)) {
            Some(s) if !s.is_empty() => Some(s.value),
            _ => None,
        }
    }

    /// Inserts `id`, which must not be stored yet (ignored if 0).
    #[inline(always)]
    pub(crate) fn insert(&mut self, id: u128, value: u64) {
        debug_assert!(self.get(id).is_none(), "invariant: an id is inserted once");
        if let Some(run) = &mut self.run {
            if let Some(off) = Self::run_offset(run, id) {
                if off == run.values.len() && value != VACANT {
                    // The usual case: the next id in order.
                    run.values.push(value);
                    run.present += 1;
                    return;
                }
            }
        }
        self.insert_other(id, value);
    }

    /// [`IdTable::insert`] of anything but the run's next id.
    #[inline(never)]
    fn insert_other(&mut self, id: u128, value: u64) {
        if id == 0 {
            return;
        }
        if let Some(run) = &mut self.run {
            if let Some(off) = Self::run_offset(run, id) {
                let len = run.values.len();
                if value != VACANT && off < len.saturating_add(MAX_GAP) {
                    if off > len {
                        run.values.resize(off + 1, VACANT);
                    }
                    if let Some(cell) = run.values.get_mut(off) {
                        *cell = value;
                        run.present += 1;
                        return;
                    }
                }
                run.hashed_from_base += 1;
            }
        }
        self.hashed_insert(id, value);
    }

    fn hashed_insert(&mut self, id: u128, value: u64) {
        if (self.hashed + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let i = self.find(id);
        let (lo, hi) = split(id);
        if let Some(s) = self.slots.get_mut(i) {
            if s.is_empty() {
                self.hashed += 1;
            }
            *s = Slot { lo, hi, value };
        }
    }

    /// Removes `id`; returns whether it was there. Backward-shift deletion
    /// keeps every probe run unbroken, so no tombstones are needed.
    pub(crate) fn remove(&mut self, id: u128) -> bool {
        if id == 0 {
            return false;
        }
        if let Some(run) = &mut self.run {
            if let Some(off) = Self::run_offset(run, id) {
                if let Some(cell) = run.values.get_mut(off).filter(|v| **v != VACANT) {
                    *cell = VACANT;
                    run.present -= 1;
                    // Keep the run ending at a stored id, so a rolled-back
                    // chain leaves the run as it found it.
                    while run.values.last() == Some(&VACANT) {
                        run.values.pop();
                    }
                    return true;
                }
                if !self.hashed_remove(id) {
                    return false;
                }
                if let Some(run) = &mut self.run {
                    run.hashed_from_base -= 1;
                }
                return true;
            }
        }
        self.hashed_remove(id)
    }

    fn hashed_remove(&mut self, id: u128) -> bool {
        let mut hole = self.find(id);
        match self.slots.get_mut(hole) {
            Some(s) if !s.is_empty() => *s = Slot::default(),
            _ => return false,
        }
        self.hashed -= 1;
        let mask = self.mask();
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let Some(&next) = self.slots.get(j) else {
                break;
            };
            if next.is_empty() {
                break;
            }
            let home = self.home(next.id());
            // `next` may stay if its home lies cyclically in (hole, j].
            let stays = if hole <= j { hole < home && home <= j } else { hole < home || home <= j };
            if stays {
                continue;
            }
            if let Some(h) = self.slots.get_mut(hole) {
                *h = next;
            }
            if let Some(n) = self.slots.get_mut(j) {
                *n = Slot::default();
            }
            hole = j;
        }
        true
    }

    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        self.slots = vec![Slot::default(); (old.len() * 2).max(Self::MIN_SLOTS)];
        self.hashed = 0;
        for s in old.iter().filter(|s| !s.is_empty()) {
            let i = self.find(s.id());
            if let Some(slot) = self.slots.get_mut(i) {
                *slot = *s;
                self.hashed += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn table_agrees_with_hashmap_under_inserts_growth_and_removal() {
        agrees_with_hashmap(IdTable::with_capacity(4, None, false));
    }

    /// The run sees ids around its base (sequential, with gaps, behind and
    /// far ahead of it), interleaved with hashed ids, under rollback-style
    /// and random removal.
    #[test]
    fn table_with_a_sequential_run_agrees_with_hashmap() {
        agrees_with_hashmap(IdTable::with_capacity(4, Some(1), true));
        agrees_with_hashmap(IdTable::with_capacity(64, Some(1 << 12), false));
        agrees_with_hashmap(IdTable::with_capacity(64, Some(2), false));
    }

    #[test]
    fn sequential_ids_fill_the_run_and_skip_the_hash_table() {
        let base = 1u128 << 64;
        let mut t = IdTable::with_capacity(1_000, Some(base), false);
        for i in 0..1_000u128 {
            // Every fourth id is allocated but never used.
            if i % 4 != 3 {
                t.insert(base + i, i as u64);
            }
        }
        assert_eq!(t.hashed, 0);
        assert_eq!(t.len(), 750);
        assert_eq!(t.get(base + 2), Some(2));
        assert_eq!(t.get(base + 3), None);
        assert_eq!(t.get(base + 5_000), None);
        // Far ahead of the run: hashed, and still found.
        t.insert(base + 5_000, 7);
        assert_eq!(t.hashed, 1);
        assert_eq!(t.get(base + 5_000), Some(7));
        // A vacant cell of the run is looked up in the hash table too.
        t.insert(base + 1_000 + MAX_GAP as u128 + 10, 9);
        assert_eq!(t.get(base + 3), None);
        assert!(t.remove(base + 5_000));
        assert!(!t.remove(base + 5_000));
        assert!(t.remove(base + 998));
        assert_eq!(t.get(base + 998), None);
        assert_eq!(t.len(), 750);
    }

    fn agrees_with_hashmap(mut t: IdTable) {
        let mut m = HashMap::new();
        let mut live = Vec::new();
        let mut x = 0x1234_5678_u64;
        for round in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let id = match round % 4 {
                0 => u128::from(round + 1),
                1 => u128::from(x) << (x % 70),
                2 => u128::from(round / 2 + x % 3),
                _ => u128::from(x % 64) * 16 + 1,
            };
            if x % 5 == 0 {
                if let Some(last) = live.pop() {
                    assert!(t.remove(last));
                    m.remove(&last);
                }
            } else if x % 7 == 0 && !live.is_empty() {
                let victim = live.swap_remove(usize::try_from(x).unwrap() % live.len());
                assert!(t.remove(victim));
                assert!(!t.remove(victim));
                m.remove(&victim);
            } else if id != 0 {
                if let std::collections::hash_map::Entry::Vacant(e) = m.entry(id) {
                    e.insert(round);
                    t.insert(id, round);
                    live.push(id);
                }
            }
            assert_eq!(t.len(), m.len());
        }
        for (id, v) in &m {
            assert_eq!(t.get(*id), Some(*v));
        }
        assert_eq!(t.get(0), None);
    }
}
