//! Delivery reports, stored compactly: one entry per completed batch (its runs of
//! delivery ids, the base offset or the error), expanded into one event per record
//! only as `poll_event` hands them out.

use std::collections::VecDeque;
use std::sync::Arc;

use super::accumulator::Run;
use super::{ProducerEvent, RecordMetadata};
use crate::error::Error;

#[derive(Clone)]
struct Completion {
    topic: Arc<str>,
    partition: i32,
    /// `(base offset, log append time)`; base offset -1 with acks=0.
    outcome: Result<(i64, i64), Error>,
    runs: Vec<Run>,
    /// Cursor: the run, the record within it, and the record's index in the batch.
    run: usize,
    in_run: u32,
    index: i64,
}

#[derive(Default, Clone)]
pub(super) struct Deliveries {
    queue: VecDeque<Completion>,
}

impl Deliveries {
    pub fn push(&mut self, topic: Arc<str>, partition: i32, runs: Vec<Run>, outcome: Result<(i64, i64), Error>) {
        if runs.is_empty() {
            return;
        }
        self.queue.push_back(Completion { topic, partition, outcome, runs, run: 0, in_run: 0, index: 0 });
    }

    pub fn pop(&mut self) -> Option<ProducerEvent> {
        let c = self.queue.front_mut()?;
        let run = c.runs[c.run];
        let id = run.first_id + u64::from(c.in_run);
        let result = match &c.outcome {
            Ok((base_offset, log_append_time)) => Ok(RecordMetadata {
                topic: c.topic.clone(),
                partition: c.partition,
                offset: if *base_offset < 0 { -1 } else { base_offset + c.index },
                timestamp: if *log_append_time >= 0 { *log_append_time } else { run.timestamp },
            }),
            Err(e) => Err(e.clone()),
        };
        c.in_run += 1;
        c.index += 1;
        if c.in_run == run.count {
            c.in_run = 0;
            c.run += 1;
            if c.run == c.runs.len() {
                self.queue.pop_front();
            }
        }
        Some(ProducerEvent::Delivery { id, result })
    }
}
