//! What goes over NATS: subject and stream names, the command payload (the
//! host journal's record payload: a postcard-encoded `BrokerCommand`), the
//! message id that JetStream deduplicates on, and the effect log's records.
//!
//! Subjects: `brokerx.cmd.<shard>` (stream `BROKERX_CMD`), `brokerx.fx.<shard>`
//! (stream `BROKERX_FX`); the lease of a shard is key `shard.<shard>` in the KV
//! bucket `brokerx_leases`.

use brokerx_engine::broker::{BrokerCommand, BrokerEvent};
use serde::{Deserialize, Serialize};

use crate::error::ClusterError;

pub const CMD_STREAM: &str = "BROKERX_CMD";
pub const FX_STREAM: &str = "BROKERX_FX";
pub const LEASE_BUCKET: &str = "brokerx_leases";
/// No command comes near this (the host's journal record limit).
pub const COMMAND_MAX_BYTES: usize = 1 << 20;

/// A shard's name: one NATS subject token.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ShardName(String);

impl ShardName {
    /// # Errors
    /// `InvalidShard` unless 1-32 characters of `[A-Za-z0-9_-]`.
    pub fn new(name: &str) -> Result<ShardName, ClusterError> {
        let ok = !name.is_empty()
            && name.len() <= 32
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(ShardName(name.to_owned()))
        } else {
            Err(ClusterError::InvalidShard { name: name.to_owned() })
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn cmd_subject(&self) -> String {
        format!("brokerx.cmd.{}", self.0)
    }
    pub fn fx_subject(&self) -> String {
        format!("brokerx.fx.{}", self.0)
    }
    pub fn lease_key(&self) -> String {
        format!("shard.{}", self.0)
    }
    /// The `Nats-Msg-Id` of command `id` on this shard.
    pub fn msg_id(&self, command_id: u64) -> String {
        format!("{}:{command_id}", self.0)
    }
}

impl TryFrom<String> for ShardName {
    type Error = ClusterError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ShardName::new(&s)
    }
}

impl From<ShardName> for String {
    fn from(s: ShardName) -> String {
        s.0
    }
}

impl std::fmt::Display for ShardName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The command as the stream stores it.
///
/// # Errors
/// `Encode` (never for a well-formed command) or a payload over the limit.
pub fn encode_command(cmd: &BrokerCommand) -> Result<Vec<u8>, ClusterError> {
    let bytes = postcard::to_stdvec(cmd).map_err(|e| ClusterError::Encode(e.to_string()))?;
    if bytes.len() > COMMAND_MAX_BYTES {
        return Err(ClusterError::Encode(format!("{} bytes is over {COMMAND_MAX_BYTES}", bytes.len())));
    }
    Ok(bytes)
}

/// # Errors
/// `Decode` for bytes that are not a command.
pub fn decode_command(bytes: &[u8]) -> Result<BrokerCommand, ClusterError> {
    postcard::from_bytes(bytes).map_err(|e| ClusterError::Decode(e.to_string()))
}

/// What applying one stream message did on a shard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandEffect {
    /// The stream sequence of the command.
    pub cmd_seq: u64,
    /// The shard's previous command's stream sequence (0 for its first): the
    /// effect log is continuous when each record follows the one before.
    pub prev_cmd_seq: u64,
    /// The command's id (its correlation id), `None` if it did not decode.
    pub command_id: Option<u64>,
    /// The Broker's events, or the stable code of why it refused the command
    /// (the state did not change).
    pub outcome: Result<Vec<BrokerEvent>, String>,
    /// The shard's state hash after the command, on some commands: a full
    /// hash walks the whole state, so the shard takes one when it has caught
    /// up with the stream and every so many commands, not on each.
    pub state_hash: Option<u64>,
}

/// One record of a shard's effect log (`brokerx.fx.<shard>`). Every append
/// carries `Nats-Expected-Last-Subject-Sequence`, so the log is a
/// compare-and-set chain with one writer at a time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FxRecord {
    /// A new leader took the log over; effects up to `last_cmd_seq` were published before.
    Epoch { lease_revision: u64, holder: String, last_cmd_seq: u64 },
    /// Effects of consecutive commands of the shard.
    Batch { lease_revision: u64, effects: Vec<CommandEffect> },
}

impl FxRecord {
    /// The last command whose effects the log holds after this record.
    pub fn last_cmd_seq(&self) -> u64 {
        match self {
            FxRecord::Epoch { last_cmd_seq, .. } => *last_cmd_seq,
            FxRecord::Batch { effects, .. } => effects.last().map_or(0, |e| e.cmd_seq),
        }
    }

    /// # Errors
    /// `Encode`.
    pub fn encode(&self) -> Result<Vec<u8>, ClusterError> {
        postcard::to_stdvec(self).map_err(|e| ClusterError::Encode(e.to_string()))
    }

    /// # Errors
    /// `Decode`.
    pub fn decode(bytes: &[u8]) -> Result<FxRecord, ClusterError> {
        postcard::from_bytes(bytes).map_err(|e| ClusterError::Decode(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_names_are_one_subject_token() {
        assert!(ShardName::new("s0").is_ok());
        assert!(ShardName::new("eu-1_b").is_ok());
        for bad in ["", "a.b", "a*", "a>", "a b", &"x".repeat(33)] {
            assert_eq!(ShardName::new(bad).unwrap_err().code(), "invalid_shard", "{bad:?}");
        }
        assert_eq!(ShardName::new("s0").unwrap().msg_id(42), "s0:42");
    }

    #[test]
    fn garbage_is_a_decode_error_not_a_panic() {
        assert_eq!(decode_command(&[0xff, 0xff, 0xff]).unwrap_err().code(), "decode");
        assert_eq!(FxRecord::decode(&[0xff]).unwrap_err().code(), "decode");
    }
}
