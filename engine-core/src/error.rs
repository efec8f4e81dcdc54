//! Typed errors. A `CommandError` means the command could not be evaluated and
//! changed nothing: no event, no sequence number, no state. Refusals that are part
//! of trading (post-only would cross, instrument halted) are events instead
//! ([`crate::event::RejectReason`]) because they are journaled and replayed.
//!
//! Every variant has a stable snake_case `code()` that the bindings expose.

use thiserror::Error;

use crate::types::{AccountId, InstrumentId, Lots, OrderId, Ticks, Timestamp};

/// A Decimal or string at the boundary that does not fit the instrument's grid
/// (or an asset's scale): defined once, in the ledger, shared by both crates.
pub use brokerx_ledger::ConvertError;

/// A command that cannot be evaluated. Checked in the order the variants' codes are
/// listed in `docs/engine.md`, so the same first failure always wins.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CommandError {
    #[error("timestamp {ts} is before the engine's time {now}")]
    TimeWentBackwards { ts: Timestamp, now: Timestamp },
    #[error("unknown instrument {instrument}")]
    UnknownInstrument { instrument: InstrumentId },
    #[error("instrument symbol {symbol:?} is already registered")]
    DuplicateSymbol { symbol: String },
    #[error("invalid instrument spec: {why}")]
    InvalidInstrumentSpec { why: &'static str },
    #[error("quantity must be > 0 lots, got {qty}")]
    InvalidQuantity { qty: Lots },
    #[error("price must be 1..=2^53 ticks, got {price}")]
    InvalidPrice { price: Ticks },
    #[error("quantity {qty} lots is below the instrument minimum {min}")]
    QuantityBelowMin { qty: Lots, min: Lots },
    #[error("quantity {qty} lots is above the instrument maximum {max}")]
    QuantityAboveMax { qty: Lots, max: Lots },
    #[error("stop trigger must be 1..=2^53 ticks, got {trigger}")]
    InvalidTriggerPrice { trigger: Ticks },
    #[error("a by-amount order must spend more than 0 tick-lots, got {amount}")]
    InvalidAmount { amount: u64 },
    #[error("an iceberg's display must be 1 lot up to its quantity {qty}, got {display}")]
    InvalidDisplay { display: Lots, qty: Lots },
    #[error("iceberg orders must be gtc or gtd (only a resting order has something to hide)")]
    IcebergTimeInForce,
    #[error("market orders must be ioc or fok")]
    MarketOrderTimeInForce,
    #[error("stop-market orders must be gtc or gtd (they trade as ioc when triggered)")]
    StopMarketTimeInForce,
    #[error("stop orders cannot be post-only")]
    PostOnlyStop,
    #[error("post-only orders must be limit gtc or gtd")]
    PostOnlyTimeInForce,
    #[error("gtd orders need expire_at")]
    ExpireAtRequired,
    #[error("expire_at is only allowed on gtd orders and ioc or fok stop-limits")]
    ExpireAtNotAllowed,
    #[error("expire_at {expire_at} is not after the command time {ts}")]
    ExpireAtNotInFuture { expire_at: Timestamp, ts: Timestamp },
    #[error("client order id {client_order_id:?} is already live for account {account}")]
    DuplicateClientOrderId { account: AccountId, client_order_id: String },
    #[error("order {order_id} is unknown or no longer live")]
    UnknownOrder { order_id: OrderId },
    #[error("order {order_id} does not belong to account {account}")]
    OrderNotOwned { order_id: OrderId, account: AccountId },
    #[error("account {account} has no live order with client order id {client_order_id:?}")]
    UnknownClientOrderId { account: AccountId, client_order_id: String },
    #[error("amend needs a new price, a new quantity, a new trigger or a new display")]
    NothingToAmend,
    #[error("order {order_id} is not a waiting stop: it has no trigger to amend")]
    NotAStop { order_id: OrderId },
    #[error("order {order_id} is not an iceberg: it has no display to amend")]
    NotAnIceberg { order_id: OrderId },
    #[error("order {order_id} is a stop-market order: it has no limit price to amend")]
    StopMarketHasNoLimit { order_id: OrderId },
    #[error("order {order_id} is at version {current}, amend expected {expected}")]
    StaleVersion { order_id: OrderId, expected: u32, current: u32 },
    #[error("new total quantity {new_qty} must exceed the filled quantity {filled}")]
    AmendQtyAtOrBelowFilled { new_qty: Lots, filled: Lots },
    #[error("mass cancel needs an account, an instrument or both")]
    MassCancelNeedsFilter,
    #[error("the engine holds its maximum of {max} live orders")]
    OrderCapacityReached { max: usize },
    #[error("the book side holds its maximum of {max} price levels")]
    LevelCapacityReached { max: usize },
    #[error("the engine holds its maximum of {max} instruments")]
    InstrumentCapacityReached { max: usize },
    #[error("the engine ran another command since this one was checked: check it again")]
    StaleCheck,
}

