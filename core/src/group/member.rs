//! One member of a classic group: who it is, what it supports, its timers and the request
//! it is waiting on (a parked JoinGroup or SyncGroup).

use bytes::Bytes;

use crate::protocol::Millis;

use super::Waiter;

#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    /// `group.instance.id` of a static member.
    pub instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub session_timeout_ms: i32,
    pub rebalance_timeout_ms: i32,
    /// `(protocol name, metadata)` in the member's order of preference.
    pub protocols: Vec<(String, Bytes)>,
    /// What the leader assigned in the last completed SyncGroup.
    pub assignment: Bytes,
    /// A JoinGroup waiting for the join phase to end.
    pub awaiting_join: Option<Waiter>,
    /// A SyncGroup waiting for the leader's assignments.
    pub awaiting_sync: Option<Waiter>,
    /// Sent SyncGroup in the current generation.
    pub synced: bool,
    /// Removed when no heartbeat arrives before this (unless waiting on a join or sync).
    pub session_deadline: Millis,
    /// Order of arrival: the first member becomes leader when the leader goes.
    pub seq: u64,
}

impl Member {
    pub fn refresh(&mut self, now: Millis) {
        self.session_deadline = now.saturating_add(self.session_timeout_ms as i64);
    }

    pub fn metadata_for(&self, protocol: &str) -> Bytes {
        self.protocols.iter().find(|(n, _)| n == protocol).map(|(_, m)| m.clone()).unwrap_or_default()
    }

    pub fn supports(&self, protocol: &str) -> bool {
        self.protocols.iter().any(|(n, _)| n == protocol)
    }

    /// Kept alive by a pending request rather than heartbeats (Kafka's `shouldKeepAlive`).
    pub fn kept_alive(&self) -> bool {
        self.awaiting_join.is_some() || self.awaiting_sync.is_some()
    }

    pub fn same_protocols(&self, other: &[(String, Bytes)]) -> bool {
        self.protocols == other
    }

    /// The topics of this member's ConsumerProtocolSubscription for `protocol` (every version starts
    /// with `version: i16, topics: [string]`); `None` when the metadata does not parse.
    pub fn subscribed_topics(&self, protocol: &str) -> Option<Vec<String>> {
        let meta = self.metadata_for(protocol);
        let mut b: &[u8] = &meta;
        let mut take = |n: usize| -> Option<&[u8]> {
            let (head, rest) = (b.get(..n)?, b.get(n..)?);
            b = rest;
            Some(head)
        };
        let _version = take(2)?;
        let count = i32::from_be_bytes(take(4)?.try_into().ok()?);
        let mut topics = Vec::new();
        for _ in 0..count.max(0) {
            let len = i16::from_be_bytes(take(2)?.try_into().ok()?);
            topics.push(String::from_utf8(take(len.max(0) as usize)?.to_vec()).ok()?);
        }
        Some(topics)
    }
}
