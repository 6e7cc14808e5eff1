//! The native half of `AdminClient.describe_configs`, `describe_cluster`, `create_partitions`
//! and `delete_records`: module functions taking the native admin client, each blocking (the
//! GIL released) until the core completes the call. The Python module wraps them in futures.

use kafkette::admin::{AdminResult, ConfigEntry, ConfigResource, ResourceType};
use kafkette::consumer::TopicPartition;
use kafkette::Error;
use pyo3::prelude::*;

use crate::admin::PyAdmin;
use crate::error::{check, kafka_error};

/// Per-item outcome: None for success, else a `KafkaError`.
type ItemError = Option<Py<PyAny>>;
/// `(name, value, source)` of a synonym.
type Synonym = (String, Option<String>, i8);
/// `(name, value, source, read_only, sensitive, synonyms)`.
type Entry = (String, Option<String>, i8, bool, bool, Vec<Synonym>);
/// `(cluster_id, controller, [(id, host, port, rack)], authorized_operations)`.
type Cluster = (String, Option<i32>, Vec<(i32, String, i32, Option<String>)>, Option<i32>);

fn item_error<T>(py: Python<'_>, r: &Result<T, Error>) -> PyResult<ItemError> {
    match r {
        Ok(_) => Ok(None),
        Err(e) => kafka_error(py, e).map(Some),
    }
}

fn unexpected<T>(py: Python<'_>, other: &AdminResult) -> PyResult<T> {
    check(py, Err(Error::internal(format!("unexpected admin result {other:?}"))))
}

fn entry(e: ConfigEntry) -> Entry {
    let synonyms = e.synonyms.into_iter().map(|s| (s.name, s.value, s.source.wire())).collect();
    (e.name, e.value, e.source.wire(), e.read_only, e.is_sensitive, synonyms)
}

/// `[(resource type (2 topic, 4 broker), name)]` → `[(type, name, [entry] | None, error | None)]`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn admin_describe_configs(
    py: Python<'_>,
    admin: PyRef<'_, PyAdmin>,
    resources: Vec<(i8, String)>,
    include_synonyms: bool,
) -> PyResult<Vec<(i8, String, Option<Vec<Entry>>, ItemError)>> {
    let mut wanted = Vec::with_capacity(resources.len());
    for (kind, name) in resources {
        let kind = match kind {
            2 => ResourceType::Topic,
            4 => ResourceType::Broker,
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "resource type {other} is not supported (TOPIC=2, BROKER=4)"
                )))
            }
        };
        wanted.push(ConfigResource { kind, name });
    }
    match admin.run(py, move |a| a.describe_configs(wanted, include_synonyms))? {
        AdminResult::DescribeConfigs(results) => results
            .into_iter()
            .map(|(r, result)| {
                let error = item_error(py, &result)?;
                let entries = result.ok().map(|es| es.into_iter().map(entry).collect());
                Ok((r.kind.wire(), r.name, entries, error))
            })
            .collect(),
        other => unexpected(py, &other),
    }
}

#[pyfunction]
fn admin_describe_cluster(
    py: Python<'_>,
    admin: PyRef<'_, PyAdmin>,
    include_authorized_operations: bool,
) -> PyResult<Cluster> {
    let r =
        admin.run(py, move |a| a.describe_cluster(include_authorized_operations).map(AdminResult::DescribeCluster))?;
    match r {
        AdminResult::DescribeCluster(d) => {
            let nodes = d.nodes.into_iter().map(|n| (n.id, n.host, n.port, n.rack)).collect();
            Ok((d.cluster_id, d.controller, nodes, d.authorized_operations))
        }
        other => unexpected(py, &other),
    }
}

/// `[(topic, new total count)]` → `[(topic, error | None)]`.
#[pyfunction]
fn admin_create_partitions(
    py: Python<'_>,
    admin: PyRef<'_, PyAdmin>,
    counts: Vec<(String, i32)>,
    validate_only: bool,
) -> PyResult<Vec<(String, ItemError)>> {
    match admin.run(py, move |a| a.create_partitions(counts, validate_only))? {
        AdminResult::CreatePartitions(results) => {
            results.into_iter().map(|(t, r)| Ok((t, item_error(py, &r)?))).collect()
        }
        other => unexpected(py, &other),
    }
}

/// `[(topic, partition, offset)]` (-1: the high watermark) → `[(topic, partition, low watermark, error | None)]`.
#[pyfunction]
fn admin_delete_records(
    py: Python<'_>,
    admin: PyRef<'_, PyAdmin>,
    offsets: Vec<(String, i32, i64)>,
) -> PyResult<Vec<(String, i32, i64, ItemError)>> {
    let req = offsets.into_iter().map(|(topic, partition, o)| (TopicPartition { topic, partition }, o)).collect();
    match admin.run(py, move |a| a.delete_records(req))? {
        AdminResult::DeleteRecords(results) => results
            .into_iter()
            .map(|(tp, r)| Ok((tp.topic, tp.partition, *r.as_ref().unwrap_or(&-1), item_error(py, &r)?)))
            .collect(),
        other => unexpected(py, &other),
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(admin_describe_configs, m)?)?;
    m.add_function(wrap_pyfunction!(admin_describe_cluster, m)?)?;
    m.add_function(wrap_pyfunction!(admin_create_partitions, m)?)?;
    m.add_function(wrap_pyfunction!(admin_delete_records, m)?)?;
    Ok(())
}
