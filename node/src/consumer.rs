//! `Consumer`: manual assignment, seek, pause and a poll that waits off the JS
//! thread. The poll waits in short slices so `wakeup()` (used by `stop()` and by a
//! seek during `run`) returns it early without taking the client's lock.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kafkette::consumer::{ConsumerRecord, TopicPartition};
use kafkette::error::{Error, ErrorCode, Result};
use kafkette::local::Consumer;
use kafkette::record::TimestampType;
use napi::bindgen_prelude::{AsyncTask, Buffer, Object};
use napi::Env;
use napi_derive::napi;

use crate::config_pairs;
use crate::consumer_group::{group_event, JsGroupEvent};
use crate::error::{guard, sync, to_napi};
use crate::task::{Blocking, Slot};

/// How long one slice of a poll waits before checking for a wakeup.
const POLL_SLICE_MS: u64 = 50;

#[napi(object)]
pub struct JsTopicPartition {
    pub topic: String,
    pub partition: i32,
}

/// A partition to consume, from `offset` or (none) per `auto.offset.reset`.
#[napi(object)]
pub struct JsAssignment {
    pub topic: String,
    pub partition: i32,
    pub offset: Option<i64>,
}

#[napi(object)]
pub struct JsRecordHeader {
    pub key: String,
    pub value: Option<Buffer>,
}

#[napi(object)]
pub struct JsConsumerRecord {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub timestamp: i64,
    /// 0 CreateTime, 1 LogAppendTime.
    pub timestamp_type: u32,
    pub key: Option<Buffer>,
    pub value: Option<Buffer>,
    pub headers: Vec<JsRecordHeader>,
}

/// A partition that returned records, with the high watermark of its last fetch.
#[napi(object)]
pub struct JsPartitionState {
    pub topic: String,
    pub partition: i32,
    pub high_watermark: Option<i64>,
}

#[napi(object)]
pub struct JsPollResult {
    pub records: Vec<JsConsumerRecord>,
    pub partitions: Vec<JsPartitionState>,
    /// Group events seen during the poll, in order (before the records).
    pub events: Vec<JsGroupEvent>,
}

fn buffer(b: Option<bytes::Bytes>) -> Option<Buffer> {
    b.map(|b| Buffer::from(b.to_vec()))
}

impl From<ConsumerRecord> for JsConsumerRecord {
    fn from(r: ConsumerRecord) -> Self {
        JsConsumerRecord {
            topic: r.topic.to_string(),
            partition: r.partition,
            offset: r.offset,
            timestamp: r.timestamp,
            timestamp_type: matches!(r.timestamp_type, TimestampType::LogAppendTime) as u32,
            key: buffer(r.key),
            value: buffer(r.value),
            headers: r
                .headers
                .into_iter()
                .map(|h| JsRecordHeader { key: String::from_utf8_lossy(&h.key).into_owned(), value: buffer(h.value) })
                .collect(),
        }
    }
}

fn tps(list: Vec<JsTopicPartition>) -> Vec<TopicPartition> {
    list.into_iter().map(|t| TopicPartition::new(t.topic, t.partition)).collect()
}

#[napi(js_name = "Consumer")]
pub struct JsConsumer {
    pub(crate) slot: Slot<Consumer>,
    wake: Arc<AtomicBool>,
}

#[napi]
impl JsConsumer {
    /// A consumer configured with Kafka consumer properties (`bootstrap.servers` names the cluster).
    #[napi(constructor)]
    pub fn new(config: Vec<Vec<String>>) -> napi::Result<Self> {
        sync(|| {
            let consumer = Consumer::new(config_pairs(config)?)?;
            Ok(JsConsumer { slot: Slot::new(consumer), wake: Arc::new(AtomicBool::new(false)) })
        })
    }

