//! Admin routes (a token with `role: "admin"`): assets, markets, halt and
//! resume, the kill switch, account limits. Each is a journaled Broker command.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use brokerx_engine::broker::{AccountLimits, BrokerCommandKind, InstrumentRisk, MarketSpec, Throttle};
use brokerx_engine::{AccountId, AssetId, AssetSpec, InstrumentSpec, Lots, SetTradingStatus, TradingStatus};
use brokerx_ledger::Amount;

use super::auth::Admin;
use super::dto::{AdminDone, AssetRequest, HaltRequest, KillSwitchRequest, LimitsRequest, MarketRequest};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{decimal, id_u64, Body};
use super::AppState;
use crate::writer::Applied;

fn done(a: &Applied) -> (StatusCode, Json<AdminDone>) {
    (StatusCode::OK, Json(AdminDone { position: a.position.to_string(), events: a.events.len() as u64 }))
}

fn account(path: &str) -> ApiResult<AccountId> {
    id_u64(path).map(AccountId).ok_or_else(|| ApiError::not_found("unknown_account", "not an account id"))
}

#[utoipa::path(post, path = "/api/v1/admin/assets", request_body = AssetRequest, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = AdminDone), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create_asset(
    State(s): State<AppState>,
    _admin: Admin,
    Body(req): Body<AssetRequest>,
) -> ApiResult<(StatusCode, Json<AdminDone>)> {
    if req.code.is_empty() || req.code.len() > 16 || !req.code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::unprocessable("invalid_asset_code", "1 to 16 ASCII letters and digits"));
    }
    if s.writer.catalog.get().asset_by_code(&req.code).is_some() {
        return Err(ApiError::unprocessable("asset_exists", format!("asset code {:?} exists", req.code)));
    }
    let spec = AssetSpec { id: AssetId(req.id), code: req.code.clone(), scale: req.scale };
    let wallet_max_balance = match &req.wallet_max_balance {
        Some(m) => Some(
            spec.amount_from_decimal(decimal("wallet_max_balance", m)?)
                .map_err(|e| ApiError::convert("wallet_max_balance", &e))?,
        ),
        None => None,
    };
    let a = s.command("create_asset", BrokerCommandKind::CreateAsset { spec, wallet_max_balance }).await?;
    Ok(done(&a))
}

#[utoipa::path(post, path = "/api/v1/admin/markets", request_body = MarketRequest, tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = AdminDone), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn register_market(
    State(s): State<AppState>,
    _admin: Admin,
    Body(req): Body<MarketRequest>,
) -> ApiResult<(StatusCode, Json<AdminDone>)> {
    if req.symbol.is_empty() || req.symbol.len() > 32 || !req.symbol.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(ApiError::unprocessable("invalid_symbol", "1 to 32 printable ASCII characters"));
    }
    let catalog = s.writer.catalog.get();
    let asset = |code: &str| {
        catalog
            .asset_by_code(code)
            .cloned()
            .ok_or_else(|| ApiError::unprocessable("unknown_asset", format!("no asset {code:?}")))
    };
    let (base, quote) = (asset(&req.base)?, asset(&req.quote)?);
    let mut spec =
        InstrumentSpec::new(&req.symbol, decimal("tick_size", &req.tick_size)?, decimal("lot_size", &req.lot_size)?);
    spec.validate().map_err(|e| ApiError::unprocessable(e.code(), e.to_string()))?;
    if let Some(q) = &req.min_quantity {
        spec.min_qty =
            spec.qty_to_lots(decimal("min_quantity", q)?).map_err(|e| ApiError::convert("min_quantity", &e))?;
    }
    if let Some(q) = &req.max_quantity {
        spec.max_qty =
            spec.qty_to_lots(decimal("max_quantity", q)?).map_err(|e| ApiError::convert("max_quantity", &e))?;
    }
    let r = &req.risk;
    let mut risk = InstrumentRisk {
        collar_bps: if r.no_collar { None } else { Some(r.collar_bps.unwrap_or(1_000)) },
        maker_fee_bps: r.maker_fee_bps,
        taker_fee_bps: r.taker_fee_bps,
        ..InstrumentRisk::default()
    };
    if let Some(p) = &r.reference_price {
        risk = risk
            .with_reference_price(&spec, decimal("reference_price", p)?)
            .map_err(|e| ApiError::convert("reference_price", &e))?;
    }
    if let Some(q) = &r.max_order_quantity {
        risk = risk
            .with_max_order_qty(&spec, decimal("max_order_quantity", q)?)
            .map_err(|e| ApiError::convert("max_order_quantity", &e))?;
    }
    if let Some(n) = &r.max_order_notional {
        risk = risk
            .with_max_order_notional(&quote, decimal("max_order_notional", n)?)
            .map_err(|e| ApiError::convert("max_order_notional", &e))?;
    }
    risk.validate(&spec).map_err(|e| ApiError::unprocessable(e.code(), e.to_string()))?;
    let market = MarketSpec { instrument: spec, base: base.id, quote: quote.id, risk };
    let a = s.command("register_market", BrokerCommandKind::RegisterMarket(market)).await?;
    Ok(done(&a))
}

