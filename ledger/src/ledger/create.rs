//! Single-phase and pending transfers: every check in status-precedence order,
//! then the mutation (balances, the asset's totals, a new hold). Also what the
//! second phase shares with them: the balance check, the in-place balance
//! update and the journaling of an applied transfer.

use crate::account::{Account, AccountBalance, AssetTotals};
use crate::journal::{JournalEntry, JournalEvent, TransferRecord};
use crate::prefetch::prefetch_append;
use crate::status::TransferStatus;
use crate::transfer::Transfer;
use crate::types::{AccountKey, Amount, Timestamp, TransferId};

use super::holds::{Hold, HoldState};
use super::ids::IdRecord;
use super::submit::Phase;
use super::{Ledger, NONE, NO_HOLD};

/// Whether `amount` more can move from `da` to `ca`: the debit side's funds
/// (if it must not go negative), then the credit side's max balance.
#[inline(always)]
pub(super) fn balances_take(da: &Account, ca: &Account, amount: u128) -> Result<(), TransferStatus> {
    // Columns are ≤ Amount::MAX (< 2^127), so these sums cannot wrap except
    // through saturation, which only makes the checks stricter.
    let (db, cb) = (da.balance, ca.balance);
    if da.spec.must_not_go_negative {
        let debits = db.debits_posted.minor().saturating_add(db.debits_pending.minor()).saturating_add(amount);
        if debits > db.credits_posted.minor() {
            return Err(TransferStatus::InsufficientFunds);
        }
    }
    if let Some(max) = ca.spec.max_balance {
        let credits = cb.credits_posted.minor().saturating_add(cb.credits_pending.minor()).saturating_add(amount);
        if credits > cb.debits_posted.minor().saturating_add(max.minor()) {
            return Err(TransferStatus::ExceedsMaxBalance);
        }
    }
    Ok(())
}

/// A refusal, out of line and cold: the compiler then treats the path that
/// applies a transfer as the likely one, lays it out straight and inlines
/// into it (the journal push among others).
#[cold]
#[inline(never)]
pub(super) fn refuse(status: TransferStatus) -> TransferStatus {
    status
}

impl Ledger {
    /// Single-phase or pending: validate everything, then mutate.
    pub(super) fn create(&mut self, now: Timestamp, t: &Transfer, phase: Phase, in_chain: bool) -> TransferStatus {
        use TransferStatus as S;
        if t.pending_id.0 != 0 {
            return refuse(S::PendingIdMustBeZero);
        }
        if phase == Phase::Single && t.timeout_ns != 0 {
            return refuse(S::TimeoutReservedForPendingTransfer);
        }
        if t.code.0 == 0 {
            return refuse(S::CodeMustNotBeZero);
        }
        if t.amount.is_zero() {
            return refuse(S::AmountMustNotBeZero);
        }
        if t.debit_account == t.credit_account {
            return refuse(S::AccountsMustBeDifferent);
        }
        let asset = t.debit_account.asset;
        if asset != t.credit_account.asset {
            return refuse(S::AssetMismatch);
        }
        let policy = &self.config.policy;
        if !policy.transfer_limits.is_empty() {
            if let Some(limit) = policy.transfer_limit(t.code, asset) {
                if t.amount > limit {
                    return refuse(S::ExceedsTransferLimit);
                }
            }
        }
        // Every account's asset exists, so a missing asset shows as a missing
        // debit account; only then is the asset looked up, for the status.
        let Some(debit) = self.account_index.get(t.debit_account) else {
            return refuse(if self.asset_index.contains_key(&asset) {
                S::DebitAccountNotFound
            } else {
                S::AssetNotFound
            });
        };
        let Some(credit) = self.account_index.get(t.credit_account) else {
            return refuse(S::CreditAccountNotFound);
        };
        let has_daily = !self.config.policy.daily_limits.is_empty();
        if has_daily && self.daily_exceeded(now, t, debit, credit) {
            return refuse(S::ExceedsDailyLimit);
        }
        let (Some(da), Some(ca)) = (self.accounts.get(debit as usize), self.accounts.get(credit as usize)) else {
            return refuse(S::DebitAccountNotFound);
        };
        let asset_idx = da.asset_idx;
        let Some(&totals) = self.asset_totals.get(asset_idx as usize) else {
            return refuse(S::AssetNotFound);
        };
        let amount = t.amount.minor();
        let mut new_totals = totals;
        if phase == Phase::Pending {
            match totals.pending.checked_add(t.amount) {
                Some(p) if p <= Amount::MAX => new_totals.pending = p,
                _ => return refuse(S::OverflowPending),
            }
        } else {
            match totals.posted.checked_add(t.amount) {
                Some(p) if p <= Amount::MAX => new_totals.posted = p,
                _ => return refuse(S::OverflowPosted),
            }
        }
        if let Err(status) = balances_take(da, ca, amount) {
            return refuse(status);
        }
        if !self.has_room() {
            return refuse(S::LedgerFull);
        }

        // Mutate.
        if has_daily {
            self.daily_record(now, t, debit, credit, in_chain);
        }
        // `balances_take` and the asset total bound every column, so these cannot overflow.
        let add = |x: &mut Amount| *x = Amount::from_minor(x.minor() + amount);
        if phase == Phase::Pending {
            self.update_balances(
                (debit, |b| add(&mut b.debits_pending)),
                (credit, |b| add(&mut b.credits_pending)),
                (asset_idx, |tot| *tot = new_totals),
            );
        } else {
            self.update_balances(
                (debit, |b| add(&mut b.debits_posted)),
                (credit, |b| add(&mut b.credits_posted)),
                (asset_idx, |tot| *tot = new_totals),
            );
        }
        let hold = if phase == Phase::Pending {
            let hold = u32::try_from(self.holds.len()).unwrap_or(NO_HOLD);
            let expires_at = (t.timeout_ns != 0).then(|| Timestamp(now.0.saturating_add(t.timeout_ns)));
            prefetch_append(&self.holds);
            self.holds.push(Hold {
                id: t.id,
                debit,
                credit,
                amount: t.amount,
                expires_at,
                state: HoldState::Pending,
                open_pos: 0,
                resolved_by: TransferId(0),
                posted_amount: Amount::ZERO,
            });
            self.open_hold(hold);
            hold
        } else {
            NO_HOLD
        };
        let keys = (t.debit_account, t.credit_account);
        self.record_applied(t, keys, (false, false), debit, credit, hold);
        S::Ok
    }

