//! `Cluster`: an in-process kafkette broker; clients reach it through
//! `bootstrap.servers` = `bootstrap_servers` (`inproc://cluster-N`).

use std::sync::Mutex;

use kafkette::local::Cluster;
use pyo3::prelude::*;

use crate::error::{check, shield};
use crate::lock;

#[pyclass(name = "Cluster", module = "kafkette._native", frozen)]
pub struct PyCluster {
    /// `None` once closed; clients made before keep the broker alive until they go.
    inner: Mutex<Option<Cluster>>,
    bootstrap_servers: String,
}

#[pymethods]
impl PyCluster {
    /// A broker configured with Kafka broker property names (`num.partitions`, ...).
    #[new]
    #[pyo3(signature = (config))]
    fn new(py: Python<'_>, config: Vec<(String, String)>) -> PyResult<Self> {
        let cluster = check(py, shield(|| Cluster::with_config(config)))?;
        let bootstrap_servers = cluster.bootstrap_servers().to_string();
        Ok(PyCluster { inner: Mutex::new(Some(cluster)), bootstrap_servers })
    }

    #[getter]
    fn bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }

    /// Drop this handle: new clients can no longer find the broker by name once its
    /// existing clients are gone too.
    fn close(&self, py: Python<'_>) {
        let cluster = lock(&self.inner).take();
        py.detach(move || drop(cluster));
    }

    #[getter]
    fn closed(&self) -> bool {
        lock(&self.inner).is_none()
    }

    /// Names of the topics on the broker, sorted (for tests and inspection).
    fn topic_names(&self, py: Python<'_>) -> Vec<String> {
        let cluster = lock(&self.inner).clone();
        py.detach(move || {
            let mut names: Vec<String> = cluster
                .map(|c| c.with_broker(|b| b.topics().map(|(n, _)| n.to_string()).collect()))
                .unwrap_or_default();
            names.sort();
            names
        })
    }
}
