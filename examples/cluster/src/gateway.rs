//! The `gateway` role: a small HTTP API that sequences commands.
//!
//! - `POST /api/v1/shards/{shard}/commands` and
//!   `POST /api/v1/markets/{symbol}/commands` (routed by the shard map), body
//!   `{"id": <u64>, "kind": <BrokerCommandKind as serde JSON>}`. `id` is the
//!   client's deterministic command id: the `Nats-Msg-Id` is `<shard>:<id>`
//!   and it becomes the command's correlation id. Answers `202 {"seq", "duplicate"}`
//!   once JetStream has stored the command (R3: on a quorum); `503` when no
//!   PubAck came in time (the command may or may not be stored: retry with the
//!   same id, which is then harmless).
//! - `GET /health`.
//!
//! Errors are `{code, message}` JSON.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use brokerx_engine::broker::{BrokerCommand, BrokerCommandKind};
use brokerx_engine::{CorrelationId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::config::ShardMap;
use crate::error::ClusterError;
use crate::nats::Sequencer;
use crate::wire::ShardName;

#[derive(Debug)]
struct Gateway {
    map: ShardMap,
    sequencer: Sequencer,
}

#[derive(Debug, Deserialize)]
pub struct CommandBody {
    pub id: u64,
    pub kind: BrokerCommandKind,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Accepted {
    pub seq: u64,
    pub duplicate: bool,
}

#[derive(Debug, Serialize)]
struct ErrorBody {
    code: &'static str,
    message: String,
}

fn error(status: StatusCode, code: &'static str, message: String) -> Response {
    (status, Json(ErrorBody { code, message })).into_response()
}

impl IntoResponse for ClusterError {
    fn into_response(self) -> Response {
        let status = match self {
            ClusterError::InvalidShard { .. } | ClusterError::Encode(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ClusterError::UnknownShard { .. } | ClusterError::UnknownSymbol { .. } => StatusCode::NOT_FOUND,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        error(status, self.code(), self.to_string())
    }
}

/// The gateway's routes.
pub fn router(map: ShardMap, sequencer: Sequencer) -> Router {
    Router::new()
        .route("/health", get(|| async { Json(serde_json::json!({"status": "ok"})) }))
        .route("/api/v1/shards/{shard}/commands", post(by_shard))
        .route("/api/v1/markets/{symbol}/commands", post(by_symbol))
        .with_state(Arc::new(Gateway { map, sequencer }))
}

fn wall_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

async fn submit(g: &Gateway, shard: &ShardName, body: CommandBody) -> Response {
    let cmd = BrokerCommand { ts: Timestamp(wall_ns()), correlation_id: CorrelationId(body.id), kind: body.kind };
    match g.sequencer.submit(shard, &cmd).await {
        Ok(s) => (StatusCode::ACCEPTED, Json(Accepted { seq: s.seq, duplicate: s.duplicate })).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn by_shard(
    State(g): State<Arc<Gateway>>,
    Path(shard): Path<String>,
    body: Result<Json<CommandBody>, JsonRejection>,
) -> Response {
    let body = match body {
        Ok(Json(b)) => b,
        Err(e) => return error(e.status(), "invalid_body", e.body_text()),
    };
    match g.map.shard(&shard) {
        Ok(s) => {
            let s = s.clone();
            submit(&g, &s, body).await
        }
        Err(e) => e.into_response(),
    }
}

async fn by_symbol(
    State(g): State<Arc<Gateway>>,
    Path(symbol): Path<String>,
    body: Result<Json<CommandBody>, JsonRejection>,
) -> Response {
    let body = match body {
        Ok(Json(b)) => b,
        Err(e) => return error(e.status(), "invalid_body", e.body_text()),
    };
    match g.map.shard_of(&symbol) {
        Ok(s) => {
            let s = s.clone();
            submit(&g, &s, body).await
        }
        Err(e) => e.into_response(),
    }
}
