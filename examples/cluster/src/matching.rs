//! The `matching` role: one task per shard that follows `brokerx.cmd.<shard>`
//! from its latest snapshot, applies each message in stream order
//! ([`ShardState::apply`]), snapshots every so many commands, and hands each
//! command's effects to the effect log ([`crate::effects`]), which publishes
//! them while this process holds the shard's lease ([`crate::lease`]). A
//! standby runs the same code: it applies the same stream and keeps its
//! effects until it leads.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_nats::jetstream::consumer::{pull, DeliverPolicy};
use async_nats::jetstream::Context;
use brokerx_engine::broker::{BrokerConfig, BrokerEvent};
use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};

use crate::effects;
use crate::error::ClusterError;
use crate::lease;
use crate::nats::{connect, ensure_streams, lease_bucket, StreamSettings};
use crate::shard::ShardState;
use crate::wire::{ShardName, CMD_STREAM};

/// A state hash goes with at least every this many effects (and whenever the shard has caught up).
const HASH_EVERY: u64 = 1024;

#[derive(Clone, Debug)]
pub struct ShardConfig {
    pub nats_urls: String,
    pub shard: ShardName,
    /// Snapshots go to `<data_dir>/<shard>/snapshots/`.
    pub data_dir: PathBuf,
    /// Who this process is, in the lease and the effect log.
    pub holder: String,
    /// Snapshot after this many applied commands (0: never).
    pub snapshot_every: u64,
    /// Effects a standby keeps for a take-over.
    pub kept_max: usize,
    pub broker: BrokerConfig,
    pub streams: StreamSettings,
}

/// Runs one shard until `shutdown` turns true.
///
/// # Errors
/// Connecting, creating the streams, or a consumer that cannot be created.
pub async fn run_shard(cfg: ShardConfig, shutdown: watch::Receiver<bool>) -> Result<(), ClusterError> {
    let js = connect(&cfg.nats_urls).await?;
    ensure_streams(&js, &cfg.streams).await?;
    let kv = lease_bucket(&js, &cfg.streams).await?;
    let (held_tx, held_rx) = watch::channel(None);
    let lease_task = tokio::spawn(lease::run(
        kv,
        cfg.shard.lease_key(),
        cfg.holder.clone(),
        cfg.streams.lease_ttl,
        held_tx,
        shutdown.clone(),
    ));
    let mut at_most = u64::MAX;
    let result = loop {
        match incarnation(&js, &cfg, at_most, held_rx.clone(), shutdown.clone()).await {
            Err(ClusterError::EffectGap { log_end, .. }) => {
                tracing::warn!(shard = %cfg.shard, log_end, "effects missing for a take-over; rebuilding from an older snapshot");
                at_most = log_end;
            }
            other => break other,
        }
    };
    let _ = lease_task.await;
    result
}

