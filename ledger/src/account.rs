//! Assets and accounts: what exists to be transferred, and where balances
//! live.
//!
//! An account keeps four columns in minor units, TigerBeetle style: posted
//! debits, posted credits, pending (held) debits and pending credits. A
//! wallet is credit-normal: its balance is credits − debits. Columns only
//! grow, except pending ones, which shrink when a hold is posted, voided or
//! expires. The ledger keeps every column ≤ [`Amount::MAX`].

use crate::types::{AccountKey, Amount, AssetId, ConvertError};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An asset as created: its id, a short code for people (`"USD"`, `"AAPL"`,
/// `"SKU-1234"`) and its scale (decimal places of one minor unit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetSpec {
    /// Non-zero id.
    pub id: AssetId,
    /// A short human-readable code.
    pub code: String,
    /// Decimal places: USD 2, shares 0, BTC 8. At most 28.
    pub scale: u8,
}

impl AssetSpec {
    /// Converts a decimal amount of this asset to minor units, exactly.
    ///
    /// # Errors
    /// See [`Amount::from_decimal`].
    pub fn amount_from_decimal(&self, value: Decimal) -> Result<Amount, ConvertError> {
        Amount::from_decimal(value, self.scale)
    }

    /// Converts minor units of this asset to a decimal with its scale.
    ///
    /// # Errors
    /// See [`Amount::to_decimal`].
    pub fn amount_to_decimal(&self, amount: Amount) -> Result<Decimal, ConvertError> {
        amount.to_decimal(self.scale)
    }
}

/// How an account may be used, fixed at creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSpec {
    /// Owner and asset.
    pub key: AccountKey,
    /// Debits (posted + pending) may never exceed posted credits. True for
    /// user wallets; false for system accounts such as the external bank,
    /// which go negative by design.
    pub must_not_go_negative: bool,
    /// If set, credits (posted + pending) − posted debits may never exceed
    /// this. Pending credits count so that holds cannot overfill a wallet.
    pub max_balance: Option<Amount>,
}

impl AccountSpec {
    /// A user wallet: must not go negative, no max balance.
    #[must_use]
    pub const fn wallet(key: AccountKey) -> Self {
        Self { key, must_not_go_negative: true, max_balance: None }
    }

    /// A system account that may go negative (the bank, a fee sink, a
    /// warehouse's supplier).
    #[must_use]
    pub const fn system(key: AccountKey) -> Self {
        Self { key, must_not_go_negative: false, max_balance: None }
    }

    /// The same spec with a max balance.
    #[must_use]
    pub const fn with_max_balance(mut self, max_balance: Amount) -> Self {
        self.max_balance = Some(max_balance);
        self
    }
}

/// The four balance columns of an account, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AccountBalance {
    /// Debits reserved by open holds.
    pub debits_pending: Amount,
    /// Debits settled.
    pub debits_posted: Amount,
    /// Credits reserved by open holds.
    pub credits_pending: Amount,
    /// Credits settled.
    pub credits_posted: Amount,
}

/// Reinterprets a column known to be ≤ [`Amount::MAX`] as `i128`.
fn signed(a: Amount) -> i128 {
    i128::try_from(a.minor()).unwrap_or(i128::MAX)
}

impl AccountBalance {
    /// Posted credits − posted debits (a wallet's settled balance).
    /// Saturates at the `i128` range, which columns ≤ [`Amount::MAX`] can
    /// only reach on system accounts with extreme histories.
    #[must_use]
    pub fn posted(&self) -> i128 {
        signed(self.credits_posted).saturating_sub(signed(self.debits_posted))
    }

    /// Posted credits − posted debits − pending debits: what the owner can
    /// still spend or reserve.
    #[must_use]
    pub fn available(&self) -> i128 {
        self.posted().saturating_sub(signed(self.debits_pending))
    }
}

/// An account's full state inside the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Account {
    pub(crate) spec: AccountSpec,
    pub(crate) balance: AccountBalance,
    /// The newest journal entry touching this account (the head of its
    /// entry chain, see `Ledger::entries_of`).
    pub(crate) last_entry: u32,
    /// Index of the account's asset in the ledger's asset tables, so a
    /// transfer between two accounts it found needs no asset lookup.
    pub(crate) asset_idx: u32,
}

/// Per-asset sums over all accounts. Double entry makes the debit and credit
/// sums equal, so one number per column suffices; `check_invariants`
/// recomputes both sides from the accounts and compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AssetTotals {
    /// Sum of posted debits = sum of posted credits.
    pub posted: Amount,
    /// Sum of pending debits = sum of pending credits.
    pub pending: Amount,
    /// Number of accounts of the asset.
    pub accounts: u32,
}
