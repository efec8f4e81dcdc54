//! Saga state machines for deployments where the ledger and the engine live in
//! different services.
//!
//! This module owns the *coordination* of multi-service workflows, never their
//! effects: an [`OrderSaga`] drives "reserve funds → place order → settle each
//! trade → release what is left", a [`DepositSaga`] drives "request payment →
//! credit the account". Each saga is plain data. The host calls
//! `advance(config, now, input, &mut actions)`, performs the [`Action`]s it gets
//! back (sends commands, schedules timers, records completion) and feeds the
//! replies back in as [`OrderInput`] / [`DepositInput`]. A [`SagaRegistry`] holds
//! many sagas by correlation id ([`SagaId`]) and tells the host when the next
//! deadline is due.
//!
//! Invariants kept here:
//! - **Deterministic.** No clock (time is passed in), no randomness, no floats,
//!   no hash-order iteration. The same inputs give the same actions, byte for byte.
//! - **Each state holds only what is valid in it.** A hold id exists only once
//!   the reservation was requested; fills exist only once the order was placed.
//! - **Idempotency.** Every command carries an [`IdempotencyId`] derived from
//!   (saga id, step, step sequence, attempt) by an injective packing
//!   ([`IdempotencyId::derive`]). A timer redelivery of the *same* attempt keeps
//!   the id, so the receiver deduplicates it; duplicate inputs produce no
//!   second settle or release.
//! - **Compensation.** A compensation (release funds, cancel order, cancel
//!   payment) is registered only once its forward step was *requested*, runs in
//!   reverse order (cancel the order before releasing its funds), and is
//!   redelivered until acknowledged.
//! - **Every waiting state has a deadline**, exposed by `next_deadline()`.
//! - **Terminal states refuse input** with [`SagaError::Finished`].
//! - An `Err` from `advance` leaves the saga unchanged and pushes no action.

mod deposit;
mod order;
mod registry;
#[cfg(test)]
mod tests;

pub use deposit::{payment_id, DepositFailure, DepositInput, DepositOutcome, DepositSaga, DepositSpec, DepositState};
pub use order::{
    hold_id, order_id, CloseReason, Closure, FillRecord, Fills, NotPlacedReason, OrderInput, OrderOutcome, OrderSaga,
    OrderSpec, OrderState,
};
pub use registry::{Saga, SagaInput, SagaRegistry, SagaSnapshot};

use serde::{Deserialize, Serialize};

/// Version of the serialized saga state. Bumped on any incompatible change to
/// the serialized form of [`Saga`], [`OrderSaga`] or [`DepositSaga`].
pub const SAGA_STATE_VERSION: u16 = 2;

// The ids, quantities and time of the rest of the crate: a saga's account,
// instrument, client order id, trade, lots, ticks and timestamps are the
// engine's and the Broker's, so a host passes them across without conversion.
pub use crate::types::{AccountId, ClientOrderId, InstrumentId, Lots, Side, Ticks, Timestamp, TradeId};

// Why the engine rejected an order, as its `Rejected` event says.
pub use crate::event::RejectReason;

// Money is the ledger's: unsigned minor units of the asset held, paid or
// credited (a hold is never negative), so a host passes a saga's amounts to the
// ledger service as they are.
pub use brokerx_ledger::Amount;

/// Correlation id of one saga, chosen by the host (e.g. from a counter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SagaId(pub u64);

/// Hold id, assigned by the saga (client-assigned ids, as in TigerBeetle), so a
/// compensation can void a hold whose reservation reply was lost. Equal to the
/// idempotency id of the `ReserveFunds` command that creates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct HoldId(pub u128);

/// Reference of a payment at the external payment provider, equal to the
/// idempotency id of the `RequestPayment` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PaymentId(pub u128);

