//! `Simulation`'s bulk calls, for workloads too large for one JavaScript call per record
//! (`make bench` moves a million records through the engine): `sendMany` hands a producer
//! many records in one call, `pollCount` polls a consumer and returns only how many records
//! it handed out. The engine does the same work as with `send` and `poll`; only the
//! crossing into JavaScript (an object per record) is saved.

use kafkette::ErrorCode;
use wasm_bindgen::prelude::*;

use super::{JsResult, JsSimulation};
use crate::engine::Engine;
use crate::js_error;

#[wasm_bindgen(js_class = Simulation)]
impl JsSimulation {
    /// Sends one record per entry of `values` to `topic` (with `keys[i]` as its key when
    /// `keys` is given, same length), in order, the partitioner choosing. Stops at the first
    /// record the producer refuses with QUEUE_FULL (its buffer is full: run the simulation
    /// and send the rest later) and returns how many it accepted; any other error is thrown.
    #[wasm_bindgen(js_name = sendMany)]
    pub fn send_many(
        &mut self,
        producer: usize,
        topic: &str,
        values: Vec<String>,
        keys: Option<Vec<String>>,
    ) -> JsResult<u32> {
        let accepted = self.engine.send_many(producer, topic, &values, keys.as_deref()).map_err(js_error)?;
        Ok(accepted as u32)
    }

    /// Polls a consumer (as `poll`) and returns the number of records it handed out.
    #[wasm_bindgen(js_name = pollCount)]
    pub fn poll_count(&mut self, consumer: usize) -> JsResult<u32> {
        Ok(self.engine.poll(consumer).map_err(js_error)?.len() as u32)
    }
}

impl Engine {
    /// `sendMany` in plain Rust (the native side of `make bench`'s comparison calls it too):
    /// the number of records accepted before the first QUEUE_FULL.
    pub fn send_many(
        &mut self,
        producer: usize,
        topic: &str,
        values: &[String],
        keys: Option<&[String]>,
    ) -> kafkette::Result<usize> {
        if let Some(keys) = keys {
            if keys.len() != values.len() {
                let problem =
                    format!("sendMany: {} keys for {} values (give one key per value)", keys.len(), values.len());
                return Err(kafkette::Error::invalid_arg(problem));
            }
        }
        for (i, value) in values.iter().enumerate() {
            let key = keys.map(|k| k[i].as_str());
            let record = Engine::text_record(topic, key, Some(value), None);
            match self.send(producer, record) {
                Ok(_) => {}
                Err(e) if e.code() == ErrorCode::QUEUE_FULL => return Ok(i),
                Err(e) => return Err(e),
            }
        }
        Ok(values.len())
    }
}

#[cfg(test)]
mod tests {
    use kafkette::sim::SimConfig;
    use kafkette::ErrorCode;

    use crate::engine::Engine;

    fn pairs(kv: &[(&str, &str)]) -> Vec<(String, String)> {
        kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn texts(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    /// Every record sendMany accepted reaches the consumer once; a full buffer stops it early
    /// with the count so far instead of an error, and the rest go after the simulation ran.
    #[test]
    fn send_many_stops_at_a_full_buffer_and_every_record_arrives() {
        let mut e = Engine::new(SimConfig { seed: 3, ..SimConfig::default() });
        e.create_topic("t", 2).unwrap();
        let p = e.add_producer("p", &pairs(&[("buffer.memory", "4096"), ("linger.ms", "5")])).unwrap();
        let c = e.add_consumer("c", &pairs(&[("group.id", "g"), ("auto.offset.reset", "earliest")])).unwrap();
        e.subscribe(c, vec!["t".into()]).unwrap();
        let values = texts("v", 2000);
        let keys = texts("k", 2000);
        let first = e.send_many(p, "t", &values, Some(&keys)).unwrap();
        assert!(first > 0 && first < values.len(), "a 4 KiB buffer takes some of 2000 records, took {first}");
        let (mut sent, mut consumed) = (first, 0);
        for _ in 0..10_000 {
            if sent < values.len() {
                sent += e.send_many(p, "t", &values[sent..], Some(&keys[sent..])).unwrap();
            }
            e.run_for(1);
            consumed += e.poll(c).unwrap().len();
            if consumed >= values.len() {
                break;
            }
        }
        assert_eq!((sent, consumed), (2000, 2000));
    }

    #[test]
    fn send_many_refuses_keys_of_another_length_and_a_consumer_node() {
        let mut e = Engine::new(SimConfig::default());
        e.create_topic("t", 1).unwrap();
        let p = e.add_producer("p", &[]).unwrap();
        let c = e.add_consumer("c", &[]).unwrap();
        let err = e.send_many(p, "t", &texts("v", 3), Some(&texts("k", 2))).unwrap_err();
        assert_eq!(err.code(), ErrorCode::INVALID_ARG);
        assert!(err.to_string().contains("2 keys for 3 values"), "{err}");
        let err = e.send_many(c, "t", &texts("v", 1), None).unwrap_err();
        assert_eq!(err.code(), ErrorCode::INVALID_ARG);
        assert!(err.to_string().contains("not a producer"), "{err}");
    }
}
