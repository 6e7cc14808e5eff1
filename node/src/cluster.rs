//! `Cluster`: an in-process broker whose `bootstrapServers` clients connect to.

use kafkette::local::Cluster;
use napi::bindgen_prelude::Result;
use napi_derive::napi;

use crate::config_pairs;
use crate::error::sync;

#[napi(js_name = "Cluster")]
pub struct JsCluster {
    inner: Option<Cluster>,
    bootstrap_servers: String,
}

#[napi]
impl JsCluster {
    /// A broker configured with Kafka broker properties as `[key, value]` pairs, also
    /// listening on TCP at `listen` (`127.0.0.1:0`: an ephemeral port) when given.
    #[napi(constructor)]
    pub fn new(config: Vec<Vec<String>>, listen: Option<String>) -> Result<Self> {
        sync(|| {
            let cluster = Cluster::with_config(config_pairs(config)?)?;
            if let Some(addr) = &listen {
                cluster.listen(addr)?;
            }
            let bootstrap_servers = cluster.bootstrap_servers().to_string();
            Ok(JsCluster { inner: Some(cluster), bootstrap_servers })
        })
    }

    #[napi(getter)]
    pub fn bootstrap_servers(&self) -> String {
        self.bootstrap_servers.clone()
    }

    /// `inproc://cluster-N`, for clients that stay in-process while the cluster listens.
    #[napi(getter)]
    pub fn inproc_name(&self) -> Option<String> {
        self.inner.as_ref().map(|c| c.inproc_name().to_string())
    }

    /// Drop this handle and stop the TCP listener with its connections: the broker
    /// stops once no in-process client uses it either.
    #[napi]
    pub fn close(&mut self) {
        if let Some(c) = self.inner.take() {
            c.close_listener();
        }
    }

    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.inner.is_none()
    }
}
