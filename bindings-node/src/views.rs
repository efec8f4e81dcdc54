//! Read-only views returned by queries: orders, instruments, top of book.

use brokerx_engine::{Engine, Instrument, OrderView};
use napi_derive::napi;

use crate::events::{Grid, Level};

/// The best bid and ask of a book (`null` when that side is empty).
#[napi(object, use_nullable = true, object_from_js = false)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bbo {
    pub bid: Option<Level>,
    pub ask: Option<Level>,
}

/// A live order as the engine holds it.
#[napi(object, use_nullable = true, object_from_js = false)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub order_id: u64,
    pub account: u64,
    pub instrument: u32,
    #[napi(ts_type = "Side")]
    pub side: String,
    /// The limit price; for a waiting stop-market, its trigger.
    pub price: String,
    /// A waiting stop's trigger (`null` for an order in the book).
    pub trigger: Option<String>,
    /// An iceberg's display (the most it shows); `null` for other orders.
    pub display: Option<String>,
    /// `'waiting'`: a stop outside the book; `'resting'`: in the book.
    #[napi(ts_type = "'waiting' | 'resting'")]
    pub status: String,
    /// Total quantity: filled + remaining.
    pub qty: String,
    pub remaining: String,
    pub filled: String,
    pub version: u32,
    #[napi(ts_type = "TimeInForce")]
    pub time_in_force: String,
    pub post_only: bool,
    pub expire_at: Option<u64>,
    pub client_order_id: Option<String>,
}

/// A registered instrument.
#[napi(object, object_from_js = false)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstrumentInfo {
    pub id: u32,
    pub symbol: String,
    pub tick_size: String,
    pub lot_size: String,
    pub min_qty: String,
    pub max_qty: String,
    #[napi(ts_type = "TradingStatus")]
    pub status: String,
}

pub fn order(e: &Engine, o: &OrderView) -> Order {
    let g = Grid::of(e, o.instrument);
    Order {
        order_id: o.order_id.0,
        account: o.account.0,
        instrument: o.instrument.0,
        side: o.side.as_str().into(),
        price: g.price(o.price),
        trigger: o.trigger.map(|t| g.price(t)),
        display: o.display.map(|d| g.qty(d)),
        status: if o.trigger.is_some() { "waiting" } else { "resting" }.into(),
        qty: g.qty(o.qty),
        remaining: g.qty(o.remaining),
        filled: g.qty(o.filled),
        version: o.version,
        time_in_force: o.time_in_force.as_str().into(),
        post_only: o.post_only,
        expire_at: o.expire_at.map(|t| t.0),
        client_order_id: o.client_order_id.map(|c| c.as_str().to_string()),
    }
}

pub fn instrument(i: &Instrument) -> InstrumentInfo {
    let g = Grid { tick: i.spec.tick_size, lot: i.spec.lot_size };
    InstrumentInfo {
        id: i.id.0,
        symbol: i.spec.symbol.clone(),
        tick_size: i.spec.tick_size.to_string(),
        lot_size: i.spec.lot_size.to_string(),
        min_qty: g.qty(i.spec.min_qty),
        max_qty: g.qty(i.spec.max_qty),
        status: i.spec.status.as_str().into(),
    }
}
