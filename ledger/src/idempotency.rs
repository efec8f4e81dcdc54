//! Idempotency keys: the one rule that turns what a client sends (an
//! `Idempotency-Key` header, a UUID, a number) into the 128-bit key the Broker
//! remembers a deposit or withdrawal by (`Funds::key`).
//!
//! The mapping is **stable forever and identical for every binding**: a key
//! journaled today must name the same request after any upgrade, and a Python
//! host and a Node host given the same header must compute the same key.
//!
//! | given | key |
//! |---|---|
//! | a number `n` ([`IdempotencyKey::from_u128`]) | `n` itself |
//! | a UUID's 16 bytes ([`IdempotencyKey::from_uuid_bytes`]) | those bytes big-endian, i.e. Python's `uuid.UUID.int` |
//! | bytes `b` ([`IdempotencyKey::from_bytes`]) | the first 16 bytes of SHA-256(`b`), big-endian, with the lowest bit set |
//! | text `s` ([`IdempotencyKey::from_str`]) | `from_bytes` of its UTF-8 encoding |
//!
//! Setting the lowest bit makes a hashed key never 0. A UUID's *text* is text:
//! it is hashed like any other string, so a binding that receives a UUID as a
//! string must pass it as text, and one that has a UUID object passes its bytes.

use sha2::{Digest, Sha256};

/// A 128-bit idempotency key, computed by the rule in the module doc.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdempotencyKey(u128);

impl IdempotencyKey {
    /// A key given as a number: the number itself.
    pub const fn from_u128(key: u128) -> Self {
        IdempotencyKey(key)
    }

    /// A UUID's 16 bytes in network order: its 128-bit value (`uuid.UUID.int`).
    pub const fn from_uuid_bytes(bytes: [u8; 16]) -> Self {
        IdempotencyKey(u128::from_be_bytes(bytes))
    }

    /// Opaque bytes: the first 16 bytes of their SHA-256, big-endian, lowest bit set.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let digest = Sha256::digest(bytes);
        let mut first = [0u8; 16];
        for (k, d) in first.iter_mut().zip(digest.iter()) {
            *k = *d;
        }
        IdempotencyKey(u128::from_be_bytes(first) | 1)
    }

    /// Text (e.g. an `Idempotency-Key` header): [`Self::from_bytes`] of its UTF-8.
    #[allow(clippy::should_implement_trait)] // infallible, unlike `FromStr`
    pub fn from_str(text: &str) -> Self {
        Self::from_bytes(text.as_bytes())
    }

    /// The value `Funds::key` takes.
    pub const fn get(self) -> u128 {
        self.0
    }
}

impl From<IdempotencyKey> for u128 {
    fn from(k: IdempotencyKey) -> u128 {
        k.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keys_keep_the_mapping_existing_journals_were_written_with() {
        // Known vectors: the first 16 bytes of SHA-256, big-endian, | 1 (what the
        // Python binding computed with hashlib before the rule moved here).
        assert_eq!(IdempotencyKey::from_str("k-1").get(), 0x7c35c5a1785d20704e44d5de4beb81c1);
        assert_eq!(IdempotencyKey::from_str("").get(), 0xe3b0c44298fc1c149afbf4c8996fb925);
        assert_eq!(IdempotencyKey::from_str("1:clé").get(), 0x1649f3922bbda763554ab16fd9fa9abb);
        assert_eq!(IdempotencyKey::from_bytes("1:clé".as_bytes()), IdempotencyKey::from_str("1:clé"));
    }

    #[test]
    fn hashed_keys_are_never_zero_and_numbers_pass_unchanged() {
        for s in ["", "a", "b", "00000000-0000-0000-0000-000000000000"] {
            assert_eq!(IdempotencyKey::from_str(s).get() & 1, 1);
        }
        assert_eq!(IdempotencyKey::from_u128(42).get(), 42);
        assert_eq!(IdempotencyKey::from_u128(u128::MAX).get(), u128::MAX);
        let uuid = [0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78];
        assert_eq!(IdempotencyKey::from_uuid_bytes(uuid).get(), 0x12345678_12345678_12345678_12345678);
        assert_eq!(u128::from(IdempotencyKey::from_u128(7)), 7);
    }
}
