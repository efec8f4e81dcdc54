//! Taking back a failed linked chain: its journal entries are reversed newest
//! first (balances, totals, holds, ids, entry chains), then its daily usage is
//! restored, so the chain leaves no trace.

use crate::journal::JournalEntry;
use crate::types::{Amount, TransferId};

use super::daily::DailyUndo;
use super::holds::HoldState;
use super::ids::IdRecord;
use super::submit::Phase;
use super::{Ledger, NONE, NO_HOLD};

impl Ledger {
    pub(super) fn clear_undo(&mut self) {
        self.undo_daily.clear();
        self.undo_resized.clear();
    }

    /// Takes back a failed chain: its entries (all applied transfers) newest
    /// first, then its daily usage.
    pub(super) fn rollback(&mut self, journal_len: usize) {
        for entry in (journal_len..self.journal.len()).rev() {
            self.reverse_entry(entry);
        }
        debug_assert!(self.undo_resized.is_empty(), "invariant: one saved amount per resize in the chain");
        while let Some(DailyUndo { key, prev }) = self.undo_daily.pop() {
            match prev {
                Some(p) => {
                    self.daily.insert(key, p);
                }
                None => {
                    self.daily.remove(&key);
                }
            }
        }
        self.journal.truncate(journal_len);
        self.entry_links.truncate(journal_len);
    }

    /// The exact inverse of the transfer journaled at `entry`, the newest one not
    /// yet reversed: its columns, its asset's totals, its hold, its id and its
    /// accounts' entry chains. Exact because no column it touched saturated (the
    /// invariants bound every column by its asset's total).
    fn reverse_entry(&mut self, entry: usize) {
        let Some(t) = self.journal.get(entry).and_then(JournalEntry::transfer).map(|r| r.transfer) else {
            debug_assert!(false, "invariant: a chain journals only applied transfers");
            return;
        };
        let [debit_link, credit_link] = self.entry_links.get(entry).copied().unwrap_or([NONE, NONE]);
        let phase = Phase::of(t.flags);
        // A pending transfer's own hold, or the hold a post, void or resize resolved.
        let hold_of = if phase == Phase::Pending { t.id } else { t.pending_id };
        let hold_idx = match self.id_get(hold_of) {
            Some(IdRecord::Applied { hold, .. }) => hold,
            _ => NO_HOLD,
        };
        let (Some(debit), Some(credit)) =
            (self.account_index.get(t.debit_account), self.account_index.get(t.credit_account))
        else {
            return;
        };
        let sub = |x: &mut Amount, a: Amount| *x = x.checked_sub(a).unwrap_or(Amount::ZERO);
        let add = |x: &mut Amount, a: Amount| *x = Amount::from_minor(x.minor().saturating_add(a.minor()));
        let asset = self.accounts.get(debit as usize).map_or(NONE, |x| x.asset_idx);
        let amount = t.amount;
        match phase {
            Phase::Single => self.update_balances(
                (debit, |x| sub(&mut x.debits_posted, amount)),
                (credit, |x| sub(&mut x.credits_posted, amount)),
                (asset, |x| sub(&mut x.posted, amount)),
            ),
            Phase::Pending => {
                self.update_balances(
                    (debit, |x| sub(&mut x.debits_pending, amount)),
                    (credit, |x| sub(&mut x.credits_pending, amount)),
                    (asset, |x| sub(&mut x.pending, amount)),
                );
                // Newer holds were taken back first, so its hold is the last one.
                debug_assert!(hold_idx as usize + 1 == self.holds.len(), "invariant: the newest hold is this one");
                self.close_hold(hold_idx);
                self.holds.pop();
            }
            Phase::Post | Phase::Void | Phase::PostPart => {
                let Some(h) = self.holds.get(hold_idx as usize).copied() else { return };
                // What it took out of the pending columns: the whole hold, or
                // only what a `post_part` settled. What it posted: its amount
                // (a void's is zero).
                let part = phase == Phase::PostPart;
                let (released, posted) = (if part { amount } else { h.amount }, amount);
                self.update_balances(
                    (debit, |x| {
                        add(&mut x.debits_pending, released);
                        sub(&mut x.debits_posted, posted);
                    }),
                    (credit, |x| {
                        add(&mut x.credits_pending, released);
                        sub(&mut x.credits_posted, posted);
                    }),
                    (asset, |x| {
                        add(&mut x.pending, released);
                        sub(&mut x.posted, posted);
                    }),
                );
                if let Some(h) = self.holds.get_mut(hold_idx as usize) {
                    sub(&mut h.posted_amount, posted);
                    if part {
                        add(&mut h.amount, released);
                    } else {
                        h.state = HoldState::Pending;
                        h.resolved_by = TransferId(0);
                    }
                }
                if !part {
                    self.open_hold(hold_idx);
                }
            }
            Phase::Resize => {
                let old = self.undo_resized.pop().unwrap_or(Amount::ZERO);
                let Some(h) = self.holds.get_mut(hold_idx as usize) else { return };
                let new = std::mem::replace(&mut h.amount, old);
                let back = |x: &mut Amount| {
                    add(x, old);
                    sub(x, new);
                };
                self.update_balances(
                    (debit, |x| back(&mut x.debits_pending)),
                    (credit, |x| back(&mut x.credits_pending)),
                    (asset, |x| back(&mut x.pending)),
                );
            }
        }
        if let Some(x) = self.accounts.get_mut(debit as usize) {
            x.last_entry = debit_link;
        }
        if let Some(x) = self.accounts.get_mut(credit as usize) {
            x.last_entry = credit_link;
        }
        self.ids.remove(t.id.0);
    }
}
