//! Business policy that is configuration, not state: a maximum amount per
//! transfer for a (code, asset) pair (e.g. deposits ≤ 1,000.00 USD),
//! optional daily limits per account, and default wallet max balances per
//! asset (e.g. 10,000.00 USD). Max balance itself is a property of each
//! account (see [`crate::AccountSpec`]); the policy only supplies the
//! default.
//!
//! Policy is fixed when the ledger is created, so replaying a journal under
//! the same config reproduces every decision.

use crate::transfer::TransferCode;
use crate::types::{Amount, AssetId};
use serde::{Deserialize, Serialize};

/// Transfers of `code` in `asset` may move at most `max_amount` each.
/// Applies to single-phase and pending transfers (posts settle an amount
/// that was already checked when the hold was made).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferLimit {
    /// Which kind of transfer.
    pub code: TransferCode,
    /// Which asset.
    pub asset: AssetId,
    /// Largest amount allowed in one transfer.
    pub max_amount: Amount,
}

/// Which account of a transfer a daily limit counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LimitSide {
    /// The debit account (e.g. withdrawals out of a wallet).
    Debit,
    /// The credit account (e.g. deposits into a wallet).
    Credit,
}

/// Per account and UTC day (of the submit timestamp), transfers of `code` in
/// `asset` may add up to at most `max_per_day`. Counted when a single-phase
/// or pending transfer is applied; a voided or expired hold still counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyLimit {
    /// Which kind of transfer.
    pub code: TransferCode,
    /// Which asset.
    pub asset: AssetId,
    /// Which side's account is limited.
    pub side: LimitSide,
    /// Largest total per account per day.
    pub max_per_day: Amount,
}

/// The default max balance of wallets (accounts that must not go negative)
/// in `asset`, e.g. 10,000.00 USD. Applied when a wallet is created without
/// its own `max_balance`; the journal records the effective value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletLimit {
    /// Which asset.
    pub asset: AssetId,
    /// Largest balance (posted + pending credits − posted debits).
    pub max_balance: Amount,
}

/// All policy rules. Empty by default (no limits).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Policy {
    /// Per-transfer limits; the first matching rule applies.
    pub transfer_limits: Vec<TransferLimit>,
    /// Daily limits; every matching rule applies.
    pub daily_limits: Vec<DailyLimit>,
    /// Default wallet max balances per asset; the first matching rule
    /// applies.
    #[serde(default)]
    pub wallet_limits: Vec<WalletLimit>,
}

impl Policy {
    /// The default wallet max balance for `asset`, if any.
    #[must_use]
    pub fn wallet_limit(&self, asset: AssetId) -> Option<Amount> {
        self.wallet_limits.iter().find(|l| l.asset == asset).map(|l| l.max_balance)
    }

    /// The per-transfer limit for `code` in `asset`, if any.
    #[must_use]
    pub fn transfer_limit(&self, code: TransferCode, asset: AssetId) -> Option<Amount> {
        self.transfer_limits.iter().find(|l| l.code == code && l.asset == asset).map(|l| l.max_amount)
    }
}