async fn incarnation(
    js: &Context,
    cfg: &ShardConfig,
    at_most: u64,
    held: watch::Receiver<Option<u64>>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), ClusterError> {
    let dir = cfg.data_dir.join(cfg.shard.as_str());
    let mut state = ShardState::load(&dir, at_most)?.unwrap_or_else(|| ShardState::new(&cfg.broker));
    tracing::info!(shard = %cfg.shard, from_seq = state.last_seq, state_hash = state.state_hash(), "shard recovered");
    let (fx_tx, fx_rx) = mpsc::channel(8192);
    let mut fx =
        tokio::spawn(effects::run(js.clone(), cfg.shard.clone(), cfg.holder.clone(), cfg.kept_max, held, fx_rx));
    let snapshot_busy = Arc::new(AtomicBool::new(false));
    let mut since_snapshot = 0u64;
    let mut since_hash = 0u64;
    let mut events: Vec<BrokerEvent> = Vec::with_capacity(256);
    'consumer: loop {
        let mut messages = follow(js, &cfg.shard, state.last_seq).await?;
        loop {
            let msg = tokio::select! {
                m = messages.next() => m,
                r = &mut fx => {
                    return match r {
                        Ok(r) => r,
                        Err(e) => Err(ClusterError::js("effect task", e)),
                    };
                }
                _ = shutdown.changed() => {
                    if *shutdown.borrow() { break 'consumer; }
                    continue;
                }
            };
            let msg = match msg {
                Some(Ok(m)) => m,
                Some(Err(e)) => {
                    tracing::warn!(shard = %cfg.shard, error = %e, "consumer error; following again");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    continue 'consumer;
                }
                None => continue 'consumer,
            };
            let (seq, pending) = match msg.info() {
                Ok(info) => (info.stream_sequence, info.pending),
                Err(e) => {
                    tracing::warn!(shard = %cfg.shard, error = %e, "message without stream info; following again");
                    continue 'consumer;
                }
            };
            since_hash += 1;
            let hash = pending == 0 || since_hash >= HASH_EVERY;
            if hash {
                since_hash = 0;
            }
            let Some(effect) = state.apply(seq, &msg.payload, hash, &mut events) else { continue };
            if fx_tx.send(effect).await.is_err() {
                // The effect task ended: its result says why.
                return match (&mut fx).await {
                    Ok(r) => r,
                    Err(e) => Err(ClusterError::js("effect task", e)),
                };
            }
            since_snapshot += 1;
            if cfg.snapshot_every > 0 && since_snapshot >= cfg.snapshot_every && !snapshot_busy.load(Ordering::Acquire)
            {
                since_snapshot = 0;
                let file = state.snapshot_file();
                let busy = Arc::clone(&snapshot_busy);
                busy.store(true, Ordering::Release);
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || {
                    if let Err(e) = ShardState::write_snapshot(&dir, &file) {
                        tracing::warn!(error = %e, "snapshot failed; the stream still has everything");
                    }
                    busy.store(false, Ordering::Release);
                });
            }
        }
    }
    drop(fx_tx);
    let _ = fx.await;
    Ok(())
}

/// An ordered consumer of `shard`'s commands after stream sequence `after`.
async fn follow(js: &Context, shard: &ShardName, after: u64) -> Result<pull::Ordered, ClusterError> {
    let stream = js.get_stream(CMD_STREAM).await.map_err(|e| ClusterError::js("get command stream", e))?;
    let deliver_policy =
        if after == 0 { DeliverPolicy::All } else { DeliverPolicy::ByStartSequence { start_sequence: after + 1 } };
    let consumer = stream
        .create_consumer(pull::OrderedConfig {
            filter_subject: shard.cmd_subject(),
            deliver_policy,
            ..Default::default()
        })
        .await
        .map_err(|e| ClusterError::js("create consumer", e))?;
    consumer.messages().await.map_err(|e| ClusterError::js("consume", e))
}

/// A fresh shard that applied `shard`'s whole command stream up to `up_to`
/// (inclusive): what recovered states are compared with.
///
/// # Errors
/// `JetStream`.
pub async fn replay(
    js: &Context,
    shard: &ShardName,
    config: &BrokerConfig,
    up_to: u64,
) -> Result<ShardState, ClusterError> {
    let mut state = ShardState::new(config);
    let mut events = Vec::new();
    if up_to == 0 {
        return Ok(state);
    }
    let mut messages = follow(js, shard, 0).await?;
    while state.last_seq < up_to {
        let next = tokio::time::timeout(std::time::Duration::from_secs(30), messages.next()).await;
        let msg = match next {
            Ok(Some(Ok(m))) => m,
            Ok(Some(Err(e))) => return Err(ClusterError::js("replay", e)),
            Ok(None) | Err(_) => return Err(ClusterError::js("replay", format!("stream ended at {}", state.last_seq))),
        };
        let seq = msg.info().map_err(|e| ClusterError::js("replay", e))?.stream_sequence;
        if seq > up_to {
            break;
        }
        state.apply(seq, &msg.payload, false, &mut events);
    }
    Ok(state)
}
