//! `Consumer`: confluent-kafka's consumer (assign, seek, poll; groups: subscribe, commit,
//! committed, rebalance callbacks) over the core's in-process consumer. Records become `Message`s; errors and partition
//! EOF become `Message`s whose `error()` is set, as confluent-kafka hands them out.

use std::collections::VecDeque;
use std::sync::Mutex;

use kafkette::consumer::{ConsumerEvent, ConsumerRecord, OffsetAndMetadata, TopicPartition};
use kafkette::local::Consumer;
use kafkette::Error;
use pyo3::prelude::*;

use crate::error::{check, closed, kafka_error, kafka_error_raw, shield, PARTITION_EOF};
use crate::message::{Fields, PyMessage};
use crate::{deadline, lock, next_slice};

/// confluent-kafka's logical offsets below `OFFSET_BEGINNING` (-1000 STORED, -1001 INVALID):
/// "no offset given", so `auto.offset.reset` decides.
const OFFSET_BEGINNING: i64 = -2;

/// What one wait produced: records, then errors and EOFs in the order the core reported them.
enum Item {
    Record(ConsumerRecord),
    Error(Error),
    Eof(TopicPartition, i64),
}

#[pyclass(name = "Consumer", module = "kafkette._native", frozen)]
pub struct PyConsumer {
    core: Mutex<Option<Consumer>>,
    /// Error and EOF items waiting for the next `poll` (a wait can yield more than asked).
    backlog: Mutex<VecDeque<Item>>,
    /// Group events waiting for the Python handler: (kind, partitions or commit outcome).
    group_events: Mutex<VecDeque<ConsumerEvent>>,
    /// `handler(kind, arg)`: kind "assign" / "revoke" / "lost" with [(topic, partition)], or
    /// "commit" with (error or None, [(topic, partition, offset)]). Run on the polling thread.
    handler: Mutex<Option<Py<PyAny>>>,
    /// Partitions seeked since the last dispatch: records taken before the seek are dropped.
    seeks: Mutex<Vec<TopicPartition>>,
}

type Tps = Vec<(String, i32)>;

fn pairs(tps: Vec<TopicPartition>) -> Tps {
    tps.into_iter().map(|tp| (tp.topic, tp.partition)).collect()
}

fn tp(topic: String, partition: i32) -> TopicPartition {
    TopicPartition { topic, partition }
}

