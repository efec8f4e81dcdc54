//! Connecting, the streams and the bucket, and the sequencer: publishing a
//! command to its shard's subject and waiting for JetStream's PubAck.
//!
//! A command is acknowledged to a client only after the PubAck: then the
//! stream leader has it stored on a quorum of the replicas (R3: two of three
//! file stores). A publish that times out or loses its connection is retried
//! with the same `Nats-Msg-Id`, so within the stream's duplicate window a
//! retry of a command that was in fact stored is answered `duplicate` and
//! stored once.

use std::time::{Duration, Instant};

use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::{self, kv, stream, Context};
use async_nats::ServerAddr;
use brokerx_engine::broker::BrokerCommand;

use crate::error::ClusterError;
use crate::wire::{encode_command, ShardName, CMD_STREAM, FX_STREAM, LEASE_BUCKET};

/// The streams' settings.
#[derive(Clone, Debug)]
pub struct StreamSettings {
    /// 3 on a 3-node cluster; 1 for a single node.
    pub replicas: usize,
    /// How long JetStream remembers message ids.
    pub duplicate_window: Duration,
    /// How long a lease lives without renewal.
    pub lease_ttl: Duration,
}

impl Default for StreamSettings {
    fn default() -> Self {
        StreamSettings { replicas: 3, duplicate_window: Duration::from_secs(120), lease_ttl: Duration::from_secs(2) }
    }
}

/// Connects to any of `urls` (comma-separated); reconnects to the others on loss.
///
/// # Errors
/// `Connect` for a bad URL or when no server answers.
pub async fn connect(urls: &str) -> Result<Context, ClusterError> {
    let addrs: Vec<ServerAddr> = urls
        .split(',')
        .map(|u| u.trim().parse::<ServerAddr>().map_err(|e| ClusterError::Connect(format!("{u}: {e}"))))
        .collect::<Result<_, _>>()?;
    let client = async_nats::ConnectOptions::new()
        .retry_on_initial_connect()
        .connection_timeout(Duration::from_secs(5))
        .connect(addrs)
        .await
        .map_err(|e| ClusterError::Connect(e.to_string()))?;
    Ok(jetstream::ContextBuilder::new().timeout(Duration::from_secs(5)).build(client))
}

/// Creates the command and effect streams and the lease bucket if missing.
///
/// # Errors
/// `JetStream` when the cluster refuses (no quorum, no JetStream).
pub async fn ensure_streams(js: &Context, s: &StreamSettings) -> Result<(), ClusterError> {
    for (name, subjects) in [(CMD_STREAM, "brokerx.cmd.>"), (FX_STREAM, "brokerx.fx.>")] {
        js.get_or_create_stream(stream::Config {
            name: name.into(),
            subjects: vec![subjects.into()],
            storage: stream::StorageType::File,
            num_replicas: s.replicas,
            duplicate_window: s.duplicate_window,
            ..Default::default()
        })
        .await
        .map_err(|e| ClusterError::js("create stream", e))?;
    }
    lease_bucket(js, s).await?;
    Ok(())
}

/// The lease bucket (created if missing).
///
/// # Errors
/// `JetStream`.
pub async fn lease_bucket(js: &Context, s: &StreamSettings) -> Result<kv::Store, ClusterError> {
    if let Ok(store) = js.get_key_value(LEASE_BUCKET).await {
        return Ok(store);
    }
    // The bucket's stream, made by hand: `create_key_value` first asks for
    // the account's info, whose 2.9 answer this client version cannot parse.
    // The settings are the ones the client would choose for a KV bucket.
    js.get_or_create_stream(stream::Config {
        name: format!("KV_{LEASE_BUCKET}"),
        subjects: vec![format!("$KV.{LEASE_BUCKET}.>")],
        max_messages_per_subject: 1,
        max_age: s.lease_ttl,
        duplicate_window: s.lease_ttl,
        storage: stream::StorageType::File,
        num_replicas: s.replicas,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: stream::DiscardPolicy::New,
        ..Default::default()
    })
    .await
    .map_err(|e| ClusterError::js("create lease bucket", e))?;
    js.get_key_value(LEASE_BUCKET).await.map_err(|e| ClusterError::js("open lease bucket", e))
}

/// Where a command landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sequenced {
    /// Its stream sequence: the order every shard applies in.
    pub seq: u64,
    /// JetStream had this message id already (a retry or a duplicate publish).
    pub duplicate: bool,
}

/// Publishes commands and waits for their PubAcks.
#[derive(Clone, Debug)]
pub struct Sequencer {
    js: Context,
    /// How long to keep retrying one publish (a stream leader election takes seconds).
    pub retry_for: Duration,
}

impl Sequencer {
    pub fn new(js: Context) -> Sequencer {
        Sequencer { js, retry_for: Duration::from_secs(30) }
    }

    pub fn context(&self) -> &Context {
        &self.js
    }

    /// Publishes `cmd` on `shard`'s subject with `Nats-Msg-Id = <shard>:<correlation id>`
    /// and returns once JetStream has stored it.
    ///
    /// # Errors
    /// `Encode`, or `PublishGaveUp` when no PubAck came within `retry_for`.
    pub async fn submit(&self, shard: &ShardName, cmd: &BrokerCommand) -> Result<Sequenced, ClusterError> {
        let payload = bytes::Bytes::from(encode_command(cmd)?);
        self.submit_raw(shard, cmd.correlation_id.0, payload).await
    }

    /// [`submit`](Self::submit) for an already encoded command.
    ///
    /// # Errors
    /// As `submit`.
    pub async fn submit_raw(
        &self,
        shard: &ShardName,
        command_id: u64,
        payload: bytes::Bytes,
    ) -> Result<Sequenced, ClusterError> {
        let subject = shard.cmd_subject();
        let msg_id = shard.msg_id(command_id);
        let started = Instant::now();
        let mut attempts = 0u32;
        let mut backoff = Duration::from_millis(20);
        loop {
            attempts += 1;
            let publish = PublishMessage::build().payload(payload.clone()).message_id(&msg_id);
            let why = match self.js.send_publish(subject.clone(), publish).await {
                Ok(ack) => match ack.await {
                    Ok(ack) => return Ok(Sequenced { seq: ack.sequence, duplicate: ack.duplicate }),
                    // "No responders" while the stream elects a leader reads as
                    // `StreamNotFound`: retried like a timeout.
                    Err(e) => e.to_string(),
                },
                Err(e) => e.to_string(),
            };
            if started.elapsed() > self.retry_for {
                return Err(ClusterError::PublishGaveUp { msg_id, attempts, why });
            }
            tracing::debug!(%msg_id, attempts, %why, "publish retry");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_millis(500));
        }
    }
}
