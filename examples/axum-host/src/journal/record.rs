//! One journal record on disk: `len: u32 LE`, `crc32c(payload): u32 LE`, then
//! `len` payload bytes. A record whose header or payload is cut short, whose
//! length is over the limit or whose checksum does not match ends the valid
//! part of the log.

use super::JournalError;

pub const RECORD_HEADER_LEN: usize = 8;
/// No command comes near this; a larger length is a torn or corrupt header.
pub const RECORD_MAX_LEN: usize = 1 << 20;

/// Appends the framed record to `out`.
///
/// # Errors
/// `TooLarge` when the payload is over [`RECORD_MAX_LEN`].
pub fn encode(payload: &[u8], out: &mut Vec<u8>) -> Result<(), JournalError> {
    if payload.len() > RECORD_MAX_LEN {
        return Err(JournalError::TooLarge { len: payload.len(), max: RECORD_MAX_LEN });
    }
    // Bounded by RECORD_MAX_LEN above, so it fits a u32.
    let len = payload.len() as u32;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&crc32c::crc32c(payload).to_le_bytes());
    out.extend_from_slice(payload);
    Ok(())
}

/// What the bytes at the start of a buffer hold.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A whole, checked record and the bytes it took.
    Record { payload: &'a [u8], consumed: usize },
    /// Nothing left.
    End,
    /// A record cut short or failing its check: the log's valid part ends here.
    Torn { why: &'static str },
}

pub fn decode_next(buf: &[u8]) -> Decoded<'_> {
    if buf.is_empty() {
        return Decoded::End;
    }
    let Some(header) = buf.get(..RECORD_HEADER_LEN) else {
        return Decoded::Torn { why: "header cut short" };
    };
    let word = |i: usize| u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    let (len, crc) = (word(0) as usize, word(4));
    if len > RECORD_MAX_LEN {
        return Decoded::Torn { why: "length over the limit" };
    }
    let Some(payload) = buf.get(RECORD_HEADER_LEN..RECORD_HEADER_LEN + len) else {
        return Decoded::Torn { why: "payload cut short" };
    };
    if crc32c::crc32c(payload) != crc {
        return Decoded::Torn { why: "checksum mismatch" };
    }
    Decoded::Record { payload, consumed: RECORD_HEADER_LEN + len }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_and_any_flipped_byte_is_caught() {
        let mut buf = Vec::new();
        encode(b"hello journal", &mut buf).unwrap();
        assert_eq!(decode_next(&buf), Decoded::Record { payload: b"hello journal", consumed: buf.len() });
        for i in 0..buf.len() {
            let mut bad = buf.clone();
            bad[i] ^= 0x40;
            assert!(matches!(decode_next(&bad), Decoded::Torn { .. }), "byte {i}");
        }
    }

    #[test]
    fn every_prefix_of_a_record_is_torn() {
        let mut buf = Vec::new();
        encode(b"abcdef", &mut buf).unwrap();
        for cut in 1..buf.len() {
            assert!(matches!(decode_next(&buf[..cut]), Decoded::Torn { .. }), "cut at {cut}");
        }
        assert_eq!(decode_next(&[]), Decoded::End);
    }
}
