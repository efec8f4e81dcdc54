//! The embedded journal: one append-only file, records framed by
//! [`record`](super::record), group commit with `fdatasync`.
//!
//! Opening the file checks every record; the first torn or corrupt one and
//! everything after it is cut off (and said so in the log): those records were
//! never acknowledged, since an acknowledgement waits for `commit`.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::record::{decode_next, encode, Decoded};
use super::{Journal, JournalError, Position, Visitor};

#[derive(Debug)]
pub struct FileJournal {
    path: PathBuf,
    file: File,
    /// Framed records appended since the last commit.
    pending: Vec<u8>,
    pending_records: u64,
    durable_records: u64,
}

/// What opening found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenReport {
    pub records: Position,
    pub valid_bytes: u64,
    /// Bytes cut off the end (a torn or corrupt tail), 0 for a clean log.
    pub cut_bytes: u64,
    pub cut_reason: Option<&'static str>,
}

impl FileJournal {
    /// Opens (or creates) the journal at `path`, cutting a torn tail.
    ///
    /// # Errors
    /// I/O errors.
    pub fn open(path: impl AsRef<Path>) -> Result<(Self, OpenReport), JournalError> {
        let path = path.as_ref().to_path_buf();
        let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        let mut report = OpenReport::default();
        let mut at = 0usize;
        loop {
            match decode_next(&bytes[at..]) {
                Decoded::Record { consumed, .. } => {
                    at += consumed;
                    report.records += 1;
                }
                Decoded::End => break,
                Decoded::Torn { why } => {
                    report.cut_reason = Some(why);
                    break;
                }
            }
        }
        report.valid_bytes = at as u64;
        report.cut_bytes = (bytes.len() - at) as u64;
        if report.cut_bytes > 0 {
            tracing::warn!(
                path = %path.display(),
                at_byte = at,
                cut_bytes = report.cut_bytes,
                reason = report.cut_reason.unwrap_or("trailing bytes"),
                records_kept = report.records,
                "journal: torn or corrupt tail cut off; it was never acknowledged"
            );
            file.set_len(at as u64)?;
            file.sync_all()?;
        }
        file.seek(SeekFrom::End(0))?;
        let journal = FileJournal {
            path,
            file,
            pending: Vec::with_capacity(1 << 16),
            pending_records: 0,
            durable_records: report.records,
        };
        Ok((journal, report))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Journal for FileJournal {
    fn append(&mut self, payload: &[u8]) -> Result<Position, JournalError> {
        encode(payload, &mut self.pending)?;
        let position = self.durable_records + self.pending_records;
        self.pending_records += 1;
        Ok(position)
    }

    fn commit(&mut self) -> Result<Position, JournalError> {
        if self.pending_records > 0 {
            self.file.write_all(&self.pending)?;
            // fdatasync: the data and the length, not the mtime.
            self.file.sync_data()?;
            self.pending.clear();
            self.durable_records += self.pending_records;
            self.pending_records = 0;
        }
        Ok(self.durable_records)
    }

    fn durable(&self) -> Position {
        self.durable_records
    }

    fn read_from(&mut self, from: Position, visit: &mut Visitor<'_>) -> Result<Position, JournalError> {
        let mut reader = File::open(&self.path)?;
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        let mut at = 0usize;
        let mut position: Position = 0;
        while position < self.durable_records {
            match decode_next(&bytes[at..]) {
                Decoded::Record { payload, consumed } => {
                    if position >= from {
                        visit(position, payload)?;
                    }
                    at += consumed;
                    position += 1;
                }
                Decoded::End => return Err(JournalError::Corrupt { position, why: "durable record missing" }),
                Decoded::Torn { why } => return Err(JournalError::Corrupt { position, why }),
            }
        }
        Ok(position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(j: &mut FileJournal, from: Position) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        j.read_from(from, &mut |_, p| {
            out.push(p.to_vec());
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn committed_records_survive_reopening_and_read_from_a_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal");
        let (mut j, report) = FileJournal::open(&path).unwrap();
        assert_eq!(report.records, 0);
        assert_eq!(j.append(b"one").unwrap(), 0);
        assert_eq!(j.append(b"two").unwrap(), 1);
        assert_eq!(j.durable(), 0);
        assert_eq!(j.commit().unwrap(), 2);
        j.append(b"three").unwrap();
        j.commit().unwrap();
        drop(j);
        let (mut j, report) = FileJournal::open(&path).unwrap();
        assert_eq!((report.records, report.cut_bytes), (3, 0));
        assert_eq!(collect(&mut j, 1), vec![b"two".to_vec(), b"three".to_vec()]);
    }

    #[test]
    fn uncommitted_records_are_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal");
        let (mut j, _) = FileJournal::open(&path).unwrap();
        j.append(b"kept").unwrap();
        j.commit().unwrap();
        j.append(b"lost").unwrap();
        drop(j);
        let (mut j, report) = FileJournal::open(&path).unwrap();
        assert_eq!(report.records, 1);
        assert_eq!(collect(&mut j, 0), vec![b"kept".to_vec()]);
    }

    #[test]
    fn a_torn_tail_is_cut_and_appending_continues_after_the_last_good_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal");
        let (mut j, _) = FileJournal::open(&path).unwrap();
        for p in [&b"a"[..], b"bb", b"ccc"] {
            j.append(p).unwrap();
        }
        j.commit().unwrap();
        drop(j);
        let full = std::fs::metadata(&path).unwrap().len();
        // Tear the last record in the middle of its payload.
        let f = OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(full - 2).unwrap();
        drop(f);
        let (mut j, report) = FileJournal::open(&path).unwrap();
        assert_eq!(report.records, 2);
        assert_eq!(report.cut_reason, Some("payload cut short"));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), report.valid_bytes);
        j.append(b"dddd").unwrap();
        j.commit().unwrap();
        assert_eq!(collect(&mut j, 0), vec![b"a".to_vec(), b"bb".to_vec(), b"dddd".to_vec()]);
    }

    #[test]
    fn a_corrupt_record_cuts_it_and_everything_after() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal");
        let (mut j, _) = FileJournal::open(&path).unwrap();
        for p in [&b"first"[..], b"second", b"third"] {
            j.append(p).unwrap();
        }
        j.commit().unwrap();
        drop(j);
        let mut bytes = std::fs::read(&path).unwrap();
        // Flip a payload byte of the second record (header 8 + "first" 5 + header 8).
        bytes[8 + 5 + 8] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let (mut j, report) = FileJournal::open(&path).unwrap();
        assert_eq!(report.records, 1);
        assert_eq!(report.cut_reason, Some("checksum mismatch"));
        assert_eq!(collect(&mut j, 0), vec![b"first".to_vec()]);
    }
}
