//! The client-side metadata cache: which brokers exist, how many partitions a
//! topic has and who leads each. Producer, consumer and admin each own one.
//!
//! It decides when a Metadata request is due (something asked for a refresh,
//! a wanted topic is unknown, or `metadata.max.age.ms` passed) and builds it;
//! the owning state machine sends it and routes the response back here.

use std::collections::{BTreeSet, HashMap};

use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::{MetadataRequest, MetadataResponse, RequestKind, TopicName};

use crate::error::ErrorCode;
use crate::protocol::{BrokerId, Millis, StrBytes, Transmit, BOOTSTRAP};

use super::versions;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerAddr {
    pub host: String,
    pub port: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionMeta {
    pub leader: BrokerId,
    pub leader_epoch: i32,
    pub error: ErrorCode,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMeta {
    pub error: ErrorCode,
    pub partitions: Vec<PartitionMeta>,
}

#[derive(Debug, Clone)]
pub struct Metadata {
    brokers: HashMap<BrokerId, BrokerAddr>,
    topics: HashMap<String, TopicMeta>,
    wanted: BTreeSet<String>,
    refresh_wanted: bool,
    in_flight: Option<i32>,
    last_refresh_ms: Option<Millis>,
    last_attempt_ms: Option<Millis>,
    max_age_ms: Millis,
    retry_backoff_ms: Millis,
    allow_auto_create: bool,
}

impl Metadata {
    pub fn new(max_age_ms: Millis, retry_backoff_ms: Millis, allow_auto_create: bool) -> Self {
        Metadata {
            brokers: HashMap::new(),
            topics: HashMap::new(),
            wanted: BTreeSet::new(),
            refresh_wanted: true,
            in_flight: None,
            last_refresh_ms: None,
            last_attempt_ms: None,
            max_age_ms,
            retry_backoff_ms,
            allow_auto_create,
        }
    }

    /// Track `topic`; a refresh is requested if it is not known yet.
    pub fn want(&mut self, topic: &str) {
        if self.wanted.insert(topic.to_string()) && !self.topics.contains_key(topic) {
            self.refresh_wanted = true;
        }
    }

    pub fn forget(&mut self, topic: &str) {
        self.wanted.remove(topic);
        self.topics.remove(topic);
    }

    pub fn request_refresh(&mut self) {
        self.refresh_wanted = true;
    }

    /// When the next Metadata request is due (`None`: nothing due until something asks).
    pub fn next_request_at(&self) -> Option<Millis> {
        if self.in_flight.is_some() {
            return None;
        }
        let backoff_until = self.last_attempt_ms.map(|t| t + self.retry_backoff_ms).unwrap_or(Millis::MIN);
        if self.refresh_wanted {
            return Some(backoff_until);
        }
        self.last_refresh_ms.map(|t| (t + self.max_age_ms).max(backoff_until))
    }

    /// A Metadata request if one is due at `now`. The caller sends it and passes
    /// the response to [`Metadata::handle_response`] (or [`Metadata::handle_failure`]).
    pub fn poll_request(&mut self, correlation_id: i32, now: Millis) -> Option<Transmit> {
        match self.next_request_at() {
            Some(t) if t <= now => {}
            _ => return None,
        }
        self.in_flight = Some(correlation_id);
        self.last_attempt_ms = Some(now);
        let topics = self
            .wanted
            .iter()
            .map(|t| MetadataRequestTopic::default().with_name(Some(TopicName(StrBytes::from_string(t.clone())))))
            .collect();
        let body =
            MetadataRequest::default().with_topics(Some(topics)).with_allow_auto_topic_creation(self.allow_auto_create);
        Some(Transmit {
            broker: self.any_broker(),
            correlation_id,
            api_version: versions::METADATA,
            body: RequestKind::Metadata(body),
            expects_response: true,
        })
    }

    /// True if `correlation_id` is our Metadata request in flight.
    pub fn is_in_flight(&self, correlation_id: i32) -> bool {
        self.in_flight == Some(correlation_id)
    }

    pub fn handle_response(&mut self, response: &MetadataResponse, now: Millis) {
        self.in_flight = None;
        self.brokers.clear();
        for b in &response.brokers {
            self.brokers.insert(b.node_id.0, BrokerAddr { host: b.host.to_string(), port: b.port });
        }
        let mut retry = false;
        for t in &response.topics {
            let Some(name) = &t.name else { continue };
            let error = ErrorCode(t.error_code);
            let mut partitions: Vec<(i32, PartitionMeta)> = t
                .partitions
                .iter()
                .map(|p| {
                    (
                        p.partition_index,
                        PartitionMeta {
                            leader: p.leader_id.0,
                            leader_epoch: p.leader_epoch,
                            error: ErrorCode(p.error_code),
                        },
                    )
                })
                .collect();
            partitions.sort_by_key(|(i, _)| *i);
            if error.is_retriable() || partitions.iter().any(|(_, p)| p.leader < 0) {
                retry = true;
            }
            self.topics.insert(
                name.0.to_string(),
                TopicMeta { error, partitions: partitions.into_iter().map(|(_, p)| p).collect() },
            );
        }
        self.last_refresh_ms = Some(now);
        // A topic wanted while this request was in flight is not in its answer: ask again.
        let missing = self.wanted.iter().any(|t| !self.topics.contains_key(t));
        self.refresh_wanted = retry || missing;
    }

    /// The request failed (disconnect, timeout): retry after the backoff.
    pub fn handle_failure(&mut self, _now: Millis) {
        self.in_flight = None;
        self.refresh_wanted = true;
    }

    /// A broker's hint that `leader` now leads a partition at `leader_epoch` (Fetch's
    /// current_leader on NOT_LEADER_OR_FOLLOWER, KIP-951): taken at once when it names a broker
    /// we know the address of and an epoch not older than ours (equal is taken: our broker's
    /// epochs never move). Returns whether it was taken;
    /// if not, the caller asks for a Metadata refresh as before.
    pub fn apply_leader_hint(&mut self, topic: &str, partition: i32, leader: BrokerId, leader_epoch: i32) -> bool {
        if leader < 0 || !self.brokers.contains_key(&leader) {
            return false;
        }
        let Some(p) = self.topics.get_mut(topic).and_then(|t| t.partitions.get_mut(usize::try_from(partition).ok()?))
        else {
            return false;
        };
        if leader_epoch < 0 || leader_epoch < p.leader_epoch {
            return false;
        }
        p.leader = leader;
        p.leader_epoch = leader_epoch;
        p.error = ErrorCode::NONE;
        true
    }

    pub fn topic(&self, topic: &str) -> Option<&TopicMeta> {
        self.topics.get(topic)
    }

    /// Partition count of a topic known without error.
    pub fn partition_count(&self, topic: &str) -> Option<usize> {
        self.topics.get(topic).filter(|t| !t.error.is_error()).map(|t| t.partitions.len())
    }

    pub fn leader(&self, topic: &str, partition: i32) -> Option<BrokerId> {
        let t = self.topics.get(topic)?;
        let p = t.partitions.get(usize::try_from(partition).ok()?)?;
        (p.leader >= 0).then_some(p.leader)
    }

    pub fn broker(&self, id: BrokerId) -> Option<&BrokerAddr> {
        self.brokers.get(&id)
    }

    pub fn brokers(&self) -> impl Iterator<Item = (BrokerId, &BrokerAddr)> {
        self.brokers.iter().map(|(id, a)| (*id, a))
    }

    /// A broker to send cluster-wide requests to: the lowest known id, else the bootstrap.
    pub fn any_broker(&self) -> BrokerId {
        self.brokers.keys().min().copied().unwrap_or(BOOTSTRAP)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_topic_wanted_while_a_request_is_in_flight_is_asked_for_again() {
        let mut m = Metadata::new(300_000, 100, false);
        let first = m.poll_request(1, 0).expect("the first refresh is due at once");
        let RequestKind::Metadata(body) = &first.body else { panic!("{first:?}") };
        assert_eq!(body.topics.as_ref().map(Vec::len), Some(0));
        m.want("t");
        m.handle_response(&MetadataResponse::default(), 2);
        // The answer did not cover "t": a new request is due after the backoff, not after max age.
        assert_eq!(m.next_request_at(), Some(100));
        let again = m.poll_request(2, 100).expect("due");
        let RequestKind::Metadata(body) = &again.body else { panic!("{again:?}") };
        assert_eq!(body.topics.as_ref().map(Vec::len), Some(1));
    }
}