/// The step of a saga a command belongs to; part of the [`IdempotencyId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum Step {
    /// Order saga: put a hold on the buyer's funds.
    ReserveFunds = 1,
    /// Order saga: send the order to the matching engine.
    PlaceOrder = 2,
    /// Order saga: settle one trade against the hold (sequence = fill number).
    SettleTrade = 3,
    /// Order saga compensation: cancel the order.
    CancelOrder = 4,
    /// Order saga compensation: void what is left of the hold.
    ReleaseFunds = 5,
    /// Order saga: ask the engine to re-send the order's fills and closure.
    QueryOrder = 6,
    /// Deposit saga: ask the payment provider to collect the money.
    RequestPayment = 7,
    /// Deposit saga compensation: cancel the payment request.
    CancelPayment = 8,
    /// Deposit saga: credit the collected money to the account.
    CreditAccount = 9,
}

/// Idempotency id carried by every command; the receiving service stores it and
/// answers a repeated delivery with the stored reply instead of acting twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IdempotencyId(pub u128);

impl IdempotencyId {
    /// Derives the id of a command from (saga id, step, step sequence, attempt).
    ///
    /// The "mixing function" is an injective bit packing, not a hash:
    ///
    /// ```text
    /// bits 127..64  saga id                 (64 bits)
    /// bits  63..56  step code (Step as u8)  ( 8 bits)
    /// bits  55..24  step sequence           (32 bits; the fill number for SettleTrade, else 0)
    /// bits  23..0   attempt                 (24 bits; saturates at 2^24 - 1)
    /// ```
    ///
    /// A hash would be shorter to describe, but a collision would make the
    /// receiver drop a *different* command as a duplicate and silently lose a
    /// settlement; the packing cannot collide for distinct inputs while the
    /// attempt stays below 2^24 (the saga stops increasing it there: a step
    /// that failed 16 million times keeps its last id and stays visibly stuck).
    #[must_use]
    pub const fn derive(saga: SagaId, step: Step, sequence: u32, attempt: u32) -> Self {
        let attempt = if attempt > ATTEMPT_MAX { ATTEMPT_MAX } else { attempt };
        let lo = ((step as u64) << 56) | ((sequence as u64) << 24) | (attempt as u64);
        Self(((saga.0 as u128) << 64) | (lo as u128))
    }

    /// The saga this id belongs to (inverse of [`IdempotencyId::derive`]).
    #[must_use]
    pub const fn saga(self) -> SagaId {
        SagaId((self.0 >> 64) as u64)
    }
}

/// Largest attempt number that fits the idempotency id.
pub const ATTEMPT_MAX: u32 = (1 << 24) - 1;

/// Timeouts and retry policy, shared by all sagas of a registry.
///
/// The deadline after the `n`-th delivery (`n = 0` for the first) of a command
/// is `now + min(reply_timeout_ns * backoff_factor^n, backoff_max_ns)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SagaConfig {
    /// How long to wait for the reply to a first delivery.
    pub reply_timeout_ns: u64,
    /// Integer multiplier of the wait per redelivery (exponential backoff); 1 = constant.
    pub backoff_factor: u32,
    /// Upper bound of any single wait.
    pub backoff_max_ns: u64,
    /// Deliveries of a forward step (reserve, place, request payment) before
    /// the saga gives up and compensates. Compensations and settlements are
    /// redelivered without limit: they must eventually happen.
    pub forward_deliveries_max: u32,
    /// How many sagas a registry holds at most (finished ones included until removed).
    pub sagas_max: usize,
    /// Deliveries of one command after which a registry hands its saga to an
    /// operator: it pushes [`Action::Escalate`] once and lists the saga in
    /// [`SagaRegistry::stuck`], while the saga keeps retrying. 0 = never.
    #[serde(default = "default_escalate_after_deliveries")]
    pub escalate_after_deliveries: u32,
}

const fn default_escalate_after_deliveries() -> u32 {
    8
}

impl Default for SagaConfig {
    fn default() -> Self {
        Self {
            reply_timeout_ns: 2_000_000_000,
            backoff_factor: 2,
            backoff_max_ns: 60_000_000_000,
            forward_deliveries_max: 5,
            sagas_max: 2_000_000,
            escalate_after_deliveries: default_escalate_after_deliveries(),
        }
    }
}

