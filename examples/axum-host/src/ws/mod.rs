//! The WebSocket at `/ws?token=JWT`: market data (a `book` snapshot, then
//! `l2` deltas with per-market sequence numbers, `bbo`, `trade`, `status`),
//! the account's own execution reports and balances, and order entry (place,
//! amend, cancel), each answered with an `ack` (or an `error`) and the
//! execution reports it caused. A session that cannot keep up is closed with
//! code 4008 (`slow consumer`); it never holds the writer back.

mod messages;
mod session;

pub use messages::ClientMessage;
pub use session::{CLOSE_SLOW_CONSUMER, OUTBOX_CAPACITY};

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::api::extract::Q;
use crate::api::AppState;

#[derive(Debug, Deserialize)]
pub struct WsQuery {
    pub token: Option<String>,
}

pub async fn upgrade(State(s): State<AppState>, Q(q): Q<WsQuery>, ws: WebSocketUpgrade) -> Response {
    let caller = match s.auth.verify(q.token.as_deref().unwrap_or_default()) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if let Err(e) = s.limiter.check(caller.account) {
        return e.into_response();
    }
    ws.on_upgrade(move |socket| session::run(s, caller, socket)).into_response()
}
