//! Client-side partition assignors (`partition.assignment.strategy`) and the consumer
//! protocol's encoding of subscriptions and assignments (JoinGroup's protocol metadata,
//! SyncGroup's assignment), as Apache Kafka's `ConsumerProtocol` writes them.
//!
//! The group leader decodes every member's subscription, runs the assignor the coordinator
//! chose and encodes one assignment per member. Decoding is by hand with bounds checks: the
//! bytes come from other members through the broker and a hostile array count must not make
//! us allocate (kafka-protocol's decoders preallocate what the count claims).
//!
//! Relies on nothing but `TopicPartition`; the membership machine (`group.rs`) calls it.

mod cooperative_sticky;
mod range;
mod roundrobin;
mod sticky;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use bytes::{BufMut, Bytes, BytesMut};

use super::TopicPartition;
use crate::config::AssignorKind;
use crate::error::{Error, ErrorCode};

/// The subscription version we send (v3: owned partitions, generation, rack).
pub const SUBSCRIPTION_VERSION: i16 = 3;
/// The newest assignment version (fields are the same in v0-v3).
const ASSIGNMENT_VERSION_MAX: i16 = 3;

/// One member's subscription as the leader sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subscription {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub version: i16,
    pub topics: Vec<String>,
    pub user_data: Option<Bytes>,
    /// v1+: what the member owns now (cooperative protocols; empty for eager ones).
    pub owned_partitions: Vec<TopicPartition>,
    /// v2+: the generation in which it owned them (-1 unknown).
    pub generation_id: i32,
    pub rack_id: Option<String>,
}

/// Partitions per member id.
pub type GroupAssignment = BTreeMap<String, Vec<TopicPartition>>;

/// Whether an assignor keeps partitions while rebalancing (KIP-429) or revokes them all first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RebalanceProtocol {
    Eager,
    Cooperative,
}

pub fn protocol_of(kind: AssignorKind) -> RebalanceProtocol {
    match kind {
        AssignorKind::CooperativeSticky => RebalanceProtocol::Cooperative,
        _ => RebalanceProtocol::Eager,
    }
}

/// The assignor named `name` (a JoinGroup protocol name).
pub fn by_name(name: &str) -> Option<AssignorKind> {
    [AssignorKind::Range, AssignorKind::RoundRobin, AssignorKind::Sticky, AssignorKind::CooperativeSticky]
        .into_iter()
        .find(|k| k.name() == name)
}

/// Run `kind` over the members' subscriptions. `partitions` gives the partition count of every
/// topic known to the leader; subscribed topics missing from it get nothing assigned.
pub fn assign(kind: AssignorKind, partitions: &BTreeMap<String, i32>, members: &[Subscription]) -> GroupAssignment {
    let mut out: GroupAssignment = members.iter().map(|m| (m.member_id.clone(), Vec::new())).collect();
    let result = match kind {
        AssignorKind::Range => range::assign(partitions, members),
        AssignorKind::RoundRobin => roundrobin::assign(partitions, members),
        AssignorKind::Sticky => sticky::assign(partitions, members, &sticky::owned_from_user_data(members)),
        AssignorKind::CooperativeSticky => cooperative_sticky::assign(partitions, members),
    };
    for (member, mut tps) in result {
        tps.sort();
        out.insert(member, tps);
    }
    out
}

/// The user data `kind` puts in our subscription: the sticky assignor's previous assignment and
/// generation (it is eager: owned partitions are empty when it joins), the cooperative-sticky
/// assignor's generation.
pub fn user_data(kind: AssignorKind, owned: &[TopicPartition], generation: i32) -> Option<Bytes> {
    match kind {
        AssignorKind::Sticky => Some(sticky::encode_user_data(owned, generation)),
        AssignorKind::CooperativeSticky => Some(Bytes::copy_from_slice(&generation.to_be_bytes())),
        _ => None,
    }
}