impl SagaConfig {
    /// Wait after the `delivery`-th delivery (0-based) of a command.
    #[must_use]
    pub fn backoff_ns(&self, delivery: u32) -> u64 {
        let factor = u64::from(self.backoff_factor.max(1));
        let wait = factor.checked_pow(delivery).and_then(|m| self.reply_timeout_ns.checked_mul(m)).unwrap_or(u64::MAX);
        wait.min(self.backoff_max_ns)
    }

    /// Deadline of the `delivery`-th delivery sent at `now`.
    #[must_use]
    pub fn deadline(&self, now: Timestamp, delivery: u32) -> Timestamp {
        now.saturating_add_ns(self.backoff_ns(delivery))
    }
}

/// Redelivery bookkeeping of the one command a state is waiting on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retry {
    /// Logical attempt; part of the idempotency id. Increases only after a
    /// definitive "no effect" reply, never on a timeout (the outcome of a
    /// timed-out delivery is unknown, so the retry must be deduplicable).
    pub attempt: u32,
    /// Deliveries of this attempt so far, minus one (0 = first delivery).
    pub delivery: u32,
    /// When to redeliver (or give up) if no reply came.
    pub deadline: Timestamp,
}

impl Retry {
    pub(crate) fn first(config: &SagaConfig, now: Timestamp) -> Self {
        Self { attempt: 0, delivery: 0, deadline: config.deadline(now, 0) }
    }

    pub(crate) fn redelivered(self, config: &SagaConfig, now: Timestamp) -> Self {
        let delivery = self.delivery.saturating_add(1);
        Self { attempt: self.attempt, delivery, deadline: config.deadline(now, delivery) }
    }

    pub(crate) fn due(&self, now: Timestamp) -> bool {
        now >= self.deadline
    }
}

/// A command for another service (ledger, engine or payment provider).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    /// Saga that sent it; replies must carry it back (correlation id).
    pub saga: SagaId,
    /// Deduplication key for the receiver.
    pub idempotency_id: IdempotencyId,
    /// Delivery number of this idempotency id (0 = first); for logs only.
    pub delivery: u32,
    /// What to do.
    pub kind: CommandKind,
}

/// What a [`Command`] asks the receiving service to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CommandKind {
    /// Ledger: hold `amount` of `account`'s funds under `hold`; reply
    /// `FundsReserved` or `FundsReservationFailed`. A hold id that was already
    /// released must be refused (the reservation arrived after its compensation).
    ReserveFunds {
        /// Client-assigned hold id.
        hold: HoldId,
        /// Whose funds.
        account: AccountId,
        /// How much.
        amount: Amount,
    },
    /// Engine: place the order; reply `OrderAccepted`, `OrderRejected` (the
    /// engine's `Rejected` event) or `OrderRefused` (a command error), then
    /// fills and a closure. An order id that was already cancelled must be refused.
    PlaceOrder {
        /// Client-assigned order id ([`order_id`]), for the engine's `Place` as it is.
        order: ClientOrderId,
        /// Owner.
        account: AccountId,
        /// Where.
        instrument: InstrumentId,
        /// Buy or sell.
        side: Side,
        /// Quantity.
        qty: Lots,
        /// Limit price.
        limit_price: Ticks,
        /// For a stop-limit order: its trigger (the engine's `OrderType::StopLimit`).
        #[serde(default)]
        trigger: Option<Ticks>,
    },
    /// Engine: cancel the order (or refuse it forever if never placed, replying
    /// `OrderRefused`); reply `OrderCancelled { remaining }` with the order's
    /// final unfilled quantity.
    CancelOrder {
        /// Which order.
        order: ClientOrderId,
    },
    /// Engine: re-send every fill of the order and, if closed, its closure.
    QueryOrder {
        /// Which order.
        order: ClientOrderId,
    },
    /// Ledger: move `amount` out of the hold to the trade's counterparty; reply
    /// `TradeSettled` or `SettlementFailed`.
    SettleTrade {
        /// Hold the money comes from.
        hold: HoldId,
        /// Trade being settled.
        trade: TradeId,
        /// Quantity of the trade.
        qty: Lots,
        /// Price of the trade.
        price: Ticks,
        /// Amount consumed from the hold.
        amount: Amount,
    },
    /// Ledger: void what is left of the hold (or refuse it forever if never
    /// created); reply `FundsReleased`.
    ReleaseFunds {
        /// Which hold.
        hold: HoldId,
        /// Whose funds (for audit).
        account: AccountId,
    },
    /// Payment provider: collect `amount` for `account`; reply
    /// `PaymentConfirmed` or `PaymentFailed`.
    RequestPayment {
        /// Client-assigned payment reference.
        payment: PaymentId,
        /// Beneficiary.
        account: AccountId,
        /// How much.
        amount: Amount,
    },
    /// Payment provider: cancel the request; reply `PaymentCancelled`, or
    /// `PaymentConfirmed` if the money was already collected.
    CancelPayment {
        /// Which payment.
        payment: PaymentId,
    },
    /// Ledger: credit collected money; reply `Credited`.
    CreditAccount {
        /// Payment being credited.
        payment: PaymentId,
        /// Beneficiary.
        account: AccountId,
        /// How much.
        amount: Amount,
    },
}