impl CommandError {
    pub fn code(&self) -> &'static str {
        match self {
            CommandError::TimeWentBackwards { .. } => "time_went_backwards",
            CommandError::UnknownInstrument { .. } => "unknown_instrument",
            CommandError::DuplicateSymbol { .. } => "duplicate_symbol",
            CommandError::InvalidInstrumentSpec { .. } => "invalid_instrument_spec",
            CommandError::InvalidQuantity { .. } => "invalid_quantity",
            CommandError::InvalidPrice { .. } => "invalid_price",
            CommandError::QuantityBelowMin { .. } => "quantity_below_min",
            CommandError::QuantityAboveMax { .. } => "quantity_above_max",
            CommandError::InvalidTriggerPrice { .. } => "invalid_trigger_price",
            CommandError::InvalidAmount { .. } => "invalid_amount",
            CommandError::InvalidDisplay { .. } => "invalid_display",
            CommandError::IcebergTimeInForce => "iceberg_time_in_force",
            CommandError::MarketOrderTimeInForce => "market_order_time_in_force",
            CommandError::StopMarketTimeInForce => "stop_market_time_in_force",
            CommandError::PostOnlyStop => "post_only_stop",
            CommandError::PostOnlyTimeInForce => "post_only_time_in_force",
            CommandError::ExpireAtRequired => "expire_at_required",
            CommandError::ExpireAtNotAllowed => "expire_at_not_allowed",
            CommandError::ExpireAtNotInFuture { .. } => "expire_at_not_in_future",
            CommandError::DuplicateClientOrderId { .. } => "duplicate_client_order_id",
            CommandError::UnknownOrder { .. } => "unknown_order",
            CommandError::OrderNotOwned { .. } => "order_not_owned",
            CommandError::UnknownClientOrderId { .. } => "unknown_client_order_id",
            CommandError::NothingToAmend => "nothing_to_amend",
            CommandError::NotAStop { .. } => "not_a_stop",
            CommandError::NotAnIceberg { .. } => "not_an_iceberg",
            CommandError::StopMarketHasNoLimit { .. } => "stop_market_has_no_limit",
            CommandError::StaleVersion { .. } => "stale_version",
            CommandError::AmendQtyAtOrBelowFilled { .. } => "amend_qty_at_or_below_filled",
            CommandError::MassCancelNeedsFilter => "mass_cancel_needs_filter",
            CommandError::OrderCapacityReached { .. } => "order_capacity_reached",
            CommandError::LevelCapacityReached { .. } => "level_capacity_reached",
            CommandError::InstrumentCapacityReached { .. } => "instrument_capacity_reached",
            CommandError::StaleCheck => "stale_check",
        }
    }
}

/// A snapshot that cannot be restored.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SnapshotError {
    #[error("snapshot format version {found} is not supported (expected {expected})")]
    UnsupportedVersion { found: u32, expected: u32 },
    #[error("snapshot is inconsistent: {why}")]
    Inconsistent { why: String },
}

impl SnapshotError {
    pub fn code(&self) -> &'static str {
        match self {
            SnapshotError::UnsupportedVersion { .. } => "snapshot_version_unsupported",
            SnapshotError::Inconsistent { .. } => "snapshot_inconsistent",
        }
    }
}
