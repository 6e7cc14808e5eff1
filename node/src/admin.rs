//! `Admin`: topics and offsets. Per-topic outcomes come back as data (an error
//! object or null) so `lib/admin.js` can apply KafkaJS's rules (CreateTopics
//! resolves false when every topic already exists); a failure of the whole call rejects.

use kafkette::admin::{AdminResult, NewTopic, OffsetSpec};
use kafkette::consumer::TopicPartition;
use kafkette::error::{Error, Result};
use kafkette::local::Admin;
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

use crate::config_pairs;
use crate::error::{sync, JsErrorInfo};
use crate::task::{Blocking, Slot};

#[napi(object)]
pub struct JsNewTopic {
    pub topic: String,
    /// -1 or absent: the broker's `num.partitions`.
    pub num_partitions: Option<i32>,
    pub replication_factor: Option<i32>,
    /// `[[name, value], ...]`
    pub configs: Option<Vec<Vec<String>>>,
}

#[napi(object)]
pub struct JsTopicResult {
    pub topic: String,
    pub error: Option<JsErrorInfo>,
}

#[napi(object)]
pub struct JsTopicListing {
    pub name: String,
    pub partitions: i32,
    pub internal: bool,
}

/// `spec`: "earliest", "latest", "max_timestamp" or "timestamp" (with `timestamp`).
#[napi(object)]
pub struct JsOffsetQuery {
    pub topic: String,
    pub partition: i32,
    pub spec: String,
    pub timestamp: Option<i64>,
}

#[napi(object)]
pub struct JsListedOffset {
    pub topic: String,
    pub partition: i32,
    pub offset: Option<i64>,
    pub timestamp: Option<i64>,
    pub error: Option<JsErrorInfo>,
}

fn per_topic(items: Vec<(String, Result<()>)>) -> Vec<JsTopicResult> {
    items
        .into_iter()
        .map(|(topic, r)| JsTopicResult { topic, error: r.err().as_ref().map(JsErrorInfo::from) })
        .collect()
}

fn unexpected(other: AdminResult) -> Error {
    Error::internal(format!("unexpected admin result {other:?}"))
}

fn offset_spec(q: &JsOffsetQuery) -> Result<OffsetSpec> {
    Ok(match (q.spec.as_str(), q.timestamp) {
        ("earliest", _) => OffsetSpec::Earliest,
        ("latest", _) => OffsetSpec::Latest,
        ("max_timestamp", _) => OffsetSpec::MaxTimestamp,
        ("timestamp", Some(t)) => OffsetSpec::Timestamp(t),
        (spec, _) => {
            return Err(Error::invalid_arg(format!("offset spec {spec:?} (with timestamp {:?})", q.timestamp)))
        }
    })
}

#[napi(js_name = "Admin")]
pub struct JsAdmin {
    pub(crate) slot: Slot<Admin>,
}

#[napi]
impl JsAdmin {
    /// An admin client configured with Kafka admin properties (`bootstrap.servers` names the cluster).
    #[napi(constructor)]
    pub fn new(config: Vec<Vec<String>>) -> napi::Result<Self> {
        sync(|| Ok(JsAdmin { slot: Slot::new(Admin::new(config_pairs(config)?)?) }))
    }

    #[napi(ts_return_type = "Promise<JsTopicResult[]>")]
    pub fn create_topics(
        &self,
        topics: Vec<JsNewTopic>,
        validate_only: bool,
    ) -> AsyncTask<Blocking<Vec<JsTopicResult>>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            let mut list = Vec::with_capacity(topics.len());
            for t in topics {
                let rf = t.replication_factor.unwrap_or(-1);
                let rf = i16::try_from(rf).map_err(|_| Error::invalid_arg(format!("replicationFactor {rf}")))?;
                let mut nt = NewTopic::new(t.topic, t.num_partitions.unwrap_or(-1), rf);
                nt.configs = config_pairs(t.configs.unwrap_or_default())?;
                list.push(nt);
            }
            slot.with("admin client", |a| match a.create_topics(list, validate_only)? {
                AdminResult::CreateTopics(items) => Ok(per_topic(items)),
                other => Err(unexpected(other)),
            })
        })
    }

    #[napi(ts_return_type = "Promise<JsTopicResult[]>")]
    pub fn delete_topics(&self, topics: Vec<String>) -> AsyncTask<Blocking<Vec<JsTopicResult>>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            slot.with("admin client", |a| match a.delete_topics(topics)? {
                AdminResult::DeleteTopics(items) => Ok(per_topic(items)),
                other => Err(unexpected(other)),
            })
        })
    }

    #[napi(ts_return_type = "Promise<JsTopicListing[]>")]
    pub fn list_topics(&self) -> AsyncTask<Blocking<Vec<JsTopicListing>>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            slot.with("admin client", |a| match a.list_topics()? {
                AdminResult::ListTopics(list) => Ok(list
                    .into_iter()
                    .map(|t| JsTopicListing { name: t.name, partitions: t.partitions, internal: t.internal })
                    .collect()),
                other => Err(unexpected(other)),
            })
        })
    }

    #[napi(ts_return_type = "Promise<JsListedOffset[]>")]
    pub fn list_offsets(
        &self,
        queries: Vec<JsOffsetQuery>,
        read_committed: bool,
    ) -> AsyncTask<Blocking<Vec<JsListedOffset>>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            let mut req = Vec::with_capacity(queries.len());
            for q in &queries {
                req.push((TopicPartition::new(q.topic.clone(), q.partition), offset_spec(q)?));
            }
            slot.with("admin client", |a| match a.list_offsets(req, read_committed)? {
                AdminResult::ListOffsets(items) => Ok(items
                    .into_iter()
                    .map(|(tp, r)| match r {
                        Ok(o) => JsListedOffset {
                            topic: tp.topic,
                            partition: tp.partition,
                            offset: Some(o.offset),
                            timestamp: Some(o.timestamp),
                            error: None,
                        },
                        Err(e) => JsListedOffset {
                            topic: tp.topic,
                            partition: tp.partition,
                            offset: None,
                            timestamp: None,
                            error: Some(JsErrorInfo::from(&e)),
                        },
                    })
                    .collect()),
                other => Err(unexpected(other)),
            })
        })
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn close(&self) -> AsyncTask<Blocking<()>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            drop(slot.take());
            Ok(())
        })
    }
}
