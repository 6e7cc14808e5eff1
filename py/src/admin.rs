//! `AdminClient`'s native half: each call blocks (the GIL released) until the core's
//! admin client completes it. The Python module runs calls on a worker thread and
//! hands out `concurrent.futures.Future`s, as confluent-kafka does.

use std::sync::Mutex;

use kafkette::admin::{AdminResult, NewTopic, OffsetSpec};
use kafkette::consumer::TopicPartition;
use kafkette::local::Admin;
use kafkette::Error;
use pyo3::prelude::*;

use crate::error::{check, closed, kafka_error, shield};
use crate::lock;

#[pyclass(name = "AdminClient", module = "kafkette._native", frozen)]
pub struct PyAdmin {
    core: Mutex<Option<Admin>>,
}

/// Per-item outcome: None for success, else a `KafkaError`.
type ItemError = Option<Py<PyAny>>;

/// `(name, num_partitions, replication_factor, [(key, value)])`, as the Python module passes a `NewTopic`.
type TopicSpec = (String, i32, i16, Vec<(String, String)>);

fn item_error<T>(py: Python<'_>, r: &Result<T, Error>) -> PyResult<ItemError> {
    match r {
        Ok(_) => Ok(None),
        Err(e) => kafka_error(py, e).map(Some),
    }
}

fn unexpected(other: &AdminResult) -> Error {
    Error::internal(format!("unexpected admin result {other:?}"))
}

impl PyAdmin {
    /// Run a core admin call with the GIL released.
    pub(crate) fn call<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Admin) -> kafkette::Result<T> + Send,
    ) -> PyResult<T> {
        let r = py.detach(|| lock(&self.core).as_mut().map(|a| shield(|| f(a))));
        match r {
            Some(r) => check(py, r),
            None => Err(closed("AdminClient")),
        }
    }

    pub(crate) fn run(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Admin) -> kafkette::Result<AdminResult> + Send,
    ) -> PyResult<AdminResult> {
        let r = py.detach(|| lock(&self.core).as_mut().map(|a| shield(|| f(a))));
        match r {
            Some(r) => check(py, r),
            None => Err(closed("AdminClient")),
        }
    }
}

#[pymethods]
impl PyAdmin {
    #[new]
    fn new(py: Python<'_>, config: Vec<(String, String)>) -> PyResult<Self> {
        // In-process (`inproc://...`) or TCP brokers, as `bootstrap.servers` says.
        let admin = check(py, py.detach(|| shield(|| Admin::new(config))))?;
        Ok(PyAdmin { core: Mutex::new(Some(admin)) })
    }

    /// `[(name, num_partitions, replication_factor, [(key, value)])]` → `[(name, error | None)]`.
    fn create_topics(
        &self,
        py: Python<'_>,
        topics: Vec<TopicSpec>,
        validate_only: bool,
    ) -> PyResult<Vec<(String, ItemError)>> {
        let topics: Vec<NewTopic> = topics
            .into_iter()
            .map(|(name, num_partitions, replication_factor, configs)| NewTopic {
                name,
                num_partitions,
                replication_factor,
                configs,
            })
            .collect();
        match self.run(py, move |a| a.create_topics(topics, validate_only))? {
            AdminResult::CreateTopics(results) => {
                results.into_iter().map(|(name, r)| Ok((name, item_error(py, &r)?))).collect()
            }
            other => check(py, Err(unexpected(&other))),
        }
    }

    fn delete_topics(&self, py: Python<'_>, names: Vec<String>) -> PyResult<Vec<(String, ItemError)>> {
        match self.run(py, move |a| a.delete_topics(names))? {
            AdminResult::DeleteTopics(results) => {
                results.into_iter().map(|(name, r)| Ok((name, item_error(py, &r)?))).collect()
            }
            other => check(py, Err(unexpected(&other))),
        }
    }

    /// `(cluster_id, controller_id, [(broker id, host, port)], [(topic, partitions, internal)])`.
    #[allow(clippy::type_complexity)]
    fn list_topics(
        &self,
        py: Python<'_>,
    ) -> PyResult<(Option<String>, i32, Vec<(i32, String, i32)>, Vec<(String, i32, bool)>)> {
        // The brokers come from the same Metadata response as the topics.
        let mut cluster = None;
        let listing = match self.run(py, |a| {
            let r = a.list_topics();
            cluster = a.listed_cluster().cloned();
            r
        })? {
            AdminResult::ListTopics(t) => t,
            other => return check(py, Err(unexpected(&other))),
        };
        let cluster = cluster.unwrap_or_default();
        let topics = listing.into_iter().map(|t| (t.name, t.partitions, t.internal)).collect();
        Ok((cluster.cluster_id, cluster.controller_id, cluster.brokers, topics))
    }

    /// `[(topic, partition, spec)]` where spec is ListOffsets' timestamp (-2 earliest,
    /// -1 latest, -3 max timestamp, else a time in ms) → `[(topic, partition, offset, timestamp, error | None)]`.
    #[allow(clippy::type_complexity)]
    fn list_offsets(
        &self,
        py: Python<'_>,
        request: Vec<(String, i32, i64)>,
        read_committed: bool,
    ) -> PyResult<Vec<(String, i32, i64, i64, ItemError)>> {
        let req: Vec<(TopicPartition, OffsetSpec)> = request
            .into_iter()
            .map(|(topic, partition, spec)| {
                let spec = match spec {
                    -2 => OffsetSpec::Earliest,
                    -1 => OffsetSpec::Latest,
                    -3 => OffsetSpec::MaxTimestamp,
                    t => OffsetSpec::Timestamp(t),
                };
                (TopicPartition { topic, partition }, spec)
            })
            .collect();
        match self.run(py, move |a| a.list_offsets(req, read_committed))? {
            AdminResult::ListOffsets(results) => results
                .into_iter()
                .map(|(tp, r)| {
                    let (offset, ts) = r.as_ref().map(|o| (o.offset, o.timestamp)).unwrap_or((-1, -1));
                    Ok((tp.topic, tp.partition, offset, ts, item_error(py, &r)?))
                })
                .collect(),
            other => check(py, Err(unexpected(&other))),
        }
    }

    fn close(&self, py: Python<'_>) {
        let core = py.detach(|| lock(&self.core).take());
        py.detach(move || drop(core));
    }
}
