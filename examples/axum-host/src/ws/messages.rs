//! WebSocket messages: what a client sends (`op`) and what the host sends
//! (`type`), as JSON text frames. Decimals are strings, like the REST API.

use brokerx_engine::broker::{BrokerEvent, BrokerEventKind};
use brokerx_engine::{AccountId, EventKind, LevelView};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::dto::{AmendRequest, PlaceRequest};
use crate::api::render;
use crate::writer::{Catalog, Feed, MarketInfo};

/// What a client sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Market data of one market: a `book` snapshot, then `l2`, `bbo`, `trade`, `status`.
    Subscribe {
        symbol: String,
    },
    Unsubscribe {
        symbol: String,
    },
    /// A fresh `book` snapshot (after a gap in `l2` sequence numbers).
    Resync {
        symbol: String,
    },
    Place {
        req_id: Option<String>,
        #[serde(flatten)]
        order: PlaceRequest,
    },
    Amend {
        req_id: Option<String>,
        order_id: String,
        version: Option<u32>,
        #[serde(flatten)]
        amend: AmendRequest,
    },
    Cancel {
        req_id: Option<String>,
        order_id: String,
    },
}

fn level(m: &MarketInfo, l: Option<LevelView>) -> Value {
    l.map_or(Value::Null, |l| serde_json::to_value(render::level(m, &l)).unwrap_or(Value::Null))
}

/// A feed item as a message, if it is for this session: market data of a
/// subscribed market, or the session account's own reports and balances.
pub fn feed_message(
    catalog: &Catalog,
    me: AccountId,
    subscribed: &dyn Fn(&brokerx_engine::InstrumentId) -> bool,
    f: &Feed,
    out: &mut Vec<Value>,
) {
    if let Some(instrument) = f.instrument() {
        if !subscribed(&instrument) {
            return;
        }
        let Some(m) = catalog.market_by_id(instrument) else { return };
        let symbol = &m.instrument.spec.symbol;
        let i = &m.instrument;
        out.push(match *f {
            Feed::Level { seq, side, price, qty, orders, .. } => json!({
                "type": "l2", "symbol": symbol, "seq": seq.to_string(), "side": render::side(side),
                "price": render::price(i, price), "quantity": i.lots_to_qty(qty).to_string(), "orders": orders,
            }),
            Feed::Bbo { bid, ask, .. } => {
                json!({"type": "bbo", "symbol": symbol, "bid": level(m, bid), "ask": level(m, ask)})
            }
            Feed::Trade(t) => json!({
                "type": "trade", "symbol": symbol, "trade_id": t.trade_id.0.to_string(),
                "price": render::price(i, t.price), "quantity": i.lots_to_qty(t.qty).to_string(),
                "aggressor": render::side(t.aggressor), "ts": t.ts.0.to_string(),
            }),
            Feed::Status { status, .. } => json!({"type": "status", "symbol": symbol, "status": status.as_str()}),
            _ => return,
        });
        return;
    }
    if f.account() != Some(me) {
        return;
    }
    match f {
        Feed::Balance { asset, balance, available, .. } => {
            if let Some(spec) = catalog.assets.get(asset) {
                out.push(json!({
                    "type": "balance", "asset": spec.code,
                    "balance": render::amount(spec, *balance), "available": render::amount(spec, *available),
                }));
            }
        }
        Feed::Exec { event, .. } => execution(catalog, me, event, out),
        _ => {}
    }
}

/// Execution reports for `me` from one event (a self-trade gives two).
pub fn execution(catalog: &Catalog, me: AccountId, e: &BrokerEvent, out: &mut Vec<Value>) {
    let market = |id| catalog.market_by_id(id);
    match &e.kind {
        BrokerEventKind::OrderRejected { instrument, order_id, reject, .. } => out.push(json!({
            "type": "execution", "exec": "rejected", "symbol": market(*instrument).map(|m| m.instrument.spec.symbol.clone()),
            "order_id": order_id.map(|o| o.0.to_string()), "code": reject.code.code(), "message": reject.context.to_string(),
        })),
        BrokerEventKind::Order(kind) => {
            let instrument = match *kind {
                EventKind::Accepted { instrument, .. }
                | EventKind::Rejected { instrument, .. }
                | EventKind::Trade { instrument, .. }
                | EventKind::Cancelled { instrument, .. }
                | EventKind::Reduced { instrument, .. }
                | EventKind::Amended { instrument, .. }
                | EventKind::Expired { instrument, .. } => instrument,
                _ => return,
            };
            let Some(m) = market(instrument) else { return };
            let i = &m.instrument;
            let (sym, q) = (&i.spec.symbol, |l: brokerx_engine::Lots| i.lots_to_qty(l).to_string());
            let p = |t| render::price(i, t);
            match *kind {
                EventKind::Accepted { order_id, side, price, qty, time_in_force, client_order_id, .. } => out.push(json!({
                    "type": "execution", "exec": "new", "symbol": sym, "order_id": order_id.0.to_string(),
                    "client_order_id": client_order_id.map(|c| c.as_str().to_string()), "side": render::side(side),
                    "price": price.map(p), "quantity": q(qty), "time_in_force": render::tif(time_in_force),
                })),
                EventKind::Rejected { order_id, client_order_id, reason, .. } => out.push(json!({
                    "type": "execution", "exec": "rejected", "symbol": sym, "order_id": order_id.map(|o| o.0.to_string()),
                    "client_order_id": client_order_id.map(|c| c.as_str().to_string()), "code": reason.code(),
                })),
                EventKind::Trade {
                    trade_id, price, qty, maker_order_id, maker_account, maker_remaining, taker_order_id, taker_account,
                    taker_remaining, ..
                } => {
                    for (order_id, account, leaves, liquidity) in [
                        (taker_order_id, taker_account, taker_remaining, "taker"),
                        (maker_order_id, maker_account, maker_remaining, "maker"),
                    ] {
                        if account == me {
                            out.push(json!({
                                "type": "execution", "exec": "trade", "symbol": sym, "order_id": order_id.0.to_string(),
                                "trade_id": trade_id.0.to_string(), "price": p(price), "quantity": q(qty),
                                "leaves": q(leaves), "liquidity": liquidity,
                            }));
                        }
                    }
                }
                EventKind::Cancelled { order_id, side, qty, filled, reason, .. } => out.push(json!({
                    "type": "execution", "exec": "cancelled", "symbol": sym, "order_id": order_id.0.to_string(),
                    "side": render::side(side), "leaves": "0", "cancelled_quantity": q(qty), "filled": q(filled),
                    "reason": reason.code(),
                })),
                EventKind::Reduced { order_id, qty, remaining, filled, reason, .. } => out.push(json!({
                    "type": "execution", "exec": "reduced", "symbol": sym, "order_id": order_id.0.to_string(),
                    "reduced_by": q(qty), "leaves": q(remaining), "filled": q(filled), "reason": reason.code(),
                })),
                EventKind::Amended { order_id, version, price, qty, remaining, filled, priority_kept, .. } => out.push(json!({
                    "type": "execution", "exec": "amended", "symbol": sym, "order_id": order_id.0.to_string(),
                    "version": version, "price": p(price), "quantity": q(qty), "leaves": q(remaining), "filled": q(filled),
                    "priority_kept": priority_kept,
                })),
                EventKind::Expired { order_id, qty, filled, .. } => out.push(json!({
                    "type": "execution", "exec": "expired", "symbol": sym, "order_id": order_id.0.to_string(),
                    "leaves": "0", "expired_quantity": q(qty), "filled": q(filled),
                })),
                _ => {}
            }
        }
        _ => {}
    }
}
