//! Deposits, withdrawals and balances of the caller's account.
//!
//! `Idempotency-Key` (required) follows the IETF draft: the Broker remembers
//! each key with its request, so a repeat with the same body gets the original
//! status and body again (`Idempotent-Replayed: true`) and moves nothing; the
//! same key with another body is 422 `idempotency_conflict`; a request whose
//! key is still in flight is 409. The key is scoped to the account
//! (`IdempotencyKey::from_str("<account>:<header>")`), so two clients can
//! never collide.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use brokerx_engine::broker::{BrokerCommandKind, BrokerEventKind, Funds, FundsDirection};
use brokerx_engine::{AccountId, TransferStatus};
use brokerx_ledger::IdempotencyKey;

use super::auth::Caller;
use super::dto::{BalanceDto, Balances, FundsDto, FundsRequest};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{decimal, id_u64, Body};
use super::render;
use super::AppState;
use crate::writer::{Read, ReadReply};

pub const IDEMPOTENCY_KEY_MAX_LEN: usize = 255;

/// The account in the path, if the caller may act on it (its own, or any for an admin).
pub fn account(caller: Caller, path: &str) -> ApiResult<AccountId> {
    match id_u64(path) {
        Some(a) if caller.admin || a == caller.account.0 => Ok(AccountId(a)),
        _ => Err(ApiError::not_found("unknown_account", "no such account for this token")),
    }
}

/// An idempotency key in flight; released when dropped, however the request ends.
#[derive(Debug)]
pub struct InFlight {
    state: AppState,
    key: (AccountId, String),
}

impl InFlight {
    /// Marks `key` of `account` in flight; `None` if it already is.
    pub fn begin(state: &AppState, account: AccountId, key: &str) -> Option<InFlight> {
        let k = (account, key.to_string());
        state.in_flight_keys().insert(k.clone()).then(|| InFlight { state: state.clone(), key: k })
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.state.in_flight_keys().remove(&self.key);
    }
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/deposits", request_body = FundsRequest, tag = "funds",
    security(("bearer" = [])),
    params(("account" = String, Path), ("Idempotency-Key" = String, Header, description = "1 to 255 printable characters")),
    responses(
        (status = 201, body = FundsDto, headers(("idempotent-replayed" = String, description = "true for a replay"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "A request with this key is in flight", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, description = "Refused (the ledger's status or the core's code, idempotency_conflict …)", body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn deposit(
    State(s): State<AppState>,
    caller: Caller,
    Path(path): Path<String>,
    headers: HeaderMap,
    Body(req): Body<FundsRequest>,
) -> ApiResult<Response> {
    funds(&s, caller, &path, &headers, &req, FundsDirection::Deposit).await
}

#[utoipa::path(post, path = "/api/v1/accounts/{account}/withdrawals", request_body = FundsRequest, tag = "funds",
    security(("bearer" = [])),
    params(("account" = String, Path), ("Idempotency-Key" = String, Header)),
    responses(
        (status = 201, body = FundsDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn withdraw(
    State(s): State<AppState>,
    caller: Caller,
    Path(path): Path<String>,
    headers: HeaderMap,
    Body(req): Body<FundsRequest>,
) -> ApiResult<Response> {
    funds(&s, caller, &path, &headers, &req, FundsDirection::Withdrawal).await
}

async fn funds(
    s: &AppState,
    caller: Caller,
    path: &str,
    headers: &HeaderMap,
    req: &FundsRequest,
    direction: FundsDirection,
) -> ApiResult<Response> {
    let account = account(caller, path)?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= IDEMPOTENCY_KEY_MAX_LEN)
        .ok_or_else(|| {
            ApiError::bad_request("idempotency_key_required", "an Idempotency-Key header of 1 to 255 characters")
        })?
        .to_string();
    let catalog = s.writer.catalog.get();
    let asset = catalog
        .asset_by_code(&req.asset)
        .ok_or_else(|| ApiError::unprocessable("unknown_asset", format!("no asset {:?}", req.asset)))?;
    let amount = decimal("amount", &req.amount)?;
    let ikey = IdempotencyKey::from_str(&format!("{}:{key}", account.0)).get();
    let f = Funds::from_decimal(asset, account, amount, ikey).map_err(|e| ApiError::convert("amount", &e))?;
    let Some(_in_flight) = InFlight::begin(s, account, &key) else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_in_flight",
            "a request with this key is in flight",
        ));
    };
    let (label, kind) = match direction {
        FundsDirection::Deposit => ("deposit", BrokerCommandKind::Deposit(f)),
        FundsDirection::Withdrawal => ("withdraw", BrokerCommandKind::Withdraw(f)),
    };
    let applied = s.command(label, kind).await?;
    let (status, replayed) = applied
        .events
        .iter()
        .find_map(|e| match e.kind {
            BrokerEventKind::FundsMoved { status, replayed, .. } => Some((status, replayed)),
            _ => None,
        })
        .ok_or_else(|| ApiError::unprocessable("not_applied", "no funds movement"))?;
    let mut response = if status == TransferStatus::Ok {
        let body = FundsDto {
            idempotency_key: key,
            account: account.0.to_string(),
            asset: asset.code.clone(),
            amount: render::amount(asset, f.amount),
            direction: match direction {
                FundsDirection::Deposit => "deposit",
                FundsDirection::Withdrawal => "withdrawal",
            }
            .into(),
            status: status.code().into(),
        };
        (StatusCode::CREATED, Json(body)).into_response()
    } else {
        ApiError::unprocessable(status.code(), format!("the ledger refused the {label}: {}", status.code()))
            .into_response()
    };
    if replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

#[utoipa::path(get, path = "/api/v1/accounts/{account}/balances", tag = "funds", security(("bearer" = [])),
    params(("account" = String, Path)),
    responses((status = 200, body = Balances), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn balances(
    State(s): State<AppState>,
    caller: Caller,
    Path(path): Path<String>,
) -> ApiResult<Json<Balances>> {
    let account = account(caller, &path)?;
    let ReadReply::Balances(rows) = s.read("balances", Read::Balances { account }).await? else {
        return Err(ApiError::unavailable(crate::writer::Unavailable::Stopped));
    };
    let catalog = s.writer.catalog.get();
    let balances = rows
        .iter()
        .filter_map(|(asset, balance, available)| {
            let spec = catalog.assets.get(asset)?;
            Some(BalanceDto {
                asset: spec.code.clone(),
                balance: render::amount(spec, *balance),
                available: render::amount(spec, *available),
            })
        })
        .collect();
    Ok(Json(Balances { account: account.0.to_string(), balances }))
}

#[utoipa::path(get, path = "/api/v1/accounts/{account}/orders", tag = "orders", security(("bearer" = [])),
    params(("account" = String, Path)),
    responses((status = 200, body = super::dto::OrderList), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn open_orders(
    State(s): State<AppState>,
    caller: Caller,
    Path(path): Path<String>,
) -> ApiResult<Json<super::dto::OrderList>> {
    let account = account(caller, &path)?;
    let ReadReply::Orders(orders) = s.read("open_orders", Read::OpenOrders { account }).await? else {
        return Err(ApiError::unavailable(crate::writer::Unavailable::Stopped));
    };
    let catalog = s.writer.catalog.get();
    let orders =
        orders.iter().filter_map(|o| Some(render::live_order(catalog.market_by_id(o.instrument)?, o))).collect();
    Ok(Json(super::dto::OrderList { orders }))
}
