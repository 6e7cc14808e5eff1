//! The blocking admin client's consumer group calls, and the two that combine several requests
//! as `kafka-consumer-groups` does: lag of a group (`--describe`) and resetting its offsets
//! (`--reset-offsets`).

use std::collections::BTreeMap;

use super::Admin;
use crate::admin::lag::{self, LagRow, ResetTo};
use crate::admin::{
    AdminResult, CommittedOffset, GroupDescription, ListedGroups, OffsetSpec, PartitionResults, TopicListing,
};
use crate::consumer::TopicPartition;
use crate::error::{Error, ErrorCode, Result};
use crate::local::wall_clock_ms;

/// A group's description and the `--describe` rows of its partitions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupLag {
    pub description: GroupDescription,
    pub rows: Vec<LagRow>,
}

/// Which partitions of a topic a reset moves: all of them, or those listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicSelection {
    pub topic: String,
    pub partitions: Option<Vec<i32>>,
}

impl TopicSelection {
    /// `TOPIC` or `TOPIC:0,1,2`, as `kafka-consumer-groups --topic` takes it.
    pub fn parse(s: &str) -> Result<TopicSelection> {
        let bad = || Error::new(ErrorCode::INVALID_REQUEST, format!("{s:?} is not TOPIC or TOPIC:PARTITION,..."));
        match s.split_once(':') {
            None if !s.is_empty() => Ok(TopicSelection { topic: s.to_string(), partitions: None }),
            Some((t, ps)) if !t.is_empty() => {
                let partitions =
                    ps.split(',').map(|p| p.trim().parse::<i32>().map_err(|_| bad())).collect::<Result<_>>()?;
                Ok(TopicSelection { topic: t.to_string(), partitions: Some(partitions) })
            }
            _ => Err(bad()),
        }
    }
}

fn unexpected(other: AdminResult) -> Error {
    Error::internal(format!("unexpected admin result {other:?}"))
}

impl Admin {
    /// Every broker's groups (in `states` only, when not empty).
    pub fn list_groups(&mut self, states: Vec<String>) -> Result<ListedGroups> {
        let id = self.driver.machine.list_groups(states, wall_clock_ms());
        match self.wait(id)? {
            AdminResult::ListGroups(l) => Ok(l),
            other => Err(unexpected(other)),
        }
    }

    pub fn describe_groups(&mut self, groups: Vec<String>) -> Result<Vec<(String, Result<GroupDescription>)>> {
        let id = self.driver.machine.describe_groups(groups, wall_clock_ms());
        match self.wait(id)? {
            AdminResult::DescribeGroups(d) => Ok(d),
            other => Err(unexpected(other)),
        }
    }

    /// One group's description.
    pub fn describe_group(&mut self, group: &str) -> Result<GroupDescription> {
        self.describe_groups(vec![group.to_string()])?
            .pop()
            .map_or_else(|| Err(Error::internal("DescribeGroups returned no result")), |(_, r)| r)
    }

    pub fn delete_groups(&mut self, groups: Vec<String>) -> Result<Vec<(String, Result<()>)>> {
        let id = self.driver.machine.delete_groups(groups, wall_clock_ms());
        match self.wait(id)? {
            AdminResult::DeleteGroups(d) => Ok(d),
            other => Err(unexpected(other)),
        }
    }

    /// A group's committed offsets (all partitions it committed, or the given ones).
    pub fn list_group_offsets(
        &mut self,
        group: &str,
        partitions: Option<Vec<TopicPartition>>,
        require_stable: bool,
    ) -> Result<PartitionResults<Option<CommittedOffset>>> {
        let id = self.driver.machine.list_group_offsets(group, partitions, require_stable, wall_clock_ms());
        match self.wait(id)? {
            AdminResult::ListGroupOffsets(o) => Ok(o),
            other => Err(unexpected(other)),
        }
    }

    /// Commits offsets for a group that has no members (Kafka's alterConsumerGroupOffsets).
    pub fn alter_group_offsets(
        &mut self,
        group: &str,
        offsets: Vec<(TopicPartition, i64)>,
    ) -> Result<PartitionResults<()>> {
        let id = self.driver.machine.alter_group_offsets(group, offsets, wall_clock_ms());
        match self.wait(id)? {
            AdminResult::AlterGroupOffsets(r) => Ok(r),
            other => Err(unexpected(other)),
        }
    }

