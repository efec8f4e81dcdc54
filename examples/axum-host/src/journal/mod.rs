//! The command journal: an append-only log of the commands the Broker accepted,
//! behind a small trait so another log (NATS JetStream, for the scale-out
//! issue) can stand in for the file.
//!
//! The contract every implementation keeps:
//! - `append` queues a record after the last one; it is not durable yet;
//! - `commit` makes every queued record durable and only then returns the
//!   durable end: the host acknowledges a command after `commit` returns;
//! - `read_from` visits the durable records from a position, in order.
//!
//! Positions count records: record `n` is the `n`-th appended (from 0), and a
//! snapshot taken after applying `n` records replays from position `n`.

mod file;
mod record;

pub use file::{FileJournal, OpenReport};
pub use record::{decode_next, encode, Decoded, RECORD_HEADER_LEN, RECORD_MAX_LEN as RECORD_MAX_LEN_PUB};

use thiserror::Error;

/// A record index: how many records come before it.
pub type Position = u64;

/// What `read_from` calls with each record.
pub type Visitor<'a> = dyn FnMut(Position, &[u8]) -> Result<(), JournalError> + 'a;

#[derive(Debug, Error)]
pub enum JournalError {
    #[error("journal i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("journal record {position} is corrupt: {why}")]
    Corrupt { position: Position, why: &'static str },
    #[error("journal record of {len} bytes is larger than the limit of {max}")]
    TooLarge { len: usize, max: usize },
}

/// Append, durable commit, read from a position.
pub trait Journal: Send {
    /// Queues `payload` as the next record; returns its position.
    ///
    /// # Errors
    /// `TooLarge` for a record over the format's limit.
    fn append(&mut self, payload: &[u8]) -> Result<Position, JournalError>;

    /// Makes every queued record durable; returns the durable end (the number
    /// of durable records).
    ///
    /// # Errors
    /// An I/O error: the records may or may not be durable; the host must stop.
    fn commit(&mut self) -> Result<Position, JournalError>;

    /// The number of durable records.
    fn durable(&self) -> Position;

    /// Visits each durable record from `from` (inclusive) in order; returns the end.
    ///
    /// # Errors
    /// I/O, a corrupt record inside the durable part, or the visitor's error.
    fn read_from(&mut self, from: Position, visit: &mut Visitor<'_>) -> Result<Position, JournalError>;
}
