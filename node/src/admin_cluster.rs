//! The native half of KafkaJS's `describeConfigs`, `describeCluster`, `createPartitions` and
//! `deleteTopicRecords`: a second `#[napi] impl` of the native `Admin`, resolved on a worker thread.
//! Per-item outcomes come back as data so `lib/admin.js` applies KafkaJS's rules.

use kafkette::admin::{AdminResult, ConfigEntry, ConfigResource, ResourceType};
use kafkette::consumer::TopicPartition;
use kafkette::error::Error;
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

use crate::admin::{JsAdmin, JsTopicResult};
use crate::error::JsErrorInfo;
use crate::task::Blocking;

/// A resource: `resourceType` 2 (topic) or 4 (broker, named by its node id).
#[napi(object)]
pub struct JsConfigResource {
    pub resource_type: i32,
    pub resource_name: String,
}

#[napi(object)]
pub struct JsConfigSynonym {
    pub config_name: String,
    pub config_value: Option<String>,
    pub config_source: i32,
}

#[napi(object)]
pub struct JsConfigEntry {
    pub config_name: String,
    pub config_value: Option<String>,
    pub read_only: bool,
    pub is_default: bool,
    pub config_source: i32,
    pub is_sensitive: bool,
    pub config_synonyms: Vec<JsConfigSynonym>,
}

#[napi(object)]
pub struct JsConfigResult {
    pub resource_type: i32,
    pub resource_name: String,
    pub config_entries: Vec<JsConfigEntry>,
    pub error: Option<JsErrorInfo>,
}

#[napi(object)]
pub struct JsClusterBroker {
    pub node_id: i32,
    pub host: String,
    pub port: i32,
}

#[napi(object)]
pub struct JsClusterDescription {
    pub cluster_id: String,
    pub controller: Option<i32>,
    pub brokers: Vec<JsClusterBroker>,
}

#[napi(object)]
pub struct JsPartitionCount {
    pub topic: String,
    pub count: i32,
}

#[napi(object)]
pub struct JsRecordsOffset {
    pub topic: String,
    pub partition: i32,
    /// -1: the high watermark.
    pub offset: i64,
}

#[napi(object)]
pub struct JsDeletedRecords {
    pub topic: String,
    pub partition: i32,
    pub low_watermark: Option<i64>,
    pub error: Option<JsErrorInfo>,
}

fn unexpected(other: AdminResult) -> Error {
    Error::internal(format!("unexpected admin result {other:?}"))
}

fn entry(e: ConfigEntry) -> JsConfigEntry {
    JsConfigEntry {
        is_default: e.is_default(),
        config_name: e.name,
        config_value: e.value,
        read_only: e.read_only,
        config_source: e.source.wire() as i32,
        is_sensitive: e.is_sensitive,
        config_synonyms: e
            .synonyms
            .into_iter()
            .map(|s| JsConfigSynonym {
                config_name: s.name,
                config_value: s.value,
                config_source: s.source.wire() as i32,
            })
            .collect(),
    }
}

#[napi]
impl JsAdmin {
    #[napi(ts_return_type = "Promise<JsConfigResult[]>")]
    pub fn describe_configs(
        &self,
        resources: Vec<JsConfigResource>,
        include_synonyms: bool,
    ) -> AsyncTask<Blocking<Vec<JsConfigResult>>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            let mut wanted = Vec::with_capacity(resources.len());
            for r in resources {
                let kind = match r.resource_type {
                    2 => ResourceType::Topic,
                    4 => ResourceType::Broker,
                    other => return Err(Error::invalid_arg(format!("resourceType {other} (TOPIC is 2, BROKER 4)"))),
                };
                wanted.push(ConfigResource { kind, name: r.resource_name });
            }
            slot.with("admin client", |a| match a.describe_configs(wanted, include_synonyms)? {
                AdminResult::DescribeConfigs(items) => Ok(items
                    .into_iter()
                    .map(|(r, result)| {
                        let error = result.as_ref().err().map(JsErrorInfo::from);
                        JsConfigResult {
                            resource_type: r.kind.wire() as i32,
                            resource_name: r.name,
                            config_entries: result.map(|es| es.into_iter().map(entry).collect()).unwrap_or_default(),
                            error,
                        }
                    })
                    .collect()),
                other => Err(unexpected(other)),
            })
        })
    }

    #[napi(ts_return_type = "Promise<JsClusterDescription>")]
    pub fn describe_cluster(&self) -> AsyncTask<Blocking<JsClusterDescription>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            slot.with("admin client", |a| {
                let d = a.describe_cluster(false)?;
                Ok(JsClusterDescription {
                    cluster_id: d.cluster_id,
                    controller: d.controller,
                    brokers: d
                        .nodes
                        .into_iter()
                        .map(|n| JsClusterBroker { node_id: n.id, host: n.host, port: n.port })
                        .collect(),
                })
            })
        })
    }

    #[napi(ts_return_type = "Promise<JsTopicResult[]>")]
    pub fn create_partitions(
        &self,
        counts: Vec<JsPartitionCount>,
        validate_only: bool,
    ) -> AsyncTask<Blocking<Vec<JsTopicResult>>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            let counts = counts.into_iter().map(|c| (c.topic, c.count)).collect();
            slot.with("admin client", |a| match a.create_partitions(counts, validate_only)? {
                AdminResult::CreatePartitions(items) => Ok(items
                    .into_iter()
                    .map(|(topic, r)| JsTopicResult { topic, error: r.err().as_ref().map(JsErrorInfo::from) })
                    .collect()),
                other => Err(unexpected(other)),
            })
        })
    }

    #[napi(ts_return_type = "Promise<JsDeletedRecords[]>")]
    pub fn delete_records(&self, offsets: Vec<JsRecordsOffset>) -> AsyncTask<Blocking<Vec<JsDeletedRecords>>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            let req = offsets.into_iter().map(|o| (TopicPartition::new(o.topic, o.partition), o.offset)).collect();
            slot.with("admin client", |a| match a.delete_records(req)? {
                AdminResult::DeleteRecords(items) => Ok(items
                    .into_iter()
                    .map(|(tp, r)| JsDeletedRecords {
                        topic: tp.topic,
                        partition: tp.partition,
                        low_watermark: r.as_ref().ok().copied(),
                        error: r.err().as_ref().map(JsErrorInfo::from),
                    })
                    .collect()),
                other => Err(unexpected(other)),
            })
        })
    }
}
