//! [`Ledger::check_invariants`]: a walk over the whole state that checks every
//! invariant listed in the module docs of `ledger`.

use crate::journal::JournalEvent;
use crate::types::Amount;

use super::holds::HoldState;
use super::ids::IdRecord;
use super::Ledger;

/// A broken invariant, found by [`Ledger::check_invariants`]. Never expected;
/// seeing one is a bug in this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ledger invariant violated: {what}")]
pub struct InvariantViolation {
    /// What was found.
    pub what: String,
}

impl InvariantViolation {
    /// A stable, machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        "invariant_violated"
    }
}

fn violation(what: impl Into<String>) -> InvariantViolation {
    InvariantViolation { what: what.into() }
}

impl Ledger {
    /// Walks the whole state and checks every invariant listed in the module
    /// docs.
    ///
    /// # Errors
    /// [`InvariantViolation`] naming the first broken invariant.
    pub fn check_invariants(&self) -> Result<(), InvariantViolation> {
        let n_assets = self.assets.len();
        if self.asset_totals.len() != n_assets || self.asset_index.len() != n_assets {
            return Err(violation("asset tables differ in length"));
        }
        let mut sums = vec![[0u128; 4]; n_assets];
        let mut counts = vec![0u32; n_assets];
        if self.account_index.len() != self.accounts.len() || self.entry_links.len() != self.journal.len() {
            return Err(violation("account tables differ in length"));
        }
        for (i, a) in self.accounts.iter().enumerate() {
            let key = a.spec.key;
            if self.account_index.get(key).map(|x| x as usize) != Some(i) {
                return Err(violation(format!("account {key:?} not indexed")));
            }
            let Some(&ai) = self.asset_index.get(&key.asset) else {
                return Err(violation(format!("account {key:?} has no asset")));
            };
            if a.asset_idx != ai {
                return Err(violation(format!("account {key:?} points at asset index {} not {ai}", a.asset_idx)));
            }
            let b = a.balance;
            let Some(s) = sums.get_mut(ai as usize) else {
                return Err(violation("asset index out of range"));
            };
            let cols = [b.debits_posted, b.credits_posted, b.debits_pending, b.credits_pending];
            for (sum, col) in s.iter_mut().zip(cols) {
                *sum = sum.checked_add(col.minor()).ok_or_else(|| violation("column sum overflows"))?;
            }
            if let Some(c) = counts.get_mut(ai as usize) {
                *c += 1;
            }
            if a.spec.must_not_go_negative
                && b.debits_posted.minor() + b.debits_pending.minor() > b.credits_posted.minor()
            {
                return Err(violation(format!("account {key:?} went negative: {b:?}")));
            }
            if let Some(max) = a.spec.max_balance {
                if b.credits_posted.minor() + b.credits_pending.minor() > b.debits_posted.minor() + max.minor() {
                    return Err(violation(format!("account {key:?} exceeds max balance")));
                }
            }
        }
        for (i, (spec, totals)) in self.assets.iter().zip(&self.asset_totals).enumerate() {
            let (Some(s), Some(c)) = (sums.get(i), counts.get(i)) else {
                return Err(violation("asset index out of range"));
            };
            let [dpo, cpo, dpe, cpe] = *s;
            if dpo != cpo || dpo != totals.posted.minor() {
                return Err(violation(format!(
                    "asset {:?}: posted debits {dpo} / credits {cpo} / total {}",
                    spec.id, totals.posted
                )));
            }
            if dpe != cpe || dpe != totals.pending.minor() {
                return Err(violation(format!(
                    "asset {:?}: pending debits {dpe} / credits {cpe} / total {}",
                    spec.id, totals.pending
                )));
            }
            if totals.posted > Amount::MAX || totals.pending > Amount::MAX {
                return Err(violation("asset total above Amount::MAX"));
            }
            if *c != totals.accounts {
                return Err(violation("asset account count wrong"));
            }
        }
        // Holds: each pending hold counted once in its accounts' pending
        // columns, the open list and the deadline set.
        let mut pending_debits = vec![0u128; self.accounts.len()];
        let mut pending_credits = vec![0u128; self.accounts.len()];
        let mut open = 0usize;
        let mut with_deadline = 0usize;
        for (i, h) in self.holds.iter().enumerate() {
            let idx = u32::try_from(i).map_err(|_| violation("too many holds"))?;
            match self.id_get(h.id) {
                Some(IdRecord::Applied { hold, .. }) if hold == idx => {}
                _ => return Err(violation(format!("hold {:?} not indexed", h.id))),
            }
            if h.state != HoldState::Pending {
                continue;
            }
            open += 1;
            if self.open_holds.get(h.open_pos as usize) != Some(&idx) {
                return Err(violation(format!("hold {:?} missing from open list", h.id)));
            }
            if let Some(at) = h.expires_at {
                with_deadline += 1;
                if !self.deadlines.contains(&(at, idx)) {
                    return Err(violation(format!("hold {:?} missing its deadline", h.id)));
                }
            }
            for (list, account) in [(&mut pending_debits, h.debit), (&mut pending_credits, h.credit)] {
                let Some(slot) = list.get_mut(account as usize) else {
                    return Err(violation("hold account out of range"));
                };
                *slot += h.amount.minor();
            }
        }
        if open != self.open_holds.len() || with_deadline != self.deadlines.len() {
            return Err(violation("open hold list or deadline set has extra entries"));
        }
        for (i, a) in self.accounts.iter().enumerate() {
            if pending_debits.get(i).copied() != Some(a.balance.debits_pending.minor())
                || pending_credits.get(i).copied() != Some(a.balance.credits_pending.minor())
            {
                return Err(violation(format!("account {:?}: pending columns differ from open holds", a.spec.key)));
            }
        }
        // Idempotency map ↔ journal.
        let mut recorded = 0usize;
        for (i, e) in self.journal.iter().enumerate() {
            if e.seq != i as u64 {
                return Err(violation("journal sequence gap"));
            }
            match &e.event {
                JournalEvent::Transfer(rec) => match self.id_get(rec.transfer.id) {
                    Some(IdRecord::Applied { entry, .. }) if entry as usize == i => {}
                    _ => return Err(violation("transfer not indexed to its entry")),
                },
                JournalEvent::TransferRefused { id, .. } => {
                    if self.id_get(*id) != Some(IdRecord::Refused) {
                        return Err(violation("refusal not indexed"));
                    }
                }
                _ => continue,
            }
            recorded += 1;
        }
        if recorded != self.ids.len() {
            return Err(violation("idempotency map has ids without journal entries"));
        }
        Ok(())
    }
}
