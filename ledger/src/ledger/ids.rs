//! The idempotency records: what the id table knows about a transfer id
//! (applied, with its journal entry and hold, or refused), packed into 8
//! bytes, and the comparison of a repeated transfer with the one applied.

use crate::journal::JournalEntry;
use crate::status::TransferStatus;
use crate::transfer::Transfer;
use crate::types::TransferId;

use super::create::refuse;
use super::Ledger;

/// What the idempotency map knows about an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IdRecord {
    /// Applied: its journal entry, and its hold if it is a pending transfer.
    Applied { entry: u32, hold: u32 },
    /// Refused with a remembered status.
    Refused,
}

/// An [`IdRecord`] packed into 8 bytes: journal entry in the low half, hold
/// in the high half; all ones means refused (no entry can be `u32::MAX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IdSlot(u64);

impl IdSlot {
    const REFUSED: IdSlot = IdSlot(u64::MAX);

    #[inline]
    fn pack(record: IdRecord) -> Self {
        match record {
            IdRecord::Applied { entry, hold } => IdSlot(u64::from(entry) | (u64::from(hold) << 32)),
            IdRecord::Refused => Self::REFUSED,
        }
    }

    #[inline]
    fn unpack(self) -> IdRecord {
        if self == Self::REFUSED {
            IdRecord::Refused
        } else {
            #[allow(clippy::cast_possible_truncation)]
            IdRecord::Applied { entry: self.0 as u32, hold: (self.0 >> 32) as u32 }
        }
    }
}

impl Ledger {
    #[inline]
    pub(super) fn id_get(&self, id: TransferId) -> Option<IdRecord> {
        self.ids.get(id.0).map(|v| IdSlot(v).unpack())
    }

    #[inline]
    pub(super) fn id_insert(&mut self, id: TransferId, record: IdRecord) {
        self.ids.insert(id.0, IdSlot::pack(record).0);
    }

    pub(super) fn has_room(&self) -> bool {
        self.ids.len() < self.config.transfers_max as usize && self.journal_has_room()
    }

    pub(super) fn compare_existing(&self, entry: u32, t: &Transfer) -> TransferStatus {
        let Some(rec) = self.journal.get(entry as usize).and_then(JournalEntry::transfer) else {
            return refuse(TransferStatus::IdAlreadyFailed);
        };
        let old = rec.as_submitted();
        if old.flags != t.flags {
            TransferStatus::ExistsWithDifferentFlags
        } else if old.pending_id != t.pending_id {
            TransferStatus::ExistsWithDifferentPendingId
        } else if old.timeout_ns != t.timeout_ns {
            TransferStatus::ExistsWithDifferentTimeout
        } else if old.debit_account != t.debit_account {
            TransferStatus::ExistsWithDifferentDebitAccount
        } else if old.credit_account != t.credit_account {
            TransferStatus::ExistsWithDifferentCreditAccount
        } else if old.amount != t.amount {
            TransferStatus::ExistsWithDifferentAmount
        } else if old.user_data != t.user_data {
            TransferStatus::ExistsWithDifferentUserData
        } else if old.code != t.code {
            TransferStatus::ExistsWithDifferentCode
        } else {
            TransferStatus::Exists
        }
    }
}
