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
/// Client account ids at or above this are reserved (the top 16 owner ids): the
/// Broker's system accounts use them, and a command naming one as a client is
/// refused with `reserved_account`.
pub const RESERVED_OWNERS_FROM: u64 = u64::MAX - 15;

/// The code of an order's hold and of every resize or release of it (used with
/// the ledger's `PENDING`, `RESIZE_PENDING`, `VOID_PENDING`).
pub const ORDER_HOLD: TransferCode = TransferCode(5);
/// The code of each leg of a trade's settlement: a post of a hold, the payout
/// and the delivery through escrow.
pub const TRADE_SETTLEMENT: TransferCode = TransferCode(3);

/// The Broker's transfer ids count up from here (`next_transfer` starts at 1).
pub(super) const FIRST_TRANSFER_ID: u128 = (1 << 64) | 1;

/// The ledger account of `account`'s wallet in `asset` (owner = the client's
/// account id). It exists once the account has received that asset.
#[must_use]
pub const fn wallet_account(account: AccountId, asset: AssetId) -> AccountKey {
    wallet(account, asset)
}

/// The ledger account of the external bank or payment provider in `asset`
/// (owner [`EXTERNAL_OWNER`]): deposits come from it, withdrawals go to it. It
/// may go negative. Created with the asset.
///
/// ```
/// use brokerx_engine::*;
/// use brokerx_ledger::{AccountKey, AssetId};
///
/// let usd = AssetId(1);
/// assert_eq!(external_account(usd), AccountKey::new(EXTERNAL_OWNER, 1));
/// assert_eq!(fees_account(usd).owner.0, FEES_OWNER);
/// assert_eq!(escrow_account(usd).owner.0, ESCROW_OWNER);
/// assert!(is_reserved_owner(ESCROW_OWNER) && !is_reserved_owner(7));
/// assert_eq!(wallet_account(AccountId(7), usd), AccountKey::new(7, 1));
/// ```
#[must_use]
pub const fn external_account(asset: AssetId) -> AccountKey {
    system(EXTERNAL_OWNER, asset)
}

/// The ledger account where fees in `asset` accumulate (owner [`FEES_OWNER`]).
/// Created with the asset.
#[must_use]
pub const fn fees_account(asset: AssetId) -> AccountKey {
    system(FEES_OWNER, asset)
}

/// The ledger account in `asset` that is the counterparty of every hold and the
/// hub of every settlement (owner [`ESCROW_OWNER`]); it holds nothing posted
/// between commands. Created with the asset.
#[must_use]
pub const fn escrow_account(asset: AssetId) -> AccountKey {
    system(ESCROW_OWNER, asset)
}

/// Whether `owner` is one of the reserved owner ids (at or above
/// [`RESERVED_OWNERS_FROM`]), which no client account may use.
#[must_use]
pub const fn is_reserved_owner(owner: u64) -> bool {
    owner >= RESERVED_OWNERS_FROM
}

pub(super) const fn wallet(account: AccountId, asset: AssetId) -> AccountKey {
    AccountKey { owner: OwnerId(account.0), asset }
}
/// A client wallet's available balance (0 if it has none). A free function so
/// it can borrow the ledger alone.
pub(super) fn wallet_available(ledger: &Ledger, account: AccountId, asset: AssetId) -> i128 {
    ledger.balance(wallet(account, asset)).map_or(0, |b| b.available())
}
pub(super) const fn system(owner: u64, asset: AssetId) -> AccountKey {
    AccountKey { owner: OwnerId(owner), asset }
}
