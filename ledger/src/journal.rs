//! The immutable audit trail. Every state change is one [`JournalEntry`]
//! with a gap-free sequence number (its index) and the host's timestamp:
//! asset and account creation, applied transfers (single-phase, hold,
//! post, void), hold expiries, and refusals that are remembered against
//! their id. [`crate::Ledger::replay`] rebuilds the exact same ledger from
//! these entries.
//!
//! The journal is also the ledger's transfer store: idempotency compares a
//! retried transfer against its journal entry.

use crate::account::{AccountSpec, AssetSpec};
use crate::hash::Fnv1a;
use crate::status::TransferStatus;
use crate::transfer::Transfer;
use crate::types::{AccountKey, Amount, Timestamp, TransferId};
use serde::{Deserialize, Serialize};

/// An applied transfer as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRecord {
    /// The transfer as submitted, except that `debit_account` and
    /// `credit_account` are the resolved accounts (for post/void: the
    /// hold's).
    pub transfer: Transfer,
    /// The debit account was submitted as [`AccountKey::UNSET`].
    pub debit_from_pending: bool,
    /// The credit account was submitted as [`AccountKey::UNSET`].
    pub credit_from_pending: bool,
}

impl TransferRecord {
    /// The transfer exactly as it was submitted.
    #[must_use]
    pub fn as_submitted(&self) -> Transfer {
        let mut t = self.transfer;
        if self.debit_from_pending {
            t.debit_account = AccountKey::UNSET;
        }
        if self.credit_from_pending {
            t.credit_account = AccountKey::UNSET;
        }
        t
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JournalEvent {
    /// An asset was created.
    AssetCreated(AssetSpec),
    /// An account was created.
    AccountCreated(AccountSpec),
    /// A transfer was applied.
    Transfer(TransferRecord),
    /// A hold reached its timeout and was released.
    HoldExpired {
        /// The pending transfer's id.
        pending_id: TransferId,
        /// Its debit account.
        debit_account: AccountKey,
        /// Its credit account.
        credit_account: AccountKey,
        /// The amount released.
        amount: Amount,
    },
    /// A transfer was refused with a remembered status; retries of its id
    /// return `id_already_failed`.
    TransferRefused {
        /// The refused id.
        id: TransferId,
        /// Why.
        status: TransferStatus,
    },
}

/// One immutable journal entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Position in the journal, from 0, without gaps.
    pub seq: u64,
    /// The host time passed in with the call that made this entry.
    pub timestamp: Timestamp,
    /// What happened.
    pub event: JournalEvent,
}

fn hash_key(h: &mut Fnv1a, k: AccountKey) {
    h.u64(k.owner.0);
    h.u32(k.asset.0);
}

pub(crate) fn hash_transfer(h: &mut Fnv1a, t: &Transfer) {
    h.u128(t.id.0);
    hash_key(h, t.debit_account);
    hash_key(h, t.credit_account);
    h.u128(t.amount.minor());
    h.u128(t.pending_id.0);
    h.u64(t.timeout_ns);
    h.u16(t.code.0);
    h.u16(t.flags.0);
    h.u128(t.user_data);
}

impl JournalEntry {
    /// Feeds a deterministic encoding of the entry into `h`.
    pub(crate) fn hash_into(&self, h: &mut Fnv1a) {
        h.u64(self.seq);
        h.u64(self.timestamp.0);
        match &self.event {
            JournalEvent::AssetCreated(spec) => {
                h.u8(1);
                h.u32(spec.id.0);
                h.u8(spec.scale);
                h.u64(spec.code.len() as u64);
                h.bytes(spec.code.as_bytes());
            }
            JournalEvent::AccountCreated(spec) => {
                h.u8(2);
                hash_key(h, spec.key);
                h.u8(u8::from(spec.must_not_go_negative));
                match spec.max_balance {
                    Some(m) => {
                        h.u8(1);
                        h.u128(m.minor());
                    }
                    None => h.u8(0),
                }
            }
            JournalEvent::Transfer(rec) => {
                h.u8(3);
                hash_transfer(h, &rec.transfer);
                h.u8(u8::from(rec.debit_from_pending));
                h.u8(u8::from(rec.credit_from_pending));
            }
            JournalEvent::HoldExpired { pending_id, debit_account, credit_account, amount } => {
                h.u8(4);
                h.u128(pending_id.0);
                hash_key(h, *debit_account);
                hash_key(h, *credit_account);
                h.u128(amount.minor());
            }
            JournalEvent::TransferRefused { id, status } => {
                h.u8(5);
                h.u128(id.0);
                h.bytes(status.code().as_bytes());
            }
        }
    }

    /// The applied transfer, if this entry is one.
    #[must_use]
    pub fn transfer(&self) -> Option<&TransferRecord> {
        match &self.event {
            JournalEvent::Transfer(rec) => Some(rec),
            _ => None,
        }
    }
}
