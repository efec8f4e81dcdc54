//! Outcomes: the per-transfer [`TransferStatus`] (a result, not an error: a
//! refusal is part of normal business) and the [`LedgerError`] returned by
//! calls that cannot be evaluated at all (time going backwards, bad setup).
//!
//! Every variant has a stable `code()` string that bindings and scenario
//! files use. The order of [`TransferStatus`] variants *is* the precedence:
//! when several refusals apply to one transfer, the one listed first wins.
//! `docs/ledger.md` repeats the table.

use crate::types::{AccountKey, AssetId, Timestamp, TransferId};
use serde::{Deserialize, Serialize};

/// The result of one transfer in a submitted batch.
///
/// Listed in precedence order: the first applicable status is returned.
/// Statuses marked *remembered* depend on ledger state that may change; a
/// transfer refused with one of them has its id recorded, so a retry returns
/// [`TransferStatus::IdAlreadyFailed`] and can never succeed later by
/// surprise (outside linked chains, which leave no trace when they fail).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransferStatus {
    /// Applied.
    Ok,
    /// Another transfer of the same linked chain failed; nothing applied.
    LinkedEventFailed,
    /// The batch ended with a transfer flagged `linked`: the chain is open.
    LinkedEventChainOpen,
    /// The transfer id is 0.
    IdMustNotBeZero,
    /// More than one of `pending`, `post_pending`, `void_pending`,
    /// `resize_pending`, `post_part` is set.
    FlagsAreMutuallyExclusive,
    /// The id exists with different flags.
    ExistsWithDifferentFlags,
    /// The id exists with a different `pending_id`.
    ExistsWithDifferentPendingId,
    /// The id exists with a different `timeout_ns`.
    ExistsWithDifferentTimeout,
    /// The id exists with a different debit account.
    ExistsWithDifferentDebitAccount,
    /// The id exists with a different credit account.
    ExistsWithDifferentCreditAccount,
    /// The id exists with a different amount.
    ExistsWithDifferentAmount,
    /// The id exists with different `user_data`.
    ExistsWithDifferentUserData,
    /// The id exists with a different code (kind).
    ExistsWithDifferentCode,
    /// The id exists with identical fields: treat as success; nothing changed.
    Exists,
    /// The id was refused earlier with a remembered status.
    IdAlreadyFailed,
    /// A single-phase or pending transfer carries a `pending_id`.
    PendingIdMustBeZero,
    /// A post or void transfer has no `pending_id`.
    PendingIdMustNotBeZero,
    /// A post or void transfer names itself as the pending transfer.
    PendingIdMustBeDifferent,
    /// `timeout_ns` is set on a transfer that is not `pending`.
    TimeoutReservedForPendingTransfer,
    /// The code (kind) is 0.
    CodeMustNotBeZero,
    /// The amount is 0 (single-phase, pending, post).
    AmountMustNotBeZero,
    /// A void carries a non-zero amount.
    VoidAmountMustBeZero,
    /// Debit and credit account are the same.
    AccountsMustBeDifferent,
    /// Debit and credit account hold different assets.
    AssetMismatch,
    /// The amount exceeds the per-transfer limit for this code and asset.
    ExceedsTransferLimit,
    /// The asset does not exist. *Remembered.*
    AssetNotFound,
    /// The debit account does not exist. *Remembered.*
    DebitAccountNotFound,
    /// The credit account does not exist. *Remembered.*
    CreditAccountNotFound,
    /// No transfer with `pending_id` exists. *Remembered.*
    PendingTransferNotFound,
    /// The transfer named by `pending_id` is not a pending transfer.
    PendingTransferNotPending,
    /// The post/void names a debit account other than the pending one's.
    PendingTransferHasDifferentDebitAccount,
    /// The post/void names a credit account other than the pending one's.
    PendingTransferHasDifferentCreditAccount,
    /// The hold was already posted.
    PendingTransferAlreadyPosted,
    /// The hold was already voided.
    PendingTransferAlreadyVoided,
    /// The hold expired.
    PendingTransferExpired,
    /// A post asks for more than the hold's amount, or a `post_part` for all
    /// of it (nothing would stay pending: that is a post).
    PostAmountExceedsPending,
    /// The daily limit for this code, asset and account would be exceeded.
    /// *Remembered.*
    ExceedsDailyLimit,
    /// The asset's pending total would exceed [`crate::Amount::MAX`].
    /// *Remembered.*
    OverflowPending,
    /// The asset's posted total would exceed [`crate::Amount::MAX`].
    /// *Remembered.*
    OverflowPosted,
    /// The debit account must not go negative and lacks available funds.
    /// *Remembered.*
    InsufficientFunds,
    /// The credit account's balance (pending credits included) would exceed
    /// its maximum. *Remembered.*
    ExceedsMaxBalance,
    /// The ledger's configured transfer capacity is used up. *Not
    /// remembered* (there is no room to remember it).
    LedgerFull,
}

