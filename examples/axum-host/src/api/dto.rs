//! The JSON shapes of the API. Decimals are strings; ids and nanosecond
//! timestamps (which pass 2^53) are strings too. Request bodies refuse unknown
//! fields. The OpenAPI document is generated from these types.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SideDto {
    Buy,
    Sell,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderTypeDto {
    #[default]
    Limit,
    Market,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeInForceDto {
    Gtc,
    Ioc,
    Fok,
    Gtd,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StpDto {
    #[default]
    None,
    CancelTaker,
    CancelMaker,
    CancelBoth,
    Decrement,
}

/// `POST /orders` (and `place` over the WebSocket).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceRequest {
    #[schema(example = "ACME/USD")]
    pub symbol: String,
    pub side: SideDto,
    #[serde(rename = "type", default)]
    pub order_type: OrderTypeDto,
    /// Required for limit orders, refused for market orders; on the tick grid.
    #[schema(example = "101.25")]
    pub price: Option<String>,
    #[schema(example = "10")]
    pub quantity: String,
    /// Default: gtc for limit orders, ioc for market orders.
    pub time_in_force: Option<TimeInForceDto>,
    #[serde(default)]
    pub post_only: bool,
    #[serde(default)]
    pub stp: StpDto,
    #[schema(example = "my-order-1")]
    pub client_order_id: Option<String>,
    /// GTD expiry, ns since the Unix epoch, as a string.
    #[schema(example = "1900000000000000000")]
    pub expire_at: Option<String>,
}

/// `PATCH /orders/{id}`: a new price and/or a new total quantity.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendRequest {
    pub price: Option<String>,
    /// The new total quantity (filled + remaining).
    pub quantity: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FillDto {
    pub trade_id: String,
    pub price: String,
    pub quantity: String,
    /// `maker` or `taker`.
    pub liquidity: String,
}

/// An order as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderDto {
    pub order_id: String,
    pub client_order_id: Option<String>,
    pub account: String,
    pub symbol: String,
    pub side: SideDto,
    /// `None` for a market order.
    pub price: Option<String>,
    /// Total: filled + remaining.
    pub quantity: String,
    pub filled: String,
    pub remaining: String,
    /// `open`, `partially_filled`, `filled`, `cancelled`.
    pub status: String,
    /// Why it was cancelled (`user`, `ioc_remainder`, `stp` …), when it was.
    pub cancel_reason: Option<String>,
    pub version: u32,
    pub time_in_force: Option<TimeInForceDto>,
    pub post_only: Option<bool>,
    pub expire_at: Option<String>,
    /// Fills of the command that answered (a place or an amend that crossed).
    pub fills: Vec<FillDto>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct OrderList {
    pub orders: Vec<OrderDto>,
}

/// `POST /accounts/{account}/deposits|withdrawals`, with an `Idempotency-Key` header.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundsRequest {
    #[schema(example = "USD")]
    pub asset: String,
    #[schema(example = "1000.00")]
    pub amount: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FundsDto {
    pub idempotency_key: String,
    pub account: String,
    pub asset: String,
    pub amount: String,
    /// `deposit` or `withdrawal`.
    pub direction: String,
    /// The ledger's status: `ok` here; a refusal is a 422 with it as the code.
    pub status: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BalanceDto {
    pub asset: String,
    /// Posted balance.
    pub balance: String,
    /// Posted less held by open orders.
    pub available: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Balances {
    pub account: String,
    pub balances: Vec<BalanceDto>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MarketDto {
    pub symbol: String,
    pub base: String,
    pub quote: String,
    pub tick_size: String,
    pub lot_size: String,
    pub min_quantity: String,
    pub max_quantity: String,
    /// `open`, `halted`, `closed`.
    pub status: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct MarketList {
    pub markets: Vec<MarketDto>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LevelDto {
    pub price: String,
    pub quantity: String,
    pub orders: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct BookDto {
    pub symbol: String,
    /// The market's L2 sequence: the WebSocket's `l2` deltas continue from it.
    pub seq: String,
    pub bids: Vec<LevelDto>,
    pub asks: Vec<LevelDto>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TradeDto {
    pub trade_id: String,
    pub price: String,
    pub quantity: String,
    /// The taker's side.
    pub aggressor: SideDto,
    /// ns since the Unix epoch.
    pub ts: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TradeList {
    pub symbol: String,
    pub trades: Vec<TradeDto>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    /// Commands applied (= journal records).
    pub applied: String,
    pub durable: String,
    pub state_hash: String,
    pub live_orders: u64,
}

// ---- admin ----

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetRequest {
    /// 1..=2^32-1.
    pub id: u32,
    #[schema(example = "USD")]
    pub code: String,
    /// Decimal places of the minor unit (USD 2).
    pub scale: u8,
    /// Largest balance a client wallet may reach by deposits, as a decimal.
    pub wallet_max_balance: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarketRequest {
    #[schema(example = "ACME/USD")]
    pub symbol: String,
    /// Asset codes.
    pub base: String,
    pub quote: String,
    #[schema(example = "0.01")]
    pub tick_size: String,
    #[schema(example = "1")]
    pub lot_size: String,
    pub min_quantity: Option<String>,
    pub max_quantity: Option<String>,
    #[serde(default)]
    pub risk: RiskRequest,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskRequest {
    /// ± band around the reference in basis points; `null` or absent: 1000 (10 %); 0 is refused.
    pub collar_bps: Option<u32>,
    /// Switch the collar off.
    #[serde(default)]
    pub no_collar: bool,
    pub reference_price: Option<String>,
    pub max_order_quantity: Option<String>,
    pub max_order_notional: Option<String>,
    #[serde(default)]
    pub maker_fee_bps: u32,
    #[serde(default)]
    pub taker_fee_bps: u32,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HaltRequest {
    /// Also cancel every resting order.
    #[serde(default)]
    pub cancel_resting: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KillSwitchRequest {
    /// `false` refuses the account's orders and cancels its open ones.
    pub enabled: bool,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsRequest {
    pub max_order_quantity: Option<u64>,
    /// In the quote asset's minor units.
    pub max_order_notional_minor: Option<String>,
    pub max_open_orders: Option<u32>,
    pub throttle_max_commands: Option<u32>,
    pub throttle_window_ms: Option<u64>,
}

/// What an admin command did: the events' count and the journal position.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AdminDone {
    pub position: String,
    pub events: u64,
}
