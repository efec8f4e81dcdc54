//! The one writer: a plain thread that owns the Broker, fed through a bounded
//! channel. Each turn it takes every request waiting (up to a batch limit),
//! applies the commands in order, appends the accepted ones to the journal,
//! commits once (group commit, `fdatasync`), and only then answers: a command
//! is acknowledged after its record is durable, and a read answered in the
//! same turn never shows anything that is not. A full queue is refused at once
//! (the handler answers 503), so nothing grows without bound.

mod catalog;
mod feed;
mod index;
pub mod recovery;
mod request;
pub mod snapshot;
mod state;

pub use catalog::{Catalog, MarketInfo, SharedCatalog};
pub use feed::{Feed, TradeRecord};
pub use index::OrderIndex;
pub use request::{Applied, Op, Read, ReadReply, Reply};
pub use state::{HostState, TRADES_KEPT};

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use brokerx_engine::broker::{BrokerCommand, BrokerCommandKind, BrokerError, BrokerEvent, BrokerEventKind};
use brokerx_engine::clock::HostClock;
use brokerx_engine::{CorrelationId, EventKind, OrderId, OrderRef, Side};
use tokio::sync::{broadcast, oneshot};

use crate::journal::{Journal, RECORD_MAX_LEN_PUB};
use crate::metrics::Metrics;

#[derive(Clone, Debug)]
pub struct WriterConfig {
    pub queue_capacity: usize,
    pub max_batch: usize,
    /// Snapshot after this many commands since the last one (0: never).
    pub snapshot_every: u64,
    pub data_dir: PathBuf,
}

struct Request {
    op: Op,
    reply: oneshot::Sender<Reply>,
}

/// Why a request got no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unavailable {
    /// The queue is full: retry later.
    Busy,
    /// The writer has stopped (a journal failure or shutdown).
    Stopped,
}

/// How handlers reach the writer.
#[derive(Clone, Debug)]
pub struct WriterHandle {
    tx: SyncSender<Request>,
    metrics: Metrics,
    pub catalog: SharedCatalog,
    pub feed: broadcast::Sender<Arc<Vec<Feed>>>,
}

impl WriterHandle {
    /// Sends `op` and waits for the answer.
    ///
    /// # Errors
    /// [`Unavailable::Busy`] when the queue is full, `Stopped` when the writer is gone.
    pub async fn call(&self, op: Op) -> Result<Reply, Unavailable> {
        let (reply, rx) = oneshot::channel();
        match self.tx.try_send(Request { op, reply }) {
            Ok(()) => self.metrics.queue_depth.inc(),
            Err(TrySendError::Full(_)) => return Err(Unavailable::Busy),
            Err(TrySendError::Disconnected(_)) => return Err(Unavailable::Stopped),
        }
        rx.await.map_err(|_| Unavailable::Stopped)
    }

    /// A command's outcome.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn command(&self, kind: BrokerCommandKind) -> Result<Result<Applied, BrokerError>, Unavailable> {
        match self.call(Op::Command(kind)).await? {
            Reply::Command(r) => Ok(r),
            Reply::Read(_) => Err(Unavailable::Stopped),
        }
    }

    /// A read's answer.
    ///
    /// # Errors
    /// As [`call`](Self::call).
    pub async fn read(&self, read: Read) -> Result<ReadReply, Unavailable> {
        match self.call(Op::Read(read)).await? {
            Reply::Read(r) => Ok(r),
            Reply::Command(_) => Err(Unavailable::Stopped),
        }
    }
}

/// Starts the writer thread over a recovered state and its journal.
///
/// # Errors
/// If the thread cannot be spawned.
pub fn spawn(
    state: HostState,
    journal: Box<dyn Journal>,
    config: WriterConfig,
    metrics: Metrics,
) -> std::io::Result<(WriterHandle, std::thread::JoinHandle<()>)> {
    let (tx, rx) = sync_channel(config.queue_capacity);
    let catalog = SharedCatalog::default();
    catalog.set(Catalog::of(&state.broker, &state.assets));
    let (feed, _) = broadcast::channel(4096);
    let handle = WriterHandle { tx, metrics: metrics.clone(), catalog: catalog.clone(), feed: feed.clone() };
    metrics.journal_records.set(i64::try_from(journal.durable()).unwrap_or(i64::MAX));
    let mut writer = Writer {
        state,
        journal,
        config,
        metrics,
        catalog,
        feed,
        clock: HostClock::new(),
        since_snapshot: 0,
        snapshot_busy: Arc::new(AtomicBool::new(false)),
    };
    let join = std::thread::Builder::new().name("brokerx-writer".into()).spawn(move || writer.run(rx))?;
    Ok((handle, join))
}

struct Writer {
    state: HostState,
    journal: Box<dyn Journal>,
    config: WriterConfig,
    metrics: Metrics,
    catalog: SharedCatalog,
    feed: broadcast::Sender<Arc<Vec<Feed>>>,
    clock: HostClock,
    since_snapshot: u64,
    snapshot_busy: Arc<AtomicBool>,
}

