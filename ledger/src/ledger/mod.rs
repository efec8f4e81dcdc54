//! The ledger state machine: assets, accounts, holds, idempotency records
//! and the journal, changed only by [`Ledger::submit`], [`Ledger::on_time`]
//! and the two `create_*` calls, each given the host's time.
//!
//! Invariants kept (and checked by [`Ledger::check_invariants`]):
//! - per asset, posted debits = posted credits = the posted total, pending
//!   debits = pending credits = the pending total, both ≤ [`Amount::MAX`];
//! - no `must_not_go_negative` account has debits (posted + pending) above
//!   its posted credits; no account with a max balance exceeds it;
//! - every open hold is counted once in its accounts' pending columns, in the
//!   open-hold list and (if it has a timeout) in the deadline set;
//! - every id in the idempotency map points at its own journal entry.
//!
//! A linked chain is applied transfer by transfer; if one fails, the chain's
//! journal entries are reversed, newest first, so it leaves no trace (a small
//! log keeps what they do not record: daily usage, a resized hold's old
//! amount). Single transfers validate everything before mutating.
//!
//! One concept per file: asset and account creation (`accounts`), the submit
//! entry points and per-transfer dispatch (`submit`), single-phase and pending
//! transfers (`create`), post, void and resize (`resolve`), daily limits
//! (`daily`), chain rollback (`rollback`), holds (`holds`), idempotency records
//! (`ids`), expiry (`expiry`), queries (`queries`), replay, snapshot and hash
//! (`snapshot`), and the invariant walk (`invariants`).

mod accounts;
mod create;
mod daily;
mod expiry;
mod holds;
mod ids;
mod invariants;
mod queries;
mod resolve;
mod rollback;
mod snapshot;
mod submit;

pub use holds::{HoldState, HoldView};
pub use invariants::InvariantViolation;
pub use snapshot::LedgerSnapshot;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::account::{Account, AssetSpec, AssetTotals};
use crate::account_index::AccountIndex;
use crate::hash::IdMap;
use crate::idtable::IdTable;
use crate::journal::{JournalEntry, JournalEvent};
use crate::policy::Policy;
use crate::prefetch::prefetch_append;
use crate::status::{LedgerError, TransferStatus};
use crate::types::{Amount, AssetId, Timestamp, TransferId};

use self::daily::{DailyUndo, DailyUsage};
use self::holds::Hold;

/// Limits and policy, fixed for the life of a ledger (and of its replays).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerConfig {
    /// Business rules: per-transfer and daily limits.
    pub policy: Policy,
    /// Most assets that may be created.
    pub assets_max: u32,
    /// Most accounts that may be created.
    pub accounts_max: u32,
    /// Most transfer ids (applied or remembered refusals) the ledger will
    /// hold; beyond it transfers get `ledger_full`. At most `u32::MAX`.
    pub transfers_max: u32,
    /// Ids (and journal entries) to reserve room for up front, so that
    /// `submit` does not rehash or reallocate below this size.
    pub transfers_reserve: u32,
    /// Holds (pending transfers) to reserve room for up front.
    pub holds_reserve: u32,
    /// Also touch every page of the reserved memory at creation, so the hot
    /// path never takes a page fault below `transfers_reserve` (static
    /// allocation in the spirit of TigerBeetle). Costs startup time.
    pub prefault: bool,
    /// A hint: the host allocates most transfer ids by counting up from
    /// this id (skipping a few is fine). Those ids are indexed in an array
    /// (8 bytes each, one load per lookup, appends side by side) instead of
    /// the hash table. Any other id still works as before.
    #[serde(default)]
    pub sequential_ids_from: Option<TransferId>,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        Self {
            policy: Policy::default(),
            assets_max: 1 << 16,
            accounts_max: 1 << 24,
            transfers_max: u32::MAX - 1,
            transfers_reserve: 0,
            holds_reserve: 0,
            prefault: false,
            sequential_ids_from: None,
        }
    }
}

// Per-transfer memory is dominated by these; keep them from growing by
// accident (see docs/performance.md for bytes per transfer).
const _: () = assert!(std::mem::size_of::<JournalEntry>() <= 144);
const _: () = assert!(std::mem::size_of::<Hold>() <= 96);

const NO_HOLD: u32 = u32::MAX;
const NONE: u32 = u32::MAX;

