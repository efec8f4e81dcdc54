//! The crate's one error family, with stable codes like the core's.

use thiserror::Error;

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ClusterError {
    #[error("invalid shard name {name:?}: use 1-32 of [A-Za-z0-9_-]")]
    InvalidShard { name: String },
    #[error("unknown shard {name:?}")]
    UnknownShard { name: String },
    #[error("unknown symbol {symbol:?} in the shard map")]
    UnknownSymbol { symbol: String },
    #[error("nats connect: {0}")]
    Connect(String),
    #[error("jetstream {op}: {why}")]
    JetStream { op: &'static str, why: String },
    #[error("gave up publishing {msg_id} after {attempts} attempts: {why}")]
    PublishGaveUp { msg_id: String, attempts: u32, why: String },
    #[error(
        "fenced: the effect log of shard {shard} moved past our sequence {expected} (lease revision {lease_revision})"
    )]
    Fenced { shard: String, expected: u64, lease_revision: u64 },
    #[error("effect gap on shard {shard}: the log ends at command {log_end}, our oldest kept effect follows command {kept_from}")]
    EffectGap { shard: String, log_end: u64, kept_from: u64 },
    #[error("encode: {0}")]
    Encode(String),
    #[error("decode: {0}")]
    Decode(String),
    #[error("config: {0}")]
    Config(String),
    #[error("snapshot: {0}")]
    Snapshot(String),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

impl ClusterError {
    /// A stable code for logs and JSON bodies.
    pub fn code(&self) -> &'static str {
        match self {
            ClusterError::InvalidShard { .. } => "invalid_shard",
            ClusterError::UnknownShard { .. } => "unknown_shard",
            ClusterError::UnknownSymbol { .. } => "unknown_symbol",
            ClusterError::Connect(_) => "nats_connect",
            ClusterError::JetStream { .. } => "jetstream",
            ClusterError::PublishGaveUp { .. } => "publish_gave_up",
            ClusterError::Fenced { .. } => "fenced",
            ClusterError::EffectGap { .. } => "effect_gap",
            ClusterError::Encode(_) => "encode",
            ClusterError::Decode(_) => "decode",
            ClusterError::Config(_) => "config",
            ClusterError::Snapshot(_) => "snapshot",
            ClusterError::Io(_) => "io",
        }
    }

    pub(crate) fn js(op: &'static str, e: impl std::fmt::Display) -> ClusterError {
        ClusterError::JetStream { op, why: e.to_string() }
    }
}
