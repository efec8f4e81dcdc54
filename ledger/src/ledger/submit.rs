//! The entry points that apply transfers — a batch ([`Ledger::submit`]), one
//! linked chain ([`Ledger::submit_chain`]), one transfer
//! ([`Ledger::submit_one`]) — and the per-transfer dispatch: id and flag
//! checks, the idempotency lookup, then the transfer's phase. A remembered
//! refusal outside a chain is journaled here.

use crate::journal::JournalEvent;
use crate::status::{LedgerError, TransferResult, TransferStatus};
use crate::transfer::{Transfer, TransferFlags};
use crate::types::Timestamp;

use super::create::refuse;
use super::ids::IdRecord;
use super::{Ledger, NONE};

/// The flags that name a transfer's phase; at most one may be set.
const PHASE_MASK: u16 = TransferFlags::PENDING.0
    | TransferFlags::POST_PENDING.0
    | TransferFlags::VOID_PENDING.0
    | TransferFlags::RESIZE_PENDING.0
    | TransferFlags::POST_PART.0;

/// Which kind of transfer: single-phase, a new hold, or a second phase on one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Single,
    Pending,
    Post,
    Void,
    Resize,
    PostPart,
}

impl Phase {
    /// The phase a transfer's flags name (at most one of them is set).
    pub(super) fn of(flags: TransferFlags) -> Self {
        if flags.contains(TransferFlags::PENDING) {
            Phase::Pending
        } else if flags.contains(TransferFlags::POST_PENDING) {
            Phase::Post
        } else if flags.contains(TransferFlags::VOID_PENDING) {
            Phase::Void
        } else if flags.contains(TransferFlags::RESIZE_PENDING) {
            Phase::Resize
        } else if flags.contains(TransferFlags::POST_PART) {
            Phase::PostPart
        } else {
            Phase::Single
        }
    }
}

impl Ledger {
    /// Applies a batch of transfers at time `now`, in order, and writes one
    /// result per transfer into `out` (cleared first), in batch order.
    ///
    /// Holds whose deadline is ≤ `now` are expired first (journaled), so a
    /// post or void of such a hold gets `pending_transfer_expired`.
    /// Transfers flagged `linked` form a chain with the next transfer; a
    /// chain is all-or-nothing. A refused transfer changes nothing (except
    /// that a remembered refusal outside a chain records its id).
    ///
    /// # Errors
    /// [`LedgerError::TimeWentBackwards`] if `now` is earlier than a time
    /// already seen; then nothing is applied and `out` is empty.
    pub fn submit(
        &mut self,
        now: Timestamp,
        batch: &[Transfer],
        out: &mut Vec<TransferResult>,
    ) -> Result<(), LedgerError> {
        out.clear();
        self.advance_clock(now)?;
        self.expire_due(now, None);
        out.reserve(batch.len());
        let mut start = 0;
        while start < batch.len() {
            let Some(first) = batch.get(start) else { break };
            if !first.is_linked() {
                let status = self.apply_one(now, first, false);
                out.push(TransferResult { id: first.id, status });
                start += 1;
                continue;
            }
            // A chain runs to the first transfer without `linked`, or to the
            // end of the batch (then it is open and fails as a whole).
            let mut end = start;
            while batch.get(end).is_some_and(Transfer::is_linked) {
                end += 1;
            }
            let chain_open = end >= batch.len();
            let chain = if chain_open { batch.get(start..) } else { batch.get(start..=end) }.unwrap_or(&[]);
            self.apply_chain(now, chain, chain_open, out);
            start += chain.len();
        }
        Ok(())
    }

    /// [`Ledger::submit`] of `chain`, returning only the first status that is
    /// not ok among the results it would write (ok if there is none), without
    /// an output vector: for a caller that only needs to know whether a linked
    /// chain applied, and if not, why.
    ///
    /// Fast when `chain` is exactly one linked chain (every transfer but the
    /// last flagged `linked`, the last not); any other batch is applied as
    /// `submit` applies it, through a results vector of its own. As in `submit`,
    /// a failed chain reports the refused transfer's status if it is the first
    /// transfer, else `linked_event_failed`.
    ///
    /// # Errors
    /// [`LedgerError::TimeWentBackwards`]; nothing is applied then.
    pub fn submit_chain(&mut self, now: Timestamp, chain: &[Transfer]) -> Result<TransferStatus, LedgerError> {
        let one_chain = match chain.split_last() {
            Some((last, init)) => !init.is_empty() && !last.is_linked() && init.iter().all(Transfer::is_linked),
            None => false,
        };
        if !one_chain {
            return self.submit_chain_slow(now, chain);
        }
        self.advance_clock(now)?;
        self.expire_due(now, None);
        let mut first = TransferStatus::Ok;
        let failed = self.run_chain(now, chain, |_, status| {
            if first == TransferStatus::Ok {
                first = status;
            }
        });
        Ok(match failed {
            Some(0) | None => first,
            Some(_) => TransferStatus::LinkedEventFailed,
        })
    }

