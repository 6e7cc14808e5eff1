//! `RecordError`: why a batch or a record was rejected, and the Kafka error code
//! the broker answers with for it.

use std::fmt;

use crate::error::{Error, ErrorCode};

/// Why a batch was rejected; the broker maps it to CORRUPT_MESSAGE (CRC, lengths, truncation),
/// INVALID_RECORD, UNSUPPORTED_FOR_MESSAGE_FORMAT (magic != 2) or UNSUPPORTED_COMPRESSION_TYPE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// The buffer ends before a field or a batch does: `need` bytes were required, `have` present.
    Truncated { need: usize, have: usize },
    /// A length field is invalid: a batch length smaller than the fixed header, or a
    /// record, key, value, header or header-count length that is negative (other than
    /// -1 for a null key, value or header value).
    BadLength(i32),
    /// Magic byte other than 2 (message format v0 and v1 are not supported).
    BadMagic(i8),
    /// CRC-32C over attributes..end does not match the stored one.
    CrcMismatch { expected: u32, actual: u32 },
    /// Attribute bits we do not know are set.
    BadAttributes(i16),
    /// Compression codec id unknown, or not available in this build (zstd on wasm32).
    BadCompression(i16),
    /// A record inside a batch (or the batch's count fields) is malformed.
    BadRecord(String),
    /// The compressed records section could not be decompressed.
    Decompress(String),
}

impl RecordError {
    /// The Kafka error code a broker answers with for this rejection.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            RecordError::Truncated { .. }
            | RecordError::BadLength(_)
            | RecordError::CrcMismatch { .. }
            | RecordError::Decompress(_) => ErrorCode::CORRUPT_MESSAGE,
            // Kafka's LogValidator raises InvalidRecordException for count and offset
            // inconsistencies and for malformed records inside a batch.
            RecordError::BadAttributes(_) | RecordError::BadRecord(_) => ErrorCode::INVALID_RECORD,
            RecordError::BadMagic(_) => ErrorCode::UNSUPPORTED_FOR_MESSAGE_FORMAT,
            RecordError::BadCompression(_) => ErrorCode::UNSUPPORTED_COMPRESSION_TYPE,
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::Truncated { need, have } => {
                write!(f, "record batch truncated: need {need} bytes, have {have}")
            }
            RecordError::BadLength(n) => write!(f, "invalid length {n} in record batch"),
            RecordError::BadMagic(m) => {
                write!(f, "unsupported record batch magic {m} (only format v2 is supported)")
            }
            RecordError::CrcMismatch { expected, actual } => {
                write!(f, "record batch CRC mismatch: stored {expected:#010x}, computed {actual:#010x}")
            }
            RecordError::BadAttributes(a) => {
                write!(f, "record batch has unknown attribute bits set: {a:#06x}")
            }
            RecordError::BadCompression(c) => {
                if *c == super::Compression::Zstd as i16 {
                    write!(f, "zstd compression is not available in this build (wasm32)")
                } else {
                    write!(f, "unknown compression codec id {c}")
                }
            }
            RecordError::BadRecord(why) => write!(f, "invalid record: {why}"),
            RecordError::Decompress(why) => write!(f, "cannot decompress record batch: {why}"),
        }
    }
}

impl std::error::Error for RecordError {}

impl From<RecordError> for Error {
    fn from(e: RecordError) -> Error {
        Error::new(e.error_code(), e.to_string())
    }
}
