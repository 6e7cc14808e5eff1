//! The admin client state machine: create, delete and list topics, list offsets.
//!
//! Every call returns a `RequestId` at once; its outcome arrives later as one
//! `AdminEvent::Completed`. An operation has a deadline (`default.api.timeout.ms`);
//! each request it sends has its own (`request.timeout.ms`). Retriable errors,
//! disconnects and request timeouts retry the unfinished part after
//! `retry.backoff.ms`, up to `retries` times and never past the deadline; what is
//! unfinished then completes with TIMED_OUT.
//!
//! CreateTopics and DeleteTopics go to any broker (Kafka brokers forward them to
//! the controller); ListOffsets goes to each partition's leader, found with the
//! owned `client::Metadata`; ListTopics is a Metadata request for all topics. Group calls
//! (`groups.rs`) go to each group's coordinator, ListGroups to every broker.

mod cluster;
mod groups;
pub mod lag;
mod request;
#[cfg(test)]
mod tests;

use cluster::ClusterOp;
pub use cluster::{
    ClusterDescription, ClusterNode, ConfigEntry, ConfigResource, ConfigSource, ConfigSynonym, ResourceType,
};
use groups::GroupOp;
pub use groups::{
    decode_assignment, CommittedOffset, GroupDescription, GroupListing, ListedGroups, MemberDescription,
    PartitionResults,
};

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt;

use kafka_protocol::messages::ResponseKind;

use crate::client::{ClientMachine, CorrelationIds, Metadata};
use crate::config::AdminConfig;
use crate::consumer::TopicPartition;
use crate::error::{Error, ErrorCode, Result};
use crate::protocol::{BrokerId, Millis, Transmit};

pub type RequestId = u64;

/// Operations in progress at once; more complete at once with QUEUE_FULL.
const OPS_IN_PROGRESS_MAX: usize = 1024;
/// Completed events kept for the application; beyond it the oldest are dropped (and counted).
const EVENTS_MAX: usize = 4096;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTopic {
    pub name: String,
    /// -1: the broker's `num.partitions`.
    pub num_partitions: i32,
    /// -1: the broker's `default.replication.factor`.
    pub replication_factor: i16,
    pub configs: Vec<(String, String)>,
}

impl NewTopic {
    pub fn new(name: impl Into<String>, num_partitions: i32, replication_factor: i16) -> Self {
        NewTopic { name: name.into(), num_partitions, replication_factor, configs: Vec::new() }
    }

