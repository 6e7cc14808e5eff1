//! The consumer-group half of `Consumer`: subscribe, commit, committed, close leaving
//! the group, and the group events a poll hands to `lib/consumer.js` (KafkaJS's
//! GROUP_JOIN, REBALANCING; assigned/revoked/lost keep its view of the assignment).

use std::time::Duration;

use kafkette::consumer::{ConsumerEvent, OffsetAndMetadata, TopicPartition};
use kafkette::error::Result;
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

use crate::consumer::{JsConsumer, JsTopicPartition};
use crate::error::JsErrorInfo;
use crate::task::Blocking;

/// A committed (or to-commit) offset: the next offset to consume; `None` when nothing is committed.
#[napi(object)]
pub struct JsCommittedOffset {
    pub topic: String,
    pub partition: i32,
    pub offset: Option<i64>,
    pub metadata: Option<String>,
}

/// A group event: `kind` is "rebalancing", "joined", "assigned", "revoked", "lost",
/// "offset_reset", "committed" (an asynchronous commit or auto-commit that succeeded, with
/// `offsets`) or "commit_failed" (one that failed).
#[napi(object)]
pub struct JsGroupEvent {
    pub kind: String,
    pub generation_id: Option<i32>,
    pub member_id: Option<String>,
    pub leader: Option<bool>,
    pub protocol: Option<String>,
    pub partitions: Vec<JsTopicPartition>,
    pub error: Option<JsErrorInfo>,
    pub offsets: Option<Vec<JsCommittedOffset>>,
}

fn js_tps(list: Vec<TopicPartition>) -> Vec<JsTopicPartition> {
    list.into_iter().map(|tp| JsTopicPartition { topic: tp.topic, partition: tp.partition }).collect()
}

fn event(kind: &str, partitions: Vec<TopicPartition>) -> JsGroupEvent {
    JsGroupEvent {
        kind: kind.to_string(),
        generation_id: None,
        member_id: None,
        leader: None,
        protocol: None,
        partitions: js_tps(partitions),
        error: None,
        offsets: None,
    }
}

/// The events JavaScript is told about (partition EOFs and successful commits are not).
pub(crate) fn group_event(e: ConsumerEvent) -> Option<JsGroupEvent> {
    Some(match e {
        ConsumerEvent::Rebalancing => event("rebalancing", vec![]),
        ConsumerEvent::Joined { generation_id, member_id, leader, protocol } => JsGroupEvent {
            generation_id: Some(generation_id),
            member_id: Some(member_id),
            leader: Some(leader),
            protocol: Some(protocol),
            ..event("joined", vec![])
        },
        ConsumerEvent::Assigned(tps) => event("assigned", tps),
        ConsumerEvent::Revoked(tps) => event("revoked", tps),
        ConsumerEvent::Lost(tps) => event("lost", tps),
        ConsumerEvent::OffsetReset { tp, .. } => event("offset_reset", vec![tp]),
        ConsumerEvent::CommitCompleted { result: Ok(done), .. } => JsGroupEvent {
            offsets: Some(
                done.into_iter()
                    .map(|(tp, o)| JsCommittedOffset {
                        topic: tp.topic,
                        partition: tp.partition,
                        offset: Some(o),
                        metadata: None,
                    })
                    .collect(),
            ),
            ..event("committed", vec![])
        },
        ConsumerEvent::CommitCompleted { result: Err(e), .. } => {
            JsGroupEvent { error: Some(JsErrorInfo::from(&e)), ..event("commit_failed", vec![]) }
        }
        _ => return None,
    })
}

fn ms(timeout_ms: u32) -> Duration {
    Duration::from_millis(timeout_ms as u64)
}

