//! `Producer`: confluent-kafka's producer over the core's in-process producer.
//! `produce` enqueues; delivery reports are served to callbacks from `poll` and
//! `flush` on the calling thread, with the GIL held only while a callback runs.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use bytes::Bytes;
use kafkette::client::ConsumerGroupMetadata;
use kafkette::local::Producer;
use kafkette::producer::{DeliveryId, ProducerEvent, ProducerRecord, TxnOffset};
use kafkette::record::RecordHeader;
use kafkette::{Error, ErrorCode};
use pyo3::exceptions::PyBufferError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::error::{check, kafka_error, shield, to_py_err, with_cause};
use crate::message::{Fields, Headers, Payload, PyMessage, TIMESTAMP_CREATE_TIME};
use crate::{deadline, lock, next_slice};

/// confluent-kafka's offset of a record that was not written.
const OFFSET_INVALID: i64 = -1001;

/// What a delivery report needs that the core does not keep: the callback and the record.
struct Pending {
    callback: Py<PyAny>,
    /// For failed deliveries, whose report carries no metadata: the topic and the partition asked for.
    topic: String,
    partition: i32,
    key: Option<Bytes>,
    value: Option<Bytes>,
    headers: Vec<RecordHeader>,
}

/// Python-side state, only touched with the GIL held (never across `detach`).
#[derive(Default)]
struct Reports {
    callbacks: HashMap<DeliveryId, Pending>,
    /// Reports taken from the core, not yet served (a callback raised, or served later).
    ready: VecDeque<ProducerEvent>,
}

#[pyclass(name = "Producer", module = "kafkette._native", frozen)]
pub struct PyProducer {
    core: Mutex<Option<Producer>>,
    /// Signalled by `produce`, so a `poll` with nothing in flight wakes for new records.
    produced: Condvar,
    reports: Mutex<Reports>,
}

fn bytes_of(b: Option<Bound<'_, PyBytes>>) -> Option<Bytes> {
    b.map(|b| Bytes::copy_from_slice(b.as_bytes()))
}

impl PyProducer {
    /// Run `f` on the core with the GIL released.
    fn with_core<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Producer) -> kafkette::Result<T> + Send,
    ) -> PyResult<T> {
        let r = py.detach(|| {
            let mut g = lock(&self.core);
            match g.as_mut() {
                Some(p) => shield(|| f(p)),
                None => Err(Error::new(ErrorCode::DESTROYED, "the producer is closed")),
            }
        });
        check(py, r)
    }

    /// Wait up to `slice` for delivery reports (the GIL released).
    fn wait_reports(&self, py: Python<'_>, slice: Duration, flush: bool) -> PyResult<Vec<ProducerEvent>> {
        let r = py.detach(|| {
            let mut g = lock(&self.core);
            let Some(p) = g.as_mut() else { return Ok(Vec::new()) };
            let events = p.take_events();
            if !events.is_empty() {
                return Ok(events);
            }
            if p.pending() == 0 {
                // Nothing in flight: sleep until another thread produces or the slice ends.
                let (mut g, _) = self.produced.wait_timeout(g, slice).unwrap_or_else(|p| p.into_inner());
                return Ok(g.as_mut().map(|p| p.take_events()).unwrap_or_default());
            }
            shield(|| {
                if flush {
                    // A timeout here only ends this slice; the caller counts what is left.
                    let _ = p.flush(slice);
                    Ok(p.take_events())
                } else {
                    Ok(p.poll(slice))
                }
            })
        });
        check(py, r)
    }

    /// Serve the reports taken so far; stops at a callback that raises (its
    /// exception propagates, the reports after it stay for the next poll).
    fn serve(&self, py: Python<'_>) -> PyResult<usize> {
        let mut served = 0;
        loop {
            let (event, pending) = {
                let mut r = lock(&self.reports);
                let Some(event) = r.ready.pop_front() else { return Ok(served) };
                let ProducerEvent::Delivery { id, .. } = &event;
                let pending = r.callbacks.remove(id);
                (event, pending)
            };
            served += 1;
            let Some(p) = pending else { continue };
            let ProducerEvent::Delivery { result, .. } = event;
            let (err, fields) = match result {
                Ok(md) => (
                    py.None(),
                    Fields {
                        topic: Some(md.topic.to_string()),
                        partition: Some(md.partition),
                        offset: Some(md.offset),
                        timestamp: (TIMESTAMP_CREATE_TIME, md.timestamp),
                        ..Fields::default()
                    },
                ),
                Err(e) => {
                    let err = kafka_error(py, &e)?;
                    let fields = Fields {
                        topic: Some(p.topic.clone()),
                        partition: Some(p.partition),
                        offset: Some(OFFSET_INVALID),
                        error: Some(err.clone_ref(py)),
                        ..Fields::default()
                    };
                    (err, fields)
                }
            };
            let msg = PyMessage::from_fields(Fields {
                key: p.key.map(Payload::Raw),
                value: p.value.map(Payload::Raw),
                headers: if p.headers.is_empty() { None } else { Some(Headers::Raw(p.headers)) },
                ..fields
            });
            p.callback.call1(py, (err, msg))?;
        }
    }

    /// A transactional call; the delivery reports it produced wait for the next poll.
    fn txn(&self, py: Python<'_>, f: impl FnOnce(&mut Producer) -> kafkette::Result<()> + Send) -> PyResult<()> {
        let r = py.detach(|| {
            let mut g = lock(&self.core);
            match g.as_mut() {
                Some(p) => {
                    let r = shield(|| f(p));
                    (r, p.take_events())
                }
                None => (Err(Error::new(ErrorCode::DESTROYED, "the producer is closed")), Vec::new()),
            }
        });
        let (r, events) = r;
        self.take_into_ready(events);
        check(py, r)
    }

    fn take_into_ready(&self, events: Vec<ProducerEvent>) {
        if !events.is_empty() {
            lock(&self.reports).ready.extend(events);
        }
    }
}