impl PyConsumer {
    /// Run `f` on the core with the GIL released; RuntimeError once closed (as confluent-kafka).
    fn with_core<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Consumer) -> kafkette::Result<T> + Send,
    ) -> PyResult<T> {
        let r = py.detach(|| lock(&self.core).as_mut().map(|c| shield(|| f(c))));
        match r {
            Some(r) => check(py, r),
            None => Err(closed("Consumer")),
        }
    }

    /// Up to `max` items within `timeout` seconds, the GIL released between slices.
    fn collect(&self, py: Python<'_>, max: usize, timeout: f64) -> PyResult<Vec<Item>> {
        let until = deadline(timeout);
        let mut out: Vec<Item> = Vec::new();
        loop {
            {
                let mut backlog = lock(&self.backlog);
                while out.len() < max {
                    match backlog.pop_front() {
                        Some(i) => out.push(i),
                        None => break,
                    }
                }
            }
            if !out.is_empty() {
                return Ok(out);
            }
            let slice = next_slice(until);
            let want = max;
            let (records, events) = self.with_core(py, move |c| {
                let records = match c.poll_up_to(slice, want) {
                    Ok(r) => r,
                    Err(e) => return Ok((Vec::new(), vec![ConsumerEvent::Error(e)])),
                };
                Ok((records, c.take_events()))
            })?;
            out.extend(records.into_iter().map(Item::Record));
            let mut backlog = lock(&self.backlog);
            for e in events {
                match e {
                    ConsumerEvent::Error(err) => backlog.push_back(Item::Error(err)),
                    ConsumerEvent::PartitionEof { tp, offset } => backlog.push_back(Item::Eof(tp, offset)),
                    // Positions moved by auto.offset.reset: librdkafka reports nothing either.
                    ConsumerEvent::OffsetReset { .. } => {}
                    ConsumerEvent::Assigned(_)
                    | ConsumerEvent::Revoked(_)
                    | ConsumerEvent::Lost(_)
                    | ConsumerEvent::CommitCompleted { .. } => lock(&self.group_events).push_back(e),
                    _ => {}
                }
            }
            while out.len() < max {
                match backlog.pop_front() {
                    Some(i) => out.push(i),
                    None => break,
                }
            }
            drop(backlog);
            lock(&self.seeks).clear();
            let dispatched = self.dispatch(py);
            let seeks = std::mem::take(&mut *lock(&self.seeks));
            if !seeks.is_empty() {
                // A callback moved these positions: what was fetched from the old ones goes.
                out.retain(|i| !matches!(i, Item::Record(r) if seeks.iter().any(|s| s.topic == *r.topic && s.partition == r.partition)));
            }
            if let Err(e) = dispatched {
                // Records taken in this wait are kept for the next poll.
                let mut backlog = lock(&self.backlog);
                for item in out.into_iter().rev() {
                    backlog.push_front(item);
                }
                return Err(e);
            }
            if !out.is_empty() || slice.is_zero() {
                return Ok(out);
            }
            py.check_signals()?;
        }
    }

    /// Run the handler for each group event taken so far; a revocation is acknowledged after
    /// its callback (so that the callback can commit first), even when the callback raised.
    fn dispatch(&self, py: Python<'_>) -> PyResult<()> {
        loop {
            let Some(event) = lock(&self.group_events).pop_front() else { return Ok(()) };
            let handler = lock(&self.handler).as_ref().map(|h| h.clone_ref(py));
            let revoke = matches!(event, ConsumerEvent::Revoked(_));
            let r = match (handler, event) {
                (None, _) => Ok(()),
                (Some(h), ConsumerEvent::Assigned(tps)) => h.call1(py, ("assign", pairs(tps))).map(drop),
                (Some(h), ConsumerEvent::Revoked(tps)) => h.call1(py, ("revoke", pairs(tps))).map(drop),
                (Some(h), ConsumerEvent::Lost(tps)) => h.call1(py, ("lost", pairs(tps))).map(drop),
                (Some(h), ConsumerEvent::CommitCompleted { result, .. }) => {
                    let arg = match result {
                        Ok(done) => {
                            let v: Vec<(String, i32, i64)> =
                                done.into_iter().map(|(tp, o)| (tp.topic, tp.partition, o)).collect();
                            (py.None(), v)
                        }
                        Err(e) => (kafka_error(py, &e)?, Vec::new()),
                    };
                    h.call1(py, ("commit", arg)).map(drop)
                }
                (Some(_), _) => Ok(()),
            };
            if revoke {
                py.detach(|| {
                    if let Some(c) = lock(&self.core).as_mut() {
                        c.ack_revoke();
                    }
                });
            }
            r?;
        }
    }

    fn to_message(py: Python<'_>, item: Item) -> PyResult<PyMessage> {
        Ok(match item {
            Item::Record(r) => PyMessage::from_record(r),
            Item::Error(e) => PyMessage::from_fields(Fields { error: Some(kafka_error(py, &e)?), ..Fields::default() }),
            Item::Eof(tp, offset) => {
                let reason = format!(
                    "Fetch from broker 0 reached end of partition at offset {offset} ({}-{})",
                    tp.topic, tp.partition
                );
                PyMessage::from_fields(Fields {
                    error: Some(kafka_error_raw(py, PARTITION_EOF, &reason, false, false, false)?),
                    topic: Some(tp.topic),
                    partition: Some(tp.partition),
                    offset: Some(offset),
                    ..Fields::default()
                })
            }
        })
    }
}

#[pymethods]
impl PyConsumer {
    /// A consumer of the in-process cluster named by `bootstrap.servers`.
    #[new]
    fn new(py: Python<'_>, config: Vec<(String, String)>) -> PyResult<Self> {
        let core = check(py, py.detach(|| shield(|| Consumer::new(config))))?;
        Ok(PyConsumer {
            core: Mutex::new(Some(core)),
            backlog: Mutex::default(),
            group_events: Mutex::default(),
            handler: Mutex::default(),
            seeks: Mutex::default(),
        })
    }

    /// Replace the assignment: `(topic, partition, offset)`; offsets below -2 mean "none given".
    fn assign(&self, py: Python<'_>, partitions: Vec<(String, i32, i64)>) -> PyResult<()> {
        let list: Vec<(TopicPartition, Option<i64>)> =
            partitions.into_iter().map(|(t, p, o)| (tp(t, p), (o >= OFFSET_BEGINNING).then_some(o))).collect();
        lock(&self.backlog).clear();
        self.with_core(py, move |c| {
            c.assign(list);
            Ok(())
        })
    }