impl TransferStatus {
    /// Every status, in precedence order.
    pub const ALL: [TransferStatus; 42] = [
        Self::Ok,
        Self::LinkedEventFailed,
        Self::LinkedEventChainOpen,
        Self::IdMustNotBeZero,
        Self::FlagsAreMutuallyExclusive,
        Self::ExistsWithDifferentFlags,
        Self::ExistsWithDifferentPendingId,
        Self::ExistsWithDifferentTimeout,
        Self::ExistsWithDifferentDebitAccount,
        Self::ExistsWithDifferentCreditAccount,
        Self::ExistsWithDifferentAmount,
        Self::ExistsWithDifferentUserData,
        Self::ExistsWithDifferentCode,
        Self::Exists,
        Self::IdAlreadyFailed,
        Self::PendingIdMustBeZero,
        Self::PendingIdMustNotBeZero,
        Self::PendingIdMustBeDifferent,
        Self::TimeoutReservedForPendingTransfer,
        Self::CodeMustNotBeZero,
        Self::AmountMustNotBeZero,
        Self::VoidAmountMustBeZero,
        Self::AccountsMustBeDifferent,
        Self::AssetMismatch,
        Self::ExceedsTransferLimit,
        Self::AssetNotFound,
        Self::DebitAccountNotFound,
        Self::CreditAccountNotFound,
        Self::PendingTransferNotFound,
        Self::PendingTransferNotPending,
        Self::PendingTransferHasDifferentDebitAccount,
        Self::PendingTransferHasDifferentCreditAccount,
        Self::PendingTransferAlreadyPosted,
        Self::PendingTransferAlreadyVoided,
        Self::PendingTransferExpired,
        Self::PostAmountExceedsPending,
        Self::ExceedsDailyLimit,
        Self::OverflowPending,
        Self::OverflowPosted,
        Self::InsufficientFunds,
        Self::ExceedsMaxBalance,
        Self::LedgerFull,
    ];

    /// A stable, machine-readable code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::LinkedEventFailed => "linked_event_failed",
            Self::LinkedEventChainOpen => "linked_event_chain_open",
            Self::IdMustNotBeZero => "id_must_not_be_zero",
            Self::FlagsAreMutuallyExclusive => "flags_are_mutually_exclusive",
            Self::ExistsWithDifferentFlags => "exists_with_different_flags",
            Self::ExistsWithDifferentPendingId => "exists_with_different_pending_id",
            Self::ExistsWithDifferentTimeout => "exists_with_different_timeout",
            Self::ExistsWithDifferentDebitAccount => "exists_with_different_debit_account",
            Self::ExistsWithDifferentCreditAccount => "exists_with_different_credit_account",
            Self::ExistsWithDifferentAmount => "exists_with_different_amount",
            Self::ExistsWithDifferentUserData => "exists_with_different_user_data",
            Self::ExistsWithDifferentCode => "exists_with_different_code",
            Self::Exists => "exists",
            Self::IdAlreadyFailed => "id_already_failed",
            Self::PendingIdMustBeZero => "pending_id_must_be_zero",
            Self::PendingIdMustNotBeZero => "pending_id_must_not_be_zero",
            Self::PendingIdMustBeDifferent => "pending_id_must_be_different",
            Self::TimeoutReservedForPendingTransfer => "timeout_reserved_for_pending_transfer",
            Self::CodeMustNotBeZero => "code_must_not_be_zero",
            Self::AmountMustNotBeZero => "amount_must_not_be_zero",
            Self::VoidAmountMustBeZero => "void_amount_must_be_zero",
            Self::AccountsMustBeDifferent => "accounts_must_be_different",
            Self::AssetMismatch => "asset_mismatch",
            Self::ExceedsTransferLimit => "exceeds_transfer_limit",
            Self::AssetNotFound => "asset_not_found",
            Self::DebitAccountNotFound => "debit_account_not_found",
            Self::CreditAccountNotFound => "credit_account_not_found",
            Self::PendingTransferNotFound => "pending_transfer_not_found",
            Self::PendingTransferNotPending => "pending_transfer_not_pending",
            Self::PendingTransferHasDifferentDebitAccount => "pending_transfer_has_different_debit_account",
            Self::PendingTransferHasDifferentCreditAccount => "pending_transfer_has_different_credit_account",
            Self::PendingTransferAlreadyPosted => "pending_transfer_already_posted",
            Self::PendingTransferAlreadyVoided => "pending_transfer_already_voided",
            Self::PendingTransferExpired => "pending_transfer_expired",
            Self::PostAmountExceedsPending => "post_amount_exceeds_pending",
            Self::ExceedsDailyLimit => "exceeds_daily_limit",
            Self::OverflowPending => "overflow_pending",
            Self::OverflowPosted => "overflow_posted",
            Self::InsufficientFunds => "insufficient_funds",
            Self::ExceedsMaxBalance => "exceeds_max_balance",
            Self::LedgerFull => "ledger_full",
        }
    }

    /// Parses a [`TransferStatus::code`] back (for scenario files).
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The transfer took effect, or had already taken effect (`exists`).
    #[must_use]
    pub const fn is_success(self) -> bool {
        matches!(self, Self::Ok | Self::Exists)
    }

    /// Whether a refusal with this status is remembered against the id.
    #[must_use]
    pub const fn is_remembered(self) -> bool {
        matches!(
            self,
            Self::AssetNotFound
                | Self::DebitAccountNotFound
                | Self::CreditAccountNotFound
                | Self::PendingTransferNotFound
                | Self::ExceedsDailyLimit
                | Self::OverflowPending
                | Self::OverflowPosted
                | Self::InsufficientFunds
                | Self::ExceedsMaxBalance
        )
    }

    /// A compact number for journal encoding and hashing (the position in
    /// [`TransferStatus::ALL`]; stable as long as variants are only appended).
    #[must_use]
    pub fn ordinal(self) -> u8 {
        let mut i = 0u8;
        for s in Self::ALL {
            if s == self {
                return i;
            }
            i = i.saturating_add(1);
        }
        u8::MAX
    }
}

