//! Records of `__transaction_state`, in Kafka's `TransactionLog` format so that Kafka's tools
//! (`kafka-dump-log --transaction-log-decoder`) can read them:
//! - key, version 0: `version: i16 = 0, transactional_id: string`;
//! - value, version 0: `version: i16 = 0, producer_id: i64, producer_epoch: i16,
//!   transaction_timeout_ms: i32, transaction_status: i8, transaction_partitions: [topic: string,
//!   partition_ids: [i32]] (nullable), transaction_last_update_timestamp_ms: i64,
//!   transaction_start_timestamp_ms: i64`.
//!
//! Strings carry an i16 length and arrays an i32 count (version 0 is not flexible), big endian.
//! Groups are listed as their `__consumer_offsets` partition, as Kafka lists them.

use std::collections::BTreeMap;

use bytes::{BufMut, Bytes, BytesMut};

use super::state::TxnMetadata;

/// The internal topic holding transaction states.
pub const TRANSACTION_STATE_TOPIC: &str = "__transaction_state";
/// Where groups' offsets live (a transaction's group partitions are listed under it).
pub const CONSUMER_OFFSETS_TOPIC: &str = "__consumer_offsets";

const KEY_VERSION: i16 = 0;
const VALUE_VERSION: i16 = 0;

fn put_str(buf: &mut BytesMut, s: &str) {
    // Transactional ids and topic names are far below i16::MAX bytes (checked by callers).
    buf.put_i16(s.len().min(i16::MAX as usize) as i16);
    buf.put_slice(&s.as_bytes()[..s.len().min(i16::MAX as usize)]);
}

/// The record key of a transactional id.
pub fn key(transactional_id: &str) -> Bytes {
    let mut buf = BytesMut::with_capacity(4 + transactional_id.len());
    buf.put_i16(KEY_VERSION);
    put_str(&mut buf, transactional_id);
    buf.freeze()
}

/// The record value of a transaction's current state.
pub fn value(m: &TxnMetadata) -> Bytes {
    let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for (t, p) in &m.partitions {
        by_topic.entry(t.as_str()).or_default().push(*p);
    }
    for (_, p) in &m.groups {
        by_topic.entry(CONSUMER_OFFSETS_TOPIC).or_default().push(*p);
    }
    let mut buf = BytesMut::with_capacity(64);
    buf.put_i16(VALUE_VERSION);
    buf.put_i64(m.producer_id);
    buf.put_i16(m.producer_epoch);
    buf.put_i32(m.timeout_ms);
    buf.put_i8(m.state.id());
    buf.put_i32(by_topic.len() as i32);
    for (topic, mut parts) in by_topic {
        parts.sort_unstable();
        parts.dedup();
        put_str(&mut buf, topic);
        buf.put_i32(parts.len() as i32);
        for p in parts {
            buf.put_i32(p);
        }
    }
    buf.put_i64(m.update_ms);
    buf.put_i64(m.start_ms);
    buf.freeze()
}

/// A decoded value (tests and tools): (producer id, epoch, timeout, state byte, partitions,
/// last update, start).
pub type DecodedValue = (i64, i16, i32, i8, Vec<(String, Vec<i32>)>, i64, i64);

/// Reads a key back: the transactional id.
pub fn decode_key(b: &[u8]) -> Option<String> {
    let mut r = Reader(b);
    (r.i16()? == KEY_VERSION).then_some(())?;
    let id = r.str()?;
    r.0.is_empty().then_some(id)
}

/// Reads a value back.
pub fn decode_value(b: &[u8]) -> Option<DecodedValue> {
    let mut r = Reader(b);
    (r.i16()? == VALUE_VERSION).then_some(())?;
    let (pid, epoch, timeout, state) = (r.i64()?, r.i16()?, r.i32()?, r.i8()?);
    let n = r.i32()?;
    let mut parts = Vec::new();
    for _ in 0..n.max(0) {
        let topic = r.str()?;
        let k = r.i32()?;
        let ids = (0..k.max(0)).map(|_| r.i32()).collect::<Option<Vec<i32>>>()?;
        parts.push((topic, ids));
    }
    let (update, start) = (r.i64()?, r.i64()?);
    r.0.is_empty().then_some((pid, epoch, timeout, state, parts, update, start))
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }
    fn i8(&mut self) -> Option<i8> {
        self.take::<1>().map(i8::from_be_bytes)
    }
    fn i16(&mut self) -> Option<i16> {
        self.take::<2>().map(i16::from_be_bytes)
    }
    fn i32(&mut self) -> Option<i32> {
        self.take::<4>().map(i32::from_be_bytes)
    }
    fn i64(&mut self) -> Option<i64> {
        self.take::<8>().map(i64::from_be_bytes)
    }
    fn str(&mut self) -> Option<String> {
        let n = usize::try_from(self.i16()?).ok()?;
        let s = self.0.get(..n)?;
        self.0 = &self.0[n..];
        String::from_utf8(s.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::super::state::TxnState;
    use super::*;

    #[test]
    fn key_and_value_round_trip() {
        assert_eq!(&key("tx")[..], &[0, 0, 0, 2, b't', b'x']);
        assert_eq!(decode_key(&key("tx-1")), Some("tx-1".to_string()));
        let mut m = TxnMetadata::new("tx", 42, 60_000, 100);
        m.producer_epoch = 3;
        m.become_state(TxnState::Ongoing, 200);
        m.partitions.insert(("b".into(), 1));
        m.partitions.insert(("a".into(), 2));
        m.partitions.insert(("a".into(), 0));
        m.groups.insert(("g".into(), 12));
        let v = decode_value(&value(&m)).unwrap();
        let parts = vec![("__consumer_offsets".to_string(), vec![12]), ("a".into(), vec![0, 2]), ("b".into(), vec![1])];
        assert_eq!(v, (42, 3, 60_000, 1, parts, 200, 200));
        assert!(decode_value(&value(&m)[..10]).is_none());
    }
}
