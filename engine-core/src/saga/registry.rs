//! The saga registry: many sagas by correlation id, and their deadlines.
//!
//! Owns a hash map `SagaId → Saga` (fixed, seedless hasher) and a min-heap of
//! `(Timestamp, SagaId)` deadline reminders. Invariants (checked by
//! [`SagaRegistry::check_invariants`]):
//! - every saga with a deadline `d` has an entry `(at, id)` with `at ≤ d`, so
//!   no deadline is ever missed; the top entry always covers a live deadline;
//! - the heap holds at most 2× + 64 entries per saga with a deadline;
//! - the number of sagas never exceeds `config.sagas_max`.
//!
//! The map's iteration order is never observable: `on_time` wakes sagas in
//! (deadline, id) order, snapshots list sagas sorted by id. The deadline heap
//! is not serialized; it is rebuilt when a snapshot is loaded.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{
    Action, DepositInput, DepositSaga, DepositSpec, OrderInput, OrderSaga, OrderSpec, SagaConfig, SagaError, SagaId,
    Timestamp, SAGA_STATE_VERSION,
};

/// Any saga the registry holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Saga {
    /// An order saga.
    Order(OrderSaga),
    /// A deposit saga.
    Deposit(DepositSaga),
}

const _: () = assert!(std::mem::size_of::<Saga>() <= 512);
// A registry entry as stored in the map.
const _: () = assert!(std::mem::size_of::<(SagaId, Saga)>() <= 512);

impl Saga {
    /// When it next needs a timer.
    #[must_use]
    pub fn next_deadline(&self) -> Option<Timestamp> {
        match self {
            Self::Order(s) => s.next_deadline(),
            Self::Deposit(s) => s.next_deadline(),
        }
    }

    /// Most redeliveries of any command it waits on (0 = first delivery or none).
    #[must_use]
    pub fn redeliveries(&self) -> u32 {
        match self {
            Self::Order(s) => s.redeliveries(),
            Self::Deposit(s) => s.redeliveries(),
        }
    }

    /// `true` in a terminal state.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        match self {
            Self::Order(s) => s.is_finished(),
            Self::Deposit(s) => s.is_finished(),
        }
    }

    /// Stable name of the current state.
    #[must_use]
    pub fn state_name(&self) -> &'static str {
        match self {
            Self::Order(s) => s.state().name(),
            Self::Deposit(s) => s.state().name(),
        }
    }

    /// Feeds one input.
    ///
    /// # Errors
    /// [`SagaError::WrongSagaKind`] for an input of the other kind, else as
    /// [`OrderSaga::advance`] / [`DepositSaga::advance`].
    pub fn advance(
        &mut self,
        config: &SagaConfig,
        now: Timestamp,
        input: SagaInput,
        out: &mut Vec<Action>,
    ) -> Result<(), SagaError> {
        match (self, input) {
            (Self::Order(s), SagaInput::Order(i)) => s.advance(config, now, i, out),
            (Self::Deposit(s), SagaInput::Deposit(i)) => s.advance(config, now, i, out),
            (Self::Order(s), SagaInput::Deposit(_)) => Err(SagaError::WrongSagaKind { saga: s.id().0, kind: "order" }),
            (Self::Deposit(s), SagaInput::Order(_)) => {
                Err(SagaError::WrongSagaKind { saga: s.id().0, kind: "deposit" })
            }
        }
    }

    fn timer(&self) -> SagaInput {
        match self {
            Self::Order(_) => SagaInput::Order(OrderInput::Timer),
            Self::Deposit(_) => SagaInput::Deposit(DepositInput::Timer),
        }
    }
}

/// One saga's serialized form with its state version, for hosts that store
/// sagas one row at a time rather than a whole registry snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SagaSnapshot {
    /// [`SAGA_STATE_VERSION`] at the time of writing.
    pub version: u16,
    /// The saga.
    pub saga: Saga,
}

impl SagaSnapshot {
    /// Wraps a saga with the current version.
    #[must_use]
    pub fn new(saga: Saga) -> Self {
        Self { version: SAGA_STATE_VERSION, saga }
    }

