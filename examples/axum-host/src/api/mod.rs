//! The HTTP surface: REST under `/api/v1`, `/health`, `/metrics`,
//! `/openapi.json`, `/ws` and the page at `/`. Handlers convert, call the
//! writer, convert back; the OpenAPI document is generated from their types.

pub mod admin;
pub mod auth;
pub mod convert;
pub mod dto;
pub mod error;
pub mod extract;
pub mod funds;
pub mod markets;
pub mod orders;
pub mod ratelimit;
pub mod render;
pub mod system;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;
use brokerx_engine::broker::BrokerCommandKind;
use brokerx_engine::AccountId;
use tower_http::timeout::TimeoutLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use self::auth::Auth;
use self::error::{ApiError, ApiResult};
use self::ratelimit::RateLimiter;
use crate::metrics::Metrics;
use crate::writer::{Applied, Read, ReadReply, WriterHandle};

#[derive(Clone, Debug)]
pub struct AppState {
    pub writer: WriterHandle,
    pub auth: Auth,
    pub metrics: Metrics,
    pub limiter: Arc<RateLimiter>,
    in_flight: Arc<Mutex<HashSet<(AccountId, String)>>>,
    /// Messages queued per WebSocket session before it is closed as a slow consumer.
    pub ws_outbox: usize,
    /// Turns true when the server shuts down: WebSocket sessions close (1001).
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    shutdown_tx: Arc<tokio::sync::watch::Sender<bool>>,
}

impl AppState {
    pub fn new(writer: WriterHandle, auth: Auth, metrics: Metrics, limiter: RateLimiter) -> AppState {
        let (shutdown_tx, shutdown) = tokio::sync::watch::channel(false);
        AppState {
            writer,
            auth,
            metrics,
            limiter: Arc::new(limiter),
            in_flight: Arc::default(),
            ws_outbox: crate::ws::OUTBOX_CAPACITY,
            shutdown,
            shutdown_tx: Arc::new(shutdown_tx),
        }
    }

    /// Tells every WebSocket session to close.
    pub fn begin_shutdown(&self) {
        let _ = self.shutdown_tx.send(true);
    }

    pub(crate) fn in_flight_keys(&self) -> MutexGuard<'_, HashSet<(AccountId, String)>> {
        match self.in_flight.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// A command through the writer: its outcome once durable, or the core's
    /// error as an API error.
    ///
    /// # Errors
    /// 503 when the writer is busy or stopped; the core's refusal otherwise.
    pub async fn command(&self, label: &'static str, kind: BrokerCommandKind) -> ApiResult<Applied> {
        let t = Instant::now();
        let r = self.writer.command(kind).await;
        self.metrics.request_seconds.with_label_values(&[label]).observe(t.elapsed().as_secs_f64());
        r?.map_err(|e| ApiError::broker(&e))
    }

    /// # Errors
    /// 503 when the writer is busy or stopped.
    pub async fn read(&self, label: &'static str, read: Read) -> ApiResult<ReadReply> {
        let t = Instant::now();
        let r = self.writer.read(read).await;
        self.metrics.request_seconds.with_label_values(&[label]).observe(t.elapsed().as_secs_f64());
        Ok(r?)
    }
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "BrokerX host", description = "The BrokerX Broker as a durable service. Decimals and 64-bit ids are strings."),
    paths(
        funds::deposit, funds::withdraw, funds::balances, funds::open_orders,
        orders::place, orders::get, orders::get_by_client, orders::amend, orders::amend_by_client,
        orders::cancel, orders::cancel_by_client,
        markets::list, markets::book, markets::trades,
        admin::create_asset, admin::register_market, admin::halt, admin::resume, admin::kill_switch, admin::limits,
        system::health, system::metrics,
    ),
    modifiers(&Security)
)]
#[derive(Debug)]
pub struct ApiDoc;

/// The router, with the body limit and the request timeout.
pub fn router(state: AppState, body_limit: usize, timeout: Duration) -> Router {
    let api = Router::new()
        .route("/accounts/{account}/deposits", post(funds::deposit))
        .route("/accounts/{account}/withdrawals", post(funds::withdraw))
        .route("/accounts/{account}/balances", get(funds::balances))
        .route("/accounts/{account}/orders", get(funds::open_orders))
        .route("/orders", post(orders::place))
        .route("/orders/{id}", get(orders::get).patch(orders::amend).delete(orders::cancel))
        .route(
            "/orders/by-client-id/{client_order_id}",
            get(orders::get_by_client).patch(orders::amend_by_client).delete(orders::cancel_by_client),
        )
        .route("/markets", get(markets::list))
        .route("/markets/{symbol}/book", get(markets::book))
        .route("/markets/{symbol}/trades", get(markets::trades))
        .route("/admin/assets", post(admin::create_asset))
        .route("/admin/markets", post(admin::register_market))
        .route("/admin/markets/{symbol}/halt", post(admin::halt))
        .route("/admin/markets/{symbol}/resume", post(admin::resume))
        .route("/admin/accounts/{account}/kill-switch", post(admin::kill_switch))
        .route("/admin/accounts/{account}/limits", put(admin::limits));
    Router::new()
        .nest("/api/v1", api)
        .route("/health", get(system::health))
        .route("/metrics", get(system::metrics))
        .route("/openapi.json", get(system::openapi))
        .route("/ws", get(crate::ws::upgrade))
        .route("/", get(system::page))
        .fallback(system::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, timeout))
        .with_state(state)
}
