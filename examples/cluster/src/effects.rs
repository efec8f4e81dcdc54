//! A shard's effect log, `brokerx.fx.<shard>`: the Broker's events for each
//! command, in command order, published by the lease holder only.
//!
//! Every append names the subject sequence it expects to follow
//! (`Nats-Expected-Last-Subject-Sequence`), so the log is a compare-and-set
//! chain. A new leader first reads the log's end and appends an
//! [`FxRecord::Epoch`] carrying its lease revision; from then on any append by
//! the previous holder expects an older sequence and is refused by JetStream:
//! [`ClusterError::Fenced`]. Effects are a function of the command stream, so
//! the new leader continues from the command after the log's last one and
//! nothing is published twice or skipped.

use std::collections::VecDeque;
use std::time::Duration;

use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::{LastRawMessageErrorKind, Stream};
use async_nats::jetstream::Context;
use tokio::sync::{mpsc, watch};

use crate::error::ClusterError;
use crate::wire::{CommandEffect, FxRecord, ShardName, FX_STREAM};

/// Most effects in one log record, and roughly most bytes.
const BATCH_MAX: usize = 512;
const BATCH_BYTES_MAX: usize = 256 * 1024;

/// The end of a shard's effect log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogEnd {
    /// Subject sequence of the last record (0: empty).
    pub subject_seq: u64,
    /// The last command whose effects are in the log (0: none).
    pub last_cmd_seq: u64,
}

/// Reads the end of `shard`'s effect log.
///
/// # Errors
/// `JetStream`, or `Decode` for a record that is not ours.
pub async fn log_end(stream: &Stream, shard: &ShardName) -> Result<LogEnd, ClusterError> {
    match stream.get_last_raw_message_by_subject(&shard.fx_subject()).await {
        Ok(msg) => {
            Ok(LogEnd { subject_seq: msg.sequence, last_cmd_seq: FxRecord::decode(&msg.payload)?.last_cmd_seq() })
        }
        Err(e) if e.kind() == LastRawMessageErrorKind::NoMessageFound => Ok(LogEnd { subject_seq: 0, last_cmd_seq: 0 }),
        Err(e) => Err(ClusterError::js("read effect log end", e)),
    }
}

/// The right to append to one shard's effect log, as long as nobody else has.
#[derive(Debug)]
pub struct FxWriter {
    js: Context,
    stream: Stream,
    shard: ShardName,
    epoch: u64,
    end: LogEnd,
}

impl FxWriter {
    /// Appends an `Epoch` record for lease revision `epoch` after the log's current end.
    ///
    /// # Errors
    /// `Fenced` if another writer appended in between; `JetStream` otherwise.
    pub async fn take_over(
        js: &Context,
        shard: &ShardName,
        epoch: u64,
        holder: &str,
    ) -> Result<FxWriter, ClusterError> {
        let stream = js.get_stream(FX_STREAM).await.map_err(|e| ClusterError::js("get effect stream", e))?;
        let end = log_end(&stream, shard).await?;
        let mut w = FxWriter { js: js.clone(), stream, shard: shard.clone(), epoch, end };
        let rec = FxRecord::Epoch { lease_revision: epoch, holder: holder.to_owned(), last_cmd_seq: end.last_cmd_seq };
        w.append_record(&rec, format!("{shard}:epoch:{epoch}")).await?;
        tracing::info!(%shard, epoch, after_cmd = end.last_cmd_seq, "effect log taken over");
        Ok(w)
    }

    pub fn end(&self) -> LogEnd {
        self.end
    }
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Appends effects that follow the log's last command.
    ///
    /// # Errors
    /// `Fenced` when another writer has appended since; `EffectGap` when the
    /// first effect does not follow the log's end; `JetStream` on timeouts
    /// (retry: the same batch carries the same message id).
    pub async fn append(&mut self, effects: &[CommandEffect]) -> Result<(), ClusterError> {
        let Some(first) = effects.first() else { return Ok(()) };
        if first.prev_cmd_seq != self.end.last_cmd_seq {
            return Err(ClusterError::EffectGap {
                shard: self.shard.to_string(),
                log_end: self.end.last_cmd_seq,
                kept_from: first.prev_cmd_seq,
            });
        }
        let rec = FxRecord::Batch { lease_revision: self.epoch, effects: effects.to_vec() };
        let id = format!("{}:fx:{}:{}", self.shard, self.epoch, first.cmd_seq);
        self.append_record(&rec, id).await
    }