impl std::fmt::Display for TransferStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The status of one transfer of a submitted batch, in batch order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferResult {
    /// The transfer's id as submitted.
    pub id: TransferId,
    /// What happened.
    pub status: TransferStatus,
}

/// A call that could not be evaluated at all. The ledger is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// `now` is earlier than a timestamp already seen.
    #[error("time went backwards: {now:?} is before {last:?}")]
    TimeWentBackwards {
        /// The refused time.
        now: Timestamp,
        /// The latest time already seen.
        last: Timestamp,
    },
    /// Asset id 0 is reserved.
    #[error("asset id must not be zero")]
    AssetIdMustNotBeZero,
    /// The asset already exists.
    #[error("asset {asset:?} already exists")]
    AssetExists {
        /// The asset.
        asset: AssetId,
    },
    /// The scale exceeds [`crate::ASSET_SCALE_MAX`].
    #[error("asset scale {scale} exceeds the maximum of 28")]
    AssetScaleTooLarge {
        /// The refused scale.
        scale: u8,
    },
    /// The asset does not exist.
    #[error("asset {asset:?} not found")]
    AssetNotFound {
        /// The asset.
        asset: AssetId,
    },
    /// The account already exists.
    #[error("account {key:?} already exists")]
    AccountExists {
        /// The account.
        key: AccountKey,
    },
    /// The account limit from the config is reached.
    #[error("account limit of {accounts_max} reached")]
    AccountsMaxReached {
        /// The limit.
        accounts_max: u32,
    },
    /// The asset limit from the config is reached.
    #[error("asset limit of {assets_max} reached")]
    AssetsMaxReached {
        /// The limit.
        assets_max: u32,
    },
    /// A max balance above [`crate::Amount::MAX`] was given.
    #[error("max balance {max_balance} exceeds the ledger's amount range")]
    MaxBalanceOverflow {
        /// The refused max balance.
        max_balance: u128,
    },
    /// Replaying a journal produced a different entry than the one recorded.
    #[error("replay diverged at journal entry {seq}: {reason}")]
    ReplayDiverged {
        /// Sequence number of the first differing entry.
        seq: u64,
        /// What differed.
        reason: &'static str,
    },
    /// A restored snapshot does not hash to the hash it was taken with.
    #[error("snapshot state hash mismatch: expected {expected:#x}, got {actual:#x}")]
    SnapshotHashMismatch {
        /// Recorded hash.
        expected: u64,
        /// Hash after restore.
        actual: u64,
    },
}

impl LedgerError {
    /// A stable, machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::TimeWentBackwards { .. } => "time_went_backwards",
            Self::AssetIdMustNotBeZero => "asset_id_must_not_be_zero",
            Self::AssetExists { .. } => "asset_exists",
            Self::AssetScaleTooLarge { .. } => "asset_scale_too_large",
            Self::AssetNotFound { .. } => "asset_not_found",
            Self::AccountExists { .. } => "account_exists",
            Self::AccountsMaxReached { .. } => "accounts_max_reached",
            Self::AssetsMaxReached { .. } => "assets_max_reached",
            Self::MaxBalanceOverflow { .. } => "max_balance_overflow",
            Self::ReplayDiverged { .. } => "replay_diverged",
            Self::SnapshotHashMismatch { .. } => "snapshot_hash_mismatch",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_code_is_unique_and_parses_back() {
        let mut seen = std::collections::BTreeSet::new();
        for s in TransferStatus::ALL {
            assert!(seen.insert(s.code()), "duplicate code {}", s.code());
            assert_eq!(TransferStatus::from_code(s.code()), Some(s));
        }
        for s in TransferStatus::ALL {
            // Serialized form (journal JSON, bindings) is the stable code.
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.code()));
        }
        assert_eq!(TransferStatus::Ok.ordinal(), 0);
        assert_eq!(TransferStatus::LedgerFull.ordinal(), 41);
    }
}
