//! The transactional half of `Producer`: KafkaJS's `producer.transaction()`
//! (`lib/transaction.js`) over the core's blocking transactional calls.

use std::time::Duration;

use kafkette::client::ConsumerGroupMetadata;
use kafkette::producer::{TxnOffset, TxnState};
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

use crate::producer::JsProducer;
use crate::task::Blocking;

/// One offset a transaction commits for a consumer group: the next offset to consume.
#[napi(object)]
pub struct JsTxnOffset {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub metadata: Option<String>,
}

fn ms(timeout_ms: u32) -> Duration {
    Duration::from_millis(timeout_ms as u64)
}

#[napi]
impl JsProducer {
    /// Register `transactional.id` with its coordinator (fencing older producers with it).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn init_transactions(&self, timeout_ms: u32) -> AsyncTask<Blocking<()>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || slot.with("producer", |p| p.init_transactions(ms(timeout_ms))))
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn begin_transaction(&self) -> AsyncTask<Blocking<()>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || slot.with("producer", |p| p.begin_transaction()))
    }

    /// Commit `offsets` of group `group_id` with the transaction (KafkaJS's `sendOffsets`:
    /// no member or generation, so the coordinator does not check them).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn send_offsets_to_transaction(
        &self,
        group_id: String,
        offsets: Vec<JsTxnOffset>,
        timeout_ms: u32,
    ) -> AsyncTask<Blocking<()>> {
        let slot = self.slot.clone();
        let offsets: Vec<TxnOffset> = offsets
            .into_iter()
            .map(|o| TxnOffset { topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata })
            .collect();
        let metadata = ConsumerGroupMetadata::new(group_id);
        Blocking::spawn(move || {
            slot.with("producer", |p| p.send_offsets_to_transaction(offsets, &metadata, ms(timeout_ms)))
        })
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn commit_transaction(&self, timeout_ms: u32) -> AsyncTask<Blocking<()>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || slot.with("producer", |p| p.commit_transaction(ms(timeout_ms))))
    }

    #[napi(ts_return_type = "Promise<void>")]
    pub fn abort_transaction(&self, timeout_ms: u32) -> AsyncTask<Blocking<()>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || slot.with("producer", |p| p.abort_transaction(ms(timeout_ms))))
    }

    /// The transaction manager's state as a name (`null` without `transactional.id`).
    #[napi(ts_return_type = "Promise<string | null>")]
    pub fn txn_state(&self) -> AsyncTask<Blocking<Option<String>>> {
        let slot = self.slot.clone();
        Blocking::spawn(move || slot.with("producer", |p| Ok(p.txn_state().map(state_name))))
    }
}

fn state_name(s: TxnState) -> String {
    format!("{s:?}")
}