    /// Journals an applied transfer (with the accounts it resolved to) and
    /// remembers its id. The entry is built in the journal's own push from
    /// `t` by reference: built by value and handed down, the 144-byte entry
    /// was copied three times per transfer.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(super) fn record_applied(
        &mut self,
        t: &Transfer,
        (debit_key, credit_key): (AccountKey, AccountKey),
        (debit_from_pending, credit_from_pending): (bool, bool),
        debit: u32,
        credit: u32,
        hold: u32,
    ) {
        let seq = self.journal.len();
        // Capacity checks keep the journal below u32::MAX entries.
        let entry = u32::try_from(seq).unwrap_or(NONE);
        prefetch_append(&self.journal);
        self.journal.push(JournalEntry {
            seq: seq as u64,
            timestamp: self.now,
            event: JournalEvent::Transfer(TransferRecord {
                transfer: Transfer { debit_account: debit_key, credit_account: credit_key, ..*t },
                debit_from_pending,
                credit_from_pending,
            }),
        });
        self.link_entry(entry, debit, credit);
        self.id_insert(t.id, IdRecord::Applied { entry, hold });
    }

    /// Applies a transfer's effect, or its reversal when a failed chain is taken
    /// back, to its two accounts and its asset's totals. In place and inlined: a new balance built by value and passed
    /// in went through the stack as two-qword stores read back as 16-byte loads,
    /// a store-forwarding stall per column.
    #[inline(always)]
    pub(super) fn update_balances(
        &mut self,
        (debit, on_debit): (u32, impl FnOnce(&mut AccountBalance)),
        (credit, on_credit): (u32, impl FnOnce(&mut AccountBalance)),
        (asset_idx, on_totals): (u32, impl FnOnce(&mut AssetTotals)),
    ) {
        if let Some(a) = self.accounts.get_mut(debit as usize) {
            on_debit(&mut a.balance);
        }
        if let Some(a) = self.accounts.get_mut(credit as usize) {
            on_credit(&mut a.balance);
        }
        if let Some(tot) = self.asset_totals.get_mut(asset_idx as usize) {
            on_totals(tot);
        }
    }
}
