//! `Consumer`: confluent-kafka's consumer (no groups yet: assign, seek, poll) over
//! the core's in-process consumer. Records become `Message`s; errors and partition
//! EOF become `Message`s whose `error()` is set, as confluent-kafka hands them out.

use std::collections::VecDeque;
use std::sync::Mutex;

use kafkette::consumer::{ConsumerEvent, ConsumerRecord, TopicPartition};
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
                    // Group events (assigned, revoked, lost, commits): the binding maps them next.
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
            if !out.is_empty() || slice.is_zero() {
                return Ok(out);
            }
            py.check_signals()?;
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
        Ok(PyConsumer { core: Mutex::new(Some(core)), backlog: Mutex::default() })
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

    /// Leave: the consumer's connection closes; later calls raise RuntimeError.
    fn close(&self, py: Python<'_>) {
        let core = py.detach(|| lock(&self.core).take());
        py.detach(move || drop(core));
        lock(&self.backlog).clear();
    }

    fn config(&self, py: Python<'_>) -> PyResult<Vec<(String, String)>> {
        self.with_core(py, |c| Ok(c.machine().config().to_pairs()))
    }
}
