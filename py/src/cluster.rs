//! `Cluster`: an in-process kafkette broker; clients reach it through
//! `bootstrap.servers` = `bootstrap_servers` (`inproc://cluster-N`, or `127.0.0.1:PORT`
//! when it also listens on TCP for any Kafka client).

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
    inproc_name: String,
}

#[pymethods]
impl PyCluster {
    /// A broker configured with Kafka broker property names (`num.partitions`, ...), also
    /// listening on TCP at `listen` (`127.0.0.1:0` for an ephemeral port) if given.
    #[new]
    #[pyo3(signature = (config, listen=None))]
    fn new(py: Python<'_>, config: Vec<(String, String)>, listen: Option<String>) -> PyResult<Self> {
        let r = py.detach(|| {
            shield(|| {
                let cluster = Cluster::with_config(config)?;
                if let Some(addr) = &listen {
                    cluster.listen(addr)?;
                }
                Ok(cluster)
            })
        });
        let cluster = check(py, r)?;
        let bootstrap_servers = cluster.bootstrap_servers().to_string();
        let inproc_name = cluster.inproc_name().to_string();
        Ok(PyCluster { inner: Mutex::new(Some(cluster)), bootstrap_servers, inproc_name })
    }

    #[getter]
    fn bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }

    /// `inproc://cluster-N`: in-process clients, whether the cluster listens on TCP or not.
    #[getter]
    fn inproc_name(&self) -> &str {
        &self.inproc_name
    }

    /// Drop this handle and stop the TCP listener (with its connections): new clients can
    /// no longer find the broker by name once its existing in-process clients are gone too.
    fn close(&self, py: Python<'_>) {
        let cluster = lock(&self.inner).take();
        py.detach(move || {
            if let Some(c) = &cluster {
                c.close_listener();
            }
            drop(cluster)
        });
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