/// The wallet ledger. See the crate docs for the contract.
#[derive(Debug, Clone)]
pub struct Ledger {
    config: LedgerConfig,
    now: Timestamp,
    assets: Vec<AssetSpec>,
    asset_totals: Vec<AssetTotals>,
    asset_index: IdMap<AssetId, u32>,
    accounts: Vec<Account>,
    account_index: AccountIndex,
    /// Per journal entry, the previous entry of each account it touches
    /// (debit side, credit side): a singly linked list per account, newest
    /// first, that costs nothing extra on the hot path.
    entry_links: Vec<[u32; 2]>,
    ids: IdTable,
    holds: Vec<Hold>,
    open_holds: Vec<u32>,
    deadlines: BTreeSet<(Timestamp, u32)>,
    daily: BTreeMap<(u32, u16), DailyUsage>,
    journal: Vec<JournalEntry>,
    /// What a failing chain needs beyond its journal entries, in chain order:
    /// daily usage before each write, and each resized hold's amount before the
    /// resize. Balances, totals, holds and ids come back from the entries, so a
    /// chain copies nothing per transfer for the rare case that it fails.
    undo_daily: Vec<DailyUndo>,
    undo_resized: Vec<Amount>,
}

impl Ledger {
    /// An empty ledger.
    #[must_use]
    pub fn new(config: LedgerConfig) -> Self {
        let reserve = config.transfers_reserve as usize;
        let ids = IdTable::with_capacity(reserve, config.sequential_ids_from.map(|id| id.0), config.prefault);
        let mut journal = Vec::with_capacity(reserve);
        let mut entry_links = Vec::with_capacity(reserve);
        let holds_reserve = config.holds_reserve as usize;
        if config.prefault {
            // Writing within the reserved capacity never reallocates; the
            // writes fault the pages in, `clear` keeps them.
            journal.resize(
                reserve,
                JournalEntry {
                    seq: 0,
                    timestamp: Timestamp(0),
                    event: JournalEvent::TransferRefused { id: TransferId(0), status: TransferStatus::LedgerFull },
                },
            );
            journal.clear();
            entry_links.resize(reserve, [NONE, NONE]);
            entry_links.clear();
        }
        let mut holds = Vec::with_capacity(holds_reserve);
        if config.prefault {
            holds.resize(
                holds_reserve,
                Hold {
                    id: TransferId(0),
                    debit: NONE,
                    credit: NONE,
                    amount: Amount::ZERO,
                    expires_at: None,
                    state: HoldState::Pending,
                    open_pos: 0,
                    resolved_by: TransferId(0),
                    posted_amount: Amount::ZERO,
                },
            );
            holds.clear();
        }
        Self {
            config,
            now: Timestamp(0),
            assets: Vec::new(),
            asset_totals: Vec::new(),
            asset_index: IdMap::default(),
            accounts: Vec::new(),
            account_index: AccountIndex::default(),
            entry_links,
            ids,
            holds,
            open_holds: Vec::new(),
            deadlines: BTreeSet::new(),
            daily: BTreeMap::new(),
            journal,
            undo_daily: Vec::new(),
            undo_resized: Vec::new(),
        }
    }

    /// The config the ledger was created with.
    #[must_use]
    pub fn config(&self) -> &LedgerConfig {
        &self.config
    }

    /// The latest time passed in.
    #[must_use]
    pub fn now(&self) -> Timestamp {
        self.now
    }

    fn advance_clock(&mut self, now: Timestamp) -> Result<(), LedgerError> {
        if now < self.now {
            return Err(LedgerError::TimeWentBackwards { now, last: self.now });
        }
        self.now = now;
        Ok(())
    }

    /// Appends an entry touching up to two accounts (`NONE` for none) and
    /// threads it onto their entry chains.
    fn push_entry(&mut self, event: JournalEvent, first: u32, second: u32) -> u32 {
        let seq = self.journal.len();
        // Capacity checks keep the journal below u32::MAX entries.
        let entry = u32::try_from(seq).unwrap_or(NONE);
        prefetch_append(&self.journal);
        self.journal.push(JournalEntry { seq: seq as u64, timestamp: self.now, event });
        self.link_entry(entry, first, second);
        entry
    }

    /// Threads journal entry `entry` onto the entry chains of up to two
    /// accounts (`NONE` for none).
    #[inline(always)]
    fn link_entry(&mut self, entry: u32, first: u32, second: u32) {
        let mut links = [NONE, NONE];
        for (link, account) in links.iter_mut().zip([first, second]) {
            if let Some(a) = self.accounts.get_mut(account as usize) {
                *link = a.last_entry;
                a.last_entry = entry;
            }
        }
        self.entry_links.push(links);
    }

    fn journal_has_room(&self) -> bool {
        self.journal.len() < (u32::MAX - 1) as usize
    }
}