async fn set_status(
    s: &AppState,
    symbol: &str,
    status: TradingStatus,
    cancel_resting: bool,
) -> ApiResult<(StatusCode, Json<AdminDone>)> {
    let catalog = s.writer.catalog.get();
    let m = catalog
        .market(symbol)
        .ok_or_else(|| ApiError::not_found("unknown_instrument", format!("no market {symbol:?}")))?;
    let cmd = SetTradingStatus { instrument: m.instrument.id, status, cancel_resting };
    let a = s.command("set_trading_status", BrokerCommandKind::SetTradingStatus(cmd)).await?;
    Ok(done(&a))
}

#[utoipa::path(post, path = "/api/v1/admin/markets/{symbol}/halt", request_body = HaltRequest, tag = "admin",
    security(("bearer" = [])), params(("symbol" = String, Path)),
    responses((status = 200, body = AdminDone), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn halt(
    State(s): State<AppState>,
    _admin: Admin,
    Path(symbol): Path<String>,
    Body(req): Body<HaltRequest>,
) -> ApiResult<(StatusCode, Json<AdminDone>)> {
    set_status(&s, &symbol, TradingStatus::Halted, req.cancel_resting).await
}

#[utoipa::path(post, path = "/api/v1/admin/markets/{symbol}/resume", tag = "admin", security(("bearer" = [])),
    params(("symbol" = String, Path)),
    responses((status = 200, body = AdminDone), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn resume(
    State(s): State<AppState>,
    _admin: Admin,
    Path(symbol): Path<String>,
) -> ApiResult<(StatusCode, Json<AdminDone>)> {
    set_status(&s, &symbol, TradingStatus::Open, false).await
}

#[utoipa::path(post, path = "/api/v1/admin/accounts/{account}/kill-switch", request_body = KillSwitchRequest, tag = "admin",
    security(("bearer" = [])), params(("account" = String, Path)),
    responses((status = 200, body = AdminDone), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn kill_switch(
    State(s): State<AppState>,
    _admin: Admin,
    Path(path): Path<String>,
    Body(req): Body<KillSwitchRequest>,
) -> ApiResult<(StatusCode, Json<AdminDone>)> {
    let account = account(&path)?;
    let a = s
        .command("set_account_enabled", BrokerCommandKind::SetAccountEnabled { account, enabled: req.enabled })
        .await?;
    Ok(done(&a))
}

#[utoipa::path(put, path = "/api/v1/admin/accounts/{account}/limits", request_body = LimitsRequest, tag = "admin",
    security(("bearer" = [])), params(("account" = String, Path)),
    responses((status = 200, body = AdminDone), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn limits(
    State(s): State<AppState>,
    _admin: Admin,
    Path(path): Path<String>,
    Body(req): Body<LimitsRequest>,
) -> ApiResult<(StatusCode, Json<AdminDone>)> {
    let account = account(&path)?;
    let bad = |what: &str| ApiError::unprocessable("invalid_limits", what.to_string());
    let max_order_qty = match req.max_order_quantity {
        Some(q) => Some(Lots(
            i64::try_from(q).ok().filter(|q| *q > 0).ok_or_else(|| bad("max_order_quantity: 1..=2^63-1 lots"))?,
        )),
        None => None,
    };
    let max_order_notional = match &req.max_order_notional_minor {
        Some(n) => Some(Amount::from_minor(
            n.parse::<u128>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| bad("max_order_notional_minor: a positive integer string"))?,
        )),
        None => None,
    };
    let throttle = match (req.throttle_max_commands, req.throttle_window_ms) {
        (Some(max_commands), Some(ms)) if max_commands > 0 && ms > 0 && ms < u64::MAX / 1_000_000 => {
            Some(Throttle { max_commands, window_ns: ms * 1_000_000 })
        }
        (None, None) => None,
        _ => return Err(bad("throttle: both throttle_max_commands and throttle_window_ms, > 0")),
    };
    let limits = AccountLimits { max_order_qty, max_order_notional, max_open_orders: req.max_open_orders, throttle };
    let a = s.command("set_account_limits", BrokerCommandKind::SetAccountLimits { account, limits }).await?;
    Ok(done(&a))
}
