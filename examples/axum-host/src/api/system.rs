//! `/health`, `/metrics`, `/openapi.json` and the order-book page at `/`.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use utoipa::OpenApi;

use super::dto::Health;
use super::error::{ApiResult, ErrorBody};
use super::AppState;
use crate::writer::{Read, ReadReply};

#[utoipa::path(get, path = "/health", tag = "system",
    responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
pub async fn health(State(s): State<AppState>) -> ApiResult<Json<Health>> {
    let ReadReply::Health { applied, durable, state_hash, live_orders } = s.read("health", Read::Health).await? else {
        return Err(crate::writer::Unavailable::Stopped.into());
    };
    Ok(Json(Health {
        status: "ok".into(),
        applied: applied.to_string(),
        durable: durable.to_string(),
        state_hash: state_hash.to_string(),
        live_orders: live_orders as u64,
    }))
}

#[utoipa::path(get, path = "/metrics", tag = "system",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String)))]
pub async fn metrics(State(s): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], s.metrics.render()).into_response()
}

pub async fn openapi() -> Response {
    match super::ApiDoc::openapi().to_json() {
        Ok(doc) => ([(header::CONTENT_TYPE, "application/json")], doc).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "openapi").into_response(),
    }
}

pub async fn page() -> Html<&'static str> {
    Html(include_str!("../page/index.html"))
}

pub async fn not_found() -> super::error::ApiError {
    super::error::ApiError::not_found("not_found", "no such route")
}