    /// Unwraps, refusing other versions.
    ///
    /// # Errors
    /// [`SagaError::UnsupportedVersion`].
    pub fn into_saga(self) -> Result<Saga, SagaError> {
        if self.version == SAGA_STATE_VERSION {
            Ok(self.saga)
        } else {
            Err(SagaError::UnsupportedVersion { found: self.version, expected: SAGA_STATE_VERSION })
        }
    }
}

/// An input for any saga.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SagaInput {
    /// For an order saga.
    Order(OrderInput),
    /// For a deposit saga.
    Deposit(DepositInput),
}

/// Sagas by id, with the crate's seedless id hasher. The map's iteration order is
/// never exposed: every output that lists sagas sorts them by id first.
type SagaMap = crate::hash::IdHashMap<SagaId, Saga>;

/// Many sagas by correlation id, with a deadline index.
///
/// The index is a min-heap of `(at, saga id)` *reminders*: every saga with a
/// deadline `d` has at least one entry with `at ≤ d`. A step that moves a
/// deadline later touches nothing (the old, earlier entry still covers it);
/// only a deadline that moves earlier is pushed. When a reminder comes due,
/// `on_time` fires the saga if its deadline really passed, or re-indexes it at
/// its current deadline. So a saga costs about one heap operation per
/// timeout period rather than per step. Entries of removed or finished
/// sagas are dropped lazily; the heap is rebuilt exactly when it holds more
/// than 2× + 64 entries per saga with a deadline.
#[derive(Debug, Clone)]
pub struct SagaRegistry {
    config: SagaConfig,
    sagas: SagaMap,
    deadlines: BinaryHeap<Reverse<(Timestamp, SagaId)>>,
    live: usize,
    with_deadline: usize,
}

/// Two registries are equal when they hold the same config and sagas; the
/// heap's stale entries are an implementation detail.
impl PartialEq for SagaRegistry {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config && self.sagas == other.sagas
    }
}

impl Eq for SagaRegistry {}

impl SagaRegistry {
    /// An empty registry.
    #[must_use]
    pub fn new(config: SagaConfig) -> Self {
        Self::from_sagas(config, SagaMap::default())
    }

    fn from_sagas(config: SagaConfig, sagas: SagaMap) -> Self {
        let mut registry = Self { config, sagas, deadlines: BinaryHeap::new(), live: 0, with_deadline: 0 };
        registry.live = registry.sagas.values().filter(|s| !s.is_finished()).count();
        registry.rebuild_deadlines();
        registry
    }

    fn rebuild_deadlines(&mut self) {
        let entries: Vec<Reverse<(Timestamp, SagaId)>> =
            self.sagas.iter().filter_map(|(id, s)| s.next_deadline().map(|at| Reverse((at, *id)))).collect();
        self.with_deadline = entries.len();
        self.deadlines = BinaryHeap::from(entries);
    }

    /// `true` if the entry still reminds of a deadline: its saga exists, has
    /// a deadline, and the entry is not later than it (a later one is
    /// redundant: an earlier entry for the same saga exists).
    fn covers(&self, at: Timestamp, id: SagaId) -> bool {
        self.sagas.get(&id).and_then(Saga::next_deadline).is_some_and(|d| at <= d)
    }

    /// Drops useless entries from the top, and compacts the heap when it
    /// grew past 2× + 64 entries per saga with a deadline.
    fn tidy_deadlines(&mut self) {
        if self.deadlines.len() > 2 * self.with_deadline + 64 {
            self.rebuild_deadlines();
        }
        while let Some(Reverse((at, id))) = self.deadlines.peek().copied() {
            if self.covers(at, id) {
                break;
            }
            self.deadlines.pop();
        }
    }

    /// The retry policy.
    #[must_use]
    pub fn config(&self) -> &SagaConfig {
        &self.config
    }

