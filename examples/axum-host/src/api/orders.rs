//! `/orders`: place, read, amend (optimistic locking with `If-Match`), cancel,
//! by the engine's id or the client's own id. Another account's order is
//! answered exactly like a missing one: 404 `unknown_order`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use brokerx_engine::broker::BrokerCommandKind;
use brokerx_engine::{Cancel, OrderId, OrderRef, OrderView};

use super::auth::Caller;
use super::convert;
use super::dto::{AmendRequest, OrderDto, PlaceRequest};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{id_u64, Body};
use super::render;
use super::AppState;
use crate::writer::{Read, ReadReply};

fn with_etag(status: StatusCode, dto: OrderDto) -> Response {
    let etag = HeaderValue::from_str(&format!("\"{}\"", dto.version)).ok();
    let mut r = (status, Json(dto)).into_response();
    if let Some(e) = etag {
        r.headers_mut().insert("etag", e);
    }
    r
}

fn order_ref_by_id(id: &str) -> ApiResult<OrderRef> {
    id_u64(id).map(|n| OrderRef::Id(OrderId(n))).ok_or_else(ApiError::unknown_order)
}

fn order_ref_by_client(id: &str) -> ApiResult<OrderRef> {
    convert::client_order_id(id).map(OrderRef::Client).map_err(|_| ApiError::unknown_order())
}

async fn live(s: &AppState, caller: Caller, order: OrderRef) -> ApiResult<OrderView> {
    match s.read("order", Read::Order { account: caller.account, order }).await? {
        ReadReply::Order(Some(o)) => Ok(o),
        _ => Err(ApiError::unknown_order()),
    }
}

/// Place an order.
#[utoipa::path(post, path = "/api/v1/orders", request_body = PlaceRequest, tag = "orders",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Accepted: resting, filled, or cancelled (an IOC remainder), with its fills", body = OrderDto),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 422, description = "Refused: the core's code (insufficient_funds, off_tick, price_outside_collar …)", body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn place(State(s): State<AppState>, caller: Caller, Body(req): Body<PlaceRequest>) -> ApiResult<Response> {
    let catalog = s.writer.catalog.get();
    let p = convert::place(&catalog, caller.account, &req)?;
    let m = convert::market(&catalog, &req.symbol)?;
    let applied = s.command("place", BrokerCommandKind::Place(p)).await?;
    if let Some(e) = render::refusal(&applied.events) {
        return Err(e);
    }
    let id = applied
        .events
        .iter()
        .find_map(|e| match e.kind {
            brokerx_engine::broker::BrokerEventKind::Order(brokerx_engine::EventKind::Accepted {
                order_id, ..
            }) => Some(order_id),
            _ => None,
        })
        .ok_or_else(|| ApiError::unprocessable("not_accepted", "the order was not accepted"))?;
    let dto = render::order_after(m, caller.account, id, &applied.events, applied.order.as_ref());
    Ok(with_etag(StatusCode::CREATED, dto))
}

/// One of the caller's live orders.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path, description = "The engine's order id")),
    responses((status = 200, body = OrderDto, headers(("etag" = String, description = "The order's version"))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn get(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    get_ref(&s, caller, order_ref_by_id(&id)?).await
}

/// One of the caller's live orders, by its client order id.
#[utoipa::path(get, path = "/api/v1/orders/by-client-id/{client_order_id}", tag = "orders", security(("bearer" = [])),
    params(("client_order_id" = String, Path)),
    responses((status = 200, body = OrderDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn get_by_client(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    get_ref(&s, caller, order_ref_by_client(&id)?).await
}

async fn get_ref(s: &AppState, caller: Caller, order: OrderRef) -> ApiResult<Response> {
    let o = live(s, caller, order).await?;
    let catalog = s.writer.catalog.get();
    let m = catalog.market_by_id(o.instrument).ok_or_else(ApiError::unknown_order)?;
    Ok(with_etag(StatusCode::OK, render::live_order(m, &o)))
}

fn if_match(headers: &HeaderMap) -> ApiResult<Option<u32>> {
    let Some(v) = headers.get("if-match") else { return Ok(None) };
    let s = v.to_str().unwrap_or("").trim();
    let s = s.strip_prefix("W/").unwrap_or(s).trim_matches('"');
    s.parse::<u32>()
        .map(Some)
        .map_err(|_| ApiError::bad_request("invalid_if_match", "If-Match: the order's version, e.g. \"3\""))
}

/// Amend price and/or total quantity; `If-Match: "<version>"` refuses a stale amend with 412.
#[utoipa::path(patch, path = "/api/v1/orders/{id}", request_body = AmendRequest, tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "Expected version")),
    responses((status = 200, body = OrderDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn amend(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(req): Body<AmendRequest>,
) -> ApiResult<Response> {
    amend_ref(&s, caller, order_ref_by_id(&id)?, &headers, &req).await
}

/// Amend by client order id.
#[utoipa::path(patch, path = "/api/v1/orders/by-client-id/{client_order_id}", request_body = AmendRequest, tag = "orders",
    security(("bearer" = [])),
    params(("client_order_id" = String, Path), ("If-Match" = Option<String>, Header)),
    responses((status = 200, body = OrderDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 412, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn amend_by_client(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(req): Body<AmendRequest>,
) -> ApiResult<Response> {
    amend_ref(&s, caller, order_ref_by_client(&id)?, &headers, &req).await
}

async fn amend_ref(
    s: &AppState,
    caller: Caller,
    order: OrderRef,
    headers: &HeaderMap,
    req: &AmendRequest,
) -> ApiResult<Response> {
    let version = if_match(headers)?;
    let o = live(s, caller, order).await?;
    let catalog = s.writer.catalog.get();
    let m = catalog.market_by_id(o.instrument).ok_or_else(ApiError::unknown_order)?;
    let a = convert::amend(m, caller.account, OrderRef::Id(o.order_id), req, version)?;
    let applied = s.command("amend", BrokerCommandKind::Amend(a)).await?;
    if let Some(e) = render::refusal(&applied.events) {
        return Err(e);
    }
    let dto = render::order_after(m, caller.account, o.order_id, &applied.events, applied.order.as_ref());
    Ok(with_etag(StatusCode::OK, dto))
}

/// Cancel.
#[utoipa::path(delete, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = OrderDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn cancel(State(s): State<AppState>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    cancel_ref(&s, caller, order_ref_by_id(&id)?).await
}

/// Cancel by client order id.
#[utoipa::path(delete, path = "/api/v1/orders/by-client-id/{client_order_id}", tag = "orders", security(("bearer" = [])),
    params(("client_order_id" = String, Path)),
    responses((status = 200, body = OrderDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn cancel_by_client(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    cancel_ref(&s, caller, order_ref_by_client(&id)?).await
}

async fn cancel_ref(s: &AppState, caller: Caller, order: OrderRef) -> ApiResult<Response> {
    let applied = s.command("cancel", BrokerCommandKind::Cancel(Cancel::new(caller.account, order))).await?;
    let (id, instrument) = applied
        .events
        .iter()
        .find_map(|e| match e.kind {
            brokerx_engine::broker::BrokerEventKind::Order(brokerx_engine::EventKind::Cancelled {
                order_id,
                instrument,
                ..
            }) => Some((order_id, instrument)),
            _ => None,
        })
        .ok_or_else(ApiError::unknown_order)?;
    let catalog = s.writer.catalog.get();
    let m = catalog.market_by_id(instrument).ok_or_else(ApiError::unknown_order)?;
    Ok(with_etag(StatusCode::OK, render::order_after(m, caller.account, id, &applied.events, None)))
}
