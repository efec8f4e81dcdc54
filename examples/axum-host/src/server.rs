//! Start-up: recover, start the writer, list the demo market if asked, bind,
//! serve. Shutdown: stop accepting, let the writer drain and commit.

use std::net::SocketAddr;
use std::thread::JoinHandle;

use brokerx_engine::broker::{BrokerCommandKind, BrokerConfig, InstrumentRisk, MarketSpec};
use brokerx_engine::{AssetId, AssetSpec, Decimal, InstrumentSpec};
use tokio::net::TcpListener;

use crate::api::{self, auth::Auth, ratelimit::RateLimiter, AppState};
use crate::config::Config;
use crate::metrics::Metrics;
use crate::writer::{self, recovery, WriterConfig, WriterHandle};

#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub writer: WriterHandle,
    pub recovery: recovery::RecoveryReport,
    pub app: AppState,
    listener: Option<TcpListener>,
    router: Option<axum::Router>,
    writer_thread: Option<JoinHandle<()>>,
}

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Recovers the data directory, starts the writer and binds the listener.
///
/// # Errors
/// Recovery, metrics or bind failures.
pub async fn start(config: Config) -> Result<Running, BoxError> {
    let (state, journal, report) = recovery::recover(&config.data_dir, &BrokerConfig::default())?;
    tracing::info!(
        snapshot = ?report.snapshot_position,
        replayed = report.replayed,
        cut_bytes = report.journal.cut_bytes,
        state_hash = report.state_hash,
        ms = report.elapsed.as_millis() as u64,
        "recovered"
    );
    let empty = state.applied == 0;
    let metrics = Metrics::new()?;
    let (handle, join) = writer::spawn(
        state,
        Box::new(journal),
        WriterConfig {
            queue_capacity: config.queue_capacity,
            max_batch: config.max_batch,
            snapshot_every: config.snapshot_every,
            data_dir: config.data_dir.clone(),
        },
        metrics.clone(),
    )?;
    if config.demo && empty {
        demo(&handle).await?;
    }
    let mut app_state = AppState::new(
        handle.clone(),
        Auth::new(&config.jwt_secret),
        metrics,
        RateLimiter::new(config.rate_per_s, config.rate_burst),
    );
    app_state.ws_outbox = config.ws_outbox;
    let router = api::router(app_state.clone(), config.body_limit_bytes, config.request_timeout);
    let listener = TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    Ok(Running {
        addr,
        writer: handle,
        recovery: report,
        app: app_state,
        listener: Some(listener),
        router: Some(router),
        writer_thread: Some(join),
    })
}

impl Running {
    /// Serves until SIGINT/SIGTERM.
    ///
    /// # Errors
    /// Server I/O errors.
    pub async fn serve_until_signal(self) -> Result<(), BoxError> {
        self.serve(async {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(t) => t,
                    Err(_) => {
                        let _ = ctrl_c.await;
                        return;
                    }
                };
                tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            }
            #[cfg(not(unix))]
            let _ = ctrl_c.await;
        })
        .await
    }

    /// Serves until `shutdown` completes, then lets the writer finish.
    ///
    /// # Errors
    /// Server I/O errors.
    pub async fn serve(
        mut self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), BoxError> {
        let (Some(listener), Some(router)) = (self.listener.take(), self.router.take()) else {
            return Ok(());
        };
        let app = self.app.clone();
        let shutdown = async move {
            shutdown.await;
            app.begin_shutdown();
        };
        axum::serve(listener, router).with_graceful_shutdown(shutdown).await?;
        let Running { writer, writer_thread, app, .. } = self;
        // The writer stops when the last sender is gone.
        drop(app);
        drop(writer);
        if let Some(j) = writer_thread {
            let _ = tokio::task::spawn_blocking(move || j.join()).await;
        }
        Ok(())
    }
}

/// USD (scale 2), ACME (scale 0) and ACME/USD (tick 0.01, lot 1, reference 100.00).
async fn demo(w: &WriterHandle) -> Result<(), BoxError> {
    for (id, code, scale) in [(1, "USD", 2), (2, "ACME", 0)] {
        let spec = AssetSpec { id: AssetId(id), code: code.into(), scale };
        w.command(BrokerCommandKind::CreateAsset { spec, wallet_max_balance: None })
            .await
            .map_err(|e| format!("{e:?}"))?
            .map_err(|e| e.to_string())?;
    }
    let instrument = InstrumentSpec::new("ACME/USD", Decimal::new(1, 2), Decimal::ONE);
    let risk = InstrumentRisk::default().with_reference_price(&instrument, Decimal::new(10_000, 2))?;
    let market = MarketSpec { instrument, base: AssetId(2), quote: AssetId(1), risk };
    w.command(BrokerCommandKind::RegisterMarket(market))
        .await
        .map_err(|e| format!("{e:?}"))?
        .map_err(|e| e.to_string())?;
    Ok(())
}
