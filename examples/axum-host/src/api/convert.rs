//! API requests → Broker commands, for REST and the WebSocket alike. Every
//! number goes through the core's exact conversions (`price_to_ticks`,
//! `qty_to_lots`, `Funds::from_decimal`); what they refuse is refused here,
//! before the writer sees anything.

use brokerx_engine::{
    AccountId, Amend, ClientOrderId, OrderRef, OrderType, Place, SelfTradePrevention, Side, TimeInForce, Timestamp,
};

use super::dto::{AmendRequest, OrderTypeDto, PlaceRequest, SideDto, StpDto, TimeInForceDto};
use super::error::ApiError;
use super::extract::{decimal, id_u64};
use crate::writer::{Catalog, MarketInfo};

pub fn market<'a>(catalog: &'a Catalog, symbol: &str) -> Result<&'a MarketInfo, ApiError> {
    catalog.market(symbol).ok_or_else(|| ApiError::unprocessable("unknown_instrument", format!("no market {symbol:?}")))
}

pub fn client_order_id(s: &str) -> Result<ClientOrderId, ApiError> {
    ClientOrderId::new(s).map_err(|e| ApiError::convert("client_order_id", &e))
}

pub fn place(catalog: &Catalog, account: AccountId, req: &PlaceRequest) -> Result<Place, ApiError> {
    let m = market(catalog, &req.symbol)?;
    let i = &m.instrument;
    let qty = i.qty_to_lots(decimal("quantity", &req.quantity)?).map_err(|e| ApiError::convert("quantity", &e))?;
    let side = match req.side {
        SideDto::Buy => Side::Buy,
        SideDto::Sell => Side::Sell,
    };
    let order_type = match (req.order_type, &req.price) {
        (OrderTypeDto::Limit, Some(p)) => {
            OrderType::Limit(i.price_to_ticks(decimal("price", p)?).map_err(|e| ApiError::convert("price", &e))?)
        }
        (OrderTypeDto::Limit, None) => {
            return Err(ApiError::unprocessable("price_required", "a limit order needs a price"))
        }
        (OrderTypeDto::Market, None) => OrderType::Market,
        (OrderTypeDto::Market, Some(_)) => {
            return Err(ApiError::unprocessable("price_not_allowed", "a market order takes no price"))
        }
    };
    let time_in_force = match req.time_in_force {
        Some(TimeInForceDto::Gtc) => TimeInForce::Gtc,
        Some(TimeInForceDto::Ioc) => TimeInForce::Ioc,
        Some(TimeInForceDto::Fok) => TimeInForce::Fok,
        Some(TimeInForceDto::Gtd) => TimeInForce::Gtd,
        None if order_type == OrderType::Market => TimeInForce::Ioc,
        None => TimeInForce::Gtc,
    };
    let expire_at = match &req.expire_at {
        Some(s) => Some(Timestamp(id_u64(s).ok_or_else(|| {
            ApiError::unprocessable("invalid_timestamp", "expire_at: ns since the epoch as a decimal string")
        })?)),
        None => None,
    };
    let stp = match req.stp {
        StpDto::None => SelfTradePrevention::None,
        StpDto::CancelTaker => SelfTradePrevention::CancelTaker,
        StpDto::CancelMaker => SelfTradePrevention::CancelMaker,
        StpDto::CancelBoth => SelfTradePrevention::CancelBoth,
        StpDto::Decrement => SelfTradePrevention::Decrement,
    };
    let client_order_id = req.client_order_id.as_deref().map(client_order_id).transpose()?;
    Ok(Place {
        account,
        instrument: i.id,
        side,
        order_type,
        qty,
        time_in_force,
        expire_at,
        post_only: req.post_only,
        stp,
        client_order_id,
    })
}

/// An amend of `order`; `market` is the order's market (looked up first).
pub fn amend(
    m: &MarketInfo,
    account: AccountId,
    order: OrderRef,
    req: &AmendRequest,
    expected_version: Option<u32>,
) -> Result<Amend, ApiError> {
    let i = &m.instrument;
    let mut a = Amend::new(account, order);
    if let Some(p) = &req.price {
        a = a.with_price(i.price_to_ticks(decimal("price", p)?).map_err(|e| ApiError::convert("price", &e))?);
    }
    if let Some(q) = &req.quantity {
        a = a.with_qty(i.qty_to_lots(decimal("quantity", q)?).map_err(|e| ApiError::convert("quantity", &e))?);
    }
    a.expected_version = expected_version;
    Ok(a)
}
