//! `Producer`: sends a list of records and resolves once every one is
//! acknowledged (KafkaJS's `send`), or rejects with the first failure.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafkette::error::{Error, ErrorCode, Result};
use kafkette::local::Producer;
use kafkette::producer::{ProducerEvent, ProducerRecord, RecordMetadata};
use kafkette::record::RecordHeader;
use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi_derive::napi;

use crate::config_pairs;
use crate::error::sync;
use crate::task::{Blocking, Slot};

#[napi(object)]
pub struct JsHeader {
    pub key: String,
    pub value: Option<Buffer>,
}

/// One record to send; `lib/producer.js` has turned strings into buffers.
#[napi(object)]
pub struct JsProducerRecord {
    pub topic: String,
    pub partition: Option<i32>,
    pub key: Option<Buffer>,
    pub value: Option<Buffer>,
    pub headers: Option<Vec<JsHeader>>,
    pub timestamp: Option<i64>,
}

/// Where one record was written (in the order the records were given).
#[napi(object)]
pub struct JsDelivery {
    pub topic: String,
    pub partition: i32,
    /// -1 with acks=0.
    pub offset: i64,
    pub timestamp: i64,
}

fn bytes(b: Option<Buffer>) -> Option<Bytes> {
    b.map(|b| Bytes::copy_from_slice(&b))
}

impl From<JsProducerRecord> for ProducerRecord {
    fn from(r: JsProducerRecord) -> Self {
        let headers = r.headers.unwrap_or_default();
        ProducerRecord {
            topic: r.topic,
            partition: r.partition,
            key: bytes(r.key),
            value: bytes(r.value),
            headers: headers
                .into_iter()
                .map(|h| RecordHeader { key: Bytes::from(h.key), value: bytes(h.value) })
                .collect(),
            timestamp: r.timestamp,
        }
    }
}

#[napi(js_name = "Producer")]
pub struct JsProducer {
    pub(crate) slot: Slot<Producer>,
}

#[napi]
impl JsProducer {
    /// A producer configured with Kafka producer properties (`bootstrap.servers` names the cluster).
    #[napi(constructor)]
    pub fn new(config: Vec<Vec<String>>) -> napi::Result<Self> {
        sync(|| Ok(JsProducer { slot: Slot::new(Producer::new(config_pairs(config)?)?) }))
    }

    /// Send `records` and wait up to `timeout_ms` for all their acknowledgements.
    #[napi(ts_return_type = "Promise<JsDelivery[]>")]
    pub fn send(&self, records: Vec<JsProducerRecord>, timeout_ms: u32) -> AsyncTask<Blocking<Vec<JsDelivery>>> {
        // Copy the bytes out of JavaScript's buffers here, on the JS thread.
        let records: Vec<ProducerRecord> = records.into_iter().map(ProducerRecord::from).collect();
        let slot = self.slot.clone();
        let timeout = Duration::from_millis(timeout_ms as u64);
        Blocking::spawn(move || slot.with("producer", |p| send_all(p, records, timeout)))
    }

    /// Deliver everything queued (waiting up to `timeout_ms`), then close.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close(&self, timeout_ms: u32) -> AsyncTask<Blocking<()>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || match slot.take() {
            Some(mut p) => p.flush(Duration::from_millis(timeout_ms as u64)),
            None => Ok(()),
        })
    }
}

fn send_all(p: &mut Producer, records: Vec<ProducerRecord>, timeout: Duration) -> Result<Vec<JsDelivery>> {
    let give_up = Instant::now() + timeout;
    let remaining = || give_up.saturating_duration_since(Instant::now());
    let mut index = HashMap::with_capacity(records.len());
    let count = records.len();
    for (i, record) in records.into_iter().enumerate() {
        let id = match p.send(record.clone()) {
            // buffer.memory is full: wait for what is queued, then try once more.
            Err(e) if e.code() == ErrorCode::QUEUE_FULL => {
                p.flush(remaining())?;
                p.send(record)?
            }
            other => other?,
        };
        index.insert(id, i);
    }
    p.flush(remaining())?;
    let mut out: Vec<Option<RecordMetadata>> = vec![None; count];
    let mut first_error: Option<(usize, Error)> = None;
    // Reports of other ids belong to an earlier send that timed out: nobody waits for them.
    for ProducerEvent::Delivery { id, result } in p.take_events() {
        let Some(&i) = index.get(&id) else { continue };
        match result {
            Ok(md) => out[i] = Some(md),
            Err(e) => {
                if first_error.as_ref().is_none_or(|(j, _)| i < *j) {
                    first_error = Some((i, e));
                }
            }
        }
    }
    if let Some((_, e)) = first_error {
        return Err(e);
    }
    out.into_iter()
        .map(|md| {
            let md = md.ok_or_else(|| Error::internal("a record was flushed without a delivery report"))?;
            Ok(JsDelivery {
                topic: md.topic.to_string(),
                partition: md.partition,
                offset: md.offset,
                timestamp: md.timestamp,
            })
        })
        .collect()
}