    /// Sagas held, finished ones included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.sagas.len()
    }

    /// `true` when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.sagas.is_empty()
    }

    /// Sagas not yet in a terminal state.
    #[must_use]
    pub fn live(&self) -> usize {
        self.live
    }

    /// One saga.
    #[must_use]
    pub fn get(&self, id: SagaId) -> Option<&Saga> {
        self.sagas.get(&id)
    }

    /// All sagas, sorted by id (allocates; for audits and tests).
    #[must_use]
    pub fn sorted(&self) -> Vec<(SagaId, &Saga)> {
        let mut all: Vec<(SagaId, &Saga)> = self.sagas.iter().map(|(id, s)| (*id, s)).collect();
        all.sort_unstable_by_key(|(id, _)| *id);
        all
    }

    /// When the host should call [`Self::on_time`]: never later than the
    /// earliest saga deadline, possibly earlier if that saga's deadline was
    /// postponed since (then `on_time` re-indexes it and wakes nobody).
    #[must_use]
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.deadlines.peek().map(|Reverse((at, _))| *at)
    }

    /// Live sagas whose deadline passed at least `overdue_ns` ago, sorted by
    /// (deadline, id): the ones to alert on, so none is lost track of.
    #[must_use]
    pub fn overdue(&self, now: Timestamp, overdue_ns: u64) -> Vec<SagaId> {
        let limit = Timestamp(now.0.saturating_sub(overdue_ns));
        let mut late: Vec<(Timestamp, SagaId)> = self
            .sagas
            .iter()
            .filter_map(|(id, s)| s.next_deadline().map(|at| (at, *id)))
            .filter(|(at, _)| *at <= limit)
            .collect();
        late.sort_unstable();
        late.into_iter().map(|(_, id)| id).collect()
    }

    /// Live sagas handed to an operator: some command of theirs was delivered
    /// at least `escalate_after_deliveries` times without a reply. Sorted by
    /// id, with that delivery count. Empty when escalation is off.
    #[must_use]
    pub fn stuck(&self) -> Vec<(SagaId, u32)> {
        let at = self.config.escalate_after_deliveries;
        if at == 0 {
            return Vec::new();
        }
        let mut stuck: Vec<(SagaId, u32)> = self
            .sagas
            .iter()
            .filter(|(_, s)| !s.is_finished())
            .map(|(id, s)| (*id, s.redeliveries().saturating_add(1)))
            .filter(|(_, deliveries)| *deliveries >= at)
            .collect();
        stuck.sort_unstable();
        stuck
    }

    /// Creates and starts an order saga.
    ///
    /// # Errors
    /// [`SagaError::DuplicateSaga`], [`SagaError::RegistryFull`], or a spec error.
    pub fn start_order(
        &mut self,
        now: Timestamp,
        id: SagaId,
        spec: OrderSpec,
        out: &mut Vec<Action>,
    ) -> Result<(), SagaError> {
        let saga = Saga::Order(OrderSaga::new(id, spec)?);
        self.insert_and_start(now, id, saga, SagaInput::Order(OrderInput::Start), out)
    }

    /// Creates and starts a deposit saga.
    ///
    /// # Errors
    /// [`SagaError::DuplicateSaga`], [`SagaError::RegistryFull`], or a spec error.
    pub fn start_deposit(
        &mut self,
        now: Timestamp,
        id: SagaId,
        spec: DepositSpec,
        out: &mut Vec<Action>,
    ) -> Result<(), SagaError> {
        let saga = Saga::Deposit(DepositSaga::new(id, spec)?);
        self.insert_and_start(now, id, saga, SagaInput::Deposit(DepositInput::Start), out)
    }

    fn insert_and_start(
        &mut self,
        now: Timestamp,
        id: SagaId,
        mut saga: Saga,
        start: SagaInput,
        out: &mut Vec<Action>,
    ) -> Result<(), SagaError> {
        if self.sagas.contains_key(&id) {
            return Err(SagaError::DuplicateSaga { saga: id.0 });
        }
        if self.sagas.len() >= self.config.sagas_max {
            return Err(SagaError::RegistryFull { sagas_max: self.config.sagas_max });
        }
        saga.advance(&self.config, now, start, out)?;
        if let Some(at) = saga.next_deadline() {
            self.deadlines.push(Reverse((at, id)));
            self.with_deadline += 1;
        }
        if !saga.is_finished() {
            self.live += 1;
        }
        self.sagas.insert(id, saga);
        Ok(())
    }

    /// Routes an input to its saga by correlation id.
    ///
    /// # Errors
    /// [`SagaError::UnknownSaga`], or whatever the saga refuses the input with;
    /// the registry is unchanged on error.
    pub fn advance(
        &mut self,
        now: Timestamp,
        id: SagaId,
        input: SagaInput,
        out: &mut Vec<Action>,
    ) -> Result<(), SagaError> {
        let (before, after) = self.advance_saga(now, id, input, out)?;
        if let Some(at) = after {
            // A later deadline stays covered by the earlier entry.
            if before.is_none_or(|b| at < b) {
                self.deadlines.push(Reverse((at, id)));
            }
        }
        if before != after {
            self.tidy_deadlines();
        }
        Ok(())
    }

    /// Advances one saga and keeps the counters; returns its deadline before
    /// and after. Leaves the heap to the caller.
    fn advance_saga(
        &mut self,
        now: Timestamp,
        id: SagaId,
        input: SagaInput,
        out: &mut Vec<Action>,
    ) -> Result<(Option<Timestamp>, Option<Timestamp>), SagaError> {
        let saga = self.sagas.get_mut(&id).ok_or(SagaError::UnknownSaga { saga: id.0 })?;
        let before = saga.next_deadline();
        let was_finished = saga.is_finished();
        let sent_from = out.len();
        saga.advance(&self.config, now, input, out)?;
        let escalate_at = self.config.escalate_after_deliveries;
        if escalate_at > 0 {
            // The escalate_at-th delivery of a command (delivery counts from 0).
            for i in sent_from..out.len() {
                if let Some(Action::Send(command)) = out.get(i).copied() {
                    if command.delivery.saturating_add(1) == escalate_at {
                        out.push(Action::Escalate { saga: id, command });
                    }
                }
            }
        }
        let after = saga.next_deadline();
        if saga.is_finished() && !was_finished {
            self.live = self.live.saturating_sub(1);
        }
        match (before, after) {
            (None, Some(_)) => self.with_deadline += 1,
            (Some(_), None) => self.with_deadline = self.with_deadline.saturating_sub(1),
            _ => {}
        }
        Ok((before, after))
    }

    /// Feeds a `Timer` input to every saga whose deadline is `≤ now`, in
    /// (deadline, id) order; returns how many were woken.
    pub fn on_time(&mut self, now: Timestamp, out: &mut Vec<Action>) -> usize {
        // Pop every reminder that came due and look at the saga's real
        // deadline. Collecting first means each saga is woken at most once
        // per call, even if its new deadline is still ≤ now.
        let mut reminded: Vec<(Timestamp, SagaId)> = Vec::new();
        while let Some(Reverse((at, id))) = self.deadlines.peek().copied() {
            if at > now {
                break;
            }
            self.deadlines.pop();
            if let Some(deadline) = self.sagas.get(&id).and_then(Saga::next_deadline) {
                reminded.push((deadline, id));
            }
        }
        reminded.sort_unstable();
        reminded.dedup();
        let mut woken = 0;
        for (deadline, id) in reminded {
            if deadline > now {
                // Postponed since it was indexed: re-index, wake nobody.
                self.deadlines.push(Reverse((deadline, id)));
                continue;
            }
            let Some(timer) = self.sagas.get(&id).map(Saga::timer) else {
                continue;
            };
            // A timer is valid in every non-terminal state, and terminal
            // sagas have no deadline, so this cannot fail; the saga keeps
            // its deadline if it did.
            let after = match self.advance_saga(now, id, timer, out) {
                Ok((_, after)) => {
                    woken += 1;
                    after
                }
                Err(_) => Some(deadline),
            };
            // Its reminders up to `now` were popped: index the new deadline.
            if let Some(at) = after {
                self.deadlines.push(Reverse((at, id)));
            }
        }
        self.tidy_deadlines();
        woken
    }

    /// Removes a finished saga (after the host persisted its completion). Late
    /// replies for it then get [`SagaError::UnknownSaga`] instead of
    /// [`SagaError::Finished`].
    ///
    /// # Errors
    /// [`SagaError::UnknownSaga`]; [`SagaError::UnexpectedInput`] if it is still live.
    pub fn remove_finished(&mut self, id: SagaId) -> Result<Saga, SagaError> {
        let saga = self.sagas.get(&id).ok_or(SagaError::UnknownSaga { saga: id.0 })?;
        if !saga.is_finished() {
            return Err(SagaError::UnexpectedInput { saga: id.0, input: "remove_finished", state: saga.state_name() });
        }
        let removed = self.sagas.remove(&id).ok_or(SagaError::UnknownSaga { saga: id.0 })?;
        self.tidy_deadlines();
        Ok(removed)
    }

    /// Walks the whole registry and reports the first broken invariant.
    ///
    /// # Errors
    /// A description of the broken invariant.
    pub fn check_invariants(&self) -> Result<(), String> {
        if self.sagas.len() > self.config.sagas_max {
            return Err(format!("invariant: {} sagas > sagas_max {}", self.sagas.len(), self.config.sagas_max));
        }
        let mut earliest: BTreeMap<SagaId, Timestamp> = BTreeMap::new();
        for Reverse((at, id)) in &self.deadlines {
            let e = earliest.entry(*id).or_insert(*at);
            *e = (*e).min(*at);
        }
        let mut with_deadline = 0;
        let mut live = 0;
        for (id, saga) in self.sorted() {
            if !saga.is_finished() {
                live += 1;
            }
            if let Some(at) = saga.next_deadline() {
                with_deadline += 1;
                if earliest.get(&id).is_none_or(|e| *e > at) {
                    return Err(format!("invariant: saga {} deadline {} not covered", id.0, at.0));
                }
            }
        }
        if let Some(Reverse((at, id))) = self.deadlines.peek() {
            if !self.covers(*at, *id) {
                return Err(format!("invariant: useless entry {} of saga {} on top", at.0, id.0));
            }
        }
        if with_deadline != self.with_deadline {
            return Err(format!("invariant: with_deadline count {} != {}", self.with_deadline, with_deadline));
        }
        if live != self.live {
            return Err(format!("invariant: live count {} != {}", self.live, live));
        }
        Ok(())
    }
}

