//! The second phase on a hold: post, `post_part` and void settle or release it,
//! resize changes its amount (growth checked like a new hold of the
//! difference). Each validates everything before it mutates.

use crate::status::TransferStatus;
use crate::transfer::Transfer;
use crate::types::{AccountKey, Amount, Timestamp};

use super::create::{balances_take, refuse};
use super::holds::{Hold, HoldState};
use super::ids::IdRecord;
use super::submit::Phase;
use super::{Ledger, NO_HOLD};

impl Ledger {
    /// Post, void or resize: validate everything, then mutate.
    pub(super) fn resolve(&mut self, now: Timestamp, t: &Transfer, phase: Phase, in_chain: bool) -> TransferStatus {
        use TransferStatus as S;
        if t.pending_id.0 == 0 {
            return refuse(S::PendingIdMustNotBeZero);
        }
        if t.pending_id == t.id {
            return refuse(S::PendingIdMustBeDifferent);
        }
        if t.timeout_ns != 0 {
            return refuse(S::TimeoutReservedForPendingTransfer);
        }
        if t.code.0 == 0 {
            return refuse(S::CodeMustNotBeZero);
        }
        if matches!(phase, Phase::Post | Phase::Resize | Phase::PostPart) && t.amount.is_zero() {
            return refuse(S::AmountMustNotBeZero);
        }
        if phase == Phase::Void && !t.amount.is_zero() {
            return refuse(S::VoidAmountMustBeZero);
        }
        let debit_set = !t.debit_account.is_unset();
        let credit_set = !t.credit_account.is_unset();
        if debit_set && credit_set {
            if t.debit_account == t.credit_account {
                return refuse(S::AccountsMustBeDifferent);
            }
            if t.debit_account.asset != t.credit_account.asset {
                return refuse(S::AssetMismatch);
            }
        }
        let hold_idx = match self.id_get(t.pending_id) {
            None | Some(IdRecord::Refused) => return refuse(S::PendingTransferNotFound),
            Some(IdRecord::Applied { hold, .. }) if hold == NO_HOLD => return refuse(S::PendingTransferNotPending),
            Some(IdRecord::Applied { hold, .. }) => hold,
        };
        let Some(hold) = self.holds.get(hold_idx as usize).copied() else {
            return refuse(S::PendingTransferNotFound);
        };
        let (Some(da), Some(ca)) = (self.accounts.get(hold.debit as usize), self.accounts.get(hold.credit as usize))
        else {
            return refuse(S::PendingTransferNotFound);
        };
        if debit_set && t.debit_account != da.spec.key {
            return refuse(S::PendingTransferHasDifferentDebitAccount);
        }
        if credit_set && t.credit_account != ca.spec.key {
            return refuse(S::PendingTransferHasDifferentCreditAccount);
        }
        match hold.state {
            HoldState::Pending => {}
            HoldState::Posted => return refuse(S::PendingTransferAlreadyPosted),
            HoldState::Voided => return refuse(S::PendingTransferAlreadyVoided),
            HoldState::Expired => return refuse(S::PendingTransferExpired),
        }
        let (debit_key, credit_key) = (da.spec.key, ca.spec.key);
        let asset_idx = da.asset_idx;
        if phase == Phase::Resize {
            let grow = t.amount.minor().saturating_sub(hold.amount.minor());
            let growth_ok = if grow > 0 { balances_take(da, ca, grow) } else { Ok(()) };
            let keys = (debit_key, credit_key);
            return self.resize(
                now,
                t,
                (hold_idx, &hold),
                (asset_idx, keys),
                growth_ok,
                (debit_set, credit_set),
                in_chain,
            );
        }
        let part = phase == Phase::PostPart;
        let posted = if matches!(phase, Phase::Post | Phase::PostPart) { t.amount } else { Amount::ZERO };
        // A `post_part` must leave something pending; settling all of it is a post.
        if posted > hold.amount || (part && posted == hold.amount) {
            return refuse(S::PostAmountExceedsPending);
        }
        // What leaves the pending columns: the whole hold, or only what a
        // `post_part` settles.
        let released = if part { posted } else { hold.amount };
        let Some(totals) = self.asset_totals.get(asset_idx as usize).copied() else {
            return refuse(S::AssetNotFound);
        };
        let mut new_totals = totals;
        match totals.posted.checked_add(posted) {
            Some(p) if p <= Amount::MAX => new_totals.posted = p,
            _ => return refuse(S::OverflowPosted),
        }
        new_totals.pending = totals.pending.checked_sub(released).unwrap_or(Amount::ZERO);
        if !self.has_room() {
            return refuse(S::LedgerFull);
        }

        // Mutate.
        let release = |x: &mut Amount| *x = x.checked_sub(released).unwrap_or(Amount::ZERO);
        let post = |x: &mut Amount| *x = Amount::from_minor(x.minor() + posted.minor());
        self.update_balances(
            (hold.debit, |b| {
                release(&mut b.debits_pending);
                post(&mut b.debits_posted);
            }),
            (hold.credit, |b| {
                release(&mut b.credits_pending);
                post(&mut b.credits_posted);
            }),
            (asset_idx, |tot| *tot = new_totals),
        );
        if part {
            // The hold stays open, smaller by what was settled.
            if let Some(h) = self.holds.get_mut(hold_idx as usize) {
                h.amount = Amount::from_minor(h.amount.minor() - posted.minor());
                h.posted_amount = Amount::from_minor(h.posted_amount.minor() + posted.minor());
            }
        } else {
            self.close_hold(hold_idx);
            if let Some(h) = self.holds.get_mut(hold_idx as usize) {
                h.state = if phase == Phase::Post { HoldState::Posted } else { HoldState::Voided };
                h.resolved_by = t.id;
                h.posted_amount = Amount::from_minor(h.posted_amount.minor() + posted.minor());
            }
        }
        let keys = (debit_key, credit_key);
        self.record_applied(t, keys, (!debit_set, !credit_set), hold.debit, hold.credit, NO_HOLD);
        S::Ok
    }