/// How a saga ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Order saga ended.
    Order(OrderOutcome),
    /// Deposit saga ended.
    Deposit(DepositOutcome),
}

/// What the host must do after an `advance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// Send a command to another service (through the outbox).
    Send(Command),
    /// Call back with a timer input at or after `at`. Timers are advisory: a
    /// late or spurious timer is harmless; the registry computes deadlines itself.
    ScheduleTimer {
        /// Saga to wake.
        saga: SagaId,
        /// When.
        at: Timestamp,
    },
    /// Hand-off to an operator (pushed by a [`SagaRegistry`]): `command` has
    /// now been delivered `escalate_after_deliveries` times without a reply,
    /// so the receiving service is down or refusing it. The saga keeps
    /// redelivering; once the cause is fixed (or the effect was done by hand),
    /// the normal reply moves it on. Pushed once per command.
    Escalate {
        /// Which saga.
        saga: SagaId,
        /// The command that gets no reply (its latest delivery).
        command: Command,
    },
    /// The saga reached a terminal state; it now refuses input.
    Complete {
        /// Which saga.
        saga: SagaId,
        /// How it ended.
        outcome: Outcome,
    },
}

/// Why an input was refused. The saga is unchanged when this is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SagaError {
    /// The saga is in a terminal state and accepts no input.
    #[error("saga {saga} is finished ({state})")]
    Finished {
        /// Which saga.
        saga: u64,
        /// Name of its terminal state.
        state: &'static str,
    },
    /// The input does not make sense in the current state (not a duplicate).
    #[error("saga {saga} cannot take input {input} in state {state}")]
    UnexpectedInput {
        /// Which saga.
        saga: u64,
        /// Name of the input.
        input: &'static str,
        /// Name of the state.
        state: &'static str,
    },
    /// The reply names a hold or payment this saga never asked for.
    #[error("saga {saga} got a reply for a foreign reference {reference}")]
    ForeignReference {
        /// Which saga.
        saga: u64,
        /// The unknown reference.
        reference: u128,
    },
    /// The reply names an order this saga never placed (same code as
    /// [`SagaError::ForeignReference`]).
    #[error("saga {saga} got a reply for a foreign order {order}")]
    ForeignOrder {
        /// Which saga.
        saga: u64,
        /// The unknown client order id.
        order: ClientOrderId,
    },
    /// A trade id seen before came back with a different quantity or price.
    #[error("saga {saga} got conflicting fill for trade {trade}")]
    ConflictingFill {
        /// Which saga.
        saga: u64,
        /// The trade.
        trade: u64,
    },
    /// Fills would exceed the order quantity, or the closure contradicts the fills.
    #[error("saga {saga} overfilled: filled {filled_lots} + {extra_lots} lots > order {qty_lots} lots")]
    Overfill {
        /// Which saga.
        saga: u64,
        /// Already filled.
        filled_lots: i64,
        /// Claimed by the input.
        extra_lots: i64,
        /// Order quantity.
        qty_lots: i64,
    },
    /// A fill at a price the order's limit does not allow.
    #[error("saga {saga} got fill at {price_ticks} ticks beyond limit {limit_ticks} ticks")]
    PriceBeyondLimit {
        /// Which saga.
        saga: u64,
        /// Fill price.
        price_ticks: i64,
        /// Order limit.
        limit_ticks: i64,
    },
    /// A quantity, price or amount that is zero, negative or overflows.
    #[error("invalid {field}: {value}")]
    InvalidValue {
        /// Which field.
        field: &'static str,
        /// The offending value.
        value: i128,
    },
    /// No saga with this id in the registry.
    #[error("unknown saga {saga}")]
    UnknownSaga {
        /// Which saga.
        saga: u64,
    },
    /// A saga with this id already exists.
    #[error("saga {saga} already exists")]
    DuplicateSaga {
        /// Which saga.
        saga: u64,
    },
    /// The registry holds `sagas_max` sagas.
    #[error("registry full: {sagas_max} sagas")]
    RegistryFull {
        /// The limit.
        sagas_max: usize,
    },
    /// An order input was sent to a deposit saga or the reverse.
    #[error("saga {saga} is a {kind} saga")]
    WrongSagaKind {
        /// Which saga.
        saga: u64,
        /// What it actually is.
        kind: &'static str,
    },
    /// A registry snapshot of another version.
    #[error("unsupported saga state version {found}, expected {expected}")]
    UnsupportedVersion {
        /// Version in the snapshot.
        found: u16,
        /// Version this build reads.
        expected: u16,
    },
}

