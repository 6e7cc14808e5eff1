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
    /// A broker configured with Kafka broker properties as `[key, value]` pairs.
    #[napi(constructor)]
    pub fn new(config: Vec<Vec<String>>) -> Result<Self> {
        sync(|| {
            let cluster = Cluster::with_config(config_pairs(config)?)?;
            let bootstrap_servers = cluster.bootstrap_servers().to_string();
            Ok(JsCluster { inner: Some(cluster), bootstrap_servers })
        })
    }

    #[napi(getter)]
    pub fn bootstrap_servers(&self) -> String {
        self.bootstrap_servers.clone()
    }

    /// Drop this handle: the broker stops once no client uses it either.
    #[napi]
    pub fn close(&mut self) {
        self.inner = None;
    }

    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.inner.is_none()
    }
}
