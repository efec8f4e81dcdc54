//! Snapshots on disk: `snapshots/snapshot-<position>.bin`, each the Broker's
//! serde snapshot with the journal position it was taken at, the assets the
//! host knows and the state hash, framed by a 64-bit length and a CRC32C. Written to a temporary file, `fsync`ed, renamed; the two newest
//! are kept. Loading takes the newest one that checks and restores to its
//! recorded state hash, and skips (with a log line) any that does not.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use brokerx_engine::broker::{Broker, BrokerSnapshot};
use brokerx_engine::AssetId;
use serde::{Deserialize, Serialize};

use crate::journal::Position;

const KEEP: usize = 2;

#[derive(Debug, Serialize, Deserialize)]
pub struct SnapshotFile {
    pub position: Position,
    pub state_hash: u64,
    pub assets: Vec<AssetId>,
    pub broker: BrokerSnapshot,
}

pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("snapshots")
}

fn name(position: Position) -> String {
    format!("snapshot-{position:020}.bin")
}

/// Writes a snapshot durably.
///
/// # Errors
/// I/O or encoding errors (the previous snapshots stay).
pub fn write(data_dir: &Path, snap: &SnapshotFile) -> std::io::Result<PathBuf> {
    let dir = dir(data_dir);
    fs::create_dir_all(&dir)?;
    let payload = postcard::to_stdvec(snap).map_err(std::io::Error::other)?;
    let mut framed = Vec::with_capacity(payload.len() + 8);
    // Snapshots may be larger than a journal record: frame them without its limit.
    framed.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    framed.extend_from_slice(&crc32c::crc32c(&payload).to_le_bytes());
    framed.extend_from_slice(&payload);
    let final_path = dir.join(name(snap.position));
    let tmp = dir.join(format!("{}.tmp", name(snap.position)));
    {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(&framed)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, &final_path)?;
    fs::File::open(&dir)?.sync_all()?;
    prune(&dir)?;
    Ok(final_path)
}

fn list(dir: &Path) -> std::io::Result<Vec<(Position, PathBuf)>> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else { return Ok(found) };
    for entry in entries {
        let path = entry?.path();
        let Some(file) = path.file_name().and_then(|n| n.to_str()) else { continue };
        if let Some(pos) = file.strip_prefix("snapshot-").and_then(|r| r.strip_suffix(".bin")) {
            if let Ok(pos) = pos.parse::<Position>() {
                found.push((pos, path));
            }
        }
    }
    found.sort();
    Ok(found)
}

fn prune(dir: &Path) -> std::io::Result<()> {
    let all = list(dir)?;
    for (_, path) in all.iter().take(all.len().saturating_sub(KEEP)) {
        fs::remove_file(path)?;
    }
    Ok(())
}

fn read_one(path: &Path) -> Result<SnapshotFile, String> {
    let bytes = fs::read(path).map_err(|e| e.to_string())?;
    let header = bytes.get(..12).ok_or("header cut short")?;
    let mut len = [0u8; 8];
    len.copy_from_slice(&header[..8]);
    let len = usize::try_from(u64::from_le_bytes(len)).map_err(|_| "length overflow")?;
    let mut crc = [0u8; 4];
    crc.copy_from_slice(&header[8..12]);
    let payload = bytes.get(12..12 + len).ok_or("payload cut short")?;
    if crc32c::crc32c(payload) != u32::from_le_bytes(crc) {
        return Err("checksum mismatch".into());
    }
    postcard::from_bytes(payload).map_err(|e| e.to_string())
}

/// The newest snapshot that checks and restores to its recorded state hash.
pub fn load_latest(data_dir: &Path) -> std::io::Result<Option<(SnapshotFile, Broker)>> {
    for (_, path) in list(&dir(data_dir))?.into_iter().rev() {
        match read_one(&path).and_then(|s| {
            let broker = Broker::restore(&s.broker).map_err(|e| e.to_string())?;
            if broker.state_hash() == s.state_hash {
                Ok((s, broker))
            } else {
                Err("restored state hash differs from the recorded one".into())
            }
        }) {
            Ok(found) => return Ok(Some(found)),
            Err(why) => tracing::warn!(path = %path.display(), %why, "snapshot skipped"),
        }
    }
    Ok(None)
}