    /// Deletes a group's committed offsets of the given partitions (OffsetDelete).
    pub fn delete_group_offsets(
        &mut self,
        group: &str,
        partitions: Vec<TopicPartition>,
    ) -> Result<PartitionResults<()>> {
        let id = self.driver.machine.delete_group_offsets(group, partitions, wall_clock_ms());
        match self.wait(id)? {
            AdminResult::DeleteGroupOffsets(r) => Ok(r),
            other => Err(unexpected(other)),
        }
    }

    /// Offsets of `spec` per partition; partitions that failed are left out.
    fn offsets_of(
        &mut self,
        partitions: &[TopicPartition],
        spec: OffsetSpec,
        read_committed: bool,
    ) -> Result<BTreeMap<TopicPartition, i64>> {
        if partitions.is_empty() {
            return Ok(BTreeMap::new());
        }
        match self.list_offsets(partitions.iter().map(|tp| (tp.clone(), spec)).collect(), read_committed)? {
            AdminResult::ListOffsets(r) => Ok(r.into_iter().filter_map(|(tp, r)| Some((tp, r.ok()?.offset))).collect()),
            other => Err(unexpected(other)),
        }
    }

    /// The group's lag per partition as `kafka-consumer-groups --describe` shows it. With
    /// `read_committed` the log end is the last stable offset, so transaction markers and open
    /// transactions do not count as lag.
    pub fn describe_group_lag(&mut self, group: &str, read_committed: bool) -> Result<GroupLag> {
        let description = self.describe_group(group)?;
        if description.state == "Dead" {
            return Ok(GroupLag { description, rows: Vec::new() });
        }
        let committed: BTreeMap<TopicPartition, i64> = self
            .list_group_offsets(group, None, false)?
            .into_iter()
            .filter_map(|(tp, r)| Some((tp, r.ok()??.offset)))
            .collect();
        let partitions = lag::lag_partitions(&description, &committed);
        let ends = self.offsets_of(&partitions, OffsetSpec::Latest, read_committed)?;
        let rows = lag::lag_rows(&description, &committed, &ends);
        Ok(GroupLag { description, rows })
    }

    /// The offsets a reset of `group` moves `topics` to, committed when `execute` (the group must
    /// have no members, as Kafka's tool requires). Returns the plan, by partition.
    pub fn reset_group_offsets(
        &mut self,
        group: &str,
        topics: &[TopicSelection],
        to: ResetTo,
        execute: bool,
    ) -> Result<Vec<(TopicPartition, i64)>> {
        let description = self.describe_group(group)?;
        if description.state != "Empty" && description.state != "Dead" {
            return Err(Error::new(
                ErrorCode::NON_EMPTY_GROUP,
                format!(
                    "assignments can only be reset if the group {group:?} is inactive, but the current state is {}",
                    description.state
                ),
            ));
        }
        let partitions = self.select_partitions(topics)?;
        let earliest = self.offsets_of(&partitions, OffsetSpec::Earliest, false)?;
        let latest = self.offsets_of(&partitions, OffsetSpec::Latest, false)?;
        let by_time = match to {
            ResetTo::Timestamp(t) => self.offsets_of(&partitions, OffsetSpec::Timestamp(t), false)?,
            _ => BTreeMap::new(),
        };
        let plan = lag::reset_plan(to, &partitions, &earliest, &latest, &by_time)?;
        if execute {
            for (tp, r) in self.alter_group_offsets(group, plan.clone())? {
                r.map_err(|e| Error::new(e.code(), format!("resetting {tp} of group {group:?}: {}", e.message())))?;
            }
        }
        Ok(plan)
    }

    fn select_partitions(&mut self, topics: &[TopicSelection]) -> Result<Vec<TopicPartition>> {
        let listing: Vec<TopicListing> = match self.list_topics()? {
            AdminResult::ListTopics(l) => l,
            other => return Err(unexpected(other)),
        };
        let mut out = Vec::new();
        for sel in topics {
            let Some(t) = listing.iter().find(|t| t.name == sel.topic) else {
                return Err(Error::new(
                    ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                    format!("topic {:?} does not exist", sel.topic),
                ));
            };
            match &sel.partitions {
                None => out.extend((0..t.partitions).map(|p| TopicPartition::new(&sel.topic, p))),
                Some(ps) => {
                    for &p in ps {
                        if !(0..t.partitions).contains(&p) {
                            return Err(Error::new(
                                ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                                format!("topic {:?} has no partition {p}", sel.topic),
                            ));
                        }
                        out.push(TopicPartition::new(&sel.topic, p));
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}