    async fn append_record(&mut self, rec: &FxRecord, msg_id: String) -> Result<(), ClusterError> {
        let payload = bytes::Bytes::from(rec.encode()?);
        let publish = PublishMessage::build()
            .payload(payload)
            .message_id(&msg_id)
            .expected_last_subject_sequence(self.end.subject_seq);
        let fenced = || ClusterError::Fenced {
            shard: self.shard.to_string(),
            expected: self.end.subject_seq,
            lease_revision: self.epoch,
        };
        let ack = match self.js.send_publish(self.shard.fx_subject(), publish).await {
            Ok(f) => f.await,
            Err(e) => return Err(ClusterError::js("publish effects", e)),
        };
        match ack {
            Ok(ack) if ack.duplicate => {
                // A retry of a record that was stored: find where the log ends now.
                self.end = log_end(&self.stream, &self.shard).await?;
                Ok(())
            }
            Ok(ack) => {
                self.end =
                    LogEnd { subject_seq: ack.sequence, last_cmd_seq: rec.last_cmd_seq().max(self.end.last_cmd_seq) };
                Ok(())
            }
            Err(e) if e.kind() == PublishErrorKind::WrongLastSequence => Err(fenced()),
            Err(e) => Err(ClusterError::js("publish effects", e)),
        }
    }
}

/// Keeps the effects of the commands the shard applied, and publishes them
/// while `lease` says this process leads. Returns `Ok` when `effects` closes,
/// `Err(EffectGap)` when the log ends before the oldest effect it kept (the
/// shard then rebuilds from an older snapshot).
pub async fn run(
    js: Context,
    shard: ShardName,
    holder: String,
    kept_max: usize,
    mut lease: watch::Receiver<Option<u64>>,
    mut effects: mpsc::Receiver<CommandEffect>,
) -> Result<(), ClusterError> {
    let mut kept: VecDeque<CommandEffect> = VecDeque::new();
    let mut writer: Option<FxWriter> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    loop {
        tokio::select! {
            e = effects.recv() => match e {
                None => return Ok(()),
                Some(e) => {
                    kept.push_back(e);
                    while kept.len() < kept_max.saturating_add(BATCH_MAX) {
                        match effects.try_recv() {
                            Ok(e) => kept.push_back(e),
                            Err(_) => break,
                        }
                    }
                }
            },
            _ = lease.changed() => {}
            _ = tick.tick() => {}
        }
        let held = *lease.borrow();
        match (held, writer.as_ref().map(FxWriter::epoch)) {
            (None, _) => writer = None,
            (Some(epoch), current) if current != Some(epoch) => {
                writer = match FxWriter::take_over(&js, &shard, epoch, &holder).await {
                    Ok(w) => Some(w),
                    Err(e) => {
                        tracing::warn!(%shard, error = %e, "take-over failed; retrying");
                        None
                    }
                };
            }
            _ => {}
        }
        if let Some(w) = writer.as_mut() {
            loop {
                let end = w.end().last_cmd_seq;
                while kept.front().is_some_and(|e| e.cmd_seq <= end) {
                    kept.pop_front();
                }
                if kept.is_empty() {
                    break;
                }
                let mut n = 0;
                let mut bytes = 0;
                for e in kept.iter().take(BATCH_MAX) {
                    bytes += 64 + e.outcome.as_ref().map_or(0, |ev| ev.len() * 96);
                    n += 1;
                    if bytes > BATCH_BYTES_MAX {
                        break;
                    }
                }
                let batch: Vec<CommandEffect> = kept.iter().take(n).cloned().collect();
                match w.append(&batch).await {
                    Ok(()) => {}
                    Err(e @ ClusterError::EffectGap { .. }) => return Err(e),
                    Err(e @ ClusterError::Fenced { .. }) => {
                        tracing::warn!(%shard, error = %e, "fenced; back to standby");
                        writer = None;
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(%shard, error = %e, "effect publish failed; retrying");
                        break;
                    }
                }
            }
        } else {
            while kept.len() > kept_max {
                kept.pop_front();
            }
        }
    }
}

/// Every record of `shard`'s effect log, in order.
///
/// # Errors
/// `JetStream`, or `Decode` for a record that is not ours.
pub async fn read_log(js: &Context, shard: &ShardName) -> Result<Vec<FxRecord>, ClusterError> {
    use async_nats::jetstream::consumer::{pull, DeliverPolicy};
    use futures_util::StreamExt;
    let stream = js.get_stream(FX_STREAM).await.map_err(|e| ClusterError::js("get effect stream", e))?;
    let end = log_end(&stream, shard).await?;
    let mut out = Vec::new();
    if end.subject_seq == 0 {
        return Ok(out);
    }
    let consumer = stream
        .create_consumer(pull::OrderedConfig {
            filter_subject: shard.fx_subject(),
            deliver_policy: DeliverPolicy::All,
            ..Default::default()
        })
        .await
        .map_err(|e| ClusterError::js("create consumer", e))?;
    let mut messages = consumer.messages().await.map_err(|e| ClusterError::js("consume", e))?;
    loop {
        let next = tokio::time::timeout(Duration::from_secs(30), messages.next()).await;
        let msg = match next {
            Ok(Some(Ok(m))) => m,
            Ok(Some(Err(e))) => return Err(ClusterError::js("read effect log", e)),
            Ok(None) | Err(_) => return Err(ClusterError::js("read effect log", "ended early")),
        };
        let seq = msg.info().map_err(|e| ClusterError::js("read effect log", e))?.stream_sequence;
        out.push(FxRecord::decode(&msg.payload)?);
        if seq >= end.subject_seq {
            return Ok(out);
        }
    }
}