    /// Replace the assignment with these partitions.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn assign(&self, partitions: Vec<JsAssignment>) -> AsyncTask<Blocking<()>> {
        let slot = self.slot.clone();
        let list = partitions.into_iter().map(|a| (TopicPartition::new(a.topic, a.partition), a.offset)).collect();
        Blocking::spawn(move || {
            slot.with("consumer", |c| {
                c.assign(list);
                Ok(())
            })
        })
    }

    #[napi(ts_return_type = "Promise<JsTopicPartition[]>")]
    pub fn assignment(&self) -> AsyncTask<Blocking<Vec<JsTopicPartition>>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || {
            slot.with("consumer", |c| {
                let mut list = c.assignment();
                list.sort();
                Ok(list.into_iter().map(|tp| JsTopicPartition { topic: tp.topic, partition: tp.partition }).collect())
            })
        })
    }

    /// Move the position of an assigned partition (-2 beginning, -1 end).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn seek(&self, topic: String, partition: i32, offset: i64) -> AsyncTask<Blocking<()>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || slot.with("consumer", |c| c.seek(&TopicPartition::new(topic, partition), offset)))
    }

    /// The offset of the next record for the partition, if known.
    #[napi(ts_return_type = "Promise<number | null>")]
    pub fn position(&self, topic: String, partition: i32) -> AsyncTask<Blocking<Option<i64>>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || slot.with("consumer", |c| Ok(c.position(&TopicPartition::new(topic, partition)))))
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn pause(&self, partitions: Vec<JsTopicPartition>) -> AsyncTask<Blocking<()>> {
        let slot = self.slot.clone();
        let list = tps(partitions);
        Blocking::spawn(move || {
            slot.with("consumer", |c| {
                c.pause(&list);
                Ok(())
            })
        })
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn resume(&self, partitions: Vec<JsTopicPartition>) -> AsyncTask<Blocking<()>> {
        let slot = self.slot.clone();
        let list = tps(partitions);
        Blocking::spawn(move || {
            slot.with("consumer", |c| {
                c.resume(&list);
                Ok(())
            })
        })
    }

    /// Wait up to `timeout_ms` for records; returns early (maybe empty) after `wakeup()`.
    ///
    /// Runs on a thread of its own rather than libuv's pool: a running consumer
    /// polls nearly all the time, and a few of them would otherwise hold every
    /// pool thread and starve the producer's sends (and node's own fs and dns).
    #[napi(ts_return_type = "Promise<JsPollResult>")]
    pub fn poll<'env>(&self, env: &'env Env, timeout_ms: u32) -> napi::Result<Object<'env>> {
        let (deferred, promise) = env.create_deferred()?;
        let slot = self.slot.clone();
        let wake = self.wake.clone();
        let timeout = Duration::from_millis(timeout_ms as u64);
        let spawned = std::thread::Builder::new().name("kafkette-poll".into()).spawn(move || {
            match guard(|| slot.with("consumer", |c| poll_blocking(c, timeout, &wake))) {
                Ok(result) => deferred.resolve(move |_| Ok(result)),
                Err(e) => deferred.reject(to_napi(&e)),
            }
        });
        spawned.map_err(|e| to_napi(&Error::new(ErrorCode::IO, format!("cannot start a poll thread: {e}"))))?;
        Ok(promise)
    }

    /// Make a poll in progress (or the next one) return early. Never blocks.
    #[napi]
    pub fn wakeup(&self) {
        self.wake.store(true, Ordering::Release);
    }
}

fn poll_blocking(c: &mut Consumer, timeout: Duration, wake: &AtomicBool) -> Result<JsPollResult> {
    let give_up = Instant::now() + timeout;
    let mut events = Vec::new();
    let records = loop {
        let left = give_up.saturating_duration_since(Instant::now());
        let records = c.poll(left.min(Duration::from_millis(POLL_SLICE_MS)))?;
        events.extend(c.take_events().into_iter().filter_map(group_event));
        // A group event ends the poll too: GROUP_JOIN is emitted while it is news.
        if !records.is_empty() || !events.is_empty() || left.is_zero() || wake.swap(false, Ordering::AcqRel) {
            break records;
        }
    };
    let mut seen = BTreeSet::new();
    let mut partitions = Vec::new();
    for r in &records {
        if seen.insert((r.topic.clone(), r.partition)) {
            let high_watermark = c.machine().high_watermark(&TopicPartition::new(&*r.topic, r.partition));
            partitions.push(JsPartitionState { topic: r.topic.to_string(), partition: r.partition, high_watermark });
        }
    }
    Ok(JsPollResult { records: records.into_iter().map(JsConsumerRecord::from).collect(), partitions, events })
}