    /// Resize of a pending hold (already found and checked by `resolve`):
    /// growth is checked like a new hold of the difference (funds, max
    /// balance, pending total, daily limits of the resize's code); shrinking
    /// releases the difference. The hold keeps its id, timeout and place.
    /// `growth_ok` is [`balances_take`] of the growth, worked out by the caller
    /// while it had the accounts at hand.
    #[allow(clippy::too_many_arguments)]
    fn resize(
        &mut self,
        now: Timestamp,
        t: &Transfer,
        (hold_idx, hold): (u32, &Hold),
        (asset_idx, (debit_key, credit_key)): (u32, (AccountKey, AccountKey)),
        growth_ok: Result<(), TransferStatus>,
        (debit_set, credit_set): (bool, bool),
        in_chain: bool,
    ) -> TransferStatus {
        use TransferStatus as S;
        let Some(totals) = self.asset_totals.get(asset_idx as usize).copied() else {
            return S::AssetNotFound;
        };
        let (old, new) = (hold.amount.minor(), t.amount.minor());
        let grow = new.saturating_sub(old);
        let shrink = old.saturating_sub(new);
        // The growth as a transfer of its own, for the daily-limit rules.
        let has_daily = grow > 0 && !self.config.policy.daily_limits.is_empty();
        let growth = || Transfer { amount: Amount::from_minor(grow), debit_account: debit_key, ..*t };
        let mut new_totals = totals;
        if grow > 0 {
            if has_daily && self.daily_exceeded(now, &growth(), hold.debit, hold.credit) {
                return S::ExceedsDailyLimit;
            }
            match totals.pending.checked_add(Amount::from_minor(grow)) {
                Some(p) if p <= Amount::MAX => new_totals.pending = p,
                _ => return S::OverflowPending,
            }
            if let Err(status) = growth_ok {
                return status;
            }
        } else {
            new_totals.pending = totals.pending.checked_sub(Amount::from_minor(shrink)).unwrap_or(Amount::ZERO);
        }
        if !self.has_room() {
            return S::LedgerFull;
        }

        // Mutate.
        if in_chain {
            self.undo_resized.push(hold.amount);
        }
        if has_daily {
            self.daily_record(now, &growth(), hold.debit, hold.credit, in_chain);
        }
        // Pending columns are ≤ Amount::MAX and the growth was checked
        // against the asset's pending total, so these cannot overflow.
        let adjust = |x: &mut Amount| *x = Amount::from_minor(x.minor().saturating_add(grow).saturating_sub(shrink));
        self.update_balances(
            (hold.debit, |b| adjust(&mut b.debits_pending)),
            (hold.credit, |b| adjust(&mut b.credits_pending)),
            (asset_idx, |tot| *tot = new_totals),
        );
        if let Some(h) = self.holds.get_mut(hold_idx as usize) {
            h.amount = t.amount;
        }
        let keys = (debit_key, credit_key);
        self.record_applied(t, keys, (!debit_set, !credit_set), hold.debit, hold.credit, NO_HOLD);
        S::Ok
    }
}
