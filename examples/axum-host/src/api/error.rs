//! Every refusal as `{code, message}` JSON with a 4xx status (503 only when
//! the writer's queue is full). Codes are the core's stable codes where the
//! core refused, and the host's own (`malformed_json`, `invalid_decimal`,
//! `unauthorized` …) where the request never reached it.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use brokerx_engine::broker::{BrokerError, OrderRejection};
use brokerx_engine::{ConvertError, RejectReason};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::writer::Unavailable;

/// An error answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable, machine-readable: the core's code (`insufficient_funds`, `off_tick`, `stale_version` …) or the host's.
    pub code: String,
    /// For people; may change.
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    pub retry_after_s: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError { status, body: ErrorBody { code: code.into(), message: message.into() }, retry_after_s: None }
    }
    pub fn bad_request(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn unprocessable(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
    pub fn not_found(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }
    pub fn unknown_order() -> ApiError {
        ApiError::not_found("unknown_order", "no such live order for this account")
    }

    /// A core error: 404 for orders that are not there or not the caller's
    /// (the same answer either way), 412 for a stale version, 422 otherwise.
    pub fn broker(e: &BrokerError) -> ApiError {
        match e.code() {
            "unknown_order" | "order_not_owned" | "unknown_client_order_id" => ApiError::unknown_order(),
            "stale_version" => ApiError::new(StatusCode::PRECONDITION_FAILED, "stale_version", e.to_string()),
            code => ApiError::unprocessable(code, e.to_string()),
        }
    }

    pub fn convert(field: &str, e: &ConvertError) -> ApiError {
        ApiError::unprocessable(e.code(), format!("{field}: {e}"))
    }

    /// A pre-trade risk refusal, with its facts in the caller's units.
    pub fn rejection(r: &OrderRejection) -> ApiError {
        let code = r.code.code();
        let message = if r.context.is_empty() { code.to_string() } else { format!("{code}: {}", r.context) };
        ApiError::unprocessable(code, message)
    }

    pub fn engine_reject(reason: RejectReason) -> ApiError {
        ApiError::unprocessable(reason.code(), reason.code().replace('_', " "))
    }

    pub fn unavailable(u: Unavailable) -> ApiError {
        let mut e = match u {
            Unavailable::Busy => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "the writer's queue is full; retry")
            }
            Unavailable::Stopped => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the writer has stopped")
            }
        };
        e.retry_after_s = Some(1);
        e
    }
}

impl From<Unavailable> for ApiError {
    fn from(u: Unavailable) -> ApiError {
        ApiError::unavailable(u)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, Json(self.body)).into_response();
        if let Some(s) = self.retry_after_s {
            r.headers_mut().insert("retry-after", HeaderValue::from(s));
        }
        r
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
