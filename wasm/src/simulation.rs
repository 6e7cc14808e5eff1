//! `Simulation` for JavaScript: `Engine` behind a synchronous API the page drives.
//! Transactions live in `simulation/txn.rs`, consumer groups in `simulation/groups.rs`, bulk
//! sending and polling (for large workloads) in `simulation/bulk.rs`.
//!
//! Times and offsets cross as numbers (milliseconds of virtual time, exact below 2^53);
//! configuration as plain objects with Kafka's property names; state as one
//! JSON-compatible snapshot. Errors are thrown as `Error`s carrying the core's answers:
//! `code` (Kafka's error name), `retriable`, `fatal` and `txnRequiresAbort`.

use std::collections::BTreeMap;

use kafkette::sim::{FaultRule, SimConfig};
use kafkette::{Error, Millis};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::engine::Engine;
use crate::{js_error, to_js};

mod bulk;
mod events;
mod groups;
mod txn;

type JsResult<T> = Result<T, JsValue>;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct SimOptions {
    seed: Option<u64>,
    latency_ms: Option<Millis>,
    jitter_ms: Option<Millis>,
    start_ms: Option<Millis>,
    in_order_links: Option<bool>,
}

/// A configuration value as JavaScript writes it: `"false"`, `false` and `0` all work.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ConfigValue {
    Text(String),
    Bool(bool),
    Number(f64),
}

impl ConfigValue {
    fn into_text(self) -> String {
        match self {
            ConfigValue::Text(s) => s,
            ConfigValue::Bool(b) => b.to_string(),
            ConfigValue::Number(n) => n.to_string(),
        }
    }
}

/// `send`'s record: text key and value (`null` or absent for none).
#[derive(Debug, Deserialize)]
struct SendRecord {
    topic: String,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    partition: Option<i32>,
}

/// One entry of `assign`'s list (unknown fields are caught by `check_keys`).
#[derive(Debug, Deserialize)]
struct AssignPartition {
    topic: String,
    partition: i32,
    #[serde(default)]
    offset: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PolledRecord {
    topic: String,
    partition: i32,
    offset: i64,
    timestamp: i64,
    key: Option<String>,
    value: Option<String>,
}

#[wasm_bindgen(js_name = Simulation)]
pub struct JsSimulation {
    engine: Engine,
}

#[wasm_bindgen(js_class = Simulation)]
impl JsSimulation {
    /// `new Simulation({ seed, latencyMs, jitterMs, startMs, inOrderLinks })`, every field
    /// optional (`inOrderLinks`: messages on a connection never overtake each other, as on TCP).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> JsResult<JsSimulation> {
        let o: SimOptions = if options.is_undefined() || options.is_null() {
            SimOptions::default()
        } else {
            check_keys(&options, &["seed", "latencyMs", "jitterMs", "startMs", "inOrderLinks"], "Simulation options")?;
            from_js(options)?
        };
        let d = SimConfig::default();
        let config = SimConfig {
            seed: o.seed.unwrap_or(d.seed),
            latency_ms: o.latency_ms.unwrap_or(d.latency_ms),
            jitter_ms: o.jitter_ms.unwrap_or(d.jitter_ms),
            start_ms: o.start_ms.unwrap_or(d.start_ms),
            in_order_links: o.in_order_links.unwrap_or(d.in_order_links),
        };
        Ok(JsSimulation { engine: Engine::new(config) })
    }

    /// Virtual time now, in milliseconds.
    #[wasm_bindgen(getter)]
    pub fn now(&self) -> f64 {
        self.engine.now() as f64
    }

    /// When the next thing will happen, or `undefined` when nothing is scheduled.
    #[wasm_bindgen(js_name = nextEventTime)]
    pub fn next_event_time(&self) -> Option<f64> {
        self.engine.next_event_time().map(|t| t as f64)
    }

    /// Creates a topic through an admin client and runs until the broker answers.
    #[wasm_bindgen(js_name = createTopic)]
    pub fn create_topic(&mut self, name: &str, partitions: i32) -> JsResult<()> {
        self.engine.create_topic(name, partitions).map_err(js_error)
    }

    /// Adds a producer (`{ "enable.idempotence": false, ... }`); returns its node number.
    #[wasm_bindgen(js_name = addProducer)]
    pub fn add_producer(&mut self, name: &str, config: JsValue) -> JsResult<usize> {
        let config = config_pairs(config)?;
        self.engine.add_producer(name, &config).map_err(js_error)
    }

    /// Adds a consumer (`{ "group.id": "g", ... }`); returns its node number.
    #[wasm_bindgen(js_name = addConsumer)]
    pub fn add_consumer(&mut self, name: &str, config: JsValue) -> JsResult<usize> {
        let config = config_pairs(config)?;
        self.engine.add_consumer(name, &config).map_err(js_error)
    }

    /// Sends `{ topic, key?, value?, partition? }` from a producer; returns the delivery id.
    pub fn send(&mut self, producer: usize, record: JsValue) -> JsResult<f64> {
        check_keys(&record, &["topic", "key", "value", "partition"], "record")?;
        let r: SendRecord = from_js(record)?;
        let record = Engine::text_record(&r.topic, r.key.as_deref(), r.value.as_deref(), r.partition);
        let id = self.engine.send(producer, record).map_err(js_error)?;
        Ok(id as f64)
    }

    /// Sends what a producer has batched now, ignoring `linger.ms`.
    #[wasm_bindgen(js_name = flushProducer)]
    pub fn flush_producer(&mut self, producer: usize) -> JsResult<()> {
        self.engine.flush_producer(producer).map_err(js_error)
    }

