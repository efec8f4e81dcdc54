//! The saga registry: many sagas by correlation id, and their deadlines.
//!
//! Owns a `BTreeMap<SagaId, Saga>` and a deadline index
//! `BTreeSet<(Timestamp, SagaId)>`. Invariants (checked by
//! [`SagaRegistry::check_invariants`]):
//! - the index holds exactly one entry per saga with a deadline, equal to
//!   that saga's `next_deadline()`, and nothing else;
//! - the number of sagas never exceeds `config.sagas_max`.
//!
//! Iteration is always in (deadline, saga id) or saga id order, so the actions
//! of `on_time` are deterministic. The deadline index is not serialized; it is
//! rebuilt when a snapshot is loaded.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{
    Action, DepositInput, DepositSaga, DepositSpec, OrderInput, OrderSaga, OrderSpec, SagaConfig,
    SagaError, SagaId, Timestamp, SAGA_STATE_VERSION,
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

impl Saga {
    /// When it next needs a timer.
    #[must_use]
    pub fn next_deadline(&self) -> Option<Timestamp> {
        match self {
            Self::Order(s) => s.next_deadline(),
            Self::Deposit(s) => s.next_deadline(),
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
            (Self::Order(s), SagaInput::Deposit(_)) => Err(SagaError::WrongSagaKind {
                saga: s.id().0,
                kind: "order",
            }),
            (Self::Deposit(s), SagaInput::Order(_)) => Err(SagaError::WrongSagaKind {
                saga: s.id().0,
                kind: "deposit",
            }),
        }
    }

