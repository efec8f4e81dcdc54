//! One matching shard's state: a Broker (through the host's `HostState`)
//! and the stream sequence of the last command it applied.
//!
//! Applying is a pure function of the state and the stream message: the
//! command's timestamp is raised to the Broker's time if it is behind (gateways
//! stamp commands with their own clocks; the stream decides the order), a
//! message that does not decode or that the Broker refuses changes nothing and
//! is recorded as such, and a message at or below the last applied sequence
//! (a redelivery) is skipped. So a snapshot plus the stream after its sequence
//! ends at the same state hash as the whole stream from the start.

use std::path::Path;

use brokerx_engine::broker::{Broker, BrokerConfig, BrokerEvent};
use brokerx_engine::Timestamp;
use brokerx_host::writer::snapshot::{self, SnapshotFile};
use brokerx_host::writer::HostState;

use crate::error::ClusterError;
use crate::wire::{decode_command, CommandEffect};

#[derive(Debug)]
pub struct ShardState {
    pub host: HostState,
    /// Stream sequence of the last command applied (0: none).
    pub last_seq: u64,
}

impl ShardState {
    pub fn new(config: &BrokerConfig) -> ShardState {
        ShardState { host: HostState::new(Broker::new(config.clone()), Vec::new(), 0), last_seq: 0 }
    }

    pub fn state_hash(&self) -> u64 {
        self.host.broker.state_hash()
    }

    /// Applies the stream message at `seq`; `None` if it was applied before.
    /// `hash`: record the state hash after it in the effect.
    pub fn apply(
        &mut self,
        seq: u64,
        payload: &[u8],
        hash: bool,
        events: &mut Vec<BrokerEvent>,
    ) -> Option<CommandEffect> {
        if seq <= self.last_seq {
            return None;
        }
        let prev_cmd_seq = self.last_seq;
        self.last_seq = seq;
        events.clear();
        let (command_id, outcome) = match decode_command(payload) {
            Ok(mut cmd) => {
                let now = self.host.broker.now();
                if cmd.ts < now {
                    cmd.ts = Timestamp(now.0);
                }
                let id = cmd.correlation_id.0;
                match self.host.apply(&cmd, events, None) {
                    Ok(()) => (Some(id), Ok(std::mem::take(events))),
                    Err(e) => (Some(id), Err(e.code().to_owned())),
                }
            }
            Err(e) => (None, Err(e.code().to_owned())),
        };
        Some(CommandEffect {
            cmd_seq: seq,
            prev_cmd_seq,
            command_id,
            outcome,
            state_hash: hash.then(|| self.state_hash()),
        })
    }

    /// The snapshot file of this state (the host's format; `position` is the stream sequence).
    pub fn snapshot_file(&self) -> SnapshotFile {
        SnapshotFile {
            position: self.last_seq,
            state_hash: self.state_hash(),
            assets: self.host.assets.clone(),
            broker: self.host.broker.snapshot(),
        }
    }

    /// The newest valid snapshot under `data_dir` whose sequence is at most
    /// `at_most`, or `None` (start from the stream's beginning).
    ///
    /// # Errors
    /// `Snapshot` when the directory cannot be read.
    pub fn load(data_dir: &Path, at_most: u64) -> Result<Option<ShardState>, ClusterError> {
        let found = snapshot::load_latest(data_dir).map_err(|e| ClusterError::Snapshot(e.to_string()))?;
        Ok(found.filter(|(file, _)| file.position <= at_most).map(|(file, broker)| ShardState {
            host: HostState::new(broker, file.assets, file.position),
            last_seq: file.position,
        }))
    }

    /// Writes `file` under `data_dir` (temporary file, fsync, rename; two kept).
    ///
    /// # Errors
    /// `Snapshot` on I/O errors.
    pub fn write_snapshot(data_dir: &Path, file: &SnapshotFile) -> Result<(), ClusterError> {
        snapshot::write(data_dir, file).map(|_| ()).map_err(|e| ClusterError::Snapshot(e.to_string()))
    }
}