    pub fn with_config(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.configs.push((key.into(), value.into()));
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OffsetSpec {
    Earliest,
    Latest,
    /// The offset of the record with the highest timestamp (ListOffsets v7+).
    MaxTimestamp,
    /// The first offset whose timestamp is at or after this one (ms).
    Timestamp(i64),
}

impl OffsetSpec {
    /// The ListOffsets request's `timestamp` field.
    pub fn wire_timestamp(self) -> i64 {
        match self {
            OffsetSpec::Earliest => -2,
            OffsetSpec::Latest => -1,
            OffsetSpec::MaxTimestamp => -3,
            OffsetSpec::Timestamp(t) => t,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicListing {
    pub name: String,
    pub partitions: i32,
    pub internal: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListedOffset {
    /// -1 when no record matches a timestamp spec.
    pub offset: i64,
    pub timestamp: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminResult {
    CreateTopics(Vec<(String, Result<(), Error>)>),
    DeleteTopics(Vec<(String, Result<(), Error>)>),
    ListTopics(Vec<TopicListing>),
    ListOffsets(Vec<(TopicPartition, Result<ListedOffset, Error>)>),
    DescribeConfigs(Vec<(ConfigResource, Result<Vec<ConfigEntry>, Error>)>),
    DescribeCluster(ClusterDescription),
    CreatePartitions(Vec<(String, Result<(), Error>)>),
    /// The low watermark of each partition after the deletion.
    DeleteRecords(Vec<(TopicPartition, Result<i64, Error>)>),
    ListGroups(ListedGroups),
    DescribeGroups(Vec<(String, Result<GroupDescription, Error>)>),
    DeleteGroups(Vec<(String, Result<(), Error>)>),
    /// A group's committed offsets by partition (None: no commit). A group-level error fails the call.
    ListGroupOffsets(PartitionResults<Option<CommittedOffset>>),
    AlterGroupOffsets(PartitionResults<()>),
    DeleteGroupOffsets(PartitionResults<()>),
}

/// The cluster as the last ListTopics' Metadata response described it (`list_topics`
/// callers show brokers and the controller, as Kafka admin clients do).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListedCluster {
    pub cluster_id: Option<String>,
    pub controller_id: i32,
    /// `(node id, host, port)` in node id order.
    pub brokers: Vec<(i32, String, i32)>,
}

/// An operation finished. Per-item operations (create, delete, list offsets) report
/// per-item errors (TIMED_OUT included) inside `Ok`; `Err` is for the whole operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminEvent {
    Completed { id: RequestId, result: Result<AdminResult, Error> },
}

/// Items of one operation: those to send (`pending`), sent, and answered.
#[derive(Debug, Clone)]
struct Items<K: Ord + Clone, V> {
    /// Input order, duplicates removed.
    order: Vec<K>,
    pending: BTreeSet<K>,
    done: BTreeMap<K, Result<V, Error>>,
}

impl<K: Ord + Clone, V> Items<K, V> {
    fn new(keys: impl IntoIterator<Item = K>) -> Self {
        let mut order = Vec::new();
        let mut pending = BTreeSet::new();
        for k in keys {
            if pending.insert(k.clone()) {
                order.push(k);
            }
        }
        Items { order, pending, done: BTreeMap::new() }
    }

    fn finish(&mut self, key: K, result: Result<V, Error>) {
        self.pending.remove(&key);
        self.done.insert(key, result);
    }

    fn is_done(&self) -> bool {
        self.done.len() == self.order.len()
    }

    /// Results in input order; items never answered get `unfinished`.
    fn results(mut self, unfinished: &Error) -> Vec<(K, Result<V, Error>)> {
        let order = std::mem::take(&mut self.order);
        order
            .into_iter()
            .map(|k| {
                let r = self.done.remove(&k).unwrap_or_else(|| Err(unfinished.clone()));
                (k, r)
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
enum OpKind {
    CreateTopics {
        topics: BTreeMap<String, NewTopic>,
        validate_only: bool,
        items: Items<String, ()>,
    },
    DeleteTopics {
        items: Items<String, ()>,
    },
    ListTopics {
        pending: bool,
        result: Option<Vec<TopicListing>>,
    },
    ListOffsets {
        specs: BTreeMap<TopicPartition, OffsetSpec>,
        isolation_level: i8,
        items: Items<TopicPartition, ListedOffset>,
    },
    /// DescribeConfigs, DescribeCluster, CreatePartitions, DeleteRecords (`cluster.rs`).
    Cluster(ClusterOp),
    /// ListGroups and the calls routed to a group's coordinator (`groups.rs`).
    Groups(GroupOp),
}

#[derive(Debug, Clone)]
struct Op {
    deadline: Millis,
    /// Retry the pending items no earlier than this.
    retry_at: Option<Millis>,
    retries_left: i32,
    /// ListOffsets routes only with metadata from a response at least this new.
    metadata_generation_min: u64,
    kind: OpKind,
}

impl Op {
    fn is_done(&self) -> bool {
        match &self.kind {
            OpKind::CreateTopics { items, .. } | OpKind::DeleteTopics { items } => items.is_done(),
            OpKind::ListTopics { result, .. } => result.is_some(),
            OpKind::ListOffsets { items, .. } => items.is_done(),
            OpKind::Cluster(c) => c.is_done(),
            OpKind::Groups(g) => g.is_done(),
        }
    }
}

/// What a request in flight carries (so a failure can put it back).
#[derive(Debug, Clone)]
enum Sent {
    Metadata,
    Topics(RequestId, Vec<String>),
    ListTopics(RequestId),
    Offsets(RequestId, Vec<TopicPartition>),
    Configs(RequestId, Vec<ConfigResource>),
    /// A request for the whole operation (DescribeCluster).
    Whole(RequestId),
    /// A group call (or FindCoordinator) for these groups; none for ListGroups (to the broker in flight).
    Groups(RequestId, Vec<String>),
}

#[derive(Debug, Clone)]
struct InFlight {
    broker: BrokerId,
    deadline: Millis,
    sent: Sent,
}

#[derive(Clone)]
pub struct Admin {
    config: AdminConfig,
    metadata: Metadata,
    /// Metadata responses received so far.
    metadata_generation: u64,
    ids: CorrelationIds,
    next_id: RequestId,
    ops: BTreeMap<RequestId, Op>,
    in_flight: HashMap<i32, InFlight>,
    events: VecDeque<AdminEvent>,
    events_dropped: u64,
    listed_cluster: Option<ListedCluster>,
}

impl fmt::Debug for Admin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Admin").field("ops", &self.ops.len()).field("in_flight", &self.in_flight.len()).finish()
    }
}

impl Admin {
    pub fn new(config: AdminConfig, _now: Millis) -> Result<Admin> {
        config.validate()?;
        let metadata = Metadata::new(config.metadata_max_age_ms, config.retry_backoff_ms, false);
        Ok(Admin {
            config,
            metadata,
            metadata_generation: 0,
            ids: CorrelationIds::default(),
            next_id: 0,
            ops: BTreeMap::new(),
            in_flight: HashMap::new(),
            events: VecDeque::new(),
            events_dropped: 0,
            listed_cluster: None,
        })
    }

    pub fn config(&self) -> &AdminConfig {
        &self.config
    }

    /// The cluster as the last completed `list_topics` saw it; `None` before one.
    pub fn listed_cluster(&self) -> Option<&ListedCluster> {
        self.listed_cluster.as_ref()
    }

    pub fn create_topics(&mut self, topics: Vec<NewTopic>, validate_only: bool, now: Millis) -> RequestId {
        let items = Items::new(topics.iter().map(|t| t.name.clone()));
        let mut by_name = BTreeMap::new();
        for t in topics {
            by_name.entry(t.name.clone()).or_insert(t);
        }
        self.start(OpKind::CreateTopics { topics: by_name, validate_only, items }, now)
    }

    pub fn delete_topics(&mut self, names: Vec<String>, now: Millis) -> RequestId {
        self.start(OpKind::DeleteTopics { items: Items::new(names) }, now)
    }

    /// All topics the cluster has (a Metadata request with `topics = null`).
    pub fn list_topics(&mut self, now: Millis) -> RequestId {
        self.start(OpKind::ListTopics { pending: true, result: None }, now)
    }

    pub fn list_offsets(
        &mut self,
        req: Vec<(TopicPartition, OffsetSpec)>,
        isolation_level_committed: bool,
        now: Millis,
    ) -> RequestId {
        let items = Items::new(req.iter().map(|(tp, _)| tp.clone()));
        let mut specs = BTreeMap::new();
        for (tp, spec) in req {
            self.metadata.want(&tp.topic);
            specs.entry(tp).or_insert(spec);
        }
        let isolation_level = i8::from(isolation_level_committed);
        self.start(OpKind::ListOffsets { specs, isolation_level, items }, now)
    }

    pub fn poll_event(&mut self) -> Option<AdminEvent> {
        self.events.pop_front()
    }

    /// Events dropped because the application did not drain them (`EVENTS_MAX`).
    pub fn events_dropped(&self) -> u64 {
        self.events_dropped
    }

    fn start(&mut self, kind: OpKind, now: Millis) -> RequestId {
        self.next_id += 1;
        let id = self.next_id;
        if self.ops.len() >= OPS_IN_PROGRESS_MAX {
            let e = Error::new(
                ErrorCode::QUEUE_FULL,
                format!("{OPS_IN_PROGRESS_MAX} admin operations are in progress already"),
            );
            self.push_event(AdminEvent::Completed { id, result: Err(e) });
            return id;
        }
        let op = Op {
            deadline: now + self.config.default_api_timeout_ms,
            retry_at: None,
            retries_left: self.config.retries,
            metadata_generation_min: 0,
            kind,
        };
        let is_list_offsets = match &op.kind {
            OpKind::ListOffsets { .. } => true,
            OpKind::Cluster(c) => c.routes_by_metadata(),
            OpKind::Groups(g) => g.routes_by_metadata(),
            _ => false,
        };
        self.ops.insert(id, op);
        if is_list_offsets {
            // Leaders may have moved and topics may be new: route with a fresh answer.
            self.await_fresh_metadata(id);
        }
        self.complete_if_done(id);
        id
    }

    fn push_event(&mut self, event: AdminEvent) {
        if self.events.len() >= EVENTS_MAX {
            self.events.pop_front();
            self.events_dropped += 1;
        }
        self.events.push_back(event);
    }

    fn complete_if_done(&mut self, id: RequestId) {
        if self.ops.get(&id).is_some_and(Op::is_done) {
            self.complete(id, None);
        }
    }

    /// Finish an operation; unfinished items get `unfinished` (a timeout).
    fn complete(&mut self, id: RequestId, unfinished: Option<Error>) {
        let Some(op) = self.ops.remove(&id) else {
            return;
        };
        self.in_flight.retain(|_, r| sent_op(&r.sent) != Some(id));
        let unfinished = unfinished.unwrap_or_else(|| Error::internal("admin operation completed with items left"));
        let result = match op.kind {
            OpKind::CreateTopics { items, .. } => Ok(AdminResult::CreateTopics(items.results(&unfinished))),
            OpKind::DeleteTopics { items } => Ok(AdminResult::DeleteTopics(items.results(&unfinished))),
            OpKind::ListTopics { result, .. } => result.map(AdminResult::ListTopics).ok_or(unfinished),
            OpKind::ListOffsets { items, .. } => Ok(AdminResult::ListOffsets(items.results(&unfinished))),
            OpKind::Cluster(c) => cluster::finish(c, unfinished),
            OpKind::Groups(g) => groups::finish(g, unfinished),
        };
        self.push_event(AdminEvent::Completed { id, result });
    }

    fn track(&mut self, transmit: &Transmit, now: Millis, sent: Sent) {
        let deadline = now + self.config.request_timeout_ms;
        self.in_flight.insert(transmit.correlation_id, InFlight { broker: transmit.broker, deadline, sent });
    }

    /// Items of a failed request go back to pending, to retry after the backoff
    /// (or fail with `error` once `retries` are used up).
    fn retry(&mut self, id: RequestId, keys: RetryKeys, error: Error, now: Millis) {
        let backoff = self.config.retry_backoff_ms;
        let Some(op) = self.ops.get_mut(&id) else {
            return;
        };
        op.retries_left -= 1;
        let give_up = op.retries_left < 0;
        op.retry_at = Some(now + backoff);
        match (&mut op.kind, keys) {
            (OpKind::CreateTopics { items, .. } | OpKind::DeleteTopics { items }, RetryKeys::Topics(names)) => {
                for n in names {
                    if give_up {
                        items.finish(n, Err(error.clone()));
                    } else {
                        items.pending.insert(n);
                    }
                }
            }
            (OpKind::Cluster(ClusterOp::CreatePartitions { items, .. }), RetryKeys::Topics(names)) => {
                for n in names {
                    if give_up {
                        items.finish(n, Err(error.clone()));
                    } else {
                        items.pending.insert(n);
                    }
                }
            }
            (OpKind::Cluster(ClusterOp::DeleteRecords { items, .. }), RetryKeys::Partitions(tps)) => {
                for tp in tps {
                    if give_up {
                        items.finish(tp, Err(error.clone()));
                    } else {
                        items.pending.insert(tp);
                    }
                }
            }
            (OpKind::Cluster(ClusterOp::DescribeConfigs { items, .. }), RetryKeys::Resources(rs)) => {
                for r in rs {
                    if give_up {
                        items.finish(r, Err(error.clone()));
                    } else {
                        items.pending.insert(r);
                    }
                }
            }
            (OpKind::Cluster(ClusterOp::DescribeCluster { pending, .. }), RetryKeys::All) => {
                if give_up {
                    self.complete(id, Some(error));
                    return;
                }
                *pending = true;
            }
            (OpKind::ListOffsets { items, .. }, RetryKeys::Partitions(tps)) => {
                for tp in tps {
                    if give_up {
                        items.finish(tp, Err(error.clone()));
                    } else {
                        items.pending.insert(tp);
                    }
                }
            }
            (OpKind::Groups(g), keys @ (RetryKeys::Groups(_) | RetryKeys::Brokers(_))) => {
                groups::retry(g, keys, give_up, &error);
            }
            (OpKind::ListTopics { pending, .. }, RetryKeys::All) => {
                if give_up {
                    let id_done = id;
                    self.complete(id_done, Some(error));
                    return;
                }
                *pending = true;
            }
            _ => {}
        }
        self.complete_if_done(id);
    }

    /// Route the operation's next requests only with metadata asked for after now.
    fn await_fresh_metadata(&mut self, id: RequestId) {
        self.metadata.request_refresh();
        let in_flight = self.in_flight.values().any(|r| matches!(r.sent, Sent::Metadata));
        let min = self.metadata_generation + 1 + u64::from(in_flight);
        if let Some(op) = self.ops.get_mut(&id) {
            op.metadata_generation_min = min;
        }
    }

    fn fail_request(&mut self, cid: i32, error: Error, now: Millis) {
        let Some(req) = self.in_flight.remove(&cid) else {
            return;
        };
        match req.sent {
            Sent::Metadata => self.metadata.handle_failure(now),
            Sent::Topics(id, names) => self.retry(id, RetryKeys::Topics(names), error, now),
            Sent::ListTopics(id) | Sent::Whole(id) => self.retry(id, RetryKeys::All, error, now),
            Sent::Configs(id, resources) => self.retry(id, RetryKeys::Resources(resources), error, now),
            Sent::Offsets(id, tps) => {
                self.await_fresh_metadata(id);
                self.retry(id, RetryKeys::Partitions(tps), error, now);
            }
            Sent::Groups(id, names) if names.is_empty() => {
                self.retry(id, RetryKeys::Brokers(vec![req.broker]), error, now)
            }
            Sent::Groups(id, names) => self.retry(id, RetryKeys::Groups(names), error, now),
        }
    }
}

enum RetryKeys {
    Topics(Vec<String>),
    Partitions(Vec<TopicPartition>),
    Resources(Vec<ConfigResource>),
    Groups(Vec<String>),
    Brokers(Vec<BrokerId>),
    All,
}

fn sent_op(sent: &Sent) -> Option<RequestId> {
    match sent {
        Sent::Metadata => None,
        Sent::Topics(id, _)
        | Sent::ListTopics(id)
        | Sent::Offsets(id, _)
        | Sent::Configs(id, _)
        | Sent::Whole(id)
        | Sent::Groups(id, _) => Some(*id),
    }
}

impl ClientMachine for Admin {
    fn poll_transmit(&mut self, now: Millis) -> Option<Transmit> {
        let cid = self.ids.next_id();
        if let Some(t) = self.metadata.poll_request(cid, now) {
            self.track(&t, now, Sent::Metadata);
            return Some(t);
        }
        let (transmit, sent) = request::next(self, cid, now)?;
        self.track(&transmit, now, sent);
        Some(transmit)
    }

    fn handle_response(&mut self, broker: BrokerId, correlation_id: i32, body: ResponseKind, now: Millis) {
        let Some(req) = self.in_flight.get(&correlation_id) else {
            return;
        };
        if req.broker != broker {
            return;
        }
        let sent = req.sent.clone();
        match (sent, body) {
            (Sent::Metadata, ResponseKind::Metadata(resp)) => {
                self.in_flight.remove(&correlation_id);
                self.metadata.handle_response(&resp, now);
                self.metadata_generation += 1;
                request::fail_unroutable(self);
            }
            (Sent::Topics(id, names), ResponseKind::CreateTopics(resp)) => {
                self.in_flight.remove(&correlation_id);
                request::handle_create_topics(self, id, names, resp, now);
            }
            (Sent::Topics(id, names), ResponseKind::DeleteTopics(resp)) => {
                self.in_flight.remove(&correlation_id);
                request::handle_delete_topics(self, id, names, resp, now);
            }
            (Sent::ListTopics(id), ResponseKind::Metadata(resp)) => {
                self.in_flight.remove(&correlation_id);
                request::handle_list_topics(self, id, resp, now);
            }
            (Sent::Offsets(id, tps), ResponseKind::ListOffsets(resp)) => {
                self.in_flight.remove(&correlation_id);
                request::handle_list_offsets(self, id, tps, resp, now);
            }
            (Sent::Topics(id, names), ResponseKind::CreatePartitions(resp)) => {
                self.in_flight.remove(&correlation_id);
                cluster::handle_create_partitions(self, id, names, resp, now);
            }
            (Sent::Offsets(id, tps), ResponseKind::DeleteRecords(resp)) => {
                self.in_flight.remove(&correlation_id);
                cluster::handle_delete_records(self, id, tps, resp, now);
            }
            (Sent::Configs(id, resources), ResponseKind::DescribeConfigs(resp)) => {
                self.in_flight.remove(&correlation_id);
                cluster::handle_describe_configs(self, id, resources, resp, now);
            }
            (Sent::Whole(id), ResponseKind::DescribeCluster(resp)) => {
                self.in_flight.remove(&correlation_id);
                cluster::handle_describe_cluster(self, id, resp, now);
            }
            (Sent::Groups(id, names), body) if groups::answers(&body) => {
                self.in_flight.remove(&correlation_id);
                groups::handle_response(self, id, broker, names, body, now);
            }
            _ => {
                let e = Error::new(
                    ErrorCode::BAD_MSG,
                    format!("broker {broker} answered request {correlation_id} with another response type"),
                );
                self.fail_request(correlation_id, e, now);
            }
        }
    }

    fn handle_disconnect(&mut self, broker: BrokerId, now: Millis) {
        let mut cids: Vec<i32> = self.in_flight.iter().filter(|(_, r)| r.broker == broker).map(|(c, _)| *c).collect();
        cids.sort_unstable();
        for cid in cids {
            let e = Error::new(ErrorCode::TRANSPORT, format!("connection to broker {broker} lost"));
            self.fail_request(cid, e, now);
        }
    }

    fn handle_timeout(&mut self, now: Millis) {
        let mut expired: Vec<i32> = self.in_flight.iter().filter(|(_, r)| r.deadline <= now).map(|(c, _)| *c).collect();
        expired.sort_unstable();
        for cid in expired {
            let broker = self.in_flight.get(&cid).map_or(0, |r| r.broker);
            self.fail_request(cid, Error::timed_out(format_args!("request {cid} to broker {broker}")), now);
        }
        let due: Vec<RequestId> = self.ops.iter().filter(|(_, op)| op.deadline <= now).map(|(id, _)| *id).collect();
        for id in due {
            let e = Error::timed_out(format_args!("admin operation {id} (default.api.timeout.ms)"));
            self.complete(id, Some(e));
        }
        for op in self.ops.values_mut() {
            if op.retry_at.is_some_and(|t| t <= now) {
                op.retry_at = None;
            }
        }
    }

    fn poll_timeout(&self) -> Option<Millis> {
        let requests = self.in_flight.values().map(|r| r.deadline);
        let ops = self.ops.values().flat_map(|op| [Some(op.deadline), op.retry_at]).flatten();
        requests.chain(ops).chain(self.metadata.next_request_at()).min()
    }
}
