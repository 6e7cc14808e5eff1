//! `Message`: one consumed record, one delivery report, or one consumer error, as
//! confluent-kafka's `Message`. Payloads stay the `Bytes` the core handed out until
//! Python asks for them (`value()` then makes a `bytes`).

use std::sync::Mutex;

use bytes::Bytes;
use kafkette::consumer::ConsumerRecord;
use kafkette::record::{RecordHeader, TimestampType};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::lock;

pub const TIMESTAMP_NOT_AVAILABLE: i32 = 0;
pub const TIMESTAMP_CREATE_TIME: i32 = 1;
pub const TIMESTAMP_LOG_APPEND_TIME: i32 = 2;

/// A key or value: bytes from the core, or whatever the application set.
pub enum Payload {
    Raw(Bytes),
    Object(Py<PyAny>),
}

impl Payload {
    fn to_py(&self, py: Python<'_>) -> Py<PyAny> {
        match self {
            Payload::Raw(b) => PyBytes::new(py, b).into_any().unbind(),
            Payload::Object(o) => o.clone_ref(py),
        }
    }
}

pub enum Headers {
    Raw(Vec<RecordHeader>),
    Object(Py<PyAny>),
}

#[derive(Default)]
pub struct Fields {
    pub topic: Option<String>,
    pub partition: Option<i32>,
    pub offset: Option<i64>,
    pub timestamp: (i32, i64),
    pub key: Option<Payload>,
    pub value: Option<Payload>,
    pub headers: Option<Headers>,
    pub error: Option<Py<PyAny>>,
    pub leader_epoch: Option<i32>,
}

#[pyclass(name = "Message", module = "kafkette._native", frozen)]
pub struct PyMessage {
    fields: Mutex<Fields>,
}

impl PyMessage {
    pub fn from_fields(fields: Fields) -> Self {
        PyMessage { fields: Mutex::new(fields) }
    }

    pub fn from_record(r: ConsumerRecord) -> Self {
        let ts_type = match r.timestamp_type {
            TimestampType::CreateTime => TIMESTAMP_CREATE_TIME,
            TimestampType::LogAppendTime => TIMESTAMP_LOG_APPEND_TIME,
        };
        PyMessage::from_fields(Fields {
            topic: Some(r.topic.to_string()),
            partition: Some(r.partition),
            offset: Some(r.offset),
            timestamp: (ts_type, r.timestamp),
            key: r.key.map(Payload::Raw),
            value: r.value.map(Payload::Raw),
            headers: if r.headers.is_empty() { None } else { Some(Headers::Raw(r.headers)) },
            error: None,
            leader_epoch: r.leader_epoch,
        })
    }
}

fn headers_to_py(py: Python<'_>, headers: &[RecordHeader]) -> PyResult<Py<PyAny>> {
    let items = headers
        .iter()
        .map(|h| {
            let key = PyString::new(py, &String::from_utf8_lossy(&h.key)).into_any();
            let value = match &h.value {
                Some(v) => PyBytes::new(py, v).into_any(),
                None => py.None().into_bound(py),
            };
            PyTuple::new(py, [key, value])
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, items)?.into_any().unbind())
}

#[pymethods]
impl PyMessage {
    /// For tests and serializers, as confluent-kafka allows: every field optional.
    #[new]
    #[pyo3(signature = (topic=None, partition=None, offset=None, key=None, value=None, headers=None, error=None, timestamp=None, leader_epoch=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        topic: Option<String>,
        partition: Option<i32>,
        offset: Option<i64>,
        key: Option<Py<PyAny>>,
        value: Option<Py<PyAny>>,
        headers: Option<Py<PyAny>>,
        error: Option<Py<PyAny>>,
        timestamp: Option<(i32, i64)>,
        leader_epoch: Option<i32>,
    ) -> Self {
        PyMessage::from_fields(Fields {
            topic,
            partition,
            offset,
            timestamp: timestamp.unwrap_or((TIMESTAMP_NOT_AVAILABLE, 0)),
            key: key.map(Payload::Object),
            value: value.map(Payload::Object),
            headers: headers.map(Headers::Object),
            error,
            leader_epoch,
        })
    }

    fn topic(&self) -> Option<String> {
        lock(&self.fields).topic.clone()
    }

    fn partition(&self) -> Option<i32> {
        lock(&self.fields).partition
    }

    fn offset(&self) -> Option<i64> {
        lock(&self.fields).offset
    }

    fn leader_epoch(&self) -> Option<i32> {
        lock(&self.fields).leader_epoch
    }

    /// `(timestamp type, milliseconds since the epoch)`.
    fn timestamp(&self) -> (i32, i64) {
        lock(&self.fields).timestamp
    }

    fn key(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        lock(&self.fields).key.as_ref().map(|k| k.to_py(py))
    }

    fn value(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        lock(&self.fields).value.as_ref().map(|v| v.to_py(py))
    }

    /// `[(key: str, value: bytes | None), ...]` in record order (duplicates kept), or None.
    fn headers(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        match &lock(&self.fields).headers {
            None => Ok(None),
            Some(Headers::Raw(h)) => headers_to_py(py, h).map(Some),
            Some(Headers::Object(o)) => Ok(Some(o.clone_ref(py))),
        }
    }

    /// A `KafkaError` for error events (partition EOF, a failed delivery), else None.
    fn error(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        lock(&self.fields).error.as_ref().map(|e| e.clone_ref(py))
    }

    /// Not measured in-process; None as confluent-kafka returns for consumed messages.
    fn latency(&self) -> Option<f64> {
        None
    }

    fn set_key(&self, key: Option<Py<PyAny>>) {
        lock(&self.fields).key = key.map(Payload::Object);
    }

    fn set_value(&self, value: Option<Py<PyAny>>) {
        lock(&self.fields).value = value.map(Payload::Object);
    }

    fn set_headers(&self, headers: Option<Py<PyAny>>) {
        lock(&self.fields).headers = headers.map(Headers::Object);
    }

    /// Length of the value in bytes (0 without one), as confluent-kafka's `len(msg)`.
    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        match &lock(&self.fields).value {
            None => Ok(0),
            Some(Payload::Raw(b)) => Ok(b.len()),
            Some(Payload::Object(o)) => o.bind(py).len(),
        }
    }

    fn __repr__(&self) -> String {
        let f = lock(&self.fields);
        let opt = |v: Option<String>| v.unwrap_or_else(|| "None".to_string());
        format!(
            "Message(topic={}, partition={}, offset={}, error={})",
            opt(f.topic.clone()),
            opt(f.partition.map(|p| p.to_string())),
            opt(f.offset.map(|o| o.to_string())),
            if f.error.is_some() { "set" } else { "None" }
        )
    }
}
