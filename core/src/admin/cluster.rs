//! The admin calls on the cluster's shape and contents: DescribeConfigs, DescribeCluster,
//! CreatePartitions and DeleteRecords. Their types, requests and response handling.
//!
//! Routing follows Kafka's admin client: DescribeCluster and CreatePartitions go to any broker
//! (Kafka brokers forward CreatePartitions to the controller), DescribeConfigs of a topic to any
//! broker and of a broker to that broker, DeleteRecords to each partition's leader.

use std::collections::BTreeMap;

use kafka_protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kafka_protocol::messages::delete_records_request::{DeleteRecordsPartition, DeleteRecordsTopic};
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::{
    CreatePartitionsRequest, CreatePartitionsResponse, DeleteRecordsRequest, DeleteRecordsResponse,
    DescribeClusterRequest, DescribeClusterResponse, DescribeConfigsRequest, DescribeConfigsResponse, RequestKind,
    TopicName,
};

use crate::client::versions;
use crate::consumer::TopicPartition;
use crate::error::{Error, ErrorCode};
use crate::protocol::{BrokerId, Millis, StrBytes, Transmit};

use super::{Admin, AdminResult, Items, OpKind, RequestId, RetryKeys, Sent};

/// What a configuration describes (Kafka's ConfigResource.Type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceType {
    Topic,
    /// Named by its node id.
    Broker,
}