fn wall_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

impl Writer {
    fn run(&mut self, rx: Receiver<Request>) {
        let mut batch: Vec<Request> = Vec::with_capacity(self.config.max_batch);
        let mut held: Vec<(oneshot::Sender<Reply>, Reply)> = Vec::with_capacity(self.config.max_batch);
        let mut feed: Vec<Feed> = Vec::new();
        let mut events: Vec<BrokerEvent> = Vec::with_capacity(1024);
        loop {
            let first = match self.state.broker.next_deadline() {
                Some(deadline) => {
                    let wait = Duration::from_nanos(deadline.0.saturating_sub(wall_ns()));
                    match rx.recv_timeout(wait) {
                        Ok(r) => Some(r),
                        Err(RecvTimeoutError::Timeout) => None,
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
                None => match rx.recv() {
                    Ok(r) => Some(r),
                    Err(_) => break,
                },
            };
            batch.extend(first);
            while batch.len() < self.config.max_batch {
                match rx.try_recv() {
                    Ok(r) => batch.push(r),
                    Err(_) => break,
                }
            }
            self.metrics.queue_depth.sub(i64::try_from(batch.len()).unwrap_or(0));
            let mut config_changed = false;
            let appended_before = self.journal_len();
            if self.state.broker.next_deadline().is_some_and(|d| d.0 <= wall_ns()) {
                events.clear();
                // Nothing waits on an expiry; its events go to the feed.
                let _ = self.apply(BrokerCommandKind::ExpireDue, &mut events, &mut feed);
            }
            for req in batch.drain(..) {
                let reply = match req.op {
                    Op::Command(kind) => {
                        config_changed |= matches!(
                            kind,
                            BrokerCommandKind::CreateAsset { .. }
                                | BrokerCommandKind::RegisterMarket(_)
                                | BrokerCommandKind::SetTradingStatus(_)
                                | BrokerCommandKind::SetInstrumentRisk { .. }
                        );
                        let label = kind_label(&kind);
                        let mut own = Vec::new();
                        let result = self.apply(kind, &mut own, &mut feed);
                        let outcome = match &result {
                            Ok(_) => outcome_label(&own),
                            Err(e) => e.code(),
                        };
                        self.metrics.commands.with_label_values(&[label, outcome]).inc();
                        match result {
                            Ok(position) => {
                                let order = named_order(&own).and_then(|id| self.state.broker.engine().order(id));
                                Reply::Command(Ok(Applied { events: own, order, position }))
                            }
                            Err(e) => {
                                // Refused: nothing changed, nothing to make durable.
                                let _ = req.reply.send(Reply::Command(Err(e)));
                                continue;
                            }
                        }
                    }
                    Op::Read(read) => Reply::Read(self.read(read)),
                };
                held.push((req.reply, reply));
            }
            let appended = self.journal_len() - appended_before;
            if appended > 0 {
                let t = Instant::now();
                if let Err(e) = self.journal.commit() {
                    // The state is ahead of the journal: answer nothing, stop.
                    tracing::error!(error = %e, "journal commit failed; the writer stops");
                    return;
                }
                self.metrics.fsync_seconds.observe(t.elapsed().as_secs_f64());
                self.metrics.batch_size.observe(appended as f64);
                self.metrics.journal_records.set(i64::try_from(self.journal.durable()).unwrap_or(i64::MAX));
                self.since_snapshot += appended;
            }
            if config_changed {
                self.catalog.set(Catalog::of(&self.state.broker, &self.state.assets));
            }
            if !feed.is_empty() {
                if self.feed.receiver_count() > 0 {
                    let _ = self.feed.send(Arc::new(std::mem::take(&mut feed)));
                } else {
                    feed.clear();
                }
            }
            for (tx, reply) in held.drain(..) {
                let _ = tx.send(reply);
            }
            self.maybe_snapshot();
        }
        if let Err(e) = self.journal.commit() {
            tracing::error!(error = %e, "final journal commit failed");
        }
    }

    fn journal_len(&self) -> u64 {
        self.state.applied
    }

    /// Stamps, applies and (if accepted) appends one command; returns its journal position.
    fn apply(
        &mut self,
        kind: BrokerCommandKind,
        events: &mut Vec<BrokerEvent>,
        feed: &mut Vec<Feed>,
    ) -> Result<u64, BrokerError> {
        let ts = self.clock.stamp(wall_ns(), self.state.broker.now());
        let position = self.state.applied;
        let cmd = BrokerCommand { ts, correlation_id: CorrelationId(position + 1), kind };
        // Encoded before it runs: once applied it must be journaled. Every
        // command encodes, and the request body limit keeps it far below the
        // record limit, so a failure is a bug: stop rather than diverge.
        let payload = match postcard::to_stdvec(&cmd) {
            Ok(p) if p.len() <= RECORD_MAX_LEN_PUB => p,
            _ => {
                tracing::error!(?cmd, "a command does not fit a journal record; aborting");
                std::process::abort();
            }
        };
        self.state.apply(&cmd, events, Some(feed))?;
        if let Err(e) = self.journal.append(&payload) {
            tracing::error!(error = %e, "journal append failed after apply; aborting");
            std::process::abort();
        }
        Ok(position)
    }

    fn read(&self, read: Read) -> ReadReply {
        let engine = self.state.broker.engine();
        match read {
            Read::Order { account, order } => {
                let id = match order {
                    OrderRef::Id(id) => Some(id),
                    OrderRef::Client(c) => self.state.index.by_client_id(account, c),
                };
                ReadReply::Order(id.and_then(|id| engine.order(id)).filter(|o| o.account == account))
            }
            Read::OpenOrders { account } => {
                ReadReply::Orders(self.state.index.open_orders(account).filter_map(|id| engine.order(id)).collect())
            }
            Read::Balances { account } => ReadReply::Balances(
                self.state
                    .assets
                    .iter()
                    .map(|a| (*a, self.state.broker.balance(account, *a), self.state.broker.available(account, *a)))
                    .collect(),
            ),
            Read::Book { instrument, depth } => ReadReply::Book {
                bids: engine.depth(instrument, Side::Buy).take(depth).collect(),
                asks: engine.depth(instrument, Side::Sell).take(depth).collect(),
                seq: self.state.book_seq.get(&instrument).copied().unwrap_or(0),
            },
            Read::Trades { instrument, limit } => ReadReply::Trades(
                self.state
                    .trades
                    .get(&instrument)
                    .map(|r| r.iter().rev().take(limit).copied().collect())
                    .unwrap_or_default(),
            ),
            Read::Health => ReadReply::Health {
                applied: self.state.applied,
                durable: self.journal.durable(),
                state_hash: self.state.broker.state_hash(),
                live_orders: engine.live_orders(),
            },
        }
    }

    fn maybe_snapshot(&mut self) {
        if self.config.snapshot_every == 0
            || self.since_snapshot < self.config.snapshot_every
            || self.snapshot_busy.load(Ordering::Acquire)
        {
            return;
        }
        self.since_snapshot = 0;
        let file = snapshot::SnapshotFile {
            position: self.state.applied,
            state_hash: self.state.broker.state_hash(),
            assets: self.state.assets.clone(),
            broker: self.state.broker.snapshot(),
        };
        let busy = Arc::clone(&self.snapshot_busy);
        busy.store(true, Ordering::Release);
        let dir = self.config.data_dir.clone();
        // Encoding and writing happen off the writer thread.
        let spawned = std::thread::Builder::new().name("brokerx-snapshot".into()).spawn(move || {
            match snapshot::write(&dir, &file) {
                Ok(path) => tracing::info!(path = %path.display(), position = file.position, "snapshot written"),
                Err(e) => tracing::warn!(error = %e, "snapshot failed; the journal still has everything"),
            }
            busy.store(false, Ordering::Release);
        });
        if spawned.is_err() {
            self.snapshot_busy.store(false, Ordering::Release);
        }
    }
}

/// The order a command's events are about: the one it placed or amended.
fn named_order(events: &[BrokerEvent]) -> Option<OrderId> {
    events.iter().find_map(|e| match e.kind {
        BrokerEventKind::Order(EventKind::Accepted { order_id, .. } | EventKind::Amended { order_id, .. }) => {
            Some(order_id)
        }
        _ => None,
    })
}

pub fn kind_label(kind: &BrokerCommandKind) -> &'static str {
    match kind {
        BrokerCommandKind::CreateAsset { .. } => "create_asset",
        BrokerCommandKind::RegisterMarket(_) => "register_market",
        BrokerCommandKind::Deposit(_) => "deposit",
        BrokerCommandKind::Withdraw(_) => "withdraw",
        BrokerCommandKind::Place(_) => "place",
        BrokerCommandKind::Cancel(_) => "cancel",
        BrokerCommandKind::Amend(_) => "amend",
        BrokerCommandKind::MassCancel(_) => "mass_cancel",
        BrokerCommandKind::SetTradingStatus(_) => "set_trading_status",
        BrokerCommandKind::SetInstrumentRisk { .. } => "set_instrument_risk",
        BrokerCommandKind::SetAccountLimits { .. } => "set_account_limits",
        BrokerCommandKind::SetAccountEnabled { .. } => "set_account_enabled",
        BrokerCommandKind::RestrictInstrument { .. } => "restrict_instrument",
        BrokerCommandKind::ExpireDue => "expire_due",
    }
}

fn outcome_label(events: &[BrokerEvent]) -> &'static str {
    for e in events {
        match e.kind {
            BrokerEventKind::OrderRejected { .. } | BrokerEventKind::Order(EventKind::Rejected { .. }) => {
                return "rejected"
            }
            _ => {}
        }
    }
    "ok"
}
