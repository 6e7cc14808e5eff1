//! A consumer's events as plain objects for JavaScript: `{ type: "Assigned", partitions }` and
//! the like, one kind per `ConsumerEvent` (the match is exhaustive, so a new event in the core
//! fails to compile here until the page learns it).

use kafkette::consumer::{ConsumerEvent, TopicPartition};
use kafkette::Error;
use serde::Serialize;

use crate::snapshot::TopicPartitionView;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
pub enum EventView {
    Error {
        code: String,
        message: String,
    },
    PartitionEof {
        topic: String,
        partition: i32,
        offset: i64,
    },
    OffsetReset {
        topic: String,
        partition: i32,
        from: i64,
        to: i64,
    },
    Rebalancing,
    Joined {
        generation: i32,
        member_id: String,
        leader: bool,
        protocol: String,
    },
    Assigned {
        partitions: Vec<TopicPartitionView>,
    },
    Revoked {
        partitions: Vec<TopicPartitionView>,
    },
    Lost {
        partitions: Vec<TopicPartitionView>,
    },
    /// A commit completed: the offsets committed, or the error (`null` on success).
    Committed {
        id: u64,
        offsets: Vec<OffsetView>,
        error: Option<ErrorView>,
    },
    /// The answer to a committed-offsets query.
    CommittedOffsets {
        id: u64,
        offsets: Vec<OffsetView>,
        error: Option<ErrorView>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OffsetView {
    pub topic: String,
    pub partition: i32,
    /// `null` where nothing is committed.
    pub offset: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorView {
    pub code: String,
    pub message: String,
}

impl From<&Error> for ErrorView {
    fn from(e: &Error) -> Self {
        ErrorView { code: e.code().name(), message: e.to_string() }
    }
}

fn tps(list: Vec<TopicPartition>) -> Vec<TopicPartitionView> {
    list.into_iter().map(Into::into).collect()
}

fn offsets<T>(
    result: kafkette::Result<Vec<(TopicPartition, T)>>,
    offset: impl Fn(T) -> Option<i64>,
) -> (Vec<OffsetView>, Option<ErrorView>) {
    match result {
        Ok(list) => (
            list.into_iter()
                .map(|(tp, o)| OffsetView { topic: tp.topic, partition: tp.partition, offset: offset(o) })
                .collect(),
            None,
        ),
        Err(e) => (Vec::new(), Some((&e).into())),
    }
}

impl From<ConsumerEvent> for EventView {
    fn from(e: ConsumerEvent) -> Self {
        use ConsumerEvent as C;
        use EventView as V;
        match e {
            C::Error(e) => V::Error { code: e.code().name(), message: e.to_string() },
            C::PartitionEof { tp, offset } => V::PartitionEof { topic: tp.topic, partition: tp.partition, offset },
            C::OffsetReset { tp, from, to } => V::OffsetReset { topic: tp.topic, partition: tp.partition, from, to },
            C::Rebalancing => V::Rebalancing,
            C::Joined { generation_id, member_id, leader, protocol } => {
                V::Joined { generation: generation_id, member_id, leader, protocol }
            }
            C::Assigned(list) => V::Assigned { partitions: tps(list) },
            C::Revoked(list) => V::Revoked { partitions: tps(list) },
            C::Lost(list) => V::Lost { partitions: tps(list) },
            C::CommitCompleted { id, result } => {
                let (offsets, error) = offsets(result, Some);
                V::Committed { id, offsets, error }
            }
            C::Committed { id, result } => {
                let (offsets, error) = offsets(result, |o| o.map(|o| o.offset));
                V::CommittedOffsets { id, offsets, error }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_map_field_for_field() {
        let tp = TopicPartition::new("t", 1);
        let view = TopicPartitionView { topic: "t".into(), partition: 1 };
        assert_eq!(EventView::from(ConsumerEvent::Lost(vec![tp.clone()])), EventView::Lost { partitions: vec![view] });
        let done = ConsumerEvent::CommitCompleted { id: 2, result: Ok(vec![(tp, 5)]) };
        let offsets = vec![OffsetView { topic: "t".into(), partition: 1, offset: Some(5) }];
        assert_eq!(EventView::from(done), EventView::Committed { id: 2, offsets, error: None });
        let failed = ConsumerEvent::CommitCompleted { id: 3, result: Err(Error::timed_out("x")) };
        assert!(matches!(EventView::from(failed), EventView::Committed { id: 3, error: Some(_), .. }));
    }
}
