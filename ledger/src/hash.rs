//! Deterministic hashing: FNV-1a for the state hash and a fast, seedless
//! [`BuildHasher`] for the id-keyed hash maps on the hot path.
//!
//! Neither uses randomness, so two processes fed the same input build the
//! same maps. Map iteration order is still never allowed to reach an output,
//! the journal or the state hash: those walk vectors in insertion order.

use std::hash::{BuildHasher, Hasher};

/// 64-bit FNV-1a over explicit little-endian byte encodings.
#[derive(Debug, Clone)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self::new()
    }
}

impl Fnv1a {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    /// A hasher at the FNV offset basis.
    #[must_use]
    pub const fn new() -> Self {
        Self(Self::OFFSET)
    }

    /// Feeds raw bytes.
    pub fn bytes(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    /// Feeds a `u8`.
    pub fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }

    /// Feeds a `u16`, little endian.
    pub fn u16(&mut self, v: u16) {
        self.bytes(&v.to_le_bytes());
    }

    /// Feeds a `u32`, little endian.
    pub fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }

    /// Feeds a `u64`, little endian.
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    /// Feeds a `u128`, little endian.
    pub fn u128(&mut self, v: u128) {
        self.bytes(&v.to_le_bytes());
    }

    /// The hash so far.
    #[must_use]
    pub const fn finish(&self) -> u64 {
        self.0
    }
}

/// A fast multiply-fold hasher for small integer keys (transfer ids, account
/// keys). Not DoS resistant; ids are chosen by the trusted host.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdHasher(u64);

const K0: u64 = 0x243f_6a88_85a3_08d3;
const K1: u64 = 0x1319_8a2e_0370_7344;
const K2: u64 = 0xa409_3822_299f_31d0;
const K3: u64 = 0x082e_fa98_ec4e_6c89;

#[inline]
fn fold_mul(a: u64, b: u64) -> u64 {
    let full = u128::from(a) * u128::from(b);
    // Truncations are the point: fold the high and low halves together.
    #[allow(clippy::cast_possible_truncation)]
    let (lo, hi) = (full as u64, (full >> 64) as u64);
    lo ^ hi
}

impl Hasher for IdHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            for (dst, src) in buf.iter_mut().zip(chunk) {
                *dst = *src;
            }
            self.write_u64(u64::from_le_bytes(buf));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.write_u64(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = fold_mul(self.0 ^ i ^ K0, K1);
    }

    /// Ids are hashed in blocks of 16: the bucket position comes from a mix
    /// of `id >> 4` plus the low 4 bits, so monotone ids (counters,
    /// time-based ids) land in neighbouring buckets and share cache lines
    /// and pages, while arbitrary ids still spread over the whole table.
    /// The top 7 bits (hashbrown's in-group tag) mix the whole id.
    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.0 = block_hash(i, self.0);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
}

#[inline]
fn block_hash(i: u128, state: u64) -> u64 {
    const LOW: u64 = u64::MAX >> 7;
    #[allow(clippy::cast_possible_truncation)]
    let (lo, hi) = (i as u64, (i >> 64) as u64);
    let block = fold_mul(((lo >> 4) | (hi << 60)) ^ state ^ K0, (hi >> 4) ^ K1);
    let tag = fold_mul(lo ^ K2, hi ^ K3);
    (((block << 4) | (lo & 15)) & LOW) | (tag & !LOW)
}

/// The position hash of a transfer id: ids in the same block of 16 get
/// neighbouring positions (see [`IdHasher`]'s `write_u128`).
#[inline]
#[must_use]
pub fn id_position_hash(id: u128) -> u64 {
    block_hash(id, 0)
}

/// [`BuildHasher`] for [`IdHasher`]; seedless and deterministic.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildIdHasher;

impl BuildHasher for BuildIdHasher {
    type Hasher = IdHasher;

    #[inline]
    fn build_hasher(&self) -> IdHasher {
        IdHasher(0)
    }
}

/// A `HashMap` keyed by ids with the deterministic fast hasher.
pub type IdMap<K, V> = std::collections::HashMap<K, V, BuildIdHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_reference_vector() {
        let mut h = Fnv1a::new();
        h.bytes(b"a");
        assert_eq!(h.finish(), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn id_hasher_is_deterministic_and_spreads_sequential_ids() {
        let hash = |v: u128| {
            let mut h = BuildIdHasher.build_hasher();
            h.write_u128(v);
            h.finish()
        };
        const LOW: u64 = u64::MAX >> 7;
        assert_eq!(hash(7), hash(7));
        // Neighbours within a block of 16 sit in neighbouring buckets ...
        assert_eq!(hash(17) & LOW, (hash(16) & LOW) + 1);
        // ... but carry different tags, and blocks are spread apart.
        assert_ne!(hash(16) >> 57, hash(17) >> 57);
        assert!((hash(32) & LOW).abs_diff(hash(16) & LOW) > 1 << 20);
    }
}