#[pymethods]
impl PyProducer {
    /// A producer of the in-process cluster named by `bootstrap.servers`.
    #[new]
    fn new(py: Python<'_>, config: Vec<(String, String)>) -> PyResult<Self> {
        let core = check(py, py.detach(|| shield(|| Producer::new(config))))?;
        Ok(PyProducer { core: Mutex::new(Some(core)), produced: Condvar::new(), reports: Mutex::default() })
    }

    /// Enqueue one record. `partition` < 0 lets the partitioner choose; `timestamp` 0 means now.
    #[pyo3(signature = (topic, value, key, partition, on_delivery, timestamp, headers))]
    #[allow(clippy::too_many_arguments)]
    fn produce(
        &self,
        py: Python<'_>,
        topic: String,
        value: Option<Bound<'_, PyBytes>>,
        key: Option<Bound<'_, PyBytes>>,
        partition: i32,
        on_delivery: Option<Py<PyAny>>,
        timestamp: i64,
        headers: Vec<(String, Option<Bound<'_, PyBytes>>)>,
    ) -> PyResult<()> {
        let key = bytes_of(key);
        let value = bytes_of(value);
        let headers: Vec<RecordHeader> = headers
            .into_iter()
            .map(|(k, v)| RecordHeader { key: Bytes::from(k.into_bytes()), value: bytes_of(v) })
            .collect();
        let kept = on_delivery.is_some().then(|| (topic.clone(), key.clone(), value.clone(), headers.clone()));
        let record = ProducerRecord {
            topic,
            partition: (partition >= 0).then_some(partition),
            key,
            value,
            headers,
            timestamp: (timestamp != 0).then_some(timestamp),
        };
        let result = py.detach(|| {
            let mut g = lock(&self.core);
            let Some(p) = g.as_mut() else {
                return Err(Error::new(ErrorCode::DESTROYED, "the producer is closed"));
            };
            let r = shield(|| p.send(record).map(|id| (id, p.take_events())));
            self.produced.notify_all();
            r
        });
        match result {
            Ok((id, events)) => {
                let mut r = lock(&self.reports);
                if let (Some(callback), Some((topic, key, value, headers))) = (on_delivery, kept) {
                    r.callbacks
                        .insert(id, Pending { callback, topic, partition: partition.max(-1), key, value, headers });
                }
                r.ready.extend(events);
                Ok(())
            }
            Err(e) if e.code() == ErrorCode::QUEUE_FULL => {
                // confluent-kafka raises BufferError; the KafkaException says why.
                let buffer = PyBufferError::new_err(format!("Local: Queue full ({})", e.message()));
                Err(with_cause(py, buffer, to_py_err(py, &e)))
            }
            Err(e) => Err(to_py_err(py, &e)),
        }
    }

    /// Serve delivery reports, waiting up to `timeout` seconds (negative: forever)
    /// for the first; returns how many were served.
    #[pyo3(signature = (timeout=-1.0), text_signature = "(self, /, timeout=-1.0)")]
    fn poll(&self, py: Python<'_>, timeout: f64) -> PyResult<usize> {
        let until = deadline(timeout);
        let mut first = true;
        loop {
            let served = self.serve(py)?;
            if served > 0 {
                return Ok(served);
            }
            let slice = next_slice(until);
            if slice.is_zero() && !first {
                return Ok(0);
            }
            first = false;
            let events = self.wait_reports(py, slice, false)?;
            self.take_into_ready(events);
            py.check_signals()?;
        }
    }

    /// Send everything queued and wait up to `timeout` seconds (negative: forever) until
    /// every record is reported, serving callbacks; returns how many are still queued.
    #[pyo3(signature = (timeout=-1.0), text_signature = "(self, /, timeout=-1.0)")]
    fn flush(&self, py: Python<'_>, timeout: f64) -> PyResult<usize> {
        let until = deadline(timeout);
        loop {
            self.serve(py)?;
            let left = self.__len__(py)?;
            let slice = next_slice(until);
            if left == 0 || slice.is_zero() {
                return Ok(left);
            }
            let events = self.wait_reports(py, slice, true)?;
            self.take_into_ready(events);
            py.check_signals()?;
        }
    }

    /// Records not yet delivered plus delivery reports not yet served.
    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        let pending = py.detach(|| lock(&self.core).as_ref().map(|p| p.pending()).unwrap_or(0));
        Ok(pending + lock(&self.reports).ready.len())
    }

