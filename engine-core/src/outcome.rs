//! What a command did, as its return value: [`Checked`] (validated, not yet run)
//! and [`Outcome`] (what running it did to the order it names).
//!
//! The events are the full record (every fill, level change and expiry, for the
//! journal and market data); the outcome is the summary a caller acts on, so no
//! caller predicts an order id, compares counters before and after, or scans the
//! events it just got to learn whether its own command was refused.

use crate::command::Command;
use crate::event::{CancelReason, RejectReason};
use crate::types::{AccountId, InstrumentId, Lots, OrderId, Side, Ticks, Timestamp};

/// A command that passed [`Engine::check`](crate::Engine::check): nothing can make
/// it fail with a [`CommandError`](crate::CommandError) any more, as long as the
/// engine does not change before [`Engine::execute`](crate::Engine::execute) runs
/// it. Expiring due orders in between (`on_time` at or before the command's time)
/// keeps it valid, since validation already treats due orders as gone; any other
/// command makes it stale (`stale_check`).
///
/// The token borrows the command it checked, so the command cannot change
/// before it runs, and the token stays small (it is made for every Broker
/// order, and a large one costs a copy each time it is handed on).
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a checked command does nothing until it is executed"]
pub struct Checked<'c> {
    pub(crate) command: &'c Command,
    pub(crate) plan: Plan,
    /// The engine's command epoch when checked.
    pub(crate) epoch: u64,
}

impl<'c> Checked<'c> {
    /// The command as checked.
    pub fn command(&self) -> &'c Command {
        self.command
    }

    /// The live order an amend or cancel names, as it stood when checked (and
    /// still stands: nothing but due expiries may run before `execute`). A host
    /// that sizes something by the order (the Broker's hold) reads it here.
    pub fn named_order(&self) -> Option<NamedOrder> {
        match self.plan {
            Plan::Amend { order, .. } | Plan::Cancel { order, .. } => Some(order),
            _ => None,
        }
    }

    /// The order this command is about: the id a place will get if executed now,
    /// or the live order an amend or cancel names (resolved from a client order id
    /// if that is how it was named). `None` for other commands.
    pub fn order_id(&self) -> Option<OrderId> {
        match self.plan {
            Plan::Place { order_id, .. } => Some(order_id),
            Plan::Amend { order, .. } | Plan::Cancel { order, .. } => Some(order.order_id),
            _ => None,
        }
    }
}

/// How a checked command runs: what validation found, so execution does not look
/// it up again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    Register,
    SetStatus {
        instrument: usize,
    },
    Place {
        instrument: usize,
        order_id: OrderId,
    },
    /// `key` is the order's slot in the order store.
    Amend {
        key: u32,
        order: NamedOrder,
    },
    Cancel {
        key: u32,
        order: NamedOrder,
    },
    MassCancel,
    ExpireDue,
}

/// A live order as an amend or cancel found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NamedOrder {
    pub order_id: OrderId,
    pub account: AccountId,
    pub instrument: InstrumentId,
    pub side: Side,
    pub price: Ticks,
    pub leaves: Lots,
    pub filled: Lots,
    pub version: u32,
    /// A stop waiting for its trigger (outside the book; `price` is its limit,
    /// or its trigger for a stop-market).
    pub waiting: bool,
}

/// Where an order stands after the command that placed or amended it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// In the book with `leaves` open.
    Resting,
    /// A stop waiting outside the book for its trigger, with `leaves` open.
    Waiting,
    /// Filled in full: nothing rests.
    Filled,
    /// Ended without resting (IOC/FOK remainder, no liquidity, self-trade prevention).
    Cancelled(CancelReason),
}

impl OrderStatus {
    /// A stable name: `resting`, `filled`, or the cancel reason's code.
    pub fn code(self) -> &'static str {
        match self {
            OrderStatus::Resting => "resting",
            OrderStatus::Waiting => "waiting",
            OrderStatus::Filled => "filled",
            OrderStatus::Cancelled(r) => r.code(),
        }
    }
}

/// What an executed command did. Trading refusals (halted, post-only would cross)
/// are [`Outcome::Rejected`], and are also a `Rejected` event in the journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The order was accepted: `filled` traded now, `leaves` rest (when
    /// `status` is `Resting`) or were cancelled (when it is `Cancelled`).
    Placed {
        order_id: OrderId,
        status: OrderStatus,
        filled: Lots,
        leaves: Lots,
    },
    /// A place (`order_id` None) or an amend of a live order was refused for a
    /// trading reason; nothing else changed but due expiries.
    Rejected {
        order_id: Option<OrderId>,
        reason: RejectReason,
    },
    /// The order was amended to `price` with `leaves` open before any match the
    /// amend caused; `filled` is its cumulative fill and `status` where it ended.
    Amended {
        order_id: OrderId,
        version: u32,
        price: Ticks,
        filled: Lots,
        leaves: Lots,
        priority_kept: bool,
        status: OrderStatus,
    },
    /// The order was cancelled with `leaves` open (now never to trade).
    Cancelled {
        order_id: OrderId,
        leaves: Lots,
        filled: Lots,
    },
    InstrumentRegistered {
        instrument: InstrumentId,
    },
    /// The status changed; `cancelled` resting orders were cancelled with it.
    TradingStatusSet {
        instrument: InstrumentId,
        cancelled: u32,
    },
    MassCancelled {
        orders: u32,
    },
    /// Time moved to `now`; `expired` GTD orders expired.
    TimePassed {
        now: Timestamp,
        expired: u32,
    },
}

impl Outcome {
    /// The order the command placed, amended or cancelled, if any.
    pub fn order_id(&self) -> Option<OrderId> {
        match *self {
            Outcome::Placed { order_id, .. }
            | Outcome::Amended { order_id, .. }
            | Outcome::Cancelled { order_id, .. } => Some(order_id),
            Outcome::Rejected { order_id, .. } => order_id,
            _ => None,
        }
    }

    /// Was the command refused for a trading reason?
    pub fn is_rejected(&self) -> bool {
        matches!(self, Outcome::Rejected { .. })
    }
}
