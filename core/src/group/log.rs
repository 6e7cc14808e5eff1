//! The records the coordinator appends to `__consumer_offsets`, in Kafka's own key and value
//! schemas so that Kafka tools can read them: OffsetCommitKey v1 / OffsetCommitValue v3 for
//! offsets, GroupMetadataKey v2 / GroupMetadataValue v3 for a group, null values (tombstones)
//! for deletions. The partition is the group's coordinator partition, as in Kafka.

use bytes::{BufMut, Bytes, BytesMut};

use super::group::Group;
use super::offsets::CommittedOffset;

/// The internal topic and its partition count (Kafka's `offsets.topic.num.partitions` default).
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";
pub const OFFSETS_TOPIC_PARTITIONS: i32 = crate::broker::coordinator::COORDINATOR_PARTITIONS;

/// One record for `__consumer_offsets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    pub partition: i32,
    pub key: Bytes,
    /// `None` is a tombstone.
    pub value: Option<Bytes>,
}

fn put_str(b: &mut BytesMut, s: &str) {
    let s = &s.as_bytes()[..s.len().min(i16::MAX as usize)];
    b.put_i16(s.len() as i16);
    b.put_slice(s);
}

fn put_nullable_str(b: &mut BytesMut, s: Option<&str>) {
    match s {
        Some(s) => put_str(b, s),
        None => b.put_i16(-1),
    }
}

fn put_bytes(b: &mut BytesMut, v: &[u8]) {
    b.put_i32(v.len() as i32);
    b.put_slice(v);
}

pub fn offset_key(group: &str, topic: &str, partition: i32) -> Bytes {
    let mut b = BytesMut::new();
    b.put_i16(1);
    put_str(&mut b, group);
    put_str(&mut b, topic);
    b.put_i32(partition);
    b.freeze()
}

pub fn offset_value(o: &CommittedOffset) -> Bytes {
    let mut b = BytesMut::new();
    b.put_i16(3);
    b.put_i64(o.offset);
    b.put_i32(o.leader_epoch);
    put_str(&mut b, &o.metadata);
    b.put_i64(o.commit_ms);
    b.freeze()
}

pub fn group_key(group: &str) -> Bytes {
    let mut b = BytesMut::new();
    b.put_i16(2);
    put_str(&mut b, group);
    b.freeze()
}

/// GroupMetadataValue v3: the group after a rebalance step, with every member's subscription
/// (its metadata for the chosen protocol) and assignment.
pub fn group_value(g: &Group, now: i64) -> Bytes {
    let mut b = BytesMut::new();
    b.put_i16(3);
    put_str(&mut b, g.protocol_type.as_deref().unwrap_or(""));
    b.put_i32(g.generation);
    put_nullable_str(&mut b, g.protocol_name.as_deref());
    put_nullable_str(&mut b, g.leader.as_deref());
    b.put_i64(now);
    b.put_i32(g.members.len() as i32);
    for m in g.members.values() {
        put_str(&mut b, &m.id);
        put_nullable_str(&mut b, m.instance_id.as_deref());
        put_str(&mut b, &m.client_id);
        put_str(&mut b, &m.client_host);
        b.put_i32(m.rebalance_timeout_ms);
        b.put_i32(m.session_timeout_ms);
        put_bytes(&mut b, &m.metadata_for(g.protocol_name.as_deref().unwrap_or("")));
        put_bytes(&mut b, &m.assignment);
    }
    b.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_records_match_kafkas_layout() {
        let k = offset_key("g", "t", 3);
        assert_eq!(&k[..], &[0, 1, 0, 1, b'g', 0, 1, b't', 0, 0, 0, 3]);
        let o = CommittedOffset { offset: 7, leader_epoch: -1, metadata: "m".into(), commit_ms: 9 };
        let v = offset_value(&o);
        assert_eq!(&v[..2], &[0, 3]);
        assert_eq!(v.len(), 2 + 8 + 4 + 3 + 8);
        assert_eq!(&group_key("g")[..], &[0, 2, 0, 1, b'g']);
    }
}
