//! The account index: account key → account number.
//!
//! Linear probing over 16-byte slots that hold key and number together, so a
//! lookup is a hash, a load and a compare, inlined: a linked settlement looks
//! up two accounts per transfer, and the general-purpose map cost a call and
//! a control-byte probe for each.
//!
//! Invariants: the table is a power of two in size and at most half full (so
//! every probe ends at an empty slot); a slot with asset 0 is empty (no asset
//! has id 0, so no account key does); accounts are never removed.

use std::hash::BuildHasher;

use crate::hash::BuildIdHasher;
use crate::types::{AccountKey, AssetId, OwnerId};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Slot {
    owner: u64,
    asset: u32,
    account: u32,
}

const _: () = assert!(std::mem::size_of::<Slot>() == 16);

/// Account key → account number, for keys with a non-zero asset.
#[derive(Debug, Clone)]
pub(crate) struct AccountIndex {
    slots: Vec<Slot>,
    len: usize,
}

impl Default for AccountIndex {
    fn default() -> Self {
        Self { slots: vec![Slot::default(); Self::MIN_SLOTS], len: 0 }
    }
}

impl AccountIndex {
    const MIN_SLOTS: usize = 16;

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The slot holding `key`, or the empty slot where it would go.
    #[inline(always)]
    fn find(&self, key: AccountKey) -> usize {
        let mask = self.slots.len() - 1;
        // Only the low bits are used as the position; truncation intended.
        #[allow(clippy::cast_possible_truncation)]
        let mut i = BuildIdHasher.hash_one(key) as usize & mask;
        loop {
            match self.slots.get(i) {
                Some(s) if (s.owner == key.owner.0 && s.asset == key.asset.0) || s.asset == 0 => return i,
                Some(_) => i = (i + 1) & mask,
                None => return i,
            }
        }
    }

    #[inline(always)]
    pub(crate) fn get(&self, key: AccountKey) -> Option<u32> {
        match self.slots.get(self.find(key)) {
            Some(s) if s.asset != 0 => Some(s.account),
            _ => None,
        }
    }

    pub(crate) fn contains(&self, key: AccountKey) -> bool {
        self.get(key).is_some()
    }

    /// Maps `key` (not yet present, asset not 0) to `account`.
    pub(crate) fn insert(&mut self, key: AccountKey, account: u32) {
        debug_assert!(key.asset.0 != 0 && !self.contains(key), "invariant: a new key with an asset");
        if key.asset.0 == 0 {
            return;
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let i = self.find(key);
        if let Some(s) = self.slots.get_mut(i) {
            if s.asset == 0 {
                self.len += 1;
            }
            *s = Slot { owner: key.owner.0, asset: key.asset.0, account };
        }
    }

    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); size]);
        for s in old.into_iter().filter(|s| s.asset != 0) {
            let key = AccountKey { owner: OwnerId(s.owner), asset: AssetId(s.asset) };
            let i = self.find(key);
            if let Some(slot) = self.slots.get_mut(i) {
                *slot = s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn index_agrees_with_hashmap_through_growth() {
        let mut index = AccountIndex::default();
        let mut model = HashMap::new();
        for i in 0..5_000u64 {
            // Owners near the ends of the range, several assets each.
            let owner = if i % 3 == 0 { u64::MAX - i } else { i / 4 };
            let key = AccountKey { owner: OwnerId(owner), asset: AssetId(1 + (i % 4) as u32) };
            if !model.contains_key(&key) {
                let n = model.len() as u32;
                index.insert(key, n);
                model.insert(key, n);
            }
            assert_eq!(index.len(), model.len());
        }
        for (key, n) in &model {
            assert_eq!(index.get(*key), Some(*n));
        }
        assert_eq!(index.get(AccountKey { owner: OwnerId(7), asset: AssetId(9) }), None);
        assert_eq!(index.get(AccountKey::UNSET), None);
    }
}
