//! The WebSocket at `/ws?token=JWT` (see `session`).

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::api::AppState;

#[derive(Debug, Deserialize)]
pub struct WsQuery {
    pub token: Option<String>,
}

pub async fn upgrade(State(s): State<AppState>, Query(q): Query<WsQuery>, ws: WebSocketUpgrade) -> Response {
    let token = q.token.unwrap_or_default();
    let caller = match s.auth.verify(&token) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let _ = caller;
    ws.on_upgrade(|_socket| async {}).into_response()
}
