//! `Admin`'s consumer-group calls (KafkaJS's listGroups, describeGroups,
//! fetchOffsets, setOffsets, resetOffsets, deleteGroups) over the core's
//! `local::admin_groups`. Per-group and per-partition errors come back as data.

use kafkette::admin::lag::ResetTo;
use kafkette::consumer::TopicPartition;
use kafkette::error::Error;
use kafkette::local::TopicSelection;
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

use crate::admin::JsAdmin;
use crate::consumer::JsTopicPartition;
use crate::error::JsErrorInfo;
use crate::task::Blocking;

#[napi(object)]
pub struct JsGroupListing {
    pub group_id: String,
    pub protocol_type: String,
    pub state: Option<String>,
}

#[napi(object)]
pub struct JsGroupMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub assignment: Vec<JsTopicPartition>,
}

#[napi(object)]
pub struct JsGroupDescription {
    pub group_id: String,
    pub state: String,
    pub protocol_type: String,
    pub protocol: String,
    pub members: Vec<JsGroupMember>,
    pub error: Option<JsErrorInfo>,
}

/// A group's offset of one partition: `offset` none where nothing is committed.
#[napi(object)]
pub struct JsGroupOffset {
    pub topic: String,
    pub partition: i32,
    pub offset: Option<i64>,
    pub metadata: Option<String>,
    pub error: Option<JsErrorInfo>,
}

#[napi(object)]
pub struct JsGroupResult {
    pub group_id: String,
    pub error: Option<JsErrorInfo>,
}

fn tps(list: Vec<JsTopicPartition>) -> Vec<TopicPartition> {
    list.into_iter().map(|t| TopicPartition::new(t.topic, t.partition)).collect()
}

fn js_tps(list: Vec<TopicPartition>) -> Vec<JsTopicPartition> {
    list.into_iter().map(|tp| JsTopicPartition { topic: tp.topic, partition: tp.partition }).collect()
}

#[napi]
impl JsAdmin {
    #[napi(ts_return_type = "Promise<JsGroupListing[]>")]
    pub fn list_groups(&self) -> AsyncTask<Blocking<Vec<JsGroupListing>>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            let listed = slot.with("admin client", |a| a.list_groups(vec![]))?;
            if let (true, Some((_, e))) = (listed.groups.is_empty(), listed.errors.into_iter().next()) {
                return Err(e);
            }
            Ok(listed
                .groups
                .into_iter()
                .map(|g| JsGroupListing { group_id: g.group_id, protocol_type: g.protocol_type, state: g.state })
                .collect())
        })
    }

    #[napi(ts_return_type = "Promise<JsGroupDescription[]>")]
    pub fn describe_groups(&self, groups: Vec<String>) -> AsyncTask<Blocking<Vec<JsGroupDescription>>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            let described = slot.with("admin client", |a| a.describe_groups(groups))?;
            Ok(described
                .into_iter()
                .map(|(group_id, r)| match r {
                    Ok(d) => JsGroupDescription {
                        group_id: d.group_id,
                        state: d.state,
                        protocol_type: d.protocol_type,
                        protocol: d.assignor,
                        members: d
                            .members
                            .into_iter()
                            .map(|m| JsGroupMember {
                                member_id: m.member_id,
                                group_instance_id: m.group_instance_id,
                                client_id: m.client_id,
                                client_host: m.host,
                                assignment: js_tps(m.assignment),
                            })
                            .collect(),
                        error: None,
                    },
                    Err(e) => JsGroupDescription {
                        group_id,
                        state: String::new(),
                        protocol_type: String::new(),
                        protocol: String::new(),
                        members: vec![],
                        error: Some(JsErrorInfo::from(&e)),
                    },
                })
                .collect())
        })
    }

    #[napi(ts_return_type = "Promise<JsGroupResult[]>")]
    pub fn delete_groups(&self, groups: Vec<String>) -> AsyncTask<Blocking<Vec<JsGroupResult>>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            let deleted = slot.with("admin client", |a| a.delete_groups(groups))?;
            Ok(deleted
                .into_iter()
                .map(|(group_id, r)| JsGroupResult { group_id, error: r.err().as_ref().map(JsErrorInfo::from) })
                .collect())
        })
    }

    /// The group's committed offsets of `partitions` (all it has committed when absent).
    #[napi(ts_return_type = "Promise<JsGroupOffset[]>")]
    pub fn list_group_offsets(
        &self,
        group: String,
        partitions: Option<Vec<JsTopicPartition>>,
        require_stable: bool,
    ) -> AsyncTask<Blocking<Vec<JsGroupOffset>>> {
        let slot = self.slot.clone();
        let partitions = partitions.map(tps);
        Blocking::spawn(move || {
            let listed = slot.with("admin client", |a| a.list_group_offsets(&group, partitions, require_stable))?;
            Ok(listed
                .into_iter()
                .map(|(tp, r)| match r {
                    Ok(c) => JsGroupOffset {
                        topic: tp.topic,
                        partition: tp.partition,
                        offset: c.as_ref().map(|c| c.offset),
                        metadata: c.and_then(|c| c.metadata),
                        error: None,
                    },
                    Err(e) => JsGroupOffset {
                        topic: tp.topic,
                        partition: tp.partition,
                        offset: None,
                        metadata: None,
                        error: Some(JsErrorInfo::from(&e)),
                    },
                })
                .collect())
        })
    }

    /// Commit these offsets for an inactive group (KafkaJS's setOffsets).
    #[napi(ts_return_type = "Promise<JsGroupOffset[]>")]
    pub fn alter_group_offsets(
        &self,
        group: String,
        offsets: Vec<JsGroupOffset>,
    ) -> AsyncTask<Blocking<Vec<JsGroupOffset>>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            let list = offsets
                .into_iter()
                .map(|o| {
                    let offset = o
                        .offset
                        .ok_or_else(|| Error::invalid_arg(format!("{}/{}: no offset", o.topic, o.partition)))?;
                    Ok((TopicPartition::new(o.topic, o.partition), offset))
                })
                .collect::<kafkette::error::Result<Vec<_>>>()?;
            let done = slot.with("admin client", |a| a.alter_group_offsets(&group, list))?;
            Ok(done
                .into_iter()
                .map(|(tp, r)| JsGroupOffset {
                    topic: tp.topic,
                    partition: tp.partition,
                    offset: None,
                    metadata: None,
                    error: r.err().as_ref().map(JsErrorInfo::from),
                })
                .collect())
        })
    }

    /// Reset an inactive group's offsets of `topic` to its earliest or latest offsets.
    #[napi(ts_return_type = "Promise<JsGroupOffset[]>")]
    pub fn reset_group_offsets(
        &self,
        group: String,
        topic: String,
        earliest: bool,
    ) -> AsyncTask<Blocking<Vec<JsGroupOffset>>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            let to = if earliest { ResetTo::Earliest } else { ResetTo::Latest };
            let sel = [TopicSelection { topic, partitions: None }];
            let plan = slot.with("admin client", |a| a.reset_group_offsets(&group, &sel, to, true))?;
            Ok(plan
                .into_iter()
                .map(|(tp, offset)| JsGroupOffset {
                    topic: tp.topic,
                    partition: tp.partition,
                    offset: Some(offset),
                    metadata: None,
                    error: None,
                })
                .collect())
        })
    }
}
