//! brokerx-ledger: an idempotent double-entry wallet ledger for any asset.
//!
//! # Contract
//!
//! **What goes in.** Assets (id, code, scale), accounts keyed by
//! `(owner, asset)` with a must-not-go-negative flag and an optional max
//! balance, and batches of [`Transfer`]s, each with a caller-chosen
//! [`TransferId`]. Every call that changes state takes the host's time as a
//! [`Timestamp`]; the ledger reads no clock, does no I/O, uses no randomness
//! and no floating point. Amounts are integer minor units ([`Amount`]);
//! [`rust_decimal::Decimal`] is accepted only through
//! [`Amount::from_decimal`] / [`AssetSpec::amount_from_decimal`], exactly or
//! not at all.
//!
//! **What comes out.** [`Ledger::submit`] writes one [`TransferResult`] per
//! transfer, in batch order, with a [`TransferStatus`] whose
//! [`code`](TransferStatus::code) is stable. Every state change is an
//! immutable [`JournalEntry`]; [`Ledger::replay`] of the journal rebuilds the
//! same ledger with the same [`Ledger::state_hash`]. Queries: balances,
//! holds, entries per account, totals per asset.
//!
//! **What never happens.** A refused transfer changes no balance (a
//! remembered refusal only records its id and a `TransferRefused` journal
//! entry); a refused linked chain leaves no trace at all. Posted debits never differ from
//! posted credits for an asset (nor pending from pending). An account
//! flagged must-not-go-negative never has debits (posted + pending) above
//! its posted credits. A hold is resolved at most once. A transfer id is
//! applied at most once: a repeat returns `exists` (or
//! `exists_with_different_<field>`), a remembered refusal returns
//! `id_already_failed`. Time never goes backwards (a typed
//! [`LedgerError`]). No input reaches a panic.
//!
//! # Status precedence
//!
//! When several refusals apply to one transfer, the first in this list wins
//! (the order of [`TransferStatus::ALL`]):
//!
//! | # | code | applies to |
//! |---|------|------------|
//! | 1 | `linked_event_failed`, `linked_event_chain_open` | chain members (decided after the member's own evaluation) |
//! | 2 | `id_must_not_be_zero` | all |
//! | 3 | `flags_are_mutually_exclusive` | all |
//! | 4 | `exists_with_different_flags`, `_pending_id`, `_timeout`, `_debit_account`, `_credit_account`, `_amount`, `_user_data`, `_code`, then `exists` | id already applied |
//! | 5 | `id_already_failed` | id refused earlier with a remembered status |
//! | 6 | `pending_id_must_be_zero` / `pending_id_must_not_be_zero`, `pending_id_must_be_different` | |
//! | 7 | `timeout_reserved_for_pending_transfer`, `code_must_not_be_zero` | |
//! | 8 | `amount_must_not_be_zero`, `void_amount_must_be_zero` | |
//! | 9 | `accounts_must_be_different`, `asset_mismatch` | |
//! | 10 | `exceeds_transfer_limit` | single-phase, pending |
//! | 11 | `asset_not_found`, `debit_account_not_found`, `credit_account_not_found` | single-phase, pending |
//! | 12 | `pending_transfer_not_found`, `pending_transfer_not_pending`, `pending_transfer_has_different_debit_account`, `_credit_account` | post, void |
//! | 13 | `pending_transfer_already_posted`, `_already_voided`, `pending_transfer_expired`, `post_amount_exceeds_pending` | post, void |
//! | 14 | `exceeds_daily_limit` | single-phase, pending |
//! | 15 | `overflow_pending`, `overflow_posted` | |
//! | 16 | `insufficient_funds`, `exceeds_max_balance` | single-phase, pending |
//! | 17 | `ledger_full` | |
//!
//! Remembered (state-dependent) refusals: `asset_not_found`,
//! `debit_account_not_found`, `credit_account_not_found`,
//! `pending_transfer_not_found`, `exceeds_daily_limit`, `overflow_*`,
//! `insufficient_funds`, `exceeds_max_balance` — outside linked chains only.
//!
//! # Example
//!
//! Calls in order: [`Ledger::new`], [`Ledger::create_asset`],
//! [`Ledger::create_account`], then batches through [`Ledger::submit`] (one
//! result per transfer) or [`Ledger::submit_chain`] (a linked chain, its first
//! non-ok status); [`Ledger::on_time`] when [`Ledger::next_deadline`] says a
//! hold times out; queries ([`Ledger::balance`], [`Ledger::hold`],
//! [`Ledger::entries_of`], [`Ledger::totals`]) at any time.
//!
//! ```
//! use brokerx_ledger::*;
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let mut ledger = Ledger::new(LedgerConfig::default());
//!     let usd = AssetId(1);
//!     let t0 = Timestamp(1);
//!     ledger.create_asset(t0, AssetSpec { id: usd, code: "USD".into(), scale: 2 })?;
//!     let bank = AccountKey { owner: OwnerId(0), asset: usd };
//!     let alice = AccountKey { owner: OwnerId(1), asset: usd };
//!     let shop = AccountKey { owner: OwnerId(2), asset: usd };
//!     ledger.create_account(t0, AccountSpec::system(bank))?; // may go negative
//!     ledger.create_account(t0, AccountSpec::wallet(alice))?; // may not
//!     ledger.create_account(t0, AccountSpec::wallet(shop))?;
//!
//!     // $100.00 in; the transfer id is the idempotency key.
//!     let amount = AssetSpec { id: usd, code: "USD".into(), scale: 2 }.amount_from_decimal("100.00".parse()?)?;
//!     let deposit = Transfer::single(TransferId(7), bank, alice, amount, TransferCode::DEPOSIT);
//!     let mut out = Vec::new();
//!     ledger.submit(Timestamp(2), &[deposit], &mut out)?;
//!     assert_eq!(out[0].status, TransferStatus::Ok);
//!     ledger.submit(Timestamp(3), &[deposit], &mut out)?; // a retry changes nothing
//!     assert_eq!(out[0].status, TransferStatus::Exists);
//!
//!     // A two-phase hold: reserve $30.00, settle $25.00 of it, the rest is released.
//!     let purchase = TransferCode(100); // any non-zero code; policies key on it
//!     let hold = Transfer::pending(TransferId(8), alice, shop, Amount::from_minor(3_000), purchase, 0);
//!     ledger.submit(Timestamp(4), &[hold], &mut out)?;
//!     assert_eq!(ledger.balance(alice).map(|b| b.available()), Some(7_000));
//!     let post = Transfer::post(TransferId(9), TransferId(8), Amount::from_minor(2_500), purchase);
//!     ledger.submit(Timestamp(5), &[post], &mut out)?;
//!     assert_eq!(out[0].status, TransferStatus::Ok);
//!     assert_eq!(ledger.balance(alice).map(|b| b.available()), Some(7_500));
//!     assert_eq!(ledger.balance(shop).map(|b| b.posted()), Some(2_500));
//!
//!     // Too much: refused with a stable code, no balance moves.
//!     let big = Transfer::single(TransferId(10), alice, shop, Amount::from_minor(1_000_000), purchase);
//!     ledger.submit(Timestamp(6), &[big], &mut out)?;
//!     assert_eq!(out[0].status.code(), "insufficient_funds");
//!     ledger.check_invariants().map_err(|v| format!("{v:?}"))?;
//!
//!     // The journal rebuilds the same ledger.
//!     let replayed = Ledger::replay(LedgerConfig::default(), ledger.journal())?;
//!     assert_eq!(replayed.state_hash(), ledger.state_hash());
//!     Ok(())
//! }
//! ```
//!
//! Indexing by internal account/hold/journal positions only ever uses
//! positions the ledger produced itself; lookups still go through `get` so
//! that a bug shows up as a failed invariant check, not a panic.

// One audited `unsafe` block: the cache hint in `prefetch.rs`.
#![deny(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod account;
mod account_index;
pub mod hash;
mod idempotency;
mod idtable;
mod journal;
mod ledger;
mod policy;
mod prefetch;
mod status;
mod transfer;
mod types;

pub use account::{AccountBalance, AccountSpec, AssetSpec, AssetTotals};
pub use idempotency::IdempotencyKey;
pub use journal::{JournalEntry, JournalEvent, TransferRecord};
pub use ledger::{HoldState, HoldView, InvariantViolation, Ledger, LedgerConfig, LedgerSnapshot};
pub use policy::{DailyLimit, LimitSide, Policy, TransferLimit, WalletLimit};
pub use status::{LedgerError, TransferResult, TransferStatus};
pub use transfer::{Transfer, TransferCode, TransferFlags};
pub use types::{AccountKey, Amount, AssetId, ConvertError, OwnerId, Timestamp, TransferId, ASSET_SCALE_MAX};

#[cfg(test)]
mod tests;
