//! Replay, snapshot and restore (a snapshot is the config, the journal and the
//! clock, verified against the state hash), and the state hash itself.

use serde::{Deserialize, Serialize};

use crate::hash::Fnv1a;
use crate::journal::{JournalEntry, JournalEvent};
use crate::status::{LedgerError, TransferStatus};
use crate::types::{Amount, Timestamp};

use super::holds::HoldState;
use super::ids::IdRecord;
use super::{Ledger, LedgerConfig, NONE, NO_HOLD};

/// A serializable snapshot: the config, the journal and the clock, plus the
/// state hash to verify the restore against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerSnapshot {
    /// The ledger's config.
    pub config: LedgerConfig,
    /// The whole journal.
    pub journal: Vec<JournalEntry>,
    /// The latest time the ledger had seen.
    pub now: Timestamp,
    /// [`Ledger::state_hash`] when the snapshot was taken.
    pub state_hash: u64,
}

impl Ledger {
    /// Rebuilds a ledger from `config` and a journal, re-executing every
    /// entry and checking that it reproduces the entry exactly.
    ///
    /// # Errors
    /// [`LedgerError::ReplayDiverged`] at the first entry that does not
    /// reproduce; errors of `create_asset`/`create_account` as recorded.
    pub fn replay(config: LedgerConfig, entries: &[JournalEntry]) -> Result<Ledger, LedgerError> {
        let mut ledger = Ledger::new(config);
        for e in entries {
            let diverged = |reason| LedgerError::ReplayDiverged { seq: e.seq, reason };
            if e.seq != ledger.journal.len() as u64 {
                return Err(diverged("sequence gap"));
            }
            if e.timestamp < ledger.now {
                return Err(diverged("timestamp went backwards"));
            }
            match &e.event {
                JournalEvent::AssetCreated(spec) => ledger.create_asset(e.timestamp, spec.clone())?,
                JournalEvent::AccountCreated(spec) => ledger.create_account(e.timestamp, *spec)?,
                JournalEvent::Transfer(rec) => {
                    ledger.now = e.timestamp;
                    let status = ledger.apply_one(e.timestamp, &rec.as_submitted(), false);
                    if status != TransferStatus::Ok {
                        return Err(diverged("transfer did not apply"));
                    }
                }
                JournalEvent::HoldExpired { pending_id, .. } => {
                    ledger.now = e.timestamp;
                    let hold_idx = match ledger.id_get(*pending_id) {
                        Some(IdRecord::Applied { hold, .. }) if hold != NO_HOLD => hold,
                        _ => return Err(diverged("expired hold not found")),
                    };
                    let due = ledger.holds.get(hold_idx as usize).is_some_and(|h| {
                        h.state == HoldState::Pending && h.expires_at.is_some_and(|at| at <= e.timestamp)
                    });
                    if !due {
                        return Err(diverged("hold was not due to expire"));
                    }
                    ledger.expire_hold(hold_idx);
                }
                JournalEvent::TransferRefused { id, status } => {
                    ledger.now = e.timestamp;
                    if ledger.id_get(*id).is_some() || !status.is_remembered() {
                        return Err(diverged("refusal cannot be remembered"));
                    }
                    ledger.id_insert(*id, IdRecord::Refused);
                    ledger.push_entry(e.event.clone(), NONE, NONE);
                }
            }
            if ledger.journal.last() != Some(e) {
                return Err(diverged("entry differs"));
            }
        }
        Ok(ledger)
    }

    /// A serializable snapshot (config, journal, clock, state hash).
    #[must_use]
    pub fn snapshot(&self) -> LedgerSnapshot {
        LedgerSnapshot {
            config: self.config.clone(),
            journal: self.journal.clone(),
            now: self.now,
            state_hash: self.state_hash(),
        }
    }

    /// Restores a snapshot by replaying its journal, then verifies the
    /// state hash.
    ///
    /// # Errors
    /// Those of [`Ledger::replay`], [`LedgerError::TimeWentBackwards`] if the
    /// snapshot's clock is before its last entry, and
    /// [`LedgerError::SnapshotHashMismatch`].
    pub fn restore(snapshot: &LedgerSnapshot) -> Result<Ledger, LedgerError> {
        let mut ledger = Ledger::replay(snapshot.config.clone(), &snapshot.journal)?;
        ledger.advance_clock(snapshot.now)?;
        let actual = ledger.state_hash();
        if actual != snapshot.state_hash {
            return Err(LedgerError::SnapshotHashMismatch { expected: snapshot.state_hash, actual });
        }
        Ok(ledger)
    }

    /// A deterministic FNV-1a hash of the whole state: the policy and limits
    /// of its config, assets, accounts and balances, totals, holds and the
    /// journal (not the bare clock, which a replay can only know up to the last
    /// entry's timestamp). Equal ledgers hash equal across processes and machines.
    #[must_use]
    pub fn state_hash(&self) -> u64 {
        let mut h = Fnv1a::new();
        crate::hash::hash_config(&mut h, &self.config);
        h.u64(self.assets.len() as u64);
        for (spec, totals) in self.assets.iter().zip(&self.asset_totals) {
            h.u32(spec.id.0);
            h.u8(spec.scale);
            h.u128(totals.posted.minor());
            h.u128(totals.pending.minor());
        }
        h.u64(self.accounts.len() as u64);
        for a in &self.accounts {
            h.u64(a.spec.key.owner.0);
            h.u32(a.spec.key.asset.0);
            h.u8(u8::from(a.spec.must_not_go_negative));
            h.u128(a.spec.max_balance.map_or(u128::MAX, Amount::minor));
            h.u128(a.balance.debits_pending.minor());
            h.u128(a.balance.debits_posted.minor());
            h.u128(a.balance.credits_pending.minor());
            h.u128(a.balance.credits_posted.minor());
        }
        h.u64(self.holds.len() as u64);
        for hold in &self.holds {
            h.u128(hold.id.0);
            h.u128(hold.amount.minor());
            h.u8(hold.state.ordinal());
            h.u64(hold.expires_at.map_or(u64::MAX, |t| t.0));
            h.u128(hold.resolved_by.0);
            h.u128(hold.posted_amount.minor());
        }
        h.u64(self.journal.len() as u64);
        for e in &self.journal {
            e.hash_into(&mut h);
        }
        h.finish()
    }
}
