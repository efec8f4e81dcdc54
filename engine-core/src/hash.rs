//! Deterministic hashing, shared with the ledger (`brokerx_ledger::hash`): its
//! seedless id hasher for id-keyed maps, and its FNV-1a for `state_hash()`, here
//! with the few field writers the engine's hash needs. No random seed anywhere; no
//! map's iteration order ever reaches an event, a snapshot or a hash.

use brokerx_ledger::hash::Fnv1a;

pub use brokerx_ledger::hash::{BuildIdHasher, IdHasher};

/// A `HashMap` keyed by ids with the deterministic fast hasher.
pub type IdHashMap<K, V> = brokerx_ledger::hash::IdMap<K, V>;

/// 64-bit FNV-1a over explicitly written fields (little-endian).
#[derive(Clone, Debug, Default)]
pub struct Fnv64(Fnv1a);

impl Fnv64 {
    pub fn bytes(&mut self, b: &[u8]) {
        self.0.bytes(b);
    }
    pub fn u64(&mut self, v: u64) {
        self.0.u64(v);
    }
    pub fn i64(&mut self, v: i64) {
        self.0.bytes(&v.to_le_bytes());
    }
    pub fn i128(&mut self, v: i128) {
        self.0.bytes(&v.to_le_bytes());
    }
    /// Length-prefixed, so adjacent strings cannot run together.
    pub fn str(&mut self, s: &str) {
        self.0.u64(s.len() as u64);
        self.0.bytes(s.as_bytes());
    }
    pub fn finish(&self) -> u64 {
        self.0.finish()
    }
}
