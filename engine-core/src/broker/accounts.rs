//! The Broker's chart of accounts: reserved owner ids, client wallets and system accounts.

use brokerx_ledger::{AccountKey, AssetId, Ledger, OwnerId};

use crate::types::AccountId;

/// The external bank / payment provider (may go negative).
pub const EXTERNAL_OWNER: u64 = u64::MAX;
/// Where fees accumulate.
pub const FEES_OWNER: u64 = u64::MAX - 1;
/// The counterparty of every hold and the hub of every settlement.
pub const ESCROW_OWNER: u64 = u64::MAX - 2;
/// Client account ids at or above this are reserved.
pub const RESERVED_OWNERS_FROM: u64 = u64::MAX - 15;

/// The Broker's transfer ids count up from here (`next_transfer` starts at 1).
pub(super) const FIRST_TRANSFER_ID: u128 = (1 << 64) | 1;

pub(super) fn wallet(account: AccountId, asset: AssetId) -> AccountKey {
    AccountKey { owner: OwnerId(account.0), asset }
}
/// A client wallet's available balance (0 if it has none). A free function so
/// it can borrow the ledger alone.
pub(super) fn wallet_available(ledger: &Ledger, account: AccountId, asset: AssetId) -> i128 {
    ledger.balance(wallet(account, asset)).map_or(0, |b| b.available())
}
pub(super) fn system(owner: u64, asset: AssetId) -> AccountKey {
    AccountKey { owner: OwnerId(owner), asset }
}
