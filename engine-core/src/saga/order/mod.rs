//! The order saga: reserve funds in the ledger service, place the order in the
//! engine service, settle every trade against the hold, release what is left.
//!
//! ```text
//! Requested ──Start──▶ ReservingFunds ──FundsReserved──▶ PlacingOrder ──OrderAccepted──▶ Working
//!                        │  │timeout×N                     │  │timeout×N                  │ Fill
//!        FundsReservation│  └──────────▶ Releasing ◀───────┘  └──▶ Cancelling              ▼
//!              Failed    ▼                 ▲  OrderRejected          ▲ good_till   PartiallyFilled
//!                  Compensated             │                         └──────────────────┤
//!                                          │                                            │ last fill /
//!                                      Settling ◀── OrderCancelled / OrderExpired ──────┘ closure
//!                                          │ all fills known and settled
//!                                          ▼
//!                                      Releasing ──FundsReleased──▶ Settled (filled) | Compensated
//! ```
//!
//! Invariants:
//! - a trade is settled under exactly one idempotency id per attempt, and a
//!   trade id is recorded once (`fills` is sorted by trade id, duplicates are
//!   acknowledged without action);
//! - `filled ≤ qty`, and once the closure is known, `filled ≤ qty − remaining`;
//! - funds are released exactly once per saga, only after every known trade is
//!   settled and the order is closed, so a settlement never races the release;
//! - the hold is sized as the Broker sizes it ([`OrderSpec::hold_amount`]:
//!   `risk::buy_hold` at the limit for a buy, the base units for a sell), each
//!   fill consumes what the Broker's settlement takes from a hold (notional
//!   plus the fee rounded on the order's running total, `risk::fee_step`), and
//!   every fill is within the limit, so settlements never exceed the hold.
//!
//! Files: `spec.rs` (what was asked, validation, hold sizing), `state.rs` (the
//! states), `fills.rs` (fills and their settlements), `input.rs` (inputs,
//! commands and the reply handling of each state), `timeouts.rs` (deadlines
//! and what happens when one passes), `outcome.rs` (how the saga ends).

mod fills;
mod input;
mod outcome;
mod spec;
mod state;
mod timeouts;

pub use fills::{FillRecord, Fills};
pub use input::OrderInput;
pub use outcome::{CloseReason, Closure, NotPlacedReason, OrderOutcome};
pub use spec::OrderSpec;
pub use state::OrderState;

use serde::{Deserialize, Serialize};

use super::{
    atomic_step, Action, ClientOrderId, HoldId, IdempotencyId, SagaConfig, SagaError, SagaId, Step, Timestamp,
};

/// Hold id of a saga: the idempotency id of its (only) reservation.
#[must_use]
pub fn hold_id(saga: SagaId) -> HoldId {
    HoldId(IdempotencyId::derive(saga, Step::ReserveFunds, 0, 0).0)
}

/// Client order id of a saga, the engine's [`ClientOrderId`]: the idempotency id
/// of the saga's (only) `PlaceOrder` command as 32 lowercase hex digits, most
/// significant first, i.e. `format!("{:032x}", IdempotencyId::derive(saga,
/// Step::PlaceOrder, 0, 0).0)`: saga 1 places `00000000000000010200000000000000`.
/// A host sends it to the engine or Broker as it is; being derived, it lets a
/// compensation cancel an order whose acceptance reply was lost.
#[must_use]
pub fn order_id(saga: SagaId) -> ClientOrderId {
    ClientOrderId::from_u128_hex(IdempotencyId::derive(saga, Step::PlaceOrder, 0, 0).0)
}

/// One order's journey through the ledger and the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSaga {
    id: SagaId,
    spec: OrderSpec,
    state: OrderState,
}

const _: () = assert!(std::mem::size_of::<OrderSaga>() <= 512);

impl OrderSaga {
    /// A saga in `Requested`; call `advance(.., OrderInput::Start, ..)` to begin.
    ///
    /// # Errors
    /// See [`OrderSpec::validate`].
    pub fn new(id: SagaId, spec: OrderSpec) -> Result<Self, SagaError> {
        spec.validate()?;
        Ok(Self { id, spec, state: OrderState::Requested })
    }

    /// Correlation id.
    #[must_use]
    pub fn id(&self) -> SagaId {
        self.id
    }

    /// What was asked.
    #[must_use]
    pub fn spec(&self) -> &OrderSpec {
        &self.spec
    }

    /// Where the saga is.
    #[must_use]
    pub fn state(&self) -> &OrderState {
        &self.state
    }

    /// The hold this saga reserves (client-assigned).
    #[must_use]
    pub fn hold(&self) -> HoldId {
        hold_id(self.id)
    }

    /// The order this saga places (client-assigned).
    #[must_use]
    pub fn order(&self) -> ClientOrderId {
        order_id(self.id)
    }

    /// `true` in `Settled` and `Compensated`.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        matches!(self.state, OrderState::Settled { .. } | OrderState::Compensated { .. })
    }

    /// Feeds one input; pushes the resulting actions onto `out`.
    ///
    /// Duplicate and late replies (a second `FundsReserved`, a fill whose trade
    /// id was seen, a settlement reply for a settled trade) are acknowledged
    /// with `Ok(())` and no action.
    ///
    /// # Errors
    /// [`SagaError::Finished`] in a terminal state; [`SagaError::UnexpectedInput`],
    /// [`SagaError::ForeignReference`], [`SagaError::ConflictingFill`],
    /// [`SagaError::Overfill`], [`SagaError::PriceBeyondLimit`],
    /// [`SagaError::InvalidValue`] for inputs that contradict the saga. On
    /// error the saga is unchanged and nothing is pushed.
    pub fn advance(
        &mut self,
        config: &SagaConfig,
        now: Timestamp,
        input: OrderInput,
        out: &mut Vec<Action>,
    ) -> Result<(), SagaError> {
        let id = self.id;
        atomic_step(self, id, out, Self::next_deadline, |s, out| s.step(config, now, input, out))
    }

    pub(super) fn unexpected(&self, input: &OrderInput) -> SagaError {
        SagaError::UnexpectedInput { saga: self.id.0, input: input.name(), state: self.state.name() }
    }
}
