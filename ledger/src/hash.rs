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

/// Feeds the parts of a [`LedgerConfig`](crate::LedgerConfig) that change what
/// the ledger answers: the policy (transfer, daily and wallet limits) and the
/// `*_max` capacities. The reserve sizes, `prefault` and `sequential_ids_from`
/// only place memory and index ids (every id still works), so two ledgers that
/// differ only in them answer every request alike and hash alike.
pub(crate) fn hash_config(h: &mut Fnv1a, config: &crate::LedgerConfig) {
    // Destructured without `..`: a new config field must be placed on one side
    // of the line above before this compiles.
    let crate::LedgerConfig {
        policy,
        assets_max,
        accounts_max,
        transfers_max,
        transfers_reserve: _,
        holds_reserve: _,
        prefault: _,
        sequential_ids_from: _,
    } = config;
    h.u32(*assets_max);
    h.u32(*accounts_max);
    h.u32(*transfers_max);
    let crate::Policy { transfer_limits, daily_limits, wallet_limits } = policy;
    h.u64(transfer_limits.len() as u64);
    for &crate::TransferLimit { code, asset, max_amount } in transfer_limits {
        h.u16(code.0);
        h.u32(asset.0);
        h.u128(max_amount.minor());
    }
    h.u64(daily_limits.len() as u64);
    for &crate::DailyLimit { code, asset, side, max_per_day } in daily_limits {
        h.u16(code.0);
        h.u32(asset.0);
        h.u8(match side {
            crate::LimitSide::Debit => 0,
            crate::LimitSide::Credit => 1,
        });
        h.u128(max_per_day.minor());
    }
    h.u64(wallet_limits.len() as u64);
    for &crate::WalletLimit { asset, max_balance } in wallet_limits {
        h.u32(asset.0);
        h.u128(max_balance.minor());
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
    fn state_hash_covers_policy_and_capacities_but_not_memory_hints() {
        use crate::{
            Amount, AssetId, DailyLimit, Ledger, LedgerConfig, LimitSide, Policy, TransferCode, TransferId,
            TransferLimit, WalletLimit,
        };
        let usd = AssetId(1);
        let amount = Amount::from_minor(1_000);
        let base = LedgerConfig {
            policy: Policy {
                transfer_limits: vec![TransferLimit { code: TransferCode::DEPOSIT, asset: usd, max_amount: amount }],
                daily_limits: vec![DailyLimit {
                    code: TransferCode::WITHDRAWAL,
                    asset: usd,
                    side: LimitSide::Debit,
                    max_per_day: amount,
                }],
                wallet_limits: vec![WalletLimit { asset: usd, max_balance: amount }],
            },
            ..LedgerConfig::default()
        };
        let hash = |c: &LedgerConfig| Ledger::new(c.clone()).state_hash();
        let h0 = hash(&base);
        let more = Amount::from_minor(1_001);
        let other = AssetId(2);
        let mut variants: Vec<(&str, LedgerConfig)> = Vec::new();
        let mut push = |name, f: &dyn Fn(&mut LedgerConfig)| {
            let mut c = base.clone();
            f(&mut c);
            variants.push((name, c));
        };
        push("assets_max", &|c| c.assets_max -= 1);
        push("accounts_max", &|c| c.accounts_max -= 1);
        push("transfers_max", &|c| c.transfers_max -= 1);
        push("transfer limit code", &|c| c.policy.transfer_limits[0].code = TransferCode::WITHDRAWAL);
        push("transfer limit asset", &|c| c.policy.transfer_limits[0].asset = other);
        push("transfer limit amount", &|c| c.policy.transfer_limits[0].max_amount = more);
        push("transfer limits", &|c| c.policy.transfer_limits.clear());
        push("daily limit code", &|c| c.policy.daily_limits[0].code = TransferCode::DEPOSIT);
        push("daily limit asset", &|c| c.policy.daily_limits[0].asset = other);
        push("daily limit side", &|c| c.policy.daily_limits[0].side = LimitSide::Credit);
        push("daily limit amount", &|c| c.policy.daily_limits[0].max_per_day = more);
        push("daily limits", &|c| c.policy.daily_limits.clear());
        push("wallet limit asset", &|c| c.policy.wallet_limits[0].asset = other);
        push("wallet limit amount", &|c| c.policy.wallet_limits[0].max_balance = more);
        push("wallet limits", &|c| c.policy.wallet_limits.clear());
        // The same rule under another list is another policy.
        push("rule moved between lists", &|c| {
            let l = c.policy.transfer_limits.remove(0);
            c.policy.wallet_limits.insert(0, WalletLimit { asset: l.asset, max_balance: l.max_amount });
        });
        let mut seen = vec![h0];
        for (name, c) in &variants {
            let h = hash(c);
            assert!(!seen.contains(&h), "{name}: hash {h:016x} not new");
            seen.push(h);
        }
        // Memory placement only: the same answers, the same hash.
        let hinted = LedgerConfig {
            transfers_reserve: 64,
            holds_reserve: 16,
            prefault: true,
            sequential_ids_from: Some(TransferId(1 << 64)),
            ..base.clone()
        };
        assert_eq!(hash(&hinted), h0);
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
