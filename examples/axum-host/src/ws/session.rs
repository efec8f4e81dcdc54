//! One WebSocket session: a reader (client messages; order entry runs as
//! tasks so a client can pipeline), a feed task (the writer's broadcast,
//! filtered to this session) and a sender draining one bounded outbox. When
//! the outbox is full or the broadcast has moved past the session, the session
//! is closed with [`CLOSE_SLOW_CONSUMER`].

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use brokerx_engine::broker::{BrokerCommandKind, BrokerEventKind};
use brokerx_engine::{Cancel, EventKind, InstrumentId, OrderId, OrderRef};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc, Notify};

use super::messages::{feed_message, ClientMessage};
use crate::api::auth::Caller;
use crate::api::error::ApiError;
use crate::api::extract::id_u64;
use crate::api::{convert, render, AppState};
use crate::writer::{Read, ReadReply};

pub const CLOSE_SLOW_CONSUMER: u16 = 4008;
pub const CLOSE_GOING_AWAY: u16 = 1001;
/// Messages waiting to be written to one socket (the default of `--ws-outbox`).
pub const OUTBOX_CAPACITY: usize = 4096;

#[derive(Clone)]
struct Outbox {
    tx: mpsc::Sender<String>,
    /// Set when the session is too slow: the sender closes the socket at once.
    slow: Arc<Notify>,
    /// Set at server shutdown.
    away: Arc<Notify>,
}

/// How long the feed waits for room in a session's outbox before it calls the
/// session slow. A burst (a mass cancel) fits; a client that stopped reading does not.
pub const SLOW_AFTER: std::time::Duration = std::time::Duration::from_millis(250);

impl Outbox {
    /// Queues a feed message, waiting up to [`SLOW_AFTER`] for room; false
    /// (and the session marked slow) if there is none.
    async fn feed(&self, v: &Value) -> bool {
        match self.tx.send_timeout(v.to_string(), SLOW_AFTER).await {
            Ok(()) => true,
            Err(mpsc::error::SendTimeoutError::Timeout(_)) => {
                self.slow.notify_one();
                false
            }
            Err(mpsc::error::SendTimeoutError::Closed(_)) => false,
        }
    }

