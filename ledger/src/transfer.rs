//! What a caller submits: a [`Transfer`] moves an [`Amount`] of one asset
//! from a debit account to a credit account, either at once (single-phase),
//! as a hold (`pending`), or by resolving a hold (`post_pending`,
//! `void_pending`). Transfers carry a caller-chosen id for idempotency, a
//! [`TransferCode`] saying what kind of movement it is, and opaque
//! `user_data` for references.

use crate::types::{AccountKey, Amount, TransferId};
use serde::{Deserialize, Serialize};

/// Flags of a transfer. At most one of `PENDING`, `POST_PENDING`,
/// `VOID_PENDING`, `RESIZE_PENDING` may be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct TransferFlags(pub u16);

impl TransferFlags {
    /// No flags: a single-phase transfer.
    pub const NONE: TransferFlags = TransferFlags(0);
    /// This transfer and the next one in the batch succeed or fail together.
    pub const LINKED: TransferFlags = TransferFlags(1);
    /// Creates a hold: amounts go to the pending columns.
    pub const PENDING: TransferFlags = TransferFlags(1 << 1);
    /// Settles the hold `pending_id` for `amount` (≤ the hold); the rest is
    /// released.
    pub const POST_PENDING: TransferFlags = TransferFlags(1 << 2);
    /// Releases the hold `pending_id`.
    pub const VOID_PENDING: TransferFlags = TransferFlags(1 << 3);
    /// Sets the hold `pending_id`'s amount to `amount` (non-zero); the hold
    /// stays pending with the same id and timeout. Growth is checked like a
    /// new hold of the difference. Not in TigerBeetle: it lets an order
    /// amend resize its reservation in one journal entry instead of a void
    /// and a new hold.
    pub const RESIZE_PENDING: TransferFlags = TransferFlags(1 << 4);
    /// Settles `amount` of the hold `pending_id` (less than the hold) and
    /// leaves the rest pending under the same id and timeout. Not in
    /// TigerBeetle, where a post always closes its hold: it lets a partly
    /// filled order settle a fill and keep its reservation for the rest in one
    /// journal entry instead of a post and a new hold.
    pub const POST_PART: TransferFlags = TransferFlags(1 << 5);

    /// Whether all bits of `other` are set.
    #[must_use]
    pub const fn contains(self, other: TransferFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Union of two flag sets.
    #[must_use]
    pub const fn union(self, other: TransferFlags) -> TransferFlags {
        TransferFlags(self.0 | other.0)
    }

    /// The flags without `LINKED`.
    #[must_use]
    pub const fn without_linked(self) -> TransferFlags {
        TransferFlags(self.0 & !Self::LINKED.0)
    }
}

impl std::ops::BitOr for TransferFlags {
    type Output = TransferFlags;
    fn bitor(self, rhs: TransferFlags) -> TransferFlags {
        self.union(rhs)
    }
}

/// What kind of movement a transfer is. `0` is refused. The named constants
/// are the generic ones every user of a ledger has; any other non-zero value is
/// accepted, and policies key on it. Codes for a user's own kinds of movement
/// (an exchange's order holds and trade settlements, a shop's sales) are that
/// user's constants, numbered apart from these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TransferCode(pub u16);

impl TransferCode {
    /// Money (or stock) entering from outside: bank → wallet.
    pub const DEPOSIT: TransferCode = TransferCode(1);
    /// Money leaving to outside: wallet → bank.
    pub const WITHDRAWAL: TransferCode = TransferCode(2);
    /// A fee to the operator.
    pub const FEE: TransferCode = TransferCode(4);
}

/// One transfer as submitted. Build with the constructors
/// ([`Transfer::single`], [`Transfer::pending`], [`Transfer::post`],
/// [`Transfer::post_part`], [`Transfer::void`], [`Transfer::resize`]) and
/// adjust fields as needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Transfer {
    /// Unique, caller-chosen, non-zero.
    pub id: TransferId,
    /// Account whose debits grow. On a hold (post, `post_part`, void,
    /// resize): [`AccountKey::UNSET`] (take the hold's) or the hold's exact
    /// account.
    pub debit_account: AccountKey,
    /// Account whose credits grow. On a hold: as `debit_account`.
    pub credit_account: AccountKey,
    /// Amount in minor units. For post: the amount to settle (≤ the hold);
    /// for `post_part`: the amount to settle (< the hold); for resize: the
    /// hold's new amount; for void: zero.
    pub amount: Amount,
    /// On a hold: the id of the pending transfer; else zero.
    pub pending_id: TransferId,
    /// For pending: nanoseconds after the submit time at which the hold
    /// expires; zero means never. Else zero.
    pub timeout_ns: u64,
    /// What kind of movement this is; non-zero.
    pub code: TransferCode,
    /// Flags.
    pub flags: TransferFlags,
    /// Opaque reference for the host (an order id, an invoice number).
    pub user_data: u128,
}