#[napi]
impl JsConsumer {
    /// Join the group (`group.id`) for these topics, or (with `pattern`) for every topic whose
    /// whole name matches the regular expression.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn subscribe(&self, topics: Vec<String>, pattern: Option<String>) -> AsyncTask<Blocking<()>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            slot.with("consumer", |c| match pattern {
                Some(p) => c.subscribe_pattern(&p),
                None => c.subscribe(&topics.iter().map(String::as_str).collect::<Vec<_>>()),
            })
        })
    }

    /// Commit these offsets (or, with none, the position of every assigned partition) and wait.
    #[napi(ts_return_type = "Promise<JsCommittedOffset[]>")]
    pub fn commit(
        &self,
        offsets: Option<Vec<JsCommittedOffset>>,
        timeout_ms: u32,
    ) -> AsyncTask<Blocking<Vec<JsCommittedOffset>>> {
        let slot = self.slot.clone();
        let offsets: Option<Result<Vec<_>>> = offsets.map(|list| {
            list.into_iter()
                .map(|o| {
                    let offset = o.offset.ok_or_else(|| {
                        kafkette::error::Error::invalid_arg(format!("{}/{}: no offset to commit", o.topic, o.partition))
                    })?;
                    Ok((
                        TopicPartition::new(o.topic, o.partition),
                        OffsetAndMetadata { offset, metadata: o.metadata, leader_epoch: None },
                    ))
                })
                .collect()
        });
        Blocking::spawn(move || {
            let offsets = offsets.transpose()?;
            let done = slot.with("consumer", |c| c.commit(offsets, ms(timeout_ms)))?;
            Ok(done
                .into_iter()
                .map(|(tp, offset)| JsCommittedOffset {
                    topic: tp.topic,
                    partition: tp.partition,
                    offset: Some(offset),
                    metadata: None,
                })
                .collect())
        })
    }

    /// Store offsets (each the next to consume) for the next commit without offsets and for
    /// auto-commit (the consumer runs with `enable.auto.offset.store=false`).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn store_offsets(&self, offsets: Vec<JsCommittedOffset>) -> AsyncTask<Blocking<()>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            let offsets = offsets
                .into_iter()
                .map(|o| {
                    let offset = o.offset.ok_or_else(|| {
                        kafkette::error::Error::invalid_arg(format!("{}/{}: no offset to store", o.topic, o.partition))
                    })?;
                    Ok((
                        TopicPartition::new(o.topic, o.partition),
                        OffsetAndMetadata { offset, metadata: o.metadata, leader_epoch: None },
                    ))
                })
                .collect::<Result<Vec<_>>>()?;
            slot.with("consumer", |c| c.store_offsets(offsets))
        })
    }

    /// Keep the membership alive during long processing: send a heartbeat if one is due and
    /// handle the answers that arrived (see the core's `Consumer::heartbeat`).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn heartbeat(&self) -> AsyncTask<Blocking<()>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            slot.with("consumer", |c| {
                c.heartbeat();
                Ok(())
            })
        })
    }

    /// The group's committed offsets of these partitions.
    #[napi(ts_return_type = "Promise<JsCommittedOffset[]>")]
    pub fn committed(
        &self,
        partitions: Vec<JsTopicPartition>,
        timeout_ms: u32,
    ) -> AsyncTask<Blocking<Vec<JsCommittedOffset>>> {
        let slot = self.slot.clone();
        let tps: Vec<TopicPartition> =
            partitions.into_iter().map(|t| TopicPartition::new(t.topic, t.partition)).collect();
        Blocking::spawn(move || {
            let list = slot.with("consumer", |c| c.committed(tps, ms(timeout_ms)))?;
            Ok(list
                .into_iter()
                .map(|(tp, om)| JsCommittedOffset {
                    topic: tp.topic,
                    partition: tp.partition,
                    offset: om.as_ref().map(|o| o.offset),
                    metadata: om.and_then(|o| o.metadata),
                })
                .collect())
        })
    }

    /// Leave the group cleanly (commit with auto-commit, LeaveGroup), then close.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close(&self, timeout_ms: u32) -> AsyncTask<Blocking<()>> {
        self.wakeup();
        let slot = self.slot.clone();
        Blocking::spawn(move || match slot.take() {
            Some(mut c) => c.close(ms(timeout_ms)),
            None => Ok(()),
        })
    }
}
