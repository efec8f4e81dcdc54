//! Market data: the markets, a book's depth, recent trades.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use super::auth::Caller;
use super::dto::{BookDto, MarketDto, MarketList, TradeDto, TradeList};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::Q;
use super::render;
use super::AppState;
use crate::writer::{MarketInfo, Read, ReadReply, Unavailable, TRADES_KEPT};

pub const DEPTH_MAX: usize = 1_000;

pub fn market_dto(m: &MarketInfo) -> MarketDto {
    let i = &m.instrument;
    MarketDto {
        symbol: i.spec.symbol.clone(),
        base: m.base.code.clone(),
        quote: m.quote.code.clone(),
        tick_size: i.spec.tick_size.to_string(),
        lot_size: i.spec.lot_size.to_string(),
        min_quantity: i.lots_to_qty(i.spec.min_qty).to_string(),
        max_quantity: i.lots_to_qty(i.spec.max_qty).to_string(),
        status: i.spec.status.as_str().into(),
    }
}

fn market<'a>(catalog: &'a crate::writer::Catalog, symbol: &str) -> ApiResult<&'a MarketInfo> {
    catalog.market(symbol).ok_or_else(|| ApiError::not_found("unknown_instrument", format!("no market {symbol:?}")))
}

#[utoipa::path(get, path = "/api/v1/markets", tag = "markets", security(("bearer" = [])),
    responses((status = 200, body = MarketList), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn list(State(s): State<AppState>, _caller: Caller) -> Json<MarketList> {
    let catalog = s.writer.catalog.get();
    Json(MarketList { markets: catalog.markets.iter().map(market_dto).collect() })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DepthQuery {
    /// Levels per side, 1..=1000 (default 20).
    pub depth: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/markets/{symbol}/book", tag = "markets", security(("bearer" = [])),
    params(("symbol" = String, Path, description = "URL-encoded, e.g. ACME%2FUSD"), DepthQuery),
    responses((status = 200, body = BookDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn book(
    State(s): State<AppState>,
    _caller: Caller,
    Path(symbol): Path<String>,
    Q(q): Q<DepthQuery>,
) -> ApiResult<Json<BookDto>> {
    let depth = q.depth.unwrap_or(20) as usize;
    if !(1..=DEPTH_MAX).contains(&depth) {
        return Err(ApiError::bad_request("invalid_depth", format!("depth must be 1..={DEPTH_MAX}")));
    }
    let catalog = s.writer.catalog.get();
    let m = market(&catalog, &symbol)?;
    let ReadReply::Book { bids, asks, seq } = s.read("book", Read::Book { instrument: m.instrument.id, depth }).await?
    else {
        return Err(ApiError::unavailable(Unavailable::Stopped));
    };
    Ok(Json(BookDto {
        symbol: symbol.clone(),
        seq: seq.to_string(),
        bids: bids.iter().map(|l| render::level(m, l)).collect(),
        asks: asks.iter().map(|l| render::level(m, l)).collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TradesQuery {
    /// Most recent first, 1..=200 (default 50).
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/markets/{symbol}/trades", tag = "markets", security(("bearer" = [])),
    params(("symbol" = String, Path), TradesQuery),
    responses((status = 200, body = TradeList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn trades(
    State(s): State<AppState>,
    _caller: Caller,
    Path(symbol): Path<String>,
    Q(q): Q<TradesQuery>,
) -> ApiResult<Json<TradeList>> {
    let limit = q.limit.unwrap_or(50) as usize;
    if !(1..=TRADES_KEPT).contains(&limit) {
        return Err(ApiError::bad_request("invalid_limit", format!("limit must be 1..={TRADES_KEPT}")));
    }
    let catalog = s.writer.catalog.get();
    let m = market(&catalog, &symbol)?;
    let ReadReply::Trades(trades) = s.read("trades", Read::Trades { instrument: m.instrument.id, limit }).await? else {
        return Err(ApiError::unavailable(Unavailable::Stopped));
    };
    let i = &m.instrument;
    Ok(Json(TradeList {
        symbol: symbol.clone(),
        trades: trades
            .iter()
            .map(|t| TradeDto {
                trade_id: t.trade_id.0.to_string(),
                price: render::price(i, t.price),
                quantity: i.lots_to_qty(t.qty).to_string(),
                aggressor: render::side(t.aggressor),
                ts: t.ts.0.to_string(),
            })
            .collect(),
    }))
}
