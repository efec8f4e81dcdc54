//! Option objects, declared for the generated TypeScript only: the methods read
//! them field by field (`args::Opts`), so a wrong type names its field.
#![allow(dead_code)]

use napi_derive::napi;

/// Every command's options: the command's time (ns since the Unix epoch; omitted:
/// the wall clock, clamped by the core's `HostClock` rule) and an opaque id
/// that all its events repeat.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct CommandOptions {
    #[napi(ts_type = "bigint | number")]
    pub ts: Option<u64>,
    #[napi(ts_type = "bigint | number")]
    pub correlation_id: Option<u64>,
}

#[napi(object, object_to_js = false, object_from_js = false)]
pub struct EngineOptions {
    pub max_orders: Option<u32>,
    pub max_levels_per_side: Option<u32>,
    pub max_instruments: Option<u32>,
    pub market_data: Option<bool>,
    /// Stops one command may fire per instrument (then `TriggerLimitReached`).
    pub max_triggers_per_command: Option<u32>,
    /// Engine only: the bound of the event queue of `placeQueued` / `submitMany`.
    pub max_queued_events: Option<u32>,
    /// Engine only: whether `submitRange` queues its events (default `'queue'`).
    #[napi(ts_type = "'queue' | 'none'")]
    pub batch_events: Option<String>,
}

#[napi(object, object_to_js = false, object_from_js = false)]
pub struct InstrumentOptions {
    pub min_qty: Option<String>,
    pub max_qty: Option<String>,
}

#[napi(object, object_to_js = false, object_from_js = false)]
pub struct PlaceOptions {
    #[napi(ts_type = "TimeInForce")]
    pub time_in_force: Option<String>,
    #[napi(ts_type = "bigint | number")]
    pub expire_at: Option<u64>,
    pub post_only: Option<bool>,
    #[napi(ts_type = "SelfTradePrevention")]
    pub stp: Option<String>,
    pub client_order_id: Option<String>,
    /// A stop's trigger price: a stop-limit at `price`, a stop-market for `price` `null`.
    pub trigger: Option<String>,
    /// An order by quote amount (in quote units, at most `qty`): a limit-by-amount
    /// at `price`, a market-by-amount for `price` `null`. Never with `trigger`.
    pub amount: Option<String>,
    /// Makes a limit order (with `price`) an iceberg showing at most `display`.
    /// Never with `trigger`, `amount` or without a price.
    pub display: Option<String>,
}

#[napi(object, object_to_js = false, object_from_js = false)]
pub struct AmendChange {
    pub price: Option<String>,
    pub qty: Option<String>,
    /// A waiting stop's new trigger.
    pub trigger: Option<String>,
    /// An iceberg's new display.
    pub display: Option<String>,
    pub expected_version: Option<u32>,
}

#[napi(object, object_to_js = false, object_from_js = false)]
pub struct MassCancelFilter {
    #[napi(ts_type = "bigint | number")]
    pub account: Option<u64>,
    #[napi(ts_type = "number | string")]
    pub instrument: Option<String>,
}

#[napi(string_enum = "lowercase")]
#[derive(Debug)]
pub enum Side {
    Buy,
    Sell,
}

#[napi(string_enum = "lowercase")]
#[derive(Debug)]
pub enum TimeInForce {
    Gtc,
    Ioc,
    Fok,
    Gtd,
}

#[napi(string_enum = "snake_case")]
#[derive(Debug)]
pub enum SelfTradePrevention {
    None,
    CancelTaker,
    CancelMaker,
    CancelBoth,
    Decrement,
}

#[napi(string_enum = "lowercase")]
#[derive(Debug)]
pub enum TradingStatus {
    Open,
    Halted,
    Closed,
}

/// An instrument's risk settings; prices and quantities on its grid, the
/// notional in the quote asset's units. Omitted: the core's defaults (collar 1000 bps).
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct InstrumentRiskInput {
    #[napi(ts_type = "'active' | 'reducing' | 'halted'")]
    pub state: Option<String>,
    pub max_order_qty: Option<String>,
    pub max_order_notional: Option<String>,
    #[napi(ts_type = "number | null")]
    pub collar_bps: Option<u32>,
    pub reference_price: Option<String>,
    pub fail_closed: Option<bool>,
    pub maker_fee_bps: Option<u32>,
    pub taker_fee_bps: Option<u32>,
}

/// An account's limits, in the core's integers: lots, quote minor units, counts.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct AccountLimitsInput {
    #[napi(ts_type = "bigint | number")]
    pub max_order_qty: Option<String>,
    #[napi(ts_type = "bigint | number")]
    pub max_order_notional: Option<String>,
    pub max_open_orders: Option<u32>,
    #[napi(ts_type = "{ maxCommands: number; windowNs: bigint | number }")]
    pub throttle: Option<String>,
}

/// One ledger transfer. `kind` (or raw `flags`) says what it is; amounts are minor
/// units as `bigint`; a post, `post_part`, void or resize names its hold by `pendingId`.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct TransferInput {
    #[napi(ts_type = "bigint | number")]
    pub id: String,
    #[napi(ts_type = "'single' | 'pending' | 'post' | 'post_part' | 'void' | 'resize'")]
    pub kind: Option<String>,
    pub flags: Option<u32>,
    #[napi(ts_type = "{ owner: bigint | number; asset: number }")]
    pub debit: Option<String>,
    #[napi(ts_type = "{ owner: bigint | number; asset: number }")]
    pub credit: Option<String>,
    #[napi(ts_type = "bigint")]
    pub amount: Option<String>,
    #[napi(ts_type = "bigint | number")]
    pub pending_id: Option<String>,
    #[napi(ts_type = "bigint | number")]
    pub timeout_ns: Option<String>,
    pub code: Option<u32>,
    #[napi(ts_type = "bigint | number")]
    pub user_data: Option<String>,
    pub linked: Option<bool>,
}
