//! Commands: everything that can change the engine. Each carries the host's
//! timestamp and an opaque correlation id that every resulting event repeats.

use serde::{Deserialize, Serialize};

use crate::instrument::{InstrumentSpec, TradingStatus};
use crate::types::{
    AccountId, ClientOrderId, CorrelationId, InstrumentId, Lots, Notional, OrderId, OrderType, SelfTradePrevention,
    Side, Ticks, TimeInForce, Timestamp,
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    /// Host time in ns; must not go backwards.
    pub ts: Timestamp,
    pub correlation_id: CorrelationId,
    pub kind: CommandKind,
}

// An explicit tag: `apply` dispatches on it with one load, where a tag
// folded into a variant's spare bits costs a subtract and a conditional move.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[repr(u8)]
pub enum CommandKind {
    RegisterInstrument(InstrumentSpec),
    SetTradingStatus(SetTradingStatus),
    Place(Place),
    Cancel(Cancel),
    MassCancel(MassCancel),
    Amend(Amend),
    /// Expire every GTD order whose `expire_at ≤ ts` (what `Engine::on_time` sends).
    ExpireDue,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub account: AccountId,
    pub instrument: InstrumentId,
    pub side: Side,
    pub order_type: OrderType,
    pub qty: Lots,
    pub time_in_force: TimeInForce,
    /// Required for GTD, refused otherwise.
    pub expire_at: Option<Timestamp>,
    pub post_only: bool,
    pub stp: SelfTradePrevention,
    pub client_order_id: Option<ClientOrderId>,
}

impl Place {
    /// A GTC limit order with no STP, no client id.
    pub fn limit(account: AccountId, instrument: InstrumentId, side: Side, price: Ticks, qty: Lots) -> Self {
        Place {
            account,
            instrument,
            side,
            order_type: OrderType::Limit(price),
            qty,
            time_in_force: TimeInForce::Gtc,
            expire_at: None,
            post_only: false,
            stp: SelfTradePrevention::None,
            client_order_id: None,
        }
    }

    /// An IOC market order.
    pub fn market(account: AccountId, instrument: InstrumentId, side: Side, qty: Lots) -> Self {
        Place {
            order_type: OrderType::Market,
            time_in_force: TimeInForce::Ioc,
            ..Place::limit(account, instrument, side, Ticks(0), qty)
        }
    }

    /// A GTC stop-market order: waits outside the book until a trade prints at or
    /// through `trigger` (at or above for a buy, at or below for a sell), then
    /// trades as a market order (IOC). GTD (`with_expire_at`) also allowed.
    pub fn stop_market(account: AccountId, instrument: InstrumentId, side: Side, trigger: Ticks, qty: Lots) -> Self {
        Place {
            order_type: OrderType::StopMarket { trigger },
            ..Place::limit(account, instrument, side, Ticks(0), qty)
        }
    }

    /// A GTC stop-limit order: waits like [`Place::stop_market`], then enters the
    /// book as a limit order at `limit` with this order's time in force.
    pub fn stop_limit(
        account: AccountId,
        instrument: InstrumentId,
        side: Side,
        trigger: Ticks,
        limit: Ticks,
        qty: Lots,
    ) -> Self {
        Place {
            order_type: OrderType::StopLimit { trigger, limit },
            ..Place::limit(account, instrument, side, Ticks(0), qty)
        }
    }

    /// An IOC order that spends at most `amount` (tick·lots) on at most `qty`
    /// lots, at any price (see [`OrderType::MarketByAmount`]).
    pub fn market_by_amount(
        account: AccountId,
        instrument: InstrumentId,
        side: Side,
        amount: Notional,
        qty: Lots,
    ) -> Self {
        Place {
            order_type: OrderType::MarketByAmount { amount },
            time_in_force: TimeInForce::Ioc,
            ..Place::limit(account, instrument, side, Ticks(0), qty)
        }
    }