    fn unassign(&self, py: Python<'_>) -> PyResult<()> {
        lock(&self.backlog).clear();
        self.with_core(py, |c| {
            c.unassign();
            Ok(())
        })
    }

    fn assignment(&self, py: Python<'_>) -> PyResult<Vec<(String, i32)>> {
        self.with_core(py, |c| Ok(c.assignment().into_iter().map(|tp| (tp.topic, tp.partition)).collect()))
    }

    fn seek(&self, py: Python<'_>, topic: String, partition: i32, offset: i64) -> PyResult<()> {
        let tp = tp(topic, partition);
        lock(&self.seeks).push(tp.clone());
        self.with_core(py, move |c| c.seek(&tp, offset))
    }

    /// The next offset `poll` hands out per partition (-1001, OFFSET_INVALID, when unknown).
    fn position(&self, py: Python<'_>, partitions: Vec<(String, i32)>) -> PyResult<Vec<i64>> {
        self.with_core(py, move |c| {
            Ok(partitions.into_iter().map(|(t, p)| c.position(&tp(t, p)).unwrap_or(-1001)).collect())
        })
    }

    fn pause(&self, py: Python<'_>, partitions: Vec<(String, i32)>) -> PyResult<()> {
        let tps: Vec<TopicPartition> = partitions.into_iter().map(|(t, p)| tp(t, p)).collect();
        self.with_core(py, move |c| {
            c.pause(&tps);
            Ok(())
        })
    }

    fn resume(&self, py: Python<'_>, partitions: Vec<(String, i32)>) -> PyResult<()> {
        let tps: Vec<TopicPartition> = partitions.into_iter().map(|(t, p)| tp(t, p)).collect();
        self.with_core(py, move |c| {
            c.resume(&tps);
            Ok(())
        })
    }

    /// One message (a record or an error event) within `timeout` seconds, or None.
    #[pyo3(signature = (timeout=-1.0), text_signature = "(self, /, timeout=-1.0)")]
    fn poll(&self, py: Python<'_>, timeout: f64) -> PyResult<Option<PyMessage>> {
        let mut items = self.collect(py, 1, timeout)?;
        match items.pop() {
            Some(item) => Self::to_message(py, item).map(Some),
            None => Ok(None),
        }
    }

    /// Up to `num_messages` messages within `timeout` seconds (possibly none).
    #[pyo3(signature = (num_messages=1, timeout=-1.0), text_signature = "(self, /, num_messages=1, timeout=-1.0)")]
    fn consume(&self, py: Python<'_>, num_messages: usize, timeout: f64) -> PyResult<Vec<PyMessage>> {
        let items = self.collect(py, num_messages.max(1), timeout)?;
        items.into_iter().map(|i| Self::to_message(py, i)).collect()
    }

    /// The group handler (see `handler`); with `barrier` a rebalance's revoked partitions stay
    /// assigned until the revoke callback returned.
    fn set_handler(&self, py: Python<'_>, handler: Option<Py<PyAny>>, barrier: bool) -> PyResult<()> {
        *lock(&self.handler) = handler;
        self.with_core(py, move |c| {
            c.set_revoke_barrier(barrier);
            Ok(())
        })
    }

    /// Join the group (`group.id`) for these topics, or for the topics matching `pattern`.
    #[pyo3(signature = (topics, pattern=None))]
    fn subscribe(&self, py: Python<'_>, topics: Vec<String>, pattern: Option<String>) -> PyResult<()> {
        self.with_core(py, move |c| match pattern {
            Some(p) => c.subscribe_pattern(&p),
            None => c.subscribe(&topics.iter().map(String::as_str).collect::<Vec<_>>()),
        })
    }

    fn unsubscribe(&self, py: Python<'_>) -> PyResult<()> {
        self.with_core(py, |c| {
            c.unsubscribe();
            Ok(())
        })?;
        self.collect(py, 0, 0.0).map(drop)
    }

    fn subscription(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.with_core(py, |c| Ok(c.subscription()))
    }