impl SagaError {
    /// Stable machine-readable code, exposed by the bindings.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Finished { .. } => "saga_finished",
            Self::UnexpectedInput { .. } => "unexpected_input",
            Self::ForeignReference { .. } | Self::ForeignOrder { .. } => "foreign_reference",
            Self::ConflictingFill { .. } => "conflicting_fill",
            Self::Overfill { .. } => "overfill",
            Self::PriceBeyondLimit { .. } => "price_beyond_limit",
            Self::InvalidValue { .. } => "invalid_value",
            Self::UnknownSaga { .. } => "unknown_saga",
            Self::DuplicateSaga { .. } => "duplicate_saga",
            Self::RegistryFull { .. } => "registry_full",
            Self::WrongSagaKind { .. } => "wrong_saga_kind",
            Self::UnsupportedVersion { .. } => "unsupported_version",
        }
    }
}

/// Pushes a command and a timer for its deadline.
pub(crate) fn send(out: &mut Vec<Action>, saga: SagaId, step: Step, sequence: u32, retry: &Retry, kind: CommandKind) {
    out.push(Action::Send(Command {
        saga,
        idempotency_id: IdempotencyId::derive(saga, step, sequence, retry.attempt),
        delivery: retry.delivery,
        kind,
    }));
}

/// Runs one step of `saga` all or nothing: on error the actions it pushed are
/// taken back (its state is unchanged by contract of `step`); on success a
/// `ScheduleTimer` follows when its deadline moved or it sent commands.
pub(crate) fn atomic_step<S>(
    saga: &mut S,
    id: SagaId,
    out: &mut Vec<Action>,
    deadline: fn(&S) -> Option<Timestamp>,
    step: impl FnOnce(&mut S, &mut Vec<Action>) -> Result<(), SagaError>,
) -> Result<(), SagaError> {
    let before = out.len();
    let deadline_before = deadline(saga);
    let result = step(saga, out);
    if result.is_err() {
        out.truncate(before);
    } else {
        push_timer(out, id, deadline_before, deadline(saga), before);
    }
    result
}

/// Pushes `ScheduleTimer` when the saga's deadline moved, or when it sent
/// commands (whose replies the deadline waits for). `sent_from` is the length
/// of `out` before the step.
fn push_timer(
    out: &mut Vec<Action>,
    saga: SagaId,
    before: Option<Timestamp>,
    after: Option<Timestamp>,
    sent_from: usize,
) {
    if let Some(at) = after {
        if before != after || out.len() > sent_from {
            out.push(Action::ScheduleTimer { saga, at });
        }
    }
}