    /// A GTC iceberg: a limit order at `limit` showing at most `display` of its
    /// `qty` lots (see [`OrderType::Iceberg`]).
    pub fn iceberg(
        account: AccountId,
        instrument: InstrumentId,
        side: Side,
        limit: Ticks,
        qty: Lots,
        display: Lots,
    ) -> Self {
        Place {
            order_type: OrderType::Iceberg { limit, display },
            ..Place::limit(account, instrument, side, limit, qty)
        }
    }

    pub fn with_tif(mut self, tif: TimeInForce) -> Self {
        self.time_in_force = tif;
        self
    }
    pub fn with_expire_at(mut self, expire_at: Timestamp) -> Self {
        self.time_in_force = TimeInForce::Gtd;
        self.expire_at = Some(expire_at);
        self
    }
    pub fn with_post_only(mut self) -> Self {
        self.post_only = true;
        self
    }
    pub fn with_stp(mut self, stp: SelfTradePrevention) -> Self {
        self.stp = stp;
        self
    }
    pub fn with_client_order_id(mut self, id: ClientOrderId) -> Self {
        self.client_order_id = Some(id);
        self
    }
}

/// Which order a cancel or amend names: the engine's id, or the client's own id
/// (FIX `OrigClOrdID`), which the engine resolves among the account's live orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderRef {
    Id(OrderId),
    Client(ClientOrderId),
}

impl From<OrderId> for OrderRef {
    fn from(id: OrderId) -> Self {
        OrderRef::Id(id)
    }
}

impl From<ClientOrderId> for OrderRef {
    fn from(id: ClientOrderId) -> Self {
        OrderRef::Client(id)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancel {
    pub account: AccountId,
    pub order: OrderRef,
}

impl Cancel {
    /// Cancel `account`'s order by the engine's id or the client's id.
    pub fn new(account: AccountId, order: impl Into<OrderRef>) -> Self {
        Cancel { account, order: order.into() }
    }
}

/// Cancel every live order matching the filter (at least one field set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MassCancel {
    pub account: Option<AccountId>,
    pub instrument: Option<InstrumentId>,
}

/// Cancel/replace with optimistic locking. `new_qty` is the new *total* quantity
/// (FIX `OrderQty`): remaining = new_qty − filled. For a waiting stop-limit
/// `new_price` is its limit; `new_trigger` applies to waiting stops only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amend {
    pub account: AccountId,
    pub order: OrderRef,
    pub new_price: Option<Ticks>,
    pub new_qty: Option<Lots>,
    pub expected_version: Option<u32>,
    /// A waiting stop's new trigger (refused, `not_a_stop`, for any other order).
    #[serde(default)]
    pub new_trigger: Option<Ticks>,
    /// A resting iceberg's new display (refused, `not_an_iceberg`, for any other order).
    #[serde(default)]
    pub new_display: Option<Lots>,
}

impl Amend {
    /// An amend of `account`'s order that changes nothing yet: add a price, a
    /// quantity, a stop's trigger, or several (an amend with none is refused, `nothing_to_amend`).
    pub fn new(account: AccountId, order: impl Into<OrderRef>) -> Self {
        Amend {
            account,
            order: order.into(),
            new_price: None,
            new_qty: None,
            expected_version: None,
            new_trigger: None,
            new_display: None,
        }
    }
    /// A resting iceberg's new display.
    pub fn with_display(mut self, display: Lots) -> Self {
        self.new_display = Some(display);
        self
    }
    /// A waiting stop's new trigger.
    pub fn with_trigger(mut self, trigger: Ticks) -> Self {
        self.new_trigger = Some(trigger);
        self
    }
    pub fn with_price(mut self, price: Ticks) -> Self {
        self.new_price = Some(price);
        self
    }
    /// The new *total* quantity (filled + remaining).
    pub fn with_qty(mut self, qty: Lots) -> Self {
        self.new_qty = Some(qty);
        self
    }
    /// Refuse the amend (`stale_version`) unless the order is at this version.
    pub fn expecting_version(mut self, version: u32) -> Self {
        self.expected_version = Some(version);
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetTradingStatus {
    pub instrument: InstrumentId,
    pub status: TradingStatus,
    /// Also cancel every resting order of the instrument (reason `halted` / `closed`).
    pub cancel_resting: bool,
}