/// Members sorted as Kafka's `MemberInfo` orders them: static members by instance id first,
/// then dynamic ones by member id.
pub(crate) fn sorted_members(members: &[Subscription]) -> Vec<&Subscription> {
    let mut v: Vec<&Subscription> = members.iter().collect();
    v.sort_by(|a, b| match (&a.group_instance_id, &b.group_instance_id) {
        (Some(x), Some(y)) => x.cmp(y).then_with(|| a.member_id.cmp(&b.member_id)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.member_id.cmp(&b.member_id),
    });
    v
}

/// Every partition of the topics someone subscribes to (and that exist), sorted.
pub(crate) fn all_partitions(partitions: &BTreeMap<String, i32>, members: &[Subscription]) -> Vec<TopicPartition> {
    let topics: BTreeSet<&String> = members.iter().flat_map(|m| m.topics.iter()).collect();
    let mut out = Vec::new();
    for t in topics {
        if let Some(&n) = partitions.get(t) {
            out.extend((0..n).map(|p| TopicPartition::new(t.clone(), p)));
        }
    }
    out
}

// ---- encoding -------------------------------------------------------------------------------

fn put_str(buf: &mut BytesMut, s: &str) {
    buf.put_i16(s.len().min(i16::MAX as usize) as i16);
    buf.put_slice(&s.as_bytes()[..s.len().min(i16::MAX as usize)]);
}

fn put_nullable_bytes(buf: &mut BytesMut, b: Option<&Bytes>) {
    match b {
        None => buf.put_i32(-1),
        Some(b) => {
            buf.put_i32(b.len() as i32);
            buf.put_slice(b);
        }
    }
}

/// `[topic, [partition]]` grouped by topic, in order.
pub(crate) fn put_topic_partitions(buf: &mut BytesMut, tps: &[TopicPartition]) {
    let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for tp in tps {
        by_topic.entry(&tp.topic).or_default().push(tp.partition);
    }
    buf.put_i32(by_topic.len() as i32);
    for (topic, mut parts) in by_topic {
        parts.sort_unstable();
        put_str(buf, topic);
        buf.put_i32(parts.len() as i32);
        for p in parts {
            buf.put_i32(p);
        }
    }
}

/// Our subscription (JoinGroup protocol metadata) at `SUBSCRIPTION_VERSION`.
pub fn encode_subscription(
    topics: &BTreeSet<String>,
    user_data: Option<&Bytes>,
    owned: &[TopicPartition],
    generation_id: i32,
    rack_id: Option<&str>,
) -> Bytes {
    let mut buf = BytesMut::new();
    buf.put_i16(SUBSCRIPTION_VERSION);
    buf.put_i32(topics.len() as i32);
    for t in topics {
        put_str(&mut buf, t);
    }
    put_nullable_bytes(&mut buf, user_data);
    put_topic_partitions(&mut buf, owned);
    buf.put_i32(generation_id);
    match rack_id {
        None => buf.put_i16(-1),
        Some(r) => put_str(&mut buf, r),
    }
    buf.freeze()
}

/// An assignment (SyncGroup) at `version` (the lowest subscription version of the group, so
/// that every member reads it).
pub fn encode_assignment(tps: &[TopicPartition], version: i16) -> Bytes {
    let mut buf = BytesMut::new();
    buf.put_i16(version.clamp(0, ASSIGNMENT_VERSION_MAX));
    put_topic_partitions(&mut buf, tps);
    put_nullable_bytes(&mut buf, None);
    buf.freeze()
}

/// A bounds-checked reader of the consumer protocol's (non-flexible) encoding.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8], what: &'static str) -> Self {
        Reader { buf, pos: 0, what }
    }

    fn err(&self, problem: &str) -> Error {
        Error::new(ErrorCode::BAD_MSG, format!("{}: {problem} at byte {}", self.what, self.pos))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if self.buf.len() - self.pos < n {
            return Err(self.err("truncated"));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    pub fn i16(&mut self) -> Result<i16, Error> {
        Ok(i16::from_be_bytes(self.take(2)?.try_into().expect("2 bytes")))
    }

    pub fn i32(&mut self) -> Result<i32, Error> {
        Ok(i32::from_be_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }

    pub fn nullable_str(&mut self) -> Result<Option<String>, Error> {
        let len = self.i16()?;
        if len < 0 {
            return Ok(None);
        }
        let b = self.take(len as usize)?;
        String::from_utf8(b.to_vec()).map(Some).map_err(|_| self.err("a string is not UTF-8"))
    }

    pub fn str(&mut self) -> Result<String, Error> {
        self.nullable_str()?.ok_or_else(|| self.err("a null string"))
    }

    pub fn nullable_bytes(&mut self) -> Result<Option<Bytes>, Error> {
        let len = self.i32()?;
        if len < 0 {
            return Ok(None);
        }
        Ok(Some(Bytes::copy_from_slice(self.take(len as usize)?)))
    }

    /// An array count, refused when the remaining bytes cannot hold that many `min_size` elements.
    pub fn count(&mut self, min_size: usize) -> Result<usize, Error> {
        let n = self.i32()?;
        if n < 0 {
            return Ok(0);
        }
        let n = n as usize;
        if n.saturating_mul(min_size) > self.buf.len() - self.pos {
            return Err(self.err(&format!("an array of {n} elements does not fit")));
        }
        Ok(n)
    }

    pub fn topic_partitions(&mut self) -> Result<Vec<TopicPartition>, Error> {
        let topics = self.count(6)?;
        let mut out = Vec::new();
        for _ in 0..topics {
            let topic = self.str()?;
            let n = self.count(4)?;
            for _ in 0..n {
                out.push(TopicPartition::new(topic.clone(), self.i32()?));
            }
        }
        Ok(out)
    }
}

/// A member's subscription from its JoinGroup metadata, at any version (newer versions are read
/// as v3: fields are only ever appended).
pub fn decode_subscription(
    member_id: &str,
    group_instance_id: Option<&str>,
    metadata: &[u8],
) -> Result<Subscription, Error> {
    let mut r = Reader::new(metadata, "a consumer protocol subscription");
    let version = r.i16()?;
    if version < 0 {
        return Err(r.err("a negative version"));
    }
    let n = r.count(2)?;
    let mut topics = Vec::with_capacity(n);
    for _ in 0..n {
        topics.push(r.str()?);
    }
    let user_data = r.nullable_bytes()?;
    let mut s = Subscription {
        member_id: member_id.to_string(),
        group_instance_id: group_instance_id.map(str::to_string),
        version,
        topics,
        user_data,
        owned_partitions: Vec::new(),
        generation_id: -1,
        rack_id: None,
    };
    // Old clients may stop early even at a higher version; what is missing keeps its default.
    if version >= 1 && !r.at_end() {
        s.owned_partitions = r.topic_partitions()?;
    }
    if version >= 2 && !r.at_end() {
        s.generation_id = r.i32()?;
    }
    if version >= 3 && !r.at_end() {
        s.rack_id = r.nullable_str()?;
    }
    Ok(s)
}

/// Our partitions from a SyncGroup assignment (empty bytes: nothing assigned).
pub fn decode_assignment(bytes: &[u8]) -> Result<Vec<TopicPartition>, Error> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let mut r = Reader::new(bytes, "a consumer protocol assignment");
    let version = r.i16()?;
    if version < 0 {
        return Err(r.err("a negative version"));
    }
    r.topic_partitions()
}
