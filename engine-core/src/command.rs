//! Commands: everything that can change the engine. Each carries the host's
//! timestamp and an opaque correlation id that every resulting event repeats.

use serde::{Deserialize, Serialize};

use crate::instrument::{InstrumentSpec, TradingStatus};
use crate::types::{
    AccountId, ClientOrderId, CorrelationId, InstrumentId, Lots, OrderId, OrderType, SelfTradePrevention, Side, Ticks,
    TimeInForce, Timestamp,
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    /// Host time in ns; must not go backwards.
    pub ts: Timestamp,
    pub correlation_id: CorrelationId,
    pub kind: CommandKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancel {
    pub account: AccountId,
    pub order_id: OrderId,
}

/// Cancel every live order matching the filter (at least one field set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MassCancel {
    pub account: Option<AccountId>,
    pub instrument: Option<InstrumentId>,
}

/// Cancel/replace with optimistic locking. `new_qty` is the new *total* quantity
/// (FIX `OrderQty`): remaining = new_qty − filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amend {
    pub account: AccountId,
    pub order_id: OrderId,
    pub new_price: Option<Ticks>,
    pub new_qty: Option<Lots>,
    pub expected_version: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetTradingStatus {
    pub instrument: InstrumentId,
    pub status: TradingStatus,
    /// Also cancel every resting order of the instrument (reason `halted` / `closed`).
    pub cancel_resting: bool,
}
