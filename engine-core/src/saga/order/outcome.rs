//! How an order saga ends: why it never placed its order, why the order
//! stopped working, and the transitions that lead to the end (cancel, close,
//! settle, release).

use serde::{Deserialize, Serialize};

use super::{Fills, OrderSaga, OrderState};
use crate::saga::{Action, Amount, Lots, RejectReason, Retry, SagaConfig, SagaError, Timestamp};

/// Why an order saga ended without placing its order (so without trading):
/// the funds were never held, or the engine did not take the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotPlacedReason {
    /// The ledger refused the hold (its reason code).
    Funds {
        /// Ledger reason code.
        code: u16,
    },
    /// The ledger did not answer the reservation in time.
    ReservationTimedOut,
    /// The engine rejected the order ([`OrderInput::OrderRejected`](super::OrderInput::OrderRejected)), for
    /// the reason of its `Rejected` event.
    Engine {
        /// The engine's reason.
        reason: RejectReason,
    },
    /// The engine refused the placement as a command ([`OrderInput::OrderRefused`](super::OrderInput::OrderRefused)).
    EngineRefused {
        /// The host's code for the refusal.
        code: u16,
    },
}

/// Why the order stopped working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CloseReason {
    /// Fully filled.
    Filled,
    /// The engine cancelled it on its own (user cancel, IOC remainder, ...).
    CancelledByEngine,
    /// The engine expired it.
    ExpiredByEngine,
    /// `good_till` passed and the saga cancelled it.
    GoodTillReached,
    /// The engine never acknowledged the placement; the saga cancelled it.
    PlacementTimedOut,
}

/// How an order saga ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderOutcome {
    /// Never traded; funds (if any were held) released.
    Rejected {
        /// Why.
        reason: NotPlacedReason,
    },
    /// Traded `filled` lots (possibly zero), all settled, the rest released.
    Closed {
        /// Why it stopped working.
        reason: CloseReason,
        /// Lots filled and settled.
        filled: Lots,
        /// Hold consumed by settlements.
        consumed: Amount,
    },
}

/// How the order stopped working, once the engine said so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// Why.
    pub reason: CloseReason,
    /// Unfilled quantity at closure.
    pub remaining: Lots,
}

impl OrderSaga {
    /// Enters `Releasing`: the last compensation, always after the order is
    /// closed and its trades settled.
    pub(super) fn release(
        &mut self,
        config: &SagaConfig,
        now: Timestamp,
        outcome: OrderOutcome,
        out: &mut Vec<Action>,
    ) {
        let retry = Retry::first(config, now);
        self.send_release(&retry, out);
        self.state = OrderState::Releasing { outcome, retry };
    }

    /// Enters `Cancelling` with the fills known so far.
    pub(super) fn cancel(
        &mut self,
        config: &SagaConfig,
        now: Timestamp,
        reason: CloseReason,
        fills: Fills,
        out: &mut Vec<Action>,
    ) {
        let retry = Retry::first(config, now);
        self.send_cancel(&retry, out);
        self.state = OrderState::Cancelling { reason, fills, retry };
    }

    /// Enters `Settling` (or straight on to `Releasing` when nothing is missing).
    pub(super) fn close(
        &mut self,
        config: &SagaConfig,
        now: Timestamp,
        closure: Closure,
        fills: Fills,
        out: &mut Vec<Action>,
    ) {
        // Nothing left unfilled means filled, however the saga learned of it
        // (e.g. a cancel answered after the last fill whose event was lost).
        let closure = if closure.remaining.0 == 0 {
            Closure { reason: CloseReason::Filled, remaining: closure.remaining }
        } else {
            closure
        };
        self.state = OrderState::Settling { closure, fills, query: Retry::first(config, now) };
        self.release_if_settled(config, now, out);
    }

    pub(super) fn release_if_settled(&mut self, config: &SagaConfig, now: Timestamp, out: &mut Vec<Action>) {
        let outcome = match &self.state {
            OrderState::Settling { closure, fills, .. }
                if fills.filled.0 == self.spec.qty.0.saturating_sub(closure.remaining.0) && fills.all_settled() =>
            {
                OrderOutcome::Closed {
                    reason: closure.reason,
                    filled: fills.filled,
                    consumed: fills.consumed(&self.spec),
                }
            }
            _ => return,
        };
        self.release(config, now, outcome, out);
    }

    /// Checks a closure against the fills: `filled + remaining ≤ qty`.
    pub(super) fn check_closure(&self, filled: Lots, remaining: Lots) -> Result<(), SagaError> {
        if remaining.0 < 0 {
            return Err(SagaError::InvalidValue { field: "remaining_lots", value: i128::from(remaining.0) });
        }
        if filled.0.saturating_add(remaining.0) > self.spec.qty.0 {
            return Err(SagaError::Overfill {
                saga: self.id.0,
                filled_lots: filled.0,
                extra_lots: remaining.0,
                qty_lots: self.spec.qty.0,
            });
        }
        Ok(())
    }
}
