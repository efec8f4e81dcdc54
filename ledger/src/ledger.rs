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

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::account::{Account, AccountBalance, AccountSpec, AssetSpec, AssetTotals};
use crate::account_index::AccountIndex;
use crate::hash::{Fnv1a, IdMap};
use crate::idtable::IdTable;
use crate::journal::{JournalEntry, JournalEvent, TransferRecord};
use crate::policy::{LimitSide, Policy};
use crate::prefetch::prefetch_append;
use crate::status::{LedgerError, TransferResult, TransferStatus};
use crate::transfer::{Transfer, TransferFlags};
use crate::types::{AccountKey, Amount, AssetId, Timestamp, TransferId, ASSET_SCALE_MAX};

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

/// Where a hold is in its life. A hold leaves `Pending` at most once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HoldState {
    /// Reserved; counted in the pending columns.
    Pending,
    /// Settled (fully or partially) by a post; the remainder was released.
    Posted,
    /// Released by a void.
    Voided,
    /// Released by its timeout.
    Expired,
}

impl HoldState {
    fn ordinal(self) -> u8 {
        match self {
            Self::Pending => 0,
            Self::Posted => 1,
            Self::Voided => 2,
            Self::Expired => 3,
        }
    }
}

/// A hold (pending transfer) as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hold {
    id: TransferId,
    debit: u32,
    credit: u32,
    amount: Amount,
    /// `None`: never expires.
    expires_at: Option<Timestamp>,
    state: HoldState,
    /// Position in `open_holds` while pending.
    open_pos: u32,
    /// The post or void that resolved it (0 otherwise).
    resolved_by: TransferId,
    /// Amount settled by its posts (`post_part`s included).
    posted_amount: Amount,
}

/// A read-only view of a hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldView {
    /// The pending transfer's id.
    pub id: TransferId,
    /// Account whose funds are held.
    pub debit_account: AccountKey,
    /// Account the funds are held for.
    pub credit_account: AccountKey,
    /// The amount reserved: as made, then as set by resizes and reduced by
    /// `post_part`s. While pending, what is still held.
    pub amount: Amount,
    /// When it expires, if ever.
    pub expires_at: Option<Timestamp>,
    /// Where it is in its life.
    pub state: HoldState,
    /// The post or void that resolved it, if any.
    pub resolved_by: Option<TransferId>,
    /// The amount its posts settled so far: `post_part`s and the final post.
    pub posted_amount: Amount,
}

impl HoldView {
    /// The amount still reserved: the full amount while pending, else zero.
    #[must_use]
    pub fn pending_amount(&self) -> Amount {
        if self.state == HoldState::Pending {
            self.amount
        } else {
            Amount::ZERO
        }
    }
}

// Per-transfer memory is dominated by these; keep them from growing by
// accident (see docs/performance.md for bytes per transfer).
const _: () = assert!(std::mem::size_of::<JournalEntry>() <= 144);
const _: () = assert!(std::mem::size_of::<Hold>() <= 96);

const NO_HOLD: u32 = u32::MAX;
const NONE: u32 = u32::MAX;

/// What the idempotency map knows about an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdRecord {
    /// Applied: its journal entry, and its hold if it is a pending transfer.
    Applied { entry: u32, hold: u32 },
    /// Refused with a remembered status.
    Refused,
}

/// An [`IdRecord`] packed into 8 bytes: journal entry in the low half, hold
/// in the high half; all ones means refused (no entry can be `u32::MAX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IdSlot(u64);

impl IdSlot {
    const REFUSED: IdSlot = IdSlot(u64::MAX);

    #[inline]
    fn pack(record: IdRecord) -> Self {
        match record {
            IdRecord::Applied { entry, hold } => IdSlot(u64::from(entry) | (u64::from(hold) << 32)),
            IdRecord::Refused => Self::REFUSED,
        }
    }

    #[inline]
    fn unpack(self) -> IdRecord {
        if self == Self::REFUSED {
            IdRecord::Refused
        } else {
            #[allow(clippy::cast_possible_truncation)]
            IdRecord::Applied { entry: self.0 as u32, hold: (self.0 >> 32) as u32 }
        }
    }
}

