//! `Simulation`'s transactional producer: `initTransactions`, `beginTransaction`,
//! `sendOffsetsToTransaction`, `commitTransaction`, `abortTransaction`. Each runs the
//! simulation until the operation completes and throws the core's error if it fails
//! (`txnRequiresAbort` says whether `abortTransaction` is the way on).

use kafkette::producer::TxnOffset;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::{check_entries, from_js, JsResult, JsSimulation};
use crate::js_error;

/// One entry of `sendOffsetsToTransaction`'s list: the next offset to consume.
#[derive(Debug, Deserialize)]
struct OffsetEntry {
    topic: String,
    partition: i32,
    offset: i64,
    #[serde(default)]
    metadata: Option<String>,
}

#[wasm_bindgen(js_class = Simulation)]
impl JsSimulation {
    /// Registers the producer's `transactional.id`, fencing older producers with the same id.
    #[wasm_bindgen(js_name = initTransactions)]
    pub fn init_transactions(&mut self, producer: usize) -> JsResult<()> {
        self.engine.init_transactions(producer).map_err(js_error)
    }

    /// Starts a transaction: records sent until commit or abort belong to it.
    #[wasm_bindgen(js_name = beginTransaction)]
    pub fn begin_transaction(&mut self, producer: usize) -> JsResult<()> {
        self.engine.begin_transaction(producer).map_err(js_error)
    }

    /// Adds `[{ topic, partition, offset, metadata? }]` of `consumer`'s group to the
    /// transaction (committed with it), the group's generation and member taken from `consumer`.
    #[wasm_bindgen(js_name = sendOffsetsToTransaction)]
    pub fn send_offsets_to_transaction(&mut self, producer: usize, offsets: JsValue, consumer: usize) -> JsResult<()> {
        check_entries(&offsets, &["topic", "partition", "offset", "metadata"], "offset entry")?;
        let entries: Vec<OffsetEntry> = from_js(offsets)?;
        let offsets = entries
            .into_iter()
            .map(|e| TxnOffset { topic: e.topic, partition: e.partition, offset: e.offset, metadata: e.metadata })
            .collect();
        self.engine.send_offsets_to_transaction(producer, offsets, consumer).map_err(js_error)
    }

    /// Sends every record of the transaction, then commits it.
    #[wasm_bindgen(js_name = commitTransaction)]
    pub fn commit_transaction(&mut self, producer: usize) -> JsResult<()> {
        self.engine.commit_transaction(producer).map_err(js_error)
    }

    /// Aborts the transaction: its records stay in the log, skipped by read_committed consumers.
    #[wasm_bindgen(js_name = abortTransaction)]
    pub fn abort_transaction(&mut self, producer: usize) -> JsResult<()> {
        self.engine.abort_transaction(producer).map_err(js_error)
    }
}
