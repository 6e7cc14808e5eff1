//! The native half of `AdminClient`'s consumer group calls (list, describe, list / alter
//! offsets, delete): module functions taking the native admin client, each blocking (the
//! GIL released) until the core completes the call. The Python module wraps them in futures.

use kafkette::consumer::TopicPartition;
use kafkette::Error;
use pyo3::prelude::*;

use crate::admin::PyAdmin;
use crate::error::kafka_error;

/// Per-item outcome: None for success, else a `KafkaError`.
type ItemError = Option<Py<PyAny>>;
/// `(member_id, group_instance_id, client_id, host, [(topic, partition)])`.
type Member = (String, Option<String>, String, String, Vec<(String, i32)>);
/// `(group_id, state, protocol_type, assignor, [member], coordinator)`.
type Description = (String, String, String, String, Vec<Member>, i32);
/// `(topic, partition, offset (-1001 none), metadata, error)`.
type OffsetRow = (String, i32, i64, Option<String>, ItemError);
/// `(topic, partition, committed, log end, lag, consumer id, host, client id)`.
type LagRow = (String, i32, i64, i64, i64, Option<String>, Option<String>, Option<String>);

fn item_error<T>(py: Python<'_>, r: &Result<T, Error>) -> PyResult<ItemError> {
    match r {
        Ok(_) => Ok(None),
        Err(e) => kafka_error(py, e).map(Some),
    }
}

/// `[(group_id, is_simple (empty protocol type), state)]` and the brokers' errors.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn admin_list_groups(
    py: Python<'_>,
    admin: PyRef<'_, PyAdmin>,
    states: Vec<String>,
) -> PyResult<(Vec<(String, bool, Option<String>)>, Vec<Py<PyAny>>)> {
    let listed = admin.call(py, move |a| a.list_groups(states))?;
    let groups = listed.groups.into_iter().map(|g| (g.group_id, g.protocol_type.is_empty(), g.state)).collect();
    let errors = listed.errors.iter().map(|(_, e)| kafka_error(py, e)).collect::<PyResult<_>>()?;
    Ok((groups, errors))
}

#[pyfunction]
fn admin_describe_groups(
    py: Python<'_>,
    admin: PyRef<'_, PyAdmin>,
    groups: Vec<String>,
) -> PyResult<Vec<(String, Option<Description>, ItemError)>> {
    let got = admin.call(py, move |a| a.describe_groups(groups))?;
    got.into_iter()
        .map(|(g, r)| {
            let err = item_error(py, &r)?;
            let d = r.ok().map(|d| {
                let members = d
                    .members
                    .into_iter()
                    .map(|m| {
                        let parts = m.assignment.into_iter().map(|tp| (tp.topic, tp.partition)).collect();
                        (m.member_id, m.group_instance_id, m.client_id, m.host, parts)
                    })
                    .collect();
                (d.group_id, d.state, d.protocol_type, d.assignor, members, d.coordinator)
            });
            Ok((g, d, err))
        })
        .collect()
}

#[pyfunction]
#[pyo3(signature = (admin, group, partitions, require_stable))]
fn admin_list_group_offsets(
    py: Python<'_>,
    admin: PyRef<'_, PyAdmin>,
    group: String,
    partitions: Option<Vec<(String, i32)>>,
    require_stable: bool,
) -> PyResult<Vec<OffsetRow>> {
    let tps = partitions.map(|v| v.into_iter().map(|(topic, partition)| TopicPartition { topic, partition }).collect());
    let got = admin.call(py, move |a| a.list_group_offsets(&group, tps, require_stable))?;
    got.into_iter()
        .map(|(tp, r)| {
            let err = item_error(py, &r)?;
            let (offset, metadata) = match r {
                Ok(Some(c)) => (c.offset, c.metadata),
                _ => (-1001, None),
            };
            Ok((tp.topic, tp.partition, offset, metadata, err))
        })
        .collect()
}

#[pyfunction]
fn admin_alter_group_offsets(
    py: Python<'_>,
    admin: PyRef<'_, PyAdmin>,
    group: String,
    offsets: Vec<(String, i32, i64)>,
) -> PyResult<Vec<(String, i32, ItemError)>> {
    let req = offsets.into_iter().map(|(topic, partition, o)| (TopicPartition { topic, partition }, o)).collect();
    let got = admin.call(py, move |a| a.alter_group_offsets(&group, req))?;
    got.into_iter().map(|(tp, r)| Ok((tp.topic, tp.partition, item_error(py, &r)?))).collect()
}

/// OffsetDelete: `[(topic, partition, error)]`.
#[pyfunction]
fn admin_delete_group_offsets(
    py: Python<'_>,
    admin: PyRef<'_, PyAdmin>,
    group: String,
    partitions: Vec<(String, i32)>,
) -> PyResult<Vec<(String, i32, ItemError)>> {
    let req = partitions.into_iter().map(|(topic, partition)| TopicPartition { topic, partition }).collect();
    let got = admin.call(py, move |a| a.delete_group_offsets(&group, req))?;
    got.into_iter().map(|(tp, r)| Ok((tp.topic, tp.partition, item_error(py, &r)?))).collect()
}

/// `kafka-consumer-groups --describe`: (state, [(topic, partition, committed, log end, lag,
/// consumer id, host, client id)]), -1 where a value is unknown.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn admin_describe_group_lag(
    py: Python<'_>,
    admin: PyRef<'_, PyAdmin>,
    group: String,
    read_committed: bool,
) -> PyResult<(String, Vec<LagRow>)> {
    let got = admin.call(py, move |a| a.describe_group_lag(&group, read_committed))?;
    let rows = got
        .rows
        .into_iter()
        .map(|r| {
            (
                r.topic,
                r.partition,
                r.current_offset.unwrap_or(-1),
                r.log_end_offset.unwrap_or(-1),
                r.lag.unwrap_or(-1),
                r.consumer_id,
                r.host,
                r.client_id,
            )
        })
        .collect();
    Ok((got.description.state, rows))
}

#[pyfunction]
fn admin_delete_groups(
    py: Python<'_>,
    admin: PyRef<'_, PyAdmin>,
    groups: Vec<String>,
) -> PyResult<Vec<(String, ItemError)>> {
    let got = admin.call(py, move |a| a.delete_groups(groups))?;
    got.into_iter().map(|(g, r)| Ok((g, item_error(py, &r)?))).collect()
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(admin_list_groups, m)?)?;
    m.add_function(wrap_pyfunction!(admin_describe_groups, m)?)?;
    m.add_function(wrap_pyfunction!(admin_list_group_offsets, m)?)?;
    m.add_function(wrap_pyfunction!(admin_alter_group_offsets, m)?)?;
    m.add_function(wrap_pyfunction!(admin_delete_groups, m)?)?;
    m.add_function(wrap_pyfunction!(admin_delete_group_offsets, m)?)?;
    m.add_function(wrap_pyfunction!(admin_describe_group_lag, m)?)?;
    Ok(())
}