    /// Applies a closed linked chain, calling `each` with every transfer's
    /// status as it is applied; at the first refusal takes the whole chain
    /// back and returns the refused transfer's index.
    #[inline(always)]
    fn run_chain(
        &mut self,
        now: Timestamp,
        chain: &[Transfer],
        mut each: impl FnMut(&Transfer, TransferStatus),
    ) -> Option<usize> {
        self.clear_undo();
        let journal_len = self.journal.len();
        for (i, t) in chain.iter().enumerate() {
            let status = self.apply_one(now, t, true);
            each(t, status);
            if !status.is_success() {
                self.rollback(journal_len);
                return Some(i);
            }
        }
        self.clear_undo();
        None
    }

    #[cold]
    #[inline(never)]
    fn submit_chain_slow(&mut self, now: Timestamp, batch: &[Transfer]) -> Result<TransferStatus, LedgerError> {
        let mut out = Vec::new();
        self.submit(now, batch, &mut out)?;
        Ok(out.iter().map(|r| r.status).find(|s| *s != TransferStatus::Ok).unwrap_or(TransferStatus::Ok))
    }

    /// [`Ledger::submit`] for a batch of one, without an output vector: for
    /// deposits, withdrawals and single holds. A transfer flagged `linked`
    /// gets `linked_event_chain_open`.
    ///
    /// # Errors
    /// [`LedgerError::TimeWentBackwards`]; nothing is applied then.
    pub fn submit_one(&mut self, now: Timestamp, transfer: &Transfer) -> Result<TransferStatus, LedgerError> {
        self.advance_clock(now)?;
        self.expire_due(now, None);
        if transfer.is_linked() {
            return Ok(TransferStatus::LinkedEventChainOpen);
        }
        Ok(self.apply_one(now, transfer, false))
    }

    fn apply_chain(&mut self, now: Timestamp, chain: &[Transfer], chain_open: bool, out: &mut Vec<TransferResult>) {
        let base = out.len();
        if chain_open {
            for (i, t) in chain.iter().enumerate() {
                let status = if i + 1 == chain.len() {
                    TransferStatus::LinkedEventChainOpen
                } else {
                    TransferStatus::LinkedEventFailed
                };
                out.push(TransferResult { id: t.id, status });
            }
            return;
        }
        let Some(failed_at) = self.run_chain(now, chain, |t, status| out.push(TransferResult { id: t.id, status }))
        else {
            return;
        };
        for (i, t) in chain.iter().enumerate() {
            if i == failed_at {
                continue;
            }
            let result = TransferResult { id: t.id, status: TransferStatus::LinkedEventFailed };
            match out.get_mut(base + i) {
                Some(slot) => *slot = result,
                None => out.push(result),
            }
        }
    }

    pub(super) fn apply_one(&mut self, now: Timestamp, t: &Transfer, in_chain: bool) -> TransferStatus {
        if t.id.0 == 0 {
            return refuse(TransferStatus::IdMustNotBeZero);
        }
        // More than one phase bit set: clearing the lowest one leaves some.
        // A bit trick, not a count over the four flags (~10 Ir per transfer).
        let phase_bits = t.flags.0 & PHASE_MASK;
        if phase_bits & phase_bits.wrapping_sub(1) != 0 {
            return refuse(TransferStatus::FlagsAreMutuallyExclusive);
        }
        let phase = Phase::of(t.flags);
        if let Some(record) = self.id_get(t.id) {
            return match record {
                IdRecord::Applied { entry, .. } => self.compare_existing(entry, t),
                IdRecord::Refused => TransferStatus::IdAlreadyFailed,
            };
        }
        let status = match phase {
            Phase::Single | Phase::Pending => self.create(now, t, phase, in_chain),
            Phase::Post | Phase::Void | Phase::Resize | Phase::PostPart => self.resolve(now, t, phase, in_chain),
        };
        if status.is_remembered() && !in_chain && self.has_room() {
            self.id_insert(t.id, IdRecord::Refused);
            self.push_entry(JournalEvent::TransferRefused { id: t.id, status }, NONE, NONE);
        }
        status
    }
}
