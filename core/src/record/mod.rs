//! Record batches, format v2 (magic 2): the bytes producers send, the broker
//! stores and consumers fetch. This module owns their encoding and decoding.
//!
//! - `header`: the 61-byte batch header, `validate_batch` (the broker's
//!   zero-copy check: header and CRC-32C, records untouched) and the in-place
//!   rewrites the broker makes (base offset, leader epoch, LogAppendTime).
//! - `builder`: `BatchBuilder`, the producer side (encode once, compress at finish).
//! - `iter`: `BatchIter` and `RecordIter`, the consumer side (zero-copy `Bytes` slices).
//! - `compression`: the gzip, snappy (xerial), lz4 (frame) and zstd codecs.
//! - `control`: COMMIT and ABORT control records of transactions.
//! - `varint`: zigzag varints; `error`: `RecordError` and its Kafka error codes.
//!
//! Reference: <https://kafka.apache.org/documentation/#recordbatch> and Kafka's
//! `DefaultRecordBatch` / `DefaultRecord`. Everything that reads bytes from the
//! network is bounds-checked and returns `RecordError` rather than panicking.

mod builder;
mod compression;
mod control;
mod error;
mod header;
mod iter;
pub mod varint;

#[cfg(test)]
mod golden;
#[cfg(test)]
mod proptests;

pub use builder::BatchBuilder;
pub use compression::{Compression, DECOMPRESSED_BYTES_MAX};
pub use control::{build_control_batch, coordinator_epoch_from_value, end_txn_marker_value, ControlType};
pub use error::RecordError;
pub use header::{
    increment_sequence, set_base_offset, set_log_append_time, set_partition_leader_epoch, validate_batch,
    validate_batches, BatchHeader, TimestampType, BATCH_HEADER_LEN, LOG_OVERHEAD, MAGIC_V2, NO_PARTITION_LEADER_EPOCH,
    NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE,
};
pub use iter::{Batch, BatchIter, Record, RecordIter};

/// A record header: key is a UTF-8 string in Kafka but we keep bytes; order and duplicates kept.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RecordHeader {
    pub key: bytes::Bytes,
    pub value: Option<bytes::Bytes>,
}

impl RecordHeader {
    pub fn new(key: impl Into<bytes::Bytes>, value: Option<impl Into<bytes::Bytes>>) -> Self {
        RecordHeader { key: key.into(), value: value.map(Into::into) }
    }
}