    /// Commit the positions (`None`) or these (topic, partition, offset, metadata); synchronous:
    /// waits up to `timeout` and returns what was committed; asynchronous: returns None at once
    /// (the outcome goes to the handler's "commit").
    #[pyo3(signature = (offsets, asynchronous, timeout))]
    #[allow(clippy::type_complexity)]
    fn commit(
        &self,
        py: Python<'_>,
        offsets: Option<Vec<(String, i32, i64, Option<String>)>>,
        asynchronous: bool,
        timeout: f64,
    ) -> PyResult<Option<Vec<(String, i32, i64)>>> {
        let offsets = offsets.map(|v| {
            v.into_iter()
                .map(|(t, p, o, m)| (tp(t, p), OffsetAndMetadata { offset: o, metadata: m, leader_epoch: None }))
                .collect::<Vec<_>>()
        });
        let t = kafkette::local::timeout_from_secs(timeout);
        if asynchronous {
            return self.with_core(py, move |c| c.commit_async(offsets).map(|_| None));
        }
        let done = self.with_core(py, move |c| c.commit(offsets, t))?;
        Ok(Some(done.into_iter().map(|(tp, o)| (tp.topic, tp.partition, o)).collect()))
    }

    /// Store (topic, partition, offset, metadata) for the next commit without offsets and
    /// auto-commit (`enable.auto.offset.store=false`).
    fn store_offsets(&self, py: Python<'_>, offsets: Vec<(String, i32, i64, Option<String>)>) -> PyResult<()> {
        let offsets: Vec<_> = offsets
            .into_iter()
            .map(|(t, p, o, m)| (tp(t, p), OffsetAndMetadata { offset: o, metadata: m, leader_epoch: None }))
            .collect();
        self.with_core(py, move |c| c.store_offsets(offsets))
    }

    /// `(connection problems so far, every broker down, the last problem as a KafkaError)`.
    fn transport_health(&self, py: Python<'_>) -> PyResult<(u64, bool, Option<Py<PyAny>>)> {
        let h = self.with_core(py, |c| Ok(c.transport_health()))?;
        let last = h.last_error.as_ref().map(|e| kafka_error(py, e)).transpose()?;
        Ok((h.errors, h.all_down, last))
    }

    /// The group's committed (offset, metadata) per partition; None where nothing is committed.
    #[allow(clippy::type_complexity)]
    fn committed(
        &self,
        py: Python<'_>,
        partitions: Vec<(String, i32)>,
        timeout: f64,
    ) -> PyResult<Vec<Option<(i64, Option<String>)>>> {
        let tps: Vec<TopicPartition> = partitions.into_iter().map(|(t, p)| tp(t, p)).collect();
        let t = kafkette::local::timeout_from_secs(timeout);
        let got = self.with_core(py, move |c| c.committed(tps, t))?;
        Ok(got.into_iter().map(|(_, o)| o.map(|o| (o.offset, o.metadata))).collect())
    }

    /// (group id, generation, member id, instance id), or None without `group.id`.
    #[allow(clippy::type_complexity)]
    fn group_metadata(&self, py: Python<'_>) -> PyResult<Option<(String, i32, String, Option<String>)>> {
        self.with_core(py, |c| {
            Ok(c.group_metadata().map(|m| (m.group_id, m.generation_id, m.member_id, m.group_instance_id)))
        })
    }

    /// Leave the group cleanly (positions committed with auto-commit, LeaveGroup sent, waiting
    /// up to `timeout`), then release the consumer; later calls raise RuntimeError. The caller
    /// runs on_revoke for the assignment before (a member can still commit then).
    #[pyo3(signature = (timeout=10.0))]
    fn close(&self, py: Python<'_>, timeout: f64) -> PyResult<()> {
        let t = kafkette::local::timeout_from_secs(timeout);
        let core = py.detach(|| lock(&self.core).take());
        let r = py.detach(move || {
            let mut core = core;
            let r = match core.as_mut() {
                Some(c) => shield(|| {
                    c.set_revoke_barrier(false);
                    c.close(t)
                }),
                None => Ok(()),
            };
            drop(core);
            r
        });
        lock(&self.backlog).clear();
        lock(&self.group_events).clear();
        *lock(&self.handler) = None;
        check(py, r)
    }

    fn config(&self, py: Python<'_>) -> PyResult<Vec<(String, String)>> {
        self.with_core(py, |c| Ok(c.machine().config().to_pairs()))
    }
}
