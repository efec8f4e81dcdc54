//! Recovery: the newest valid snapshot, then every journal record after its
//! position, applied through the same path as live commands. Every journaled
//! command was accepted when it ran, so a replayed one that is refused means
//! the journal and the engine disagree: recovery stops with an error.

use std::path::Path;
use std::time::{Duration, Instant};

use brokerx_engine::broker::{Broker, BrokerCommand, BrokerConfig};
use thiserror::Error;

use super::snapshot;
use super::state::HostState;
use crate::journal::{FileJournal, Journal, JournalError, OpenReport, Position};

#[derive(Debug, Error)]
pub enum RecoveryError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("snapshot: {0}")]
    Snapshot(std::io::Error),
    #[error("journal record {position} does not decode: {why}")]
    Decode { position: Position, why: String },
    #[error("journal record {position} was refused on replay: {code}")]
    Refused { position: Position, code: &'static str },
    #[error("snapshot at {snapshot} is past the journal's end {journal}")]
    SnapshotAhead { snapshot: Position, journal: Position },
}

#[derive(Clone, Debug)]
pub struct RecoveryReport {
    pub journal: OpenReport,
    pub snapshot_position: Option<Position>,
    pub replayed: u64,
    pub state_hash: u64,
    pub elapsed: Duration,
}

/// Opens the journal under `data_dir` and rebuilds the state.
///
/// # Errors
/// See [`RecoveryError`].
pub fn recover(
    data_dir: &Path,
    config: &BrokerConfig,
) -> Result<(HostState, FileJournal, RecoveryReport), RecoveryError> {
    let started = Instant::now();
    std::fs::create_dir_all(data_dir).map_err(JournalError::Io)?;
    let (mut journal, opened) = FileJournal::open(data_dir.join("journal.log"))?;
    let snap = snapshot::load_latest(data_dir).map_err(RecoveryError::Snapshot)?;
    let (mut state, snapshot_position) = match snap {
        Some((file, broker)) => {
            if file.position > journal.durable() {
                return Err(RecoveryError::SnapshotAhead { snapshot: file.position, journal: journal.durable() });
            }
            (HostState::new(broker, file.assets, file.position), Some(file.position))
        }
        None => (HostState::new(Broker::new(config.clone()), Vec::new(), 0), None),
    };
    let from = state.applied;
    let replayed = replay(&mut state, &mut journal, from)?;
    let report = RecoveryReport {
        journal: opened,
        snapshot_position,
        replayed,
        state_hash: state.broker.state_hash(),
        elapsed: started.elapsed(),
    };
    Ok((state, journal, report))
}

/// Applies the journal's records from `from` to `state`; returns how many.
///
/// # Errors
/// A record that does not decode or is refused.
pub fn replay(state: &mut HostState, journal: &mut dyn Journal, from: Position) -> Result<u64, RecoveryError> {
    let mut events = Vec::with_capacity(256);
    let mut failure = None;
    let mut count = 0u64;
    let result = journal.read_from(from, &mut |position, payload| {
        let cmd: BrokerCommand = match postcard::from_bytes(payload) {
            Ok(c) => c,
            Err(e) => {
                failure = Some(RecoveryError::Decode { position, why: e.to_string() });
                return Err(JournalError::Corrupt { position, why: "undecodable command" });
            }
        };
        events.clear();
        if let Err(e) = state.apply(&cmd, &mut events, None) {
            failure = Some(RecoveryError::Refused { position, code: e.code() });
            return Err(JournalError::Corrupt { position, why: "refused on replay" });
        }
        count += 1;
        Ok(())
    });
    match (result, failure) {
        (_, Some(f)) => Err(f),
        (Err(e), None) => Err(e.into()),
        (Ok(_), None) => Ok(count),
    }
}

/// A fresh Broker replaying the whole journal under `data_dir` (no snapshot):
/// what the crash test compares the recovered state hash with.
///
/// # Errors
/// See [`RecoveryError`].
pub fn replay_from_scratch(data_dir: &Path, config: &BrokerConfig) -> Result<HostState, RecoveryError> {
    let (mut journal, _) = FileJournal::open(data_dir.join("journal.log"))?;
    let mut state = HostState::new(Broker::new(config.clone()), Vec::new(), 0);
    replay(&mut state, &mut journal, 0)?;
    Ok(state)
}