    /// Replaces a consumer's assignment with `[{ topic, partition, offset? }]`; without an
    /// offset the partition starts where `auto.offset.reset` says.
    pub fn assign(&mut self, consumer: usize, partitions: JsValue) -> JsResult<()> {
        check_entries(&partitions, &["topic", "partition", "offset"], "assign entry")?;
        let wanted: Vec<AssignPartition> = from_js(partitions)?;
        let tps = wanted
            .into_iter()
            .map(|p| (kafkette::consumer::TopicPartition::new(p.topic, p.partition), p.offset))
            .collect();
        self.engine.assign(consumer, tps).map_err(js_error)
    }

    /// The records a consumer has fetched so far (its `poll`), as an array.
    pub fn poll(&mut self, consumer: usize) -> JsResult<JsValue> {
        let text = |b: Option<bytes::Bytes>| b.map(|b| String::from_utf8_lossy(&b).into_owned());
        let records: Vec<PolledRecord> = self
            .engine
            .poll(consumer)
            .map_err(js_error)?
            .into_iter()
            .map(|r| PolledRecord {
                topic: r.topic.to_string(),
                partition: r.partition,
                offset: r.offset,
                timestamp: r.timestamp,
                key: text(r.key),
                value: text(r.value),
            })
            .collect();
        to_js(&records, "snapshot")
    }

    /// Drops the next response of `api` (a Kafka API name such as "Produce") to `node`.
    #[wasm_bindgen(js_name = dropNextResponse)]
    pub fn drop_next_response(&mut self, node: usize, api: &str) -> JsResult<()> {
        self.engine.inject(node, api, FaultRule::drop_next_response).map_err(js_error)
    }

    /// Drops the next request of `api` from `node`.
    #[wasm_bindgen(js_name = dropNextRequest)]
    pub fn drop_next_request(&mut self, node: usize, api: &str) -> JsResult<()> {
        self.engine.inject(node, api, FaultRule::drop_next_request).map_err(js_error)
    }

    /// Delivers the next request of `api` from `node` twice.
    #[wasm_bindgen(js_name = duplicateNextRequest)]
    pub fn duplicate_next_request(&mut self, node: usize, api: &str) -> JsResult<()> {
        self.engine.inject(node, api, FaultRule::duplicate_next_request).map_err(js_error)
    }

    /// Delays the next response of `api` to `node` by `ms`.
    #[wasm_bindgen(js_name = delayNextResponse)]
    pub fn delay_next_response(&mut self, node: usize, api: &str, ms: f64) -> JsResult<()> {
        self.engine.delay_next_response(node, api, millis(ms)?).map_err(js_error)
    }

    /// Processes the next event; false when nothing is scheduled.
    pub fn step(&mut self) -> bool {
        self.engine.step()
    }

    /// Runs every event up to virtual time `t` and sets the clock to `t`.
    #[wasm_bindgen(js_name = runUntil)]
    pub fn run_until(&mut self, t: f64) -> JsResult<()> {
        self.engine.run_until(millis(t)?);
        Ok(())
    }

    /// Runs `ms` of virtual time.
    #[wasm_bindgen(js_name = runFor)]
    pub fn run_for(&mut self, ms: f64) -> JsResult<()> {
        self.engine.run_for(millis(ms)?);
        Ok(())
    }

    /// The whole state as a plain object: `{ now, topics, nodes, journal }`.
    pub fn snapshot(&self) -> JsResult<JsValue> {
        to_js(&self.engine.snapshot(), "snapshot")
    }
}

fn config_pairs(config: JsValue) -> JsResult<Vec<(String, String)>> {
    if config.is_undefined() || config.is_null() {
        return Ok(Vec::new());
    }
    let map: BTreeMap<String, ConfigValue> = from_js(config)?;
    Ok(map.into_iter().map(|(k, v)| (k, v.into_text())).collect())
}

/// Milliseconds from JavaScript: finite, whole, and within the 2^53 a number holds exactly.
fn millis(ms: f64) -> JsResult<Millis> {
    const EXACT_MAX: f64 = 9_007_199_254_740_991.0;
    if ms.is_finite() && ms.fract() == 0.0 && ms.abs() <= EXACT_MAX {
        Ok(ms as Millis)
    } else {
        Err(js_error(Error::invalid_arg(format!("not a whole number of milliseconds: {ms}"))))
    }
}

/// serde-wasm-bindgen reads only the fields a struct names, so `deny_unknown_fields` never
/// fires on JavaScript objects: check the keys here, so a typo fails as loudly as an
/// unknown configuration key does in the core.
fn check_keys(v: &JsValue, allowed: &[&str], what: &str) -> JsResult<()> {
    let Some(obj) = v.dyn_ref::<js_sys::Object>() else { return Ok(()) }; // from_js reports the type
    for key in js_sys::Object::keys(obj).iter() {
        let key = key.as_string().unwrap_or_default();
        if !allowed.contains(&key.as_str()) {
            let problem = format!("{what}: unknown field `{key}` (known: {})", allowed.join(", "));
            return Err(js_error(Error::invalid_arg(problem)));
        }
    }
    Ok(())
}

/// `check_keys` for every entry of an array (anything else is left to `from_js` to report).
fn check_entries(v: &JsValue, allowed: &[&str], what: &str) -> JsResult<()> {
    if let Some(list) = v.dyn_ref::<js_sys::Array>() {
        for entry in list.iter() {
            check_keys(&entry, allowed, what)?;
        }
    }
    Ok(())
}

fn from_js<T: serde::de::DeserializeOwned>(v: JsValue) -> JsResult<T> {
    serde_wasm_bindgen::from_value(v).map_err(|e| js_error(Error::invalid_arg(e.to_string())))
}