    /// `(connection problems so far, every broker down, the last problem as a KafkaError)`.
    fn transport_health(&self, py: Python<'_>) -> PyResult<(u64, bool, Option<Py<PyAny>>)> {
        let h = self.with_core(py, |p| Ok(p.transport_health()))?;
        let last = h.last_error.as_ref().map(|e| kafka_error(py, e)).transpose()?;
        Ok((h.errors, h.all_down, last))
    }

    /// Release the producer (records not yet delivered are dropped; flush first).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let core = py.detach(|| lock(&self.core).take());
        py.detach(move || drop(core));
        let dropped = std::mem::take(&mut *lock(&self.reports));
        drop(dropped);
        Ok(())
    }

    // ---- transactions: each call blocks up to `timeout` seconds with the GIL released;
    // delivery reports the commit or abort completed are served by the next poll/flush.

    fn init_transactions(&self, py: Python<'_>, timeout: f64) -> PyResult<()> {
        let t = kafkette::local::timeout_from_secs(timeout);
        self.txn(py, move |p| p.init_transactions(t))
    }

    fn begin_transaction(&self, py: Python<'_>) -> PyResult<()> {
        self.txn(py, |p| p.begin_transaction())
    }

    /// `offsets`: (topic, partition, next offset, metadata); `group`: (group id, generation, member id, instance id).
    #[allow(clippy::type_complexity)]
    fn send_offsets_to_transaction(
        &self,
        py: Python<'_>,
        offsets: Vec<(String, i32, i64, Option<String>)>,
        group: (String, i32, String, Option<String>),
        timeout: f64,
    ) -> PyResult<()> {
        let t = kafkette::local::timeout_from_secs(timeout);
        let offsets: Vec<TxnOffset> = offsets
            .into_iter()
            .map(|(topic, partition, offset, metadata)| TxnOffset { topic, partition, offset, metadata })
            .collect();
        let (group_id, generation_id, member_id, group_instance_id) = group;
        let md = ConsumerGroupMetadata { group_id, generation_id, member_id, group_instance_id };
        self.txn(py, move |p| p.send_offsets_to_transaction(offsets, &md, t))
    }

    fn commit_transaction(&self, py: Python<'_>, timeout: f64) -> PyResult<()> {
        let t = kafkette::local::timeout_from_secs(timeout);
        self.txn(py, move |p| p.commit_transaction(t))
    }

    fn abort_transaction(&self, py: Python<'_>, timeout: f64) -> PyResult<()> {
        let t = kafkette::local::timeout_from_secs(timeout);
        self.txn(py, move |p| p.abort_transaction(t))
    }

    /// The producer's effective configuration (Kafka property names).
    fn config(&self, py: Python<'_>) -> PyResult<Vec<(String, String)>> {
        self.with_core(py, |p| Ok(p.machine().config().to_pairs()))
    }
}