/// Serializes sagas sorted by id, so equal registries give equal bytes.
struct SortedSagas<'a>(&'a SagaMap);

impl Serialize for SortedSagas<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut all: Vec<(&SagaId, &Saga)> = self.0.iter().collect();
        all.sort_unstable_by_key(|(id, _)| **id);
        serializer.collect_seq(all)
    }
}

#[derive(Serialize)]
struct SnapshotRef<'a> {
    version: u16,
    config: &'a SagaConfig,
    sagas: SortedSagas<'a>,
}

#[derive(Deserialize)]
struct Snapshot {
    version: u16,
    config: SagaConfig,
    sagas: Vec<(SagaId, Saga)>,
}

impl Serialize for SagaRegistry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SnapshotRef { version: SAGA_STATE_VERSION, config: &self.config, sagas: SortedSagas(&self.sagas) }
            .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SagaRegistry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let snapshot = Snapshot::deserialize(deserializer)?;
        if snapshot.version != SAGA_STATE_VERSION {
            return Err(serde::de::Error::custom(SagaError::UnsupportedVersion {
                found: snapshot.version,
                expected: SAGA_STATE_VERSION,
            }));
        }
        let mut sagas = SagaMap::default();
        sagas.reserve(snapshot.sagas.len());
        for (id, saga) in snapshot.sagas {
            if sagas.insert(id, saga).is_some() {
                return Err(serde::de::Error::custom(SagaError::DuplicateSaga { saga: id.0 }));
            }
        }
        Ok(Self::from_sagas(snapshot.config, sagas))
    }
}
