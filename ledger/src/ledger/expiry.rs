//! Hold timeouts: holds whose deadline has passed are expired in deadline
//! order (journaled), before any transfer of the same call; the host learns
//! when the next one is due from [`Ledger::next_deadline`].

use crate::journal::JournalEvent;
use crate::status::LedgerError;
use crate::types::{AccountKey, Amount, Timestamp, TransferId};

use super::holds::HoldState;
use super::Ledger;

impl Ledger {
    /// Expires every pending hold whose deadline is ≤ `now`, in deadline
    /// order (ties by creation order).
    pub(super) fn expire_due(&mut self, now: Timestamp, mut expired: Option<&mut Vec<TransferId>>) {
        while let Some(&(at, hold_idx)) = self.deadlines.first() {
            if at > now {
                break;
            }
            self.expire_hold(hold_idx);
            if let (Some(list), Some(h)) = (expired.as_deref_mut(), self.holds.get(hold_idx as usize)) {
                list.push(h.id);
            }
        }
    }

    pub(super) fn expire_hold(&mut self, hold_idx: u32) {
        let Some(hold) = self.holds.get(hold_idx as usize).copied() else {
            return;
        };
        self.close_hold(hold_idx);
        if hold.state != HoldState::Pending {
            return;
        }
        let debit_key = self.release_pending(hold.debit, hold.credit, hold.amount);
        if let Some(h) = self.holds.get_mut(hold_idx as usize) {
            h.state = HoldState::Expired;
        }
        let (debit_account, credit_account) = debit_key;
        self.push_entry(
            JournalEvent::HoldExpired { pending_id: hold.id, debit_account, credit_account, amount: hold.amount },
            hold.debit,
            hold.credit,
        );
    }

    /// Takes `amount` out of the pending columns; returns the account keys.
    fn release_pending(&mut self, debit: u32, credit: u32, amount: Amount) -> (AccountKey, AccountKey) {
        let mut keys = (AccountKey::UNSET, AccountKey::UNSET);
        if let Some(a) = self.accounts.get_mut(debit as usize) {
            a.balance.debits_pending = a.balance.debits_pending.checked_sub(amount).unwrap_or(Amount::ZERO);
            keys.0 = a.spec.key;
        }
        if let Some(a) = self.accounts.get_mut(credit as usize) {
            a.balance.credits_pending = a.balance.credits_pending.checked_sub(amount).unwrap_or(Amount::ZERO);
            keys.1 = a.spec.key;
        }
        if let Some(&asset_idx) = self.asset_index.get(&keys.0.asset) {
            if let Some(t) = self.asset_totals.get_mut(asset_idx as usize) {
                t.pending = t.pending.checked_sub(amount).unwrap_or(Amount::ZERO);
            }
        }
        keys
    }

    /// Advances the clock to `now` and expires every hold whose deadline is
    /// ≤ `now`, appending their ids to `expired` in expiry order.
    ///
    /// # Errors
    /// [`LedgerError::TimeWentBackwards`]; nothing changes then.
    pub fn on_time(&mut self, now: Timestamp, expired: &mut Vec<TransferId>) -> Result<(), LedgerError> {
        self.advance_clock(now)?;
        self.expire_due(now, Some(expired));
        Ok(())
    }

    /// The earliest time at which a hold expires, if any hold has a timeout.
    #[must_use]
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.deadlines.first().map(|(at, _)| *at)
    }
}
