//! Where an order saga is: one variant per state, each holding only what is
//! valid in it.

use serde::{Deserialize, Serialize};

use super::{CloseReason, Closure, Fills, OrderOutcome};
use crate::saga::Retry;

/// Where an order saga is. Each variant holds only what is valid in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderState {
    /// Created, nothing sent yet.
    Requested,
    /// `ReserveFunds` sent; no compensation registered yet (but the hold id is
    /// client-assigned, so it can be voided if the reply never comes).
    ReservingFunds {
        /// The reservation in flight.
        retry: Retry,
    },
    /// Funds held (compensation registered: release); `PlaceOrder` sent.
    PlacingOrder {
        /// The placement in flight.
        retry: Retry,
    },
    /// The engine accepted the order; nothing filled yet.
    /// Compensations registered: cancel order, then release funds.
    Working,
    /// The engine accepted a stop order that waits for its trigger (outside
    /// the book); as `Working` otherwise (the same compensations and deadline).
    Waiting,
    /// Some lots filled; their settlements are in flight or done.
    PartiallyFilled {
        /// Fills so far.
        fills: Fills,
    },
    /// Compensating: `CancelOrder` sent, waiting for the closure.
    Cancelling {
        /// Why the saga cancels.
        reason: CloseReason,
        /// Fills so far (more may still arrive).
        fills: Fills,
        /// The cancellation in flight (redelivered until acknowledged).
        retry: Retry,
    },
    /// The order is closed; waiting for missing fills and for every settlement.
    Settling {
        /// How it closed.
        closure: Closure,
        /// Fills so far.
        fills: Fills,
        /// When to ask the engine to re-send missing fills.
        query: Retry,
    },
    /// Compensating: `ReleaseFunds` sent, waiting for the ledger.
    Releasing {
        /// How the saga will end.
        outcome: OrderOutcome,
        /// The release in flight (redelivered until acknowledged).
        retry: Retry,
    },
    /// Terminal: fully filled, every trade settled, the rest released.
    Settled {
        /// Result.
        outcome: OrderOutcome,
    },
    /// Terminal: rejected, cancelled or expired; trades settled, funds released.
    Compensated {
        /// Result.
        outcome: OrderOutcome,
    },
}

impl OrderState {
    /// Stable name, used in errors and docs.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::ReservingFunds { .. } => "reserving_funds",
            Self::PlacingOrder { .. } => "placing_order",
            Self::Working => "working",
            Self::Waiting => "waiting",
            Self::PartiallyFilled { .. } => "partially_filled",
            Self::Cancelling { .. } => "cancelling",
            Self::Settling { .. } => "settling",
            Self::Releasing { .. } => "releasing",
            Self::Settled { .. } => "settled",
            Self::Compensated { .. } => "compensated",
        }
    }
}