/// Whether `amount` more can move from `da` to `ca`: the debit side's funds
/// (if it must not go negative), then the credit side's max balance.
#[inline(always)]
fn balances_take(da: &Account, ca: &Account, amount: u128) -> Result<(), TransferStatus> {
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
fn refuse(status: TransferStatus) -> TransferStatus {
    status
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct DailyUsage {
    day: u64,
    used: Amount,
}

/// Daily usage before a write inside a chain, to restore if the chain fails.
#[derive(Debug, Clone, Copy)]
struct DailyUndo {
    key: (u32, u16),
    prev: Option<DailyUsage>,
}

/// The flags that name a transfer's phase; at most one may be set.
const PHASE_MASK: u16 = TransferFlags::PENDING.0
    | TransferFlags::POST_PENDING.0
    | TransferFlags::VOID_PENDING.0
    | TransferFlags::RESIZE_PENDING.0
    | TransferFlags::POST_PART.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Single,
    Pending,
    Post,
    Void,
    Resize,
    PostPart,
}

impl Phase {
    /// The phase a transfer's flags name (at most one of them is set).
    fn of(flags: TransferFlags) -> Self {
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

    /// Creates an asset.
    ///
    /// # Errors
    /// [`LedgerError::TimeWentBackwards`], [`LedgerError::AssetIdMustNotBeZero`],
    /// [`LedgerError::AssetScaleTooLarge`], [`LedgerError::AssetExists`],
    /// [`LedgerError::AssetsMaxReached`]. The ledger is unchanged on error.
    pub fn create_asset(&mut self, now: Timestamp, spec: AssetSpec) -> Result<(), LedgerError> {
        if now < self.now {
            return Err(LedgerError::TimeWentBackwards { now, last: self.now });
        }
        if spec.id.0 == 0 {
            return Err(LedgerError::AssetIdMustNotBeZero);
        }
        if spec.scale > ASSET_SCALE_MAX {
            return Err(LedgerError::AssetScaleTooLarge { scale: spec.scale });
        }
        if self.asset_index.contains_key(&spec.id) {
            return Err(LedgerError::AssetExists { asset: spec.id });
        }
        let assets_max = self.config.assets_max;
        if self.assets.len() >= assets_max as usize || !self.journal_has_room() {
            return Err(LedgerError::AssetsMaxReached { assets_max });
        }
        self.advance_clock(now)?;
        let idx = u32::try_from(self.assets.len()).map_err(|_| LedgerError::AssetsMaxReached { assets_max })?;
        self.asset_index.insert(spec.id, idx);
        self.assets.push(spec.clone());
        self.asset_totals.push(AssetTotals::default());
        self.push_entry(JournalEvent::AssetCreated(spec), NONE, NONE);
        Ok(())
    }

    /// Creates an account.
    ///
    /// # Errors
    /// [`LedgerError::TimeWentBackwards`], [`LedgerError::AssetNotFound`],
    /// [`LedgerError::AccountExists`], [`LedgerError::MaxBalanceOverflow`],
    /// [`LedgerError::AccountsMaxReached`]. The ledger is unchanged on error.
    ///
    /// A wallet (`must_not_go_negative`) created without a `max_balance`
    /// gets the policy's wallet limit for its asset, if any; the journal
    /// records the effective spec.
    pub fn create_account(&mut self, now: Timestamp, mut spec: AccountSpec) -> Result<(), LedgerError> {
        if spec.must_not_go_negative && spec.max_balance.is_none() {
            spec.max_balance = self.config.policy.wallet_limit(spec.key.asset);
        }
        if now < self.now {
            return Err(LedgerError::TimeWentBackwards { now, last: self.now });
        }
        let Some(&asset_idx) = self.asset_index.get(&spec.key.asset) else {
            return Err(LedgerError::AssetNotFound { asset: spec.key.asset });
        };
        if self.account_index.contains(spec.key) {
            return Err(LedgerError::AccountExists { key: spec.key });
        }
        if let Some(max) = spec.max_balance {
            if max > Amount::MAX {
                return Err(LedgerError::MaxBalanceOverflow { max_balance: max.minor() });
            }
        }
        let accounts_max = self.config.accounts_max;
        if self.accounts.len() >= accounts_max as usize || !self.journal_has_room() {
            return Err(LedgerError::AccountsMaxReached { accounts_max });
        }
        self.advance_clock(now)?;
        let idx = u32::try_from(self.accounts.len()).map_err(|_| LedgerError::AccountsMaxReached { accounts_max })?;
        self.account_index.insert(spec.key, idx);
        self.accounts.push(Account { spec, balance: AccountBalance::default(), last_entry: NONE, asset_idx });
        if let Some(t) = self.asset_totals.get_mut(asset_idx as usize) {
            t.accounts = t.accounts.saturating_add(1);
        }
        self.push_entry(JournalEvent::AccountCreated(spec), idx, NONE);
        Ok(())
    }

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

    fn clear_undo(&mut self) {
        self.undo_daily.clear();
        self.undo_resized.clear();
    }

    /// Takes back a failed chain: its entries (all applied transfers) newest
    /// first, then its daily usage.
    fn rollback(&mut self, journal_len: usize) {
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

    // `open_hold` and `close_hold` are inlined on the transfer path; the
    // deadline set (holds with a timeout only) is kept out of line.

    /// Adds a pending hold to the open list and deadline set.
    #[inline(always)]
    fn open_hold(&mut self, hold: u32) {
        let pos = u32::try_from(self.open_holds.len()).unwrap_or(u32::MAX);
        self.open_holds.push(hold);
        if let Some(h) = self.holds.get_mut(hold as usize) {
            h.open_pos = pos;
            if let Some(at) = h.expires_at {
                self.add_deadline(at, hold);
            }
        }
    }

    #[inline(never)]
    fn add_deadline(&mut self, at: Timestamp, hold: u32) {
        self.deadlines.insert((at, hold));
    }

    #[inline(never)]
    fn remove_deadline(&mut self, at: Timestamp, hold: u32) {
        self.deadlines.remove(&(at, hold));
    }

    /// Removes a hold from the open list and deadline set.
    #[inline(always)]
    fn close_hold(&mut self, hold: u32) {
        let Some(h) = self.holds.get(hold as usize) else {
            return;
        };
        let (expires_at, open_pos) = (h.expires_at, h.open_pos);
        if let Some(at) = expires_at {
            self.remove_deadline(at, hold);
        }
        let pos = open_pos as usize;
        if pos < self.open_holds.len() {
            self.open_holds.swap_remove(pos);
            if let Some(&moved) = self.open_holds.get(pos) {
                if let Some(m) = self.holds.get_mut(moved as usize) {
                    m.open_pos = open_pos;
                }
            }
        }
    }

    fn apply_one(&mut self, now: Timestamp, t: &Transfer, in_chain: bool) -> TransferStatus {
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

    #[inline]
    fn id_get(&self, id: TransferId) -> Option<IdRecord> {
        self.ids.get(id.0).map(|v| IdSlot(v).unpack())
    }

    #[inline]
    fn id_insert(&mut self, id: TransferId, record: IdRecord) {
        self.ids.insert(id.0, IdSlot::pack(record).0);
    }

    fn has_room(&self) -> bool {
        self.ids.len() < self.config.transfers_max as usize && self.journal_has_room()
    }

    fn compare_existing(&self, entry: u32, t: &Transfer) -> TransferStatus {
        let Some(rec) = self.journal.get(entry as usize).and_then(JournalEntry::transfer) else {
            return refuse(TransferStatus::IdAlreadyFailed);
        };
        let old = rec.as_submitted();
        if old.flags != t.flags {
            TransferStatus::ExistsWithDifferentFlags
        } else if old.pending_id != t.pending_id {
            TransferStatus::ExistsWithDifferentPendingId
        } else if old.timeout_ns != t.timeout_ns {
            TransferStatus::ExistsWithDifferentTimeout
        } else if old.debit_account != t.debit_account {
            TransferStatus::ExistsWithDifferentDebitAccount
        } else if old.credit_account != t.credit_account {
            TransferStatus::ExistsWithDifferentCreditAccount
        } else if old.amount != t.amount {
            TransferStatus::ExistsWithDifferentAmount
        } else if old.user_data != t.user_data {
            TransferStatus::ExistsWithDifferentUserData
        } else if old.code != t.code {
            TransferStatus::ExistsWithDifferentCode
        } else {
            TransferStatus::Exists
        }
    }

    /// Single-phase or pending: validate everything, then mutate.
    fn create(&mut self, now: Timestamp, t: &Transfer, phase: Phase, in_chain: bool) -> TransferStatus {
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
    fn record_applied(
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

    fn daily_key_account(side: LimitSide, debit: u32, credit: u32) -> u32 {
        match side {
            LimitSide::Debit => debit,
            LimitSide::Credit => credit,
        }
    }

    fn daily_exceeded(&self, now: Timestamp, t: &Transfer, debit: u32, credit: u32) -> bool {
        let day = now.day();
        for (rule_idx, rule) in self.config.policy.daily_limits.iter().enumerate() {
            if rule.code != t.code || rule.asset != t.debit_account.asset {
                continue;
            }
            let account = Self::daily_key_account(rule.side, debit, credit);
            let key = (account, u16::try_from(rule_idx).unwrap_or(u16::MAX));
            let used = match self.daily.get(&key) {
                Some(u) if u.day == day => u.used,
                _ => Amount::ZERO,
            };
            match used.checked_add(t.amount) {
                Some(total) if total <= rule.max_per_day => {}
                _ => return true,
            }
        }
        false
    }

    fn daily_record(&mut self, now: Timestamp, t: &Transfer, debit: u32, credit: u32, in_chain: bool) {
        let day = now.day();
        for (rule_idx, rule) in self.config.policy.daily_limits.iter().enumerate() {
            if rule.code != t.code || rule.asset != t.debit_account.asset {
                continue;
            }
            let account = Self::daily_key_account(rule.side, debit, credit);
            let key = (account, u16::try_from(rule_idx).unwrap_or(u16::MAX));
            let prev = self.daily.get(&key).copied();
            let used = match prev {
                Some(u) if u.day == day => u.used,
                _ => Amount::ZERO,
            };
            // Checked by `daily_exceeded` just before.
            let used = used.checked_add(t.amount).unwrap_or(Amount::MAX);
            self.daily.insert(key, DailyUsage { day, used });
            if in_chain {
                self.undo_daily.push(DailyUndo { key, prev });
            }
        }
    }

    /// Post, void or resize: validate everything, then mutate.
    fn resolve(&mut self, now: Timestamp, t: &Transfer, phase: Phase, in_chain: bool) -> TransferStatus {
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

    /// Applies a transfer's effect, or its reversal when a failed chain is taken
    /// back, to its two accounts and its asset's totals. In place and inlined: a new balance built by value and passed
    /// in went through the stack as two-qword stores read back as 16-byte loads,
    /// a store-forwarding stall per column.
    #[inline(always)]
    fn update_balances(
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

    /// Expires every pending hold whose deadline is ≤ `now`, in deadline
    /// order (ties by creation order).
    fn expire_due(&mut self, now: Timestamp, mut expired: Option<&mut Vec<TransferId>>) {
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

    fn expire_hold(&mut self, hold_idx: u32) {
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

    // ---- queries ----

    /// An asset's spec.
    #[must_use]
    pub fn asset(&self, asset: AssetId) -> Option<&AssetSpec> {
        self.asset_index.get(&asset).and_then(|i| self.assets.get(*i as usize))
    }

    /// An account's spec.
    #[must_use]
    pub fn account(&self, key: AccountKey) -> Option<&AccountSpec> {
        self.account_index.get(key).and_then(|i| self.accounts.get(i as usize)).map(|a| &a.spec)
    }

    /// An account's balance columns.
    #[must_use]
    pub fn balance(&self, key: AccountKey) -> Option<AccountBalance> {
        self.account_index.get(key).and_then(|i| self.accounts.get(i as usize)).map(|a| a.balance)
    }

    fn hold_view(&self, h: &Hold) -> HoldView {
        let key = |i: u32| self.accounts.get(i as usize).map_or(AccountKey::UNSET, |a| a.spec.key);
        HoldView {
            id: h.id,
            debit_account: key(h.debit),
            credit_account: key(h.credit),
            amount: h.amount,
            expires_at: h.expires_at,
            state: h.state,
            resolved_by: (h.resolved_by.0 != 0).then_some(h.resolved_by),
            posted_amount: h.posted_amount,
        }
    }

    /// The hold created by pending transfer `id`, in whatever state.
    #[must_use]
    pub fn hold(&self, id: TransferId) -> Option<HoldView> {
        self.hold_record(id).map(|h| self.hold_view(h))
    }

    /// The amount still reserved by hold `id` (zero once resolved; `None` if
    /// `id` is not a pending transfer).
    #[must_use]
    pub fn pending_amount(&self, id: TransferId) -> Option<Amount> {
        self.hold_record(id).map(|h| if h.state == HoldState::Pending { h.amount } else { Amount::ZERO })
    }

    /// The amount of hold `id` in whatever state (what a void released; `None`
    /// if `id` is not a pending transfer): [`Ledger::hold`]'s `amount` without
    /// building the whole view.
    #[must_use]
    pub fn hold_amount(&self, id: TransferId) -> Option<Amount> {
        self.hold_record(id).map(|h| h.amount)
    }

    fn hold_record(&self, id: TransferId) -> Option<&Hold> {
        match self.id_get(id) {
            Some(IdRecord::Applied { hold, .. }) if hold != NO_HOLD => self.holds.get(hold as usize),
            _ => None,
        }
    }

    /// Open holds on either side of `key`, oldest first.
    #[must_use]
    pub fn holds_of(&self, key: AccountKey) -> Vec<HoldView> {
        let Some(idx) = self.account_index.get(key) else {
            return Vec::new();
        };
        let mut found: Vec<u32> = self
            .open_holds
            .iter()
            .copied()
            .filter(|h| self.holds.get(*h as usize).is_some_and(|h| h.debit == idx || h.credit == idx))
            .collect();
        found.sort_unstable();
        found.into_iter().filter_map(|h| self.holds.get(h as usize).map(|h| self.hold_view(h))).collect()
    }

    /// Journal entries touching `key` (its creation, transfers, expiries),
    /// in time order.
    #[must_use]
    pub fn entries_of(&self, key: AccountKey) -> Vec<&JournalEntry> {
        let mut found = Vec::new();
        let Some(account) = self.account_index.get(key).and_then(|i| self.accounts.get(i as usize)) else {
            return found;
        };
        let mut next = account.last_entry;
        while let (Some(entry), Some(links)) = (self.journal.get(next as usize), self.entry_links.get(next as usize)) {
            found.push(entry);
            let debit_side = match &entry.event {
                JournalEvent::Transfer(rec) => rec.transfer.debit_account == key,
                JournalEvent::HoldExpired { debit_account, .. } => *debit_account == key,
                _ => true,
            };
            next = if debit_side { links[0] } else { links[1] };
        }
        found.reverse();
        found
    }

    /// Per-asset totals.
    #[must_use]
    pub fn totals(&self, asset: AssetId) -> Option<AssetTotals> {
        self.asset_index.get(&asset).and_then(|i| self.asset_totals.get(*i as usize)).copied()
    }

    /// The applied transfer with this id, as recorded.
    #[must_use]
    pub fn transfer(&self, id: TransferId) -> Option<&TransferRecord> {
        match self.id_get(id) {
            Some(IdRecord::Applied { entry, .. }) => self.journal.get(entry as usize).and_then(JournalEntry::transfer),
            _ => None,
        }
    }

    /// The whole journal, oldest first.
    #[must_use]
    pub fn journal(&self) -> &[JournalEntry] {
        &self.journal
    }

    /// Number of transfer ids known (applied and remembered refusals).
    #[must_use]
    pub fn transfer_ids(&self) -> usize {
        self.ids.len()
    }

    /// Every account key, in creation order.
    pub fn account_keys(&self) -> impl Iterator<Item = AccountKey> + '_ {
        self.accounts.iter().map(|a| a.spec.key)
    }

    // ---- replay, snapshot, hash ----

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
    /// journal (not the bare clock, which a
    /// replay can only know up to the last entry's timestamp). Equal ledgers
    /// hash equal across processes and machines.
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
