//! The idempotency index: transfer id → packed `u64`, as a linear-probing
//! hash table whose slots hold key and value together, so a lookup usually
//! touches one cache line (a general-purpose map touches a control-byte
//! group and a slot, often on different pages).
//!
//! Invariants: the table is a power of two in size and at most half full
//! (so every probe ends at an empty slot); id 0 is never stored (an
//! all-zero slot is empty); every stored id is reachable by probing from its
//! home slot without crossing an empty slot (removal shifts later entries
//! back to keep this).

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
    len: usize,
}

impl IdTable {
    const MIN_SLOTS: usize = 16;

    /// A table that holds `capacity` ids without growing. Its slots are
    /// written (emptied) here, so its memory is faulted in at creation.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let slots = capacity.saturating_mul(2).max(Self::MIN_SLOTS).next_power_of_two();
        Self { slots: vec![Slot::default(); slots], len: 0 }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
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

    #[inline]
    pub(crate) fn get(&self, id: u128) -> Option<u64> {
        if id == 0 {
            return None;
        }
        match self.slots.get(self.find(id)) {
            Some(s) if !s.is_empty() => Some(s.value),
            _ => None,
        }
    }

    /// Inserts or overwrites `id` (ignored if 0).
    #[inline]
    pub(crate) fn insert(&mut self, id: u128, value: u64) {
        if id == 0 {
            return;
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let i = self.find(id);
        let (lo, hi) = split(id);
        if let Some(s) = self.slots.get_mut(i) {
            if s.is_empty() {
                self.len += 1;
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
        let mut hole = self.find(id);
        match self.slots.get_mut(hole) {
            Some(s) if !s.is_empty() => *s = Slot::default(),
            _ => return false,
        }
        self.len -= 1;
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
        self.len = 0;
        for s in old.iter().filter(|s| !s.is_empty()) {
            let i = self.find(s.id());
            if let Some(slot) = self.slots.get_mut(i) {
                *slot = *s;
                self.len += 1;
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
        let mut t = IdTable::with_capacity(4);
        let mut m = HashMap::new();
        let mut live = Vec::new();
        let mut x = 0x1234_5678_u64;
        for round in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let id = match round % 3 {
                0 => u128::from(round + 1),
                1 => u128::from(x) << (x % 70),
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
