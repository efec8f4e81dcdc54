//! Core values → API shapes. Prices and quantities through the instrument's
//! exact conversions, amounts at the asset's scale.

use brokerx_engine::broker::{BrokerEvent, BrokerEventKind};
use brokerx_engine::{AccountId, EventKind, LevelView, OrderId, OrderView, Side, TimeInForce};
use brokerx_ledger::{Amount, AssetSpec};

use super::dto::{FillDto, LevelDto, OrderDto, SideDto, TimeInForceDto};
use super::error::ApiError;
use crate::writer::MarketInfo;

pub fn side(s: Side) -> SideDto {
    match s {
        Side::Buy => SideDto::Buy,
        Side::Sell => SideDto::Sell,
    }
}

pub fn tif(t: TimeInForce) -> TimeInForceDto {
    match t {
        TimeInForce::Gtc => TimeInForceDto::Gtc,
        TimeInForce::Ioc => TimeInForceDto::Ioc,
        TimeInForce::Fok => TimeInForceDto::Fok,
        _ => TimeInForceDto::Gtd,
    }
}

/// A price at the tick's precision (`100.50` for a 0.01 tick).
pub fn price(i: &brokerx_engine::Instrument, ticks: brokerx_engine::Ticks) -> String {
    let mut d = i.ticks_to_price(ticks);
    let scale = i.spec.tick_size.scale();
    if d.scale() < scale {
        d.rescale(scale);
    }
    d.to_string()
}

pub fn amount(asset: &AssetSpec, a: Amount) -> String {
    asset.amount_to_decimal(a).map_or_else(|_| a.minor().to_string(), |d| d.to_string())
}

pub fn level(m: &MarketInfo, l: &LevelView) -> LevelDto {
    LevelDto {
        price: price(&m.instrument, l.price),
        quantity: m.instrument.lots_to_qty(l.qty).to_string(),
        orders: l.orders,
    }
}

/// A live order.
pub fn live_order(m: &MarketInfo, o: &OrderView) -> OrderDto {
    let i = &m.instrument;
    OrderDto {
        order_id: o.order_id.0.to_string(),
        client_order_id: o.client_order_id.map(|c| c.as_str().to_string()),
        account: o.account.0.to_string(),
        symbol: i.spec.symbol.clone(),
        side: side(o.side),
        price: Some(price(i, o.price)),
        quantity: i.lots_to_qty(o.qty).to_string(),
        filled: i.lots_to_qty(o.filled).to_string(),
        remaining: i.lots_to_qty(o.remaining).to_string(),
        status: if o.filled.0 > 0 { "partially_filled" } else { "open" }.to_string(),
        cancel_reason: None,
        version: o.version,
        time_in_force: Some(tif(o.time_in_force)),
        post_only: Some(o.post_only),
        expire_at: o.expire_at.map(|t| t.0.to_string()),
        fills: Vec::new(),
    }
}

/// The refusal in a command's events, if it was refused for a trading reason.
pub fn refusal(events: &[BrokerEvent]) -> Option<ApiError> {
    events.iter().find_map(|e| match &e.kind {
        BrokerEventKind::OrderRejected { reject, .. } => Some(ApiError::rejection(reject)),
        BrokerEventKind::Order(EventKind::Rejected { reason, .. }) => Some(ApiError::engine_reject(*reason)),
        _ => None,
    })
}

/// The order a command placed, amended or cancelled, from its events and the
/// order's live view after it (if it is still live).
pub fn order_after(
    m: &MarketInfo,
    account: AccountId,
    id: OrderId,
    events: &[BrokerEvent],
    live: Option<&OrderView>,
) -> OrderDto {
    let i = &m.instrument;
    let mut dto = live.map(|o| live_order(m, o)).unwrap_or_else(|| OrderDto {
        order_id: id.0.to_string(),
        client_order_id: None,
        account: account.0.to_string(),
        symbol: i.spec.symbol.clone(),
        side: SideDto::Buy,
        price: None,
        quantity: "0".into(),
        filled: "0".into(),
        remaining: "0".into(),
        status: "filled".into(),
        cancel_reason: None,
        version: 0,
        time_in_force: None,
        post_only: None,
        expire_at: None,
        fills: Vec::new(),
    });
    let mut filled_lots = 0i64;
    for e in events {
        let BrokerEventKind::Order(kind) = &e.kind else { continue };
        match *kind {
            EventKind::Accepted { order_id, side: s, price, qty, time_in_force, client_order_id, .. }
                if order_id == id && live.is_none() =>
            {
                dto.side = side(s);
                dto.price = price.map(|p| self::price(i, p));
                dto.quantity = i.lots_to_qty(qty).to_string();
                dto.time_in_force = Some(tif(time_in_force));
                dto.client_order_id = client_order_id.map(|c| c.as_str().to_string());
            }
            EventKind::Trade { trade_id, price, qty, maker_order_id, taker_order_id, .. }
                if maker_order_id == id || taker_order_id == id =>
            {
                filled_lots += qty.0;
                dto.fills.push(FillDto {
                    trade_id: trade_id.0.to_string(),
                    price: self::price(i, price),
                    quantity: i.lots_to_qty(qty).to_string(),
                    liquidity: if taker_order_id == id { "taker" } else { "maker" }.into(),
                });
            }
            EventKind::Cancelled { order_id, side: s, price, qty, filled, reason, .. } if order_id == id => {
                dto.status = "cancelled".into();
                dto.cancel_reason = Some(reason.code().into());
                dto.side = side(s);
                if dto.price.is_none() {
                    dto.price = price.map(|p| self::price(i, p));
                }
                dto.filled = i.lots_to_qty(filled).to_string();
                dto.remaining = "0".into();
                dto.quantity = i.lots_to_qty(brokerx_engine::Lots(filled.0 + qty.0)).to_string();
            }
            EventKind::Expired { order_id, side: s, price, qty, filled, .. } if order_id == id => {
                dto.status = "expired".into();
                dto.side = side(s);
                dto.price = Some(self::price(i, price));
                dto.filled = i.lots_to_qty(filled).to_string();
                dto.remaining = "0".into();
                dto.quantity = i.lots_to_qty(brokerx_engine::Lots(filled.0 + qty.0)).to_string();
            }
            EventKind::Amended { order_id, version, .. } if order_id == id => dto.version = version,
            _ => {}
        }
    }
    if live.is_none() && dto.status == "filled" {
        dto.filled = dto.quantity.clone();
        if filled_lots == 0 {
            dto.status = "done".into();
        }
    }
    dto
}