    /// Queues a reply; false (and the session marked slow) when the outbox is full.
    fn send(&self, v: &Value) -> bool {
        match self.tx.try_send(v.to_string()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.slow.notify_one();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    fn going_away(&self) {
        self.away.notify_one();
    }
}

type Subscriptions = Arc<Mutex<BTreeSet<InstrumentId>>>;

fn subs(s: &Subscriptions) -> std::sync::MutexGuard<'_, BTreeSet<InstrumentId>> {
    match s.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

pub async fn run(state: AppState, caller: Caller, socket: WebSocket) {
    state.metrics.ws_connections.inc();
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::channel::<String>(state.ws_outbox);
    let outbox = Outbox { tx, slow: Arc::new(Notify::new()), away: Arc::new(Notify::new()) };
    let subscriptions: Subscriptions = Arc::default();

    // Sender: the only task that writes to the socket. A slow session is
    // closed with its code; what is still queued for it is dropped.
    let (slow, away) = (Arc::clone(&outbox.slow), Arc::clone(&outbox.away));
    let sender = tokio::spawn(async move {
        let (code, reason) = loop {
            let text = tokio::select! {
                biased;
                () = slow.notified() => break (CLOSE_SLOW_CONSUMER, "slow consumer"),
                () = away.notified() => break (CLOSE_GOING_AWAY, "shutting down"),
                t = rx.recv() => match t { Some(t) => t, None => return },
            };
            tokio::select! {
                biased;
                () = slow.notified() => break (CLOSE_SLOW_CONSUMER, "slow consumer"),
                r = sink.send(Message::Text(Utf8Bytes::from(text))) => if r.is_err() { return },
            }
        };
        let close = Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }));
        // Nothing more is queued for it; give the client time to read up to the close.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(30), sink.send(close)).await;
    });

    // Feed: the writer's broadcast, filtered to this session.
    let mut feed_rx = state.writer.feed.subscribe();
    let feed_task = {
        let (outbox, subscriptions, state) = (outbox.clone(), Arc::clone(&subscriptions), state.clone());
        tokio::spawn(async move {
            let mut msgs = Vec::new();
            loop {
                match feed_rx.recv().await {
                    Ok(batch) => {
                        let catalog = state.writer.catalog.get();
                        let subscribed = subs(&subscriptions).clone();
                        msgs.clear();
                        for f in batch.iter() {
                            feed_message(&catalog, caller.account, &|i| subscribed.contains(i), f, &mut msgs);
                        }
                        for m in &msgs {
                            if !outbox.feed(m).await {
                                state.metrics.ws_dropped.inc();
                                return;
                            }
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        state.metrics.ws_dropped.inc();
                        outbox.slow.notify_one();
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        })
    };

    outbox.send(&json!({"type": "hello", "account": caller.account.0.to_string()}));
    let mut sender = sender;
    let mut sender_done = false;
    let mut shutdown = state.shutdown.clone();
    loop {
        let msg = tokio::select! {
            m = stream.next() => m,
            _ = &mut sender => { sender_done = true; break }
            _ = shutdown.wait_for(|s| *s) => { outbox.going_away(); break }
        };
        let Some(Ok(msg)) = msg else { break };
        let text = match msg {
            Message::Text(t) => t,
            Message::Close(_) => break,
            _ => continue,
        };
        let parsed: Result<ClientMessage, _> = serde_json::from_str(text.as_str());
        match parsed {
            Ok(m) => handle(&state, caller, &outbox, &subscriptions, m).await,
            Err(e) => {
                outbox.send(&json!({"type": "error", "code": "invalid_message", "message": e.to_string()}));
            }
        }
    }
    feed_task.abort();
    drop(outbox);
    if !sender_done {
        // A session closing at shutdown gets a moment for its close frame.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), sender).await;
    }
    state.metrics.ws_connections.dec();
}

fn error(req_id: Option<&str>, e: &ApiError) -> Value {
    json!({"type": "error", "req_id": req_id, "status": e.status.as_u16(), "code": e.body.code, "message": e.body.message})
}

async fn handle(state: &AppState, caller: Caller, outbox: &Outbox, subscriptions: &Subscriptions, m: ClientMessage) {
    match m {
        ClientMessage::Subscribe { symbol } | ClientMessage::Resync { symbol } => {
            let catalog = state.writer.catalog.get();
            let Some(market) = catalog.market(&symbol) else {
                outbox.send(&error(None, &ApiError::not_found("unknown_instrument", format!("no market {symbol:?}"))));
                return;
            };
            // Subscribe first, then read: every delta after the snapshot's seq is delivered.
            subs(subscriptions).insert(market.instrument.id);
            let read = Read::Book { instrument: market.instrument.id, depth: crate::api::markets::DEPTH_MAX };
            match state.read("ws_book", read).await {
                Ok(ReadReply::Book { bids, asks, seq }) => {
                    outbox.send(&json!({
                        "type": "book", "symbol": symbol, "seq": seq.to_string(),
                        "bids": bids.iter().map(|l| render::level(market, l)).collect::<Vec<_>>(),
                        "asks": asks.iter().map(|l| render::level(market, l)).collect::<Vec<_>>(),
                        "status": market.instrument.spec.status.as_str(),
                    }));
                }
                Ok(_) => {}
                Err(e) => {
                    outbox.send(&error(None, &e));
                }
            }
        }
        ClientMessage::Unsubscribe { symbol } => {
            if let Some(m) = state.writer.catalog.get().market(&symbol) {
                subs(subscriptions).remove(&m.instrument.id);
            }
        }
        ClientMessage::Place { req_id, order } => {
            let (state, outbox) = (state.clone(), outbox.clone());
            // A task per order: the client may pipeline; answers come as they are durable.
            tokio::spawn(async move {
                let reply = place(&state, caller, &order).await;
                outbox.send(&match reply {
                    Ok(o) => json!({"type": "ack", "req_id": req_id, "order": o}),
                    Err(e) => error(req_id.as_deref(), &e),
                });
            });
        }
        ClientMessage::Amend { req_id, order_id, version, amend } => {
            let (state, outbox) = (state.clone(), outbox.clone());
            tokio::spawn(async move {
                let reply = amend_order(&state, caller, &order_id, version, &amend).await;
                outbox.send(&match reply {
                    Ok(o) => json!({"type": "ack", "req_id": req_id, "order": o}),
                    Err(e) => error(req_id.as_deref(), &e),
                });
            });
        }
        ClientMessage::Cancel { req_id, order_id } => {
            let (state, outbox) = (state.clone(), outbox.clone());
            tokio::spawn(async move {
                let reply = cancel(&state, caller, &order_id).await;
                outbox.send(&match reply {
                    Ok(o) => json!({"type": "ack", "req_id": req_id, "order": o}),
                    Err(e) => error(req_id.as_deref(), &e),
                });
            });
        }
    }
}

async fn place(
    state: &AppState,
    caller: Caller,
    req: &crate::api::dto::PlaceRequest,
) -> Result<crate::api::dto::OrderDto, ApiError> {
    let catalog = state.writer.catalog.get();
    let p = convert::place(&catalog, caller.account, req)?;
    let m = convert::market(&catalog, &req.symbol)?;
    let applied = state.command("ws_place", BrokerCommandKind::Place(p)).await?;
    if let Some(e) = render::refusal(&applied.events) {
        return Err(e);
    }
    let id = accepted(&applied.events).ok_or_else(|| ApiError::unprocessable("not_accepted", "not accepted"))?;
    Ok(render::order_after(m, caller.account, id, &applied.events, applied.order.as_ref()))
}

fn accepted(events: &[brokerx_engine::broker::BrokerEvent]) -> Option<OrderId> {
    events.iter().find_map(|e| match e.kind {
        BrokerEventKind::Order(EventKind::Accepted { order_id, .. }) => Some(order_id),
        _ => None,
    })
}

fn order_ref(id: &str) -> Result<OrderRef, ApiError> {
    id_u64(id).map(|n| OrderRef::Id(OrderId(n))).ok_or_else(ApiError::unknown_order)
}

async fn amend_order(
    state: &AppState,
    caller: Caller,
    order_id: &str,
    version: Option<u32>,
    req: &crate::api::dto::AmendRequest,
) -> Result<crate::api::dto::OrderDto, ApiError> {
    let order = order_ref(order_id)?;
    let ReadReply::Order(Some(o)) = state.read("ws_order", Read::Order { account: caller.account, order }).await?
    else {
        return Err(ApiError::unknown_order());
    };
    let catalog = state.writer.catalog.get();
    let m = catalog.market_by_id(o.instrument).ok_or_else(ApiError::unknown_order)?;
    let a = convert::amend(m, caller.account, OrderRef::Id(o.order_id), req, version)?;
    let applied = state.command("ws_amend", BrokerCommandKind::Amend(a)).await?;
    if let Some(e) = render::refusal(&applied.events) {
        return Err(e);
    }
    Ok(render::order_after(m, caller.account, o.order_id, &applied.events, applied.order.as_ref()))
}

async fn cancel(state: &AppState, caller: Caller, order_id: &str) -> Result<crate::api::dto::OrderDto, ApiError> {
    let order = order_ref(order_id)?;
    let applied = state.command("ws_cancel", BrokerCommandKind::Cancel(Cancel::new(caller.account, order))).await?;
    let (id, instrument) = applied
        .events
        .iter()
        .find_map(|e| match e.kind {
            BrokerEventKind::Order(EventKind::Cancelled { order_id, instrument, .. }) => Some((order_id, instrument)),
            _ => None,
        })
        .ok_or_else(ApiError::unknown_order)?;
    let catalog = state.writer.catalog.get();
    let m = catalog.market_by_id(instrument).ok_or_else(ApiError::unknown_order)?;
    Ok(render::order_after(m, caller.account, id, &applied.events, None))
}
