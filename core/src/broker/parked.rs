//! Requests that wait: a Fetch for `min_bytes` or its deadline, a JoinGroup or SyncGroup for the
//! rest of its group. Kafka reads nothing more from a connection while one of its requests is in
//! progress, so requests arriving behind a parked one queue in its backlog and run, in order, once
//! it is answered. `settle` answers what is due and records the group coordinator's log records.

use std::collections::VecDeque;

use kafka_protocol::messages::{FetchRequest, ResponseKind};

use crate::group::{Reply, OFFSETS_TOPIC, OFFSETS_TOPIC_PARTITIONS};
use crate::protocol::{ApiKey, ConnId, Millis, Request, Response};
use crate::record::{BatchBuilder, Compression, TimestampType};

use super::{api, Broker, TopicConfig};

/// What a parked request waits for.
#[derive(Debug, Clone)]
pub(super) enum Wait {
    /// A Fetch: data, an error, or the deadline.
    Fetch { request: Box<FetchRequest>, deadline: Millis },
    /// A JoinGroup or SyncGroup: the group coordinator's `Completion` for this correlation id.
    Group,
}

#[derive(Debug, Clone)]
pub(super) struct Parked {
    /// The node the connection reached.
    pub node: i32,
    pub correlation_id: i32,
    pub api_version: i16,
    pub wait: Wait,
    /// Requests that arrived on the same connection after this one, answered after it.
    pub backlog: VecDeque<Request>,
    /// A fetch to answer at the next chance whatever the data (backlog full, parked limit).
    pub force: bool,
}

impl Parked {
    pub fn new(node: i32, correlation_id: i32, api_version: i16, wait: Wait) -> Parked {
        Parked { node, correlation_id, api_version, wait, backlog: VecDeque::new(), force: false }
    }

    pub fn is_fetch(&self) -> bool {
        matches!(self.wait, Wait::Fetch { .. })
    }

    /// When the broker answers it on its own (fetches only; groups answer group waits).
    pub fn deadline(&self) -> Option<Millis> {
        match &self.wait {
            Wait::Fetch { deadline, .. } => Some(*deadline),
            Wait::Group => None,
        }
    }
}

impl Broker {
    /// Answers parked requests that are due (fetches at their deadline, with data or an error or
    /// forced; group requests the coordinator completed), then runs the requests queued behind
    /// them, until nothing changes.
    pub(super) fn settle(&mut self, now: Millis) {
        loop {
            self.flush_group_records(now);
            let mut progressed = self.deliver_group_completions(now);
            let dirty = std::mem::take(&mut self.parked_dirty);
            let due: Vec<ConnId> = self
                .parked
                .iter()
                .filter(|(_, p)| match &p.wait {
                    Wait::Fetch { request, deadline } => {
                        p.force || *deadline <= now || (dirty && self.fetch_ready(p.node, request))
                    }
                    Wait::Group => false,
                })
                .map(|(c, _)| *c)
                .collect();
            for conn in due {
                let Some(p) = self.parked.remove(&conn) else {
                    continue;
                };
                if let Wait::Fetch { request, .. } = &p.wait {
                    self.complete_parked(conn, p.node, p.correlation_id, p.api_version, request, now);
                }
                self.resume(conn, p.backlog, now);
                progressed = true;
            }
            if !progressed {
                self.flush_group_records(now);
                return;
            }
        }
    }

    /// Runs a connection's queued requests until one of them parks again.
    fn resume(&mut self, conn: ConnId, mut backlog: VecDeque<Request>, now: Millis) {
        while let Some(req) = backlog.pop_front() {
            if let Some(again) = self.parked.get_mut(&conn) {
                again.backlog.push_back(req);
                continue;
            }
            self.dispatch(conn, req, now);
        }
    }

    /// Answers parked JoinGroup and SyncGroup requests the coordinator completed. A completion
    /// for a connection that closed (or a request no longer parked) is dropped.
    fn deliver_group_completions(&mut self, now: Millis) -> bool {
        let mut progressed = false;
        while let Some(c) = self.groups.poll_completion() {
            let conn = c.waiter.conn;
            let matches = self
                .parked
                .get(&conn)
                .is_some_and(|p| matches!(p.wait, Wait::Group) && p.correlation_id == c.waiter.correlation_id);
            if !matches {
                continue;
            }
            let Some(p) = self.parked.remove(&conn) else { continue };
            let (api_key, body) = match c.reply {
                Reply::Join(r) => {
                    (ApiKey::JoinGroup, ResponseKind::JoinGroup(api::join_group_response(p.api_version, &r)))
                }
                Reply::Sync(r) => {
                    (ApiKey::SyncGroup, ResponseKind::SyncGroup(api::sync_group_response(p.api_version, &r)))
                }
            };
            self.push_response(Response {
                conn,
                correlation_id: p.correlation_id,
                api_key,
                api_version: p.api_version,
                body,
            });
            self.resume(conn, p.backlog, now);
            progressed = true;
        }
        progressed
    }

    /// Appends the coordinator's records to `__consumer_offsets`, creating it on first use.
    pub(super) fn flush_group_records(&mut self, now: Millis) {
        while let Some(r) = self.groups.poll_record() {
            if !self.topics.contains_key(OFFSETS_TOPIC) {
                let config = TopicConfig::defaults(&self.config);
                self.create_topic(OFFSETS_TOPIC, OFFSETS_TOPIC_PARTITIONS, config);
            }
            let Some(log) = self.topics.get_mut(OFFSETS_TOPIC).and_then(|t| t.partition_mut(r.partition)) else {
                continue;
            };
            let mut b = BatchBuilder::new(Compression::None, now);
            b.append(now, Some(&r.key), r.value.as_deref(), &[]);
            log.append(&b.finish(-1, -1, -1, false), TimestampType::CreateTime, now);
            self.parked_dirty = true;
        }
    }
}
