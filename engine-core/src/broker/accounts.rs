//! The Broker's chart of accounts: reserved owner ids, client wallets and system
//! accounts, and the transfer codes of its trading movements.
//!
//! The ledger names only generic codes ([`TransferCode::DEPOSIT`],
//! [`TransferCode::WITHDRAWAL`], [`TransferCode::FEE`], which the Broker uses
//! for deposits, withdrawals and fees); holds for orders and the legs of a trade
//! are the Broker's own. Their numbers are journaled: never change them.

use brokerx_ledger::{AccountKey, AssetId, Ledger, OwnerId, TransferCode};

use crate::types::AccountId;

/// The external bank / payment provider (may go negative).
pub const EXTERNAL_OWNER: u64 = u64::MAX;
/// Where fees accumulate.
pub const FEES_OWNER: u64 = u64::MAX - 1;
/// The counterparty of every hold and the hub of every settlement.
pub const ESCROW_OWNER: u64 = u64::MAX - 2;
/// Client account ids at or above this are reserved.
pub const RESERVED_OWNERS_FROM: u64 = u64::MAX - 15;

/// The code of an order's hold and of every resize or release of it (used with
/// the ledger's `PENDING`, `RESIZE_PENDING`, `VOID_PENDING`).
pub const ORDER_HOLD: TransferCode = TransferCode(5);
/// The code of each leg of a trade's settlement: a post of a hold, the payout
/// and the delivery through escrow.
pub const TRADE_SETTLEMENT: TransferCode = TransferCode(3);

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