    fn timer(&self) -> SagaInput {
        match self {
            Self::Order(_) => SagaInput::Order(OrderInput::Timer),
            Self::Deposit(_) => SagaInput::Deposit(DepositInput::Timer),
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

/// Many sagas by correlation id, with a deadline index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SagaRegistry {
    config: SagaConfig,
    sagas: BTreeMap<SagaId, Saga>,
    deadlines: BTreeSet<(Timestamp, SagaId)>,
    live: usize,
}

impl SagaRegistry {
    /// An empty registry.
    #[must_use]
    pub fn new(config: SagaConfig) -> Self {
        Self {
            config,
            sagas: BTreeMap::new(),
            deadlines: BTreeSet::new(),
            live: 0,
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

    /// All sagas in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&SagaId, &Saga)> {
        self.sagas.iter()
    }

    /// The earliest deadline of any saga; the host calls [`Self::on_time`] then.
    #[must_use]
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.deadlines.first().map(|(at, _)| *at)
    }

    /// Live sagas whose deadline passed at least `overdue_ns` ago, in
    /// (deadline, id) order: the ones to alert on, so none is lost track of.
    pub fn overdue(&self, now: Timestamp, overdue_ns: u64) -> impl Iterator<Item = SagaId> + '_ {
        let limit = Timestamp(now.0.saturating_sub(overdue_ns));
        self.deadlines
            .iter()
            .take_while(move |(at, _)| *at <= limit)
            .map(|(_, id)| *id)
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
            return Err(SagaError::RegistryFull {
                sagas_max: self.config.sagas_max,
            });
        }
        saga.advance(&self.config, now, start, out)?;
        if let Some(at) = saga.next_deadline() {
            self.deadlines.insert((at, id));
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
        let saga = self
            .sagas
            .get_mut(&id)
            .ok_or(SagaError::UnknownSaga { saga: id.0 })?;
        let before = saga.next_deadline();
        let was_finished = saga.is_finished();
        saga.advance(&self.config, now, input, out)?;
        let after = saga.next_deadline();
        let finished = saga.is_finished();
        if before != after {
            if let Some(at) = before {
                self.deadlines.remove(&(at, id));
            }
            if let Some(at) = after {
                self.deadlines.insert((at, id));
            }
        }
        if finished && !was_finished {
            self.live = self.live.saturating_sub(1);
        }
        Ok(())
    }

    /// Feeds a `Timer` input to every saga whose deadline is `≤ now`, in
    /// (deadline, id) order; returns how many were woken.
    pub fn on_time(&mut self, now: Timestamp, out: &mut Vec<Action>) -> usize {
        let mut woken = 0;
        // Each saga is woken at most once per call, even if its new deadline
        // is still ≤ now (a zero backoff), so the loop always terminates.
        let due: Vec<SagaId> = self
            .deadlines
            .iter()
            .take_while(|(at, _)| *at <= now)
            .map(|(_, id)| *id)
            .collect();
        for id in due {
            let timer = match self.sagas.get(&id) {
                Some(saga) => saga.timer(),
                None => continue,
            };
            // A timer is valid in every non-terminal state, and terminal
            // sagas have no deadline, so this cannot fail.
            if self.advance(now, id, timer, out).is_ok() {
                woken += 1;
            }
        }
        woken
    }

    /// Removes a finished saga (after the host persisted its completion). Late
    /// replies for it then get [`SagaError::UnknownSaga`] instead of
    /// [`SagaError::Finished`].
    ///
    /// # Errors
    /// [`SagaError::UnknownSaga`]; [`SagaError::UnexpectedInput`] if it is still live.
    pub fn remove_finished(&mut self, id: SagaId) -> Result<Saga, SagaError> {
        let saga = self
            .sagas
            .get(&id)
            .ok_or(SagaError::UnknownSaga { saga: id.0 })?;
        if !saga.is_finished() {
            return Err(SagaError::UnexpectedInput {
                saga: id.0,
                input: "remove_finished",
                state: saga.state_name(),
            });
        }
        self.sagas
            .remove(&id)
            .ok_or(SagaError::UnknownSaga { saga: id.0 })
    }

    /// Walks the whole registry and reports the first broken invariant.
    ///
    /// # Errors
    /// A description of the broken invariant.
    pub fn check_invariants(&self) -> Result<(), String> {
        if self.sagas.len() > self.config.sagas_max {
            return Err(format!(
                "invariant: {} sagas > sagas_max {}",
                self.sagas.len(),
                self.config.sagas_max
            ));
        }
        let mut with_deadline = 0;
        let mut live = 0;
        for (id, saga) in &self.sagas {
            if !saga.is_finished() {
                live += 1;
            }
            if let Some(at) = saga.next_deadline() {
                with_deadline += 1;
                if !self.deadlines.contains(&(at, *id)) {
                    return Err(format!(
                        "invariant: saga {} deadline {} not indexed",
                        id.0, at.0
                    ));
                }
            }
        }
        if with_deadline != self.deadlines.len() {
            return Err(format!(
                "invariant: {} indexed deadlines for {} sagas with a deadline",
                self.deadlines.len(),
                with_deadline
            ));
        }
        if live != self.live {
            return Err(format!("invariant: live count {} != {}", self.live, live));
        }
        Ok(())
    }
}

#[derive(Serialize)]
struct SnapshotRef<'a> {
    version: u16,
    config: &'a SagaConfig,
    sagas: &'a BTreeMap<SagaId, Saga>,
}

#[derive(Deserialize)]
struct Snapshot {
    version: u16,
    config: SagaConfig,
    sagas: BTreeMap<SagaId, Saga>,
}

impl Serialize for SagaRegistry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SnapshotRef {
            version: SAGA_STATE_VERSION,
            config: &self.config,
            sagas: &self.sagas,
        }
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
        let deadlines = snapshot
            .sagas
            .iter()
            .filter_map(|(id, s)| s.next_deadline().map(|at| (at, *id)))
            .collect();
        let live = snapshot.sagas.values().filter(|s| !s.is_finished()).count();
        Ok(Self {
            config: snapshot.config,
            sagas: snapshot.sagas,
            deadlines,
            live,
        })
    }
}