impl Transfer {
    /// A single-phase transfer of `amount` from `debit` to `credit`.
    #[must_use]
    pub const fn single(
        id: TransferId,
        debit: AccountKey,
        credit: AccountKey,
        amount: Amount,
        code: TransferCode,
    ) -> Self {
        Self {
            id,
            debit_account: debit,
            credit_account: credit,
            amount,
            pending_id: TransferId(0),
            timeout_ns: 0,
            code,
            flags: TransferFlags::NONE,
            user_data: 0,
        }
    }

    /// A hold of `amount` from `debit` to `credit`; `timeout_ns` 0 = never
    /// expires.
    #[must_use]
    pub const fn pending(
        id: TransferId,
        debit: AccountKey,
        credit: AccountKey,
        amount: Amount,
        code: TransferCode,
        timeout_ns: u64,
    ) -> Self {
        Self {
            id,
            debit_account: debit,
            credit_account: credit,
            amount,
            pending_id: TransferId(0),
            timeout_ns,
            code,
            flags: TransferFlags::PENDING,
            user_data: 0,
        }
    }

    /// Settles `amount` of the hold `pending_id` (the remainder is
    /// released). The accounts are taken from the hold.
    #[must_use]
    pub const fn post(id: TransferId, pending_id: TransferId, amount: Amount, code: TransferCode) -> Self {
        Self::on_hold(id, pending_id, amount, code, TransferFlags::POST_PENDING)
    }

    /// Settles `amount` of the hold `pending_id` and keeps the rest pending
    /// (see [`TransferFlags::POST_PART`]).
    #[must_use]
    pub const fn post_part(id: TransferId, pending_id: TransferId, amount: Amount, code: TransferCode) -> Self {
        Self::on_hold(id, pending_id, amount, code, TransferFlags::POST_PART)
    }

    /// Releases the hold `pending_id`.
    #[must_use]
    pub const fn void(id: TransferId, pending_id: TransferId, code: TransferCode) -> Self {
        Self::on_hold(id, pending_id, Amount::ZERO, code, TransferFlags::VOID_PENDING)
    }

    /// Sets the hold `pending_id` to `amount` (the hold's accounts; see
    /// [`TransferFlags::RESIZE_PENDING`]).
    #[must_use]
    pub const fn resize(id: TransferId, pending_id: TransferId, amount: Amount, code: TransferCode) -> Self {
        Self::on_hold(id, pending_id, amount, code, TransferFlags::RESIZE_PENDING)
    }

    /// A second-phase transfer on the hold `pending_id` (its accounts come from the hold).
    const fn on_hold(
        id: TransferId,
        pending_id: TransferId,
        amount: Amount,
        code: TransferCode,
        flags: TransferFlags,
    ) -> Self {
        Self {
            id,
            debit_account: AccountKey::UNSET,
            credit_account: AccountKey::UNSET,
            amount,
            pending_id,
            timeout_ns: 0,
            code,
            flags,
            user_data: 0,
        }
    }

    /// The same transfer flagged `linked` to the next one in its batch.
    #[must_use]
    pub const fn linked(mut self) -> Self {
        self.flags = self.flags.union(TransferFlags::LINKED);
        self
    }

    /// The same transfer with `user_data` set.
    #[must_use]
    pub const fn with_user_data(mut self, user_data: u128) -> Self {
        self.user_data = user_data;
        self
    }

    /// Whether the `linked` flag is set.
    #[must_use]
    pub const fn is_linked(&self) -> bool {
        self.flags.contains(TransferFlags::LINKED)
    }
}
