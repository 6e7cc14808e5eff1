//! `Simulation`'s group consumer: `subscribe`, `commit`, `committed`, `closeConsumer` and
//! `consumerEvents` (commit, committed and close run the simulation until the coordinator
//! answers); and `crash` / `restart` of any client's process.

use kafkette::consumer::{OffsetAndMetadata, TopicPartition};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::events::EventView;
use super::{check_entries, from_js, JsResult, JsSimulation};
use crate::{js_error, to_js};

/// One entry of `commit`'s list: the next offset to consume.
#[derive(Debug, Deserialize)]
struct CommitEntry {
    topic: String,
    partition: i32,
    offset: i64,
    #[serde(default)]
    metadata: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PartitionEntry {
    topic: String,
    partition: i32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CommittedEntry {
    topic: String,
    partition: i32,
    /// `null` where the group has committed nothing.
    offset: Option<i64>,
    metadata: Option<String>,
}

#[wasm_bindgen(js_class = Simulation)]
impl JsSimulation {
    /// Joins the consumer's group (`group.id`) for `[topic, ...]`; the rebalance runs with time.
    pub fn subscribe(&mut self, consumer: usize, topics: JsValue) -> JsResult<()> {
        let topics: Vec<String> = from_js(topics)?;
        self.engine.subscribe(consumer, topics).map_err(js_error)
    }

    /// Commits `[{ topic, partition, offset, metadata? }]`, or without a list the positions of
    /// every assigned partition; returns `[{ topic, partition, offset }]` as committed.
    pub fn commit(&mut self, consumer: usize, offsets: JsValue) -> JsResult<JsValue> {
        let offsets = if offsets.is_undefined() || offsets.is_null() {
            None
        } else {
            check_entries(&offsets, &["topic", "partition", "offset", "metadata"], "commit entry")?;
            let entries: Vec<CommitEntry> = from_js(offsets)?;
            let offsets = entries.into_iter().map(|e| {
                let mut o = OffsetAndMetadata::new(e.offset);
                o.metadata = e.metadata;
                (TopicPartition::new(e.topic, e.partition), o)
            });
            Some(offsets.collect())
        };
        let done = self.engine.commit(consumer, offsets).map_err(js_error)?;
        let done: Vec<CommittedEntry> = done
            .into_iter()
            .map(|(tp, offset)| CommittedEntry {
                topic: tp.topic,
                partition: tp.partition,
                offset: Some(offset),
                metadata: None,
            })
            .collect();
        to_js(&done, "groups")
    }

    /// The group's committed offsets of `[{ topic, partition }]`: `[{ topic, partition, offset,
    /// metadata }]`, `offset` `null` where nothing is committed.
    pub fn committed(&mut self, consumer: usize, partitions: JsValue) -> JsResult<JsValue> {
        check_entries(&partitions, &["topic", "partition"], "partition entry")?;
        let wanted: Vec<PartitionEntry> = from_js(partitions)?;
        let tps = wanted.into_iter().map(|p| TopicPartition::new(p.topic, p.partition)).collect();
        let answer = self.engine.committed(consumer, tps).map_err(js_error)?;
        let answer: Vec<CommittedEntry> = answer
            .into_iter()
            .map(|(tp, o)| CommittedEntry {
                topic: tp.topic,
                partition: tp.partition,
                offset: o.as_ref().map(|o| o.offset),
                metadata: o.and_then(|o| o.metadata),
            })
            .collect();
        to_js(&answer, "groups")
    }

    /// Leaves the group: partitions revoked (committed first with auto-commit), LeaveGroup sent.
    #[wasm_bindgen(js_name = closeConsumer)]
    pub fn close_consumer(&mut self, consumer: usize) -> JsResult<()> {
        self.engine.close_consumer(consumer).map_err(js_error)
    }

    /// Kills a client's process: it stops, responses to it are lost, the broker sees its
    /// connection close (a group member stays until its session times out).
    pub fn crash(&mut self, node: usize) -> JsResult<()> {
        self.engine.crash(node).map_err(js_error)
    }

    /// Starts a crashed client again with its configuration: a producer calls
    /// `initTransactions` again, a consumer `subscribe`s again.
    pub fn restart(&mut self, node: usize) -> JsResult<()> {
        self.engine.restart(node).map_err(js_error)
    }

    /// The consumer's events since the last call, oldest first, as `{ type, ... }` objects:
    /// Rebalancing, Joined, Assigned, Revoked, Lost, Committed, OffsetReset, PartitionEof, Error.
    #[wasm_bindgen(js_name = consumerEvents)]
    pub fn consumer_events(&mut self, consumer: usize) -> JsResult<JsValue> {
        let events = self.engine.consumer_events(consumer).map_err(js_error)?;
        let views: Vec<EventView> = events.into_iter().map(EventView::from).collect();
        to_js(&views, "groups")
    }
}