impl ResourceType {
    pub fn wire(self) -> i8 {
        match self {
            ResourceType::Topic => 2,
            ResourceType::Broker => 4,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConfigResource {
    pub kind: ResourceType,
    pub name: String,
}

impl ConfigResource {
    pub fn topic(name: impl Into<String>) -> Self {
        ConfigResource { kind: ResourceType::Topic, name: name.into() }
    }

    pub fn broker(id: i32) -> Self {
        ConfigResource { kind: ResourceType::Broker, name: id.to_string() }
    }
}

/// Where a configuration value comes from (Kafka's ConfigSource codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigSource {
    Unknown,
    DynamicTopic,
    DynamicBroker,
    DynamicDefaultBroker,
    StaticBroker,
    Default,
    Other(i8),
}

impl ConfigSource {
    pub fn from_wire(code: i8) -> Self {
        match code {
            0 => ConfigSource::Unknown,
            1 => ConfigSource::DynamicTopic,
            2 => ConfigSource::DynamicBroker,
            3 => ConfigSource::DynamicDefaultBroker,
            4 => ConfigSource::StaticBroker,
            5 => ConfigSource::Default,
            n => ConfigSource::Other(n),
        }
    }

    pub fn wire(self) -> i8 {
        match self {
            ConfigSource::Unknown => 0,
            ConfigSource::DynamicTopic => 1,
            ConfigSource::DynamicBroker => 2,
            ConfigSource::DynamicDefaultBroker => 3,
            ConfigSource::StaticBroker => 4,
            ConfigSource::Default => 5,
            ConfigSource::Other(n) => n,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigSynonym {
    pub name: String,
    pub value: Option<String>,
    pub source: ConfigSource,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigEntry {
    pub name: String,
    /// None for sensitive values.
    pub value: Option<String>,
    pub source: ConfigSource,
    pub read_only: bool,
    pub is_sensitive: bool,
    /// Synonyms, most important first (asked with `include_synonyms`).
    pub synonyms: Vec<ConfigSynonym>,
}

impl ConfigEntry {
    /// True when nothing overrides Kafka's default.
    pub fn is_default(&self) -> bool {
        self.source == ConfigSource::Default
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterNode {
    pub id: i32,
    pub host: String,
    pub port: i32,
    pub rack: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterDescription {
    pub cluster_id: String,
    /// None when the broker names no controller (-1).
    pub controller: Option<i32>,
    pub nodes: Vec<ClusterNode>,
    /// Kafka's bit set of AclOperation codes, when asked; None otherwise.
    pub authorized_operations: Option<i32>,
}

/// What the four calls keep while in progress.
#[derive(Debug, Clone)]
pub(super) enum ClusterOp {
    DescribeConfigs { include_synonyms: bool, items: Items<ConfigResource, Vec<ConfigEntry>> },
    DescribeCluster { include_authorized_operations: bool, pending: bool, result: Option<ClusterDescription> },
    CreatePartitions { counts: BTreeMap<String, i32>, validate_only: bool, items: Items<String, ()> },
    DeleteRecords { offsets: BTreeMap<TopicPartition, i64>, items: Items<TopicPartition, i64> },
}

impl ClusterOp {
    pub(super) fn is_done(&self) -> bool {
        match self {
            ClusterOp::DescribeConfigs { items, .. } => items.is_done(),
            ClusterOp::DescribeCluster { result, .. } => result.is_some(),
            ClusterOp::CreatePartitions { items, .. } => items.is_done(),
            ClusterOp::DeleteRecords { items, .. } => items.is_done(),
        }
    }

    /// Routing needs fresh metadata (leaders, broker ids).
    pub(super) fn routes_by_metadata(&self) -> bool {
        matches!(self, ClusterOp::DeleteRecords { .. })
            || matches!(self, ClusterOp::DescribeConfigs { items, .. } if items.order.iter().any(|r| r.kind == ResourceType::Broker))
    }
}

pub(super) fn finish(op: ClusterOp, unfinished: Error) -> Result<AdminResult, Error> {
    Ok(match op {
        ClusterOp::DescribeConfigs { items, .. } => AdminResult::DescribeConfigs(items.results(&unfinished)),
        ClusterOp::DescribeCluster { result, .. } => AdminResult::DescribeCluster(result.ok_or(unfinished)?),
        ClusterOp::CreatePartitions { items, .. } => AdminResult::CreatePartitions(items.results(&unfinished)),
        ClusterOp::DeleteRecords { items, .. } => AdminResult::DeleteRecords(items.results(&unfinished)),
    })
}

impl Admin {
    /// The configuration of topics and brokers; `include_synonyms` adds where each value comes from.
    pub fn describe_configs(
        &mut self,
        resources: Vec<ConfigResource>,
        include_synonyms: bool,
        now: Millis,
    ) -> RequestId {
        let op = ClusterOp::DescribeConfigs { include_synonyms, items: Items::new(resources) };
        self.start(OpKind::Cluster(op), now)
    }

    /// The cluster's id, controller and brokers.
    pub fn describe_cluster(&mut self, include_authorized_operations: bool, now: Millis) -> RequestId {
        let op = ClusterOp::DescribeCluster { include_authorized_operations, pending: true, result: None };
        self.start(OpKind::Cluster(op), now)
    }

    /// Grows each topic to the given total partition count.
    pub fn create_partitions(&mut self, counts: Vec<(String, i32)>, validate_only: bool, now: Millis) -> RequestId {
        let items = Items::new(counts.iter().map(|(t, _)| t.clone()));
        let mut by_topic = BTreeMap::new();
        for (t, n) in counts {
            by_topic.entry(t).or_insert(n);
        }
        let op = ClusterOp::CreatePartitions { counts: by_topic, validate_only, items };
        self.start(OpKind::Cluster(op), now)
    }

    /// Deletes the records of each partition before the given offset (-1: the high watermark).
    pub fn delete_records(&mut self, offsets: Vec<(TopicPartition, i64)>, now: Millis) -> RequestId {
        let items = Items::new(offsets.iter().map(|(tp, _)| tp.clone()));
        let mut by_tp = BTreeMap::new();
        for (tp, o) in offsets {
            self.metadata.want(&tp.topic);
            by_tp.entry(tp).or_insert(o);
        }
        self.start(OpKind::Cluster(ClusterOp::DeleteRecords { offsets: by_tp, items }), now)
    }
}

fn name(s: &str) -> TopicName {
    TopicName(StrBytes::from_string(s.to_string()))
}

fn transmit(broker: BrokerId, cid: i32, api_version: i16, body: RequestKind) -> Transmit {
    Transmit { broker, correlation_id: cid, api_version, body, expects_response: true }
}

/// The next request of one operation, if it has one to send now.
pub(super) fn next(
    metadata: &crate::client::Metadata,
    id: RequestId,
    op: &mut ClusterOp,
    fresh: bool,
    cid: i32,
    timeout_ms: i32,
    refresh: &mut bool,
) -> Option<(Transmit, Sent)> {
    let any = metadata.any_broker();
    match op {
        ClusterOp::DescribeCluster { include_authorized_operations, pending, .. } if *pending => {
            *pending = false;
            let body = DescribeClusterRequest::default()
                .with_include_cluster_authorized_operations(*include_authorized_operations);
            Some((transmit(any, cid, versions::DESCRIBE_CLUSTER, RequestKind::DescribeCluster(body)), Sent::Whole(id)))
        }
        ClusterOp::CreatePartitions { counts, validate_only, items } if !items.pending.is_empty() => {
            let names: Vec<String> = std::mem::take(&mut items.pending).into_iter().collect();
            let topics = names
                .iter()
                .map(|n| {
                    CreatePartitionsTopic::default()
                        .with_name(name(n))
                        .with_count(counts.get(n).copied().unwrap_or(0))
                        .with_assignments(None)
                })
                .collect();
            let body = CreatePartitionsRequest::default()
                .with_topics(topics)
                .with_timeout_ms(timeout_ms)
                .with_validate_only(*validate_only);
            Some((
                transmit(any, cid, versions::CREATE_PARTITIONS, RequestKind::CreatePartitions(body)),
                Sent::Topics(id, names),
            ))
        }
        ClusterOp::DescribeConfigs { include_synonyms, items } if !items.pending.is_empty() => {
            // Topic resources to any broker; each broker resource to that broker.
            let mut target = None;
            let mut failed = Vec::new();
            for r in &items.pending {
                let broker = match r.kind {
                    ResourceType::Topic => any,
                    ResourceType::Broker => match r.name.parse::<i32>() {
                        Err(_) => {
                            let e = Error::new(
                                ErrorCode::INVALID_REQUEST,
                                format!("broker id {:?} is not an integer", r.name),
                            );
                            failed.push((r.clone(), e));
                            continue;
                        }
                        Ok(_) if !fresh => continue,
                        Ok(b) if metadata.broker(b).is_none() => {
                            let e =
                                Error::new(ErrorCode::INVALID_REQUEST, format!("no broker with id {b} in the cluster"));
                            failed.push((r.clone(), e));
                            continue;
                        }
                        Ok(b) => b,
                    },
                };
                if target.is_none() {
                    target = Some(broker);
                }
            }
            for (r, e) in failed {
                items.finish(r, Err(e));
            }
            let broker = target?;
            let batch: Vec<ConfigResource> = items
                .pending
                .iter()
                .filter(|r| match r.kind {
                    ResourceType::Topic => broker == any,
                    ResourceType::Broker => fresh && r.name.parse::<i32>().ok() == Some(broker),
                })
                .cloned()
                .collect();
            for r in &batch {
                items.pending.remove(r);
            }
            let resources = batch
                .iter()
                .map(|r| {
                    DescribeConfigsResource::default()
                        .with_resource_type(r.kind.wire())
                        .with_resource_name(StrBytes::from_string(r.name.clone()))
                        .with_configuration_keys(None)
                })
                .collect();
            let body = DescribeConfigsRequest::default()
                .with_resources(resources)
                .with_include_synonyms(*include_synonyms)
                .with_include_documentation(false);
            Some((
                transmit(broker, cid, versions::DESCRIBE_CONFIGS, RequestKind::DescribeConfigs(body)),
                Sent::Configs(id, batch),
            ))
        }
        ClusterOp::DeleteRecords { offsets, items } if !items.pending.is_empty() && fresh => {
            let mut by_leader: BTreeMap<BrokerId, Vec<TopicPartition>> = BTreeMap::new();
            for tp in &items.pending {
                match metadata.leader(&tp.topic, tp.partition) {
                    Some(leader) => by_leader.entry(leader).or_default().push(tp.clone()),
                    None => *refresh = true,
                }
            }
            let (leader, tps) = by_leader.into_iter().next()?;
            let mut topics: Vec<DeleteRecordsTopic> = Vec::new();
            for tp in &tps {
                items.pending.remove(tp);
                let p = DeleteRecordsPartition::default()
                    .with_partition_index(tp.partition)
                    .with_offset(offsets.get(tp).copied().unwrap_or(-1));
                match topics.last_mut() {
                    Some(t) if t.name.0.as_str() == tp.topic => t.partitions.push(p),
                    _ => topics.push(DeleteRecordsTopic::default().with_name(name(&tp.topic)).with_partitions(vec![p])),
                }
            }
            let body = DeleteRecordsRequest::default().with_topics(topics).with_timeout_ms(timeout_ms);
            Some((
                transmit(leader, cid, versions::DELETE_RECORDS, RequestKind::DeleteRecords(body)),
                Sent::Offsets(id, tps),
            ))
        }
        _ => None,
    }
}

fn cluster_op(a: &mut Admin, id: RequestId) -> Option<&mut ClusterOp> {
    match &mut a.ops.get_mut(&id)?.kind {
        OpKind::Cluster(op) => Some(op),
        _ => None,
    }
}

fn wire_error(code: i16, message: Option<&StrBytes>, what: std::fmt::Arguments) -> Error {
    match message {
        Some(m) if !m.is_empty() => {
            Error::new(ErrorCode(code), format!("{what}: {} ({})", ErrorCode(code).name(), m.as_str()))
        }
        _ => Error::from_code(code, what),
    }
}

pub(super) fn handle_describe_cluster(a: &mut Admin, id: RequestId, resp: DescribeClusterResponse, now: Millis) {
    if resp.error_code != 0 {
        let e = wire_error(resp.error_code, resp.error_message.as_ref(), format_args!("describe cluster"));
        if ErrorCode(resp.error_code).is_retriable() {
            a.retry(id, RetryKeys::All, e, now);
        } else {
            a.complete(id, Some(e));
        }
        return;
    }
    let description = ClusterDescription {
        cluster_id: resp.cluster_id.to_string(),
        controller: (resp.controller_id.0 >= 0).then_some(resp.controller_id.0),
        nodes: resp
            .brokers
            .iter()
            .map(|b| ClusterNode {
                id: b.broker_id.0,
                host: b.host.to_string(),
                port: b.port,
                rack: b.rack.as_ref().map(|r| r.to_string()),
            })
            .collect(),
        authorized_operations: (resp.cluster_authorized_operations != i32::MIN)
            .then_some(resp.cluster_authorized_operations),
    };
    if let Some(ClusterOp::DescribeCluster { result, .. }) = cluster_op(a, id) {
        *result = Some(description);
    }
    a.complete_if_done(id);
}

pub(super) fn handle_describe_configs(
    a: &mut Admin,
    id: RequestId,
    sent: Vec<ConfigResource>,
    resp: DescribeConfigsResponse,
    now: Millis,
) {
    let mut unanswered: std::collections::BTreeSet<ConfigResource> = sent.into_iter().collect();
    for r in resp.results {
        let kind = match r.resource_type {
            2 => ResourceType::Topic,
            4 => ResourceType::Broker,
            _ => continue,
        };
        let resource = ConfigResource { kind, name: r.resource_name.to_string() };
        if !unanswered.remove(&resource) {
            continue;
        }
        let result = if r.error_code != 0 {
            Err(wire_error(
                r.error_code,
                r.error_message.as_ref(),
                format_args!("describe configs of {}", resource.name),
            ))
        } else {
            Ok(r.configs
                .into_iter()
                .map(|c| ConfigEntry {
                    name: c.name.to_string(),
                    value: c.value.map(|v| v.to_string()),
                    source: ConfigSource::from_wire(c.config_source),
                    read_only: c.read_only,
                    is_sensitive: c.is_sensitive,
                    synonyms: c
                        .synonyms
                        .into_iter()
                        .map(|s| ConfigSynonym {
                            name: s.name.to_string(),
                            value: s.value.map(|v| v.to_string()),
                            source: ConfigSource::from_wire(s.source),
                        })
                        .collect(),
                })
                .collect())
        };
        if let Some(ClusterOp::DescribeConfigs { items, .. }) = cluster_op(a, id) {
            items.finish(resource, result);
        }
    }
    if unanswered.is_empty() {
        a.complete_if_done(id);
        return;
    }
    let e = Error::new(ErrorCode::BAD_MSG, "the broker left resources out of its answer");
    a.retry(id, RetryKeys::Resources(unanswered.into_iter().collect()), e, now);
}

pub(super) fn handle_create_partitions(
    a: &mut Admin,
    id: RequestId,
    sent: Vec<String>,
    resp: CreatePartitionsResponse,
    now: Millis,
) {
    let mut unanswered: std::collections::BTreeSet<String> = sent.into_iter().collect();
    let mut retry = Vec::new();
    let mut last = None;
    for t in resp.results {
        let topic = t.name.0.to_string();
        if !unanswered.remove(&topic) {
            continue;
        }
        let Some(ClusterOp::CreatePartitions { items, .. }) = cluster_op(a, id) else { return };
        if t.error_code == 0 {
            items.finish(topic, Ok(()));
            continue;
        }
        let e = wire_error(t.error_code, t.error_message.as_ref(), format_args!("create partitions of {topic}"));
        // As for CreateTopics: NOT_CONTROLLER and THROTTLING_QUOTA_EXCEEDED are retried.
        if matches!(t.error_code, 41 | 89) {
            retry.push(topic);
            last = Some(e);
        } else {
            items.finish(topic, Err(e));
        }
    }
    retry.extend(unanswered);
    if retry.is_empty() {
        a.complete_if_done(id);
        return;
    }
    let e = last.unwrap_or_else(|| Error::new(ErrorCode::BAD_MSG, "the broker left topics out of its answer"));
    a.retry(id, RetryKeys::Topics(retry), e, now);
}

pub(super) fn handle_delete_records(
    a: &mut Admin,
    id: RequestId,
    sent: Vec<TopicPartition>,
    resp: DeleteRecordsResponse,
    now: Millis,
) {
    let mut unanswered: std::collections::BTreeSet<TopicPartition> = sent.into_iter().collect();
    let mut retry = Vec::new();
    let mut last = None;
    for t in resp.topics {
        for p in t.partitions {
            let tp = TopicPartition::new(t.name.0.as_str(), p.partition_index);
            if !unanswered.remove(&tp) {
                continue;
            }
            let Some(ClusterOp::DeleteRecords { items, .. }) = cluster_op(a, id) else { return };
            let code = ErrorCode(p.error_code);
            if code == ErrorCode::NONE {
                items.finish(tp, Ok(p.low_watermark));
            } else {
                let e = Error::from_code(p.error_code, format_args!("delete records of {tp}"));
                if code.is_retriable() && code != ErrorCode::UNKNOWN_TOPIC_OR_PARTITION {
                    retry.push(tp);
                    last = Some(e);
                } else {
                    items.finish(tp, Err(e));
                }
            }
        }
    }
    retry.extend(unanswered);
    if retry.is_empty() {
        a.complete_if_done(id);
        return;
    }
    a.await_fresh_metadata(id);
    let e = last.unwrap_or_else(|| Error::new(ErrorCode::BAD_MSG, "the broker left partitions out of its answer"));
    a.retry(id, RetryKeys::Partitions(retry), e, now);
}

/// After a Metadata response: DeleteRecords items whose topic or partition does not exist fail now.
pub(super) fn fail_unroutable(op: &mut ClusterOp, metadata: &crate::client::Metadata) {
    let ClusterOp::DeleteRecords { items, .. } = op else { return };
    let mut failed = Vec::new();
    for tp in &items.pending {
        if let Some(e) = unroutable(metadata, tp, "delete records") {
            failed.push((tp.clone(), e));
        }
    }
    for (tp, e) in failed {
        items.finish(tp, Err(e));
    }
}

/// Why a partition-level call (`what`, e.g. "list offsets") cannot be routed for `tp` with this
/// metadata, if it cannot: the topic is unknown (or fails for good), or has fewer partitions. None
/// when it can be routed, or when the answer may still change (no entry yet, a retriable error).
pub(super) fn unroutable(metadata: &crate::client::Metadata, tp: &TopicPartition, what: &str) -> Option<Error> {
    let topic = metadata.topic(&tp.topic)?;
    if topic.error.is_error() {
        (topic.error == ErrorCode::UNKNOWN_TOPIC_OR_PARTITION || !topic.error.is_retriable())
            .then(|| Error::from_code(topic.error.0, format_args!("{what} of {tp}")))
    } else if usize::try_from(tp.partition).map_or(true, |p| p >= topic.partitions.len()) {
        Some(Error::new(
            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
            format!("{what} of {tp}: topic {} has {} partitions", tp.topic, topic.partitions.len()),
        ))
    } else {
        None
    }
}
