//! `kafkette._native`: the thin native layer of the Python package `kafkette`.
//!
//! Each class wraps one core client of the in-process driver (`kafkette::local`)
//! and only maps types, errors and the GIL: behaviour lives in the core, the
//! confluent-kafka ergonomics (config dicts, `TopicPartition`, futures, argument
//! checking) in the Python modules of `python/kafkette/`.
//!
//! Locking rule: a client's core lives in a `Mutex` that is only ever locked with the
//! GIL released (`py.detach`), so a thread blocked in `poll` never holds the GIL and a
//! thread holding the GIL never waits for that mutex.

mod admin;
mod admin_cluster;
mod admin_groups;
mod cluster;
mod consumer;
mod error;
mod message;
mod producer;

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use pyo3::prelude::*;

/// Blocking calls release and retake the GIL at least this often, to run signal handlers (Ctrl-C).
const SLICE: Duration = Duration::from_millis(100);

/// Lock a client's core; a panic in another thread (caught at the boundary) leaves it usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The deadline of a Kafka-style timeout in seconds (negative: none).
fn deadline(timeout: f64) -> Instant {
    Instant::now() + kafkette::local::timeout_from_secs(timeout)
}

/// The next slice of a blocking wait, and whether the deadline has passed.
fn next_slice(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now()).min(SLICE)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<cluster::PyCluster>()?;
    m.add_class::<producer::PyProducer>()?;
    m.add_class::<consumer::PyConsumer>()?;
    m.add_class::<admin::PyAdmin>()?;
    admin_cluster::register(m)?;
    admin_groups::register(m)?;
    m.add_class::<message::PyMessage>()?;
    m.add_function(wrap_pyfunction!(error::error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(error::map_core_code, m)?)?;
    m.add("PARTITION_EOF", error::PARTITION_EOF)?;
    Ok(())
}
