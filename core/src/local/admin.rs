//! Blocking admin client over an in-process broker or TCP: each call sends its
//! request and waits for the result or `default.api.timeout.ms`.

use std::time::Duration;

#[path = "admin_groups.rs"]
mod groups;
pub use groups::{GroupLag, TopicSelection};

use super::{wall_clock_ms, Cluster, Driver, LinkConfig};
use crate::admin::{
    self, AdminEvent, AdminResult, ClusterDescription, ConfigResource, ListedCluster, NewTopic, OffsetSpec, RequestId,
};
use crate::config::AdminConfig;
use crate::consumer::TopicPartition;
use crate::error::{Error, Result};

pub struct Admin {
    driver: Driver<admin::Admin>,
    timeout: Duration,
}

impl Admin {
    /// An admin client of the brokers named by `bootstrap.servers`: an in-process cluster
    /// (`Cluster::bootstrap_servers()`, `inproc://...`) or `host:port` brokers over TCP,
    /// configured with Kafka property names.
    pub fn new<I, K, V>(config: I) -> Result<Admin>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Admin::from_config(AdminConfig::from_pairs(config)?)
    }

    /// An admin client of the brokers its `bootstrap.servers` names (in-process or TCP).
    pub fn from_config(config: AdminConfig) -> Result<Admin> {
        let link = LinkConfig {
            bootstrap_servers: config.bootstrap_servers.clone(),
            client_id: Some(config.client_id.clone()),
            connection: config.connection,
            response_timeout_ms: config.request_timeout_ms,
            max_in_flight: super::MAX_IN_FLIGHT_DEFAULT,
        };
        let timeout = Duration::from_millis(config.default_api_timeout_ms as u64 + 1000);
        let machine = admin::Admin::new(config, wall_clock_ms())?;
        Ok(Admin { driver: Driver::connect(machine, link)?, timeout })
    }

    /// An admin client of `cluster` (its `bootstrap.servers` is not consulted).
    pub fn with_config(cluster: &Cluster, config: AdminConfig) -> Result<Admin> {
        let client_id = Some(config.client_id.clone());
        // The machine enforces default.api.timeout.ms itself; the driver waits a little longer.
        let timeout = Duration::from_millis(config.default_api_timeout_ms as u64 + 1000);
        let machine = admin::Admin::new(config, wall_clock_ms())?;
        Ok(Admin { driver: Driver::in_process(cluster, machine, client_id), timeout })
    }

    fn wait(&mut self, id: RequestId) -> Result<AdminResult> {
        let mut result = None;
        self.driver.run_until(self.timeout, |m| {
            while let Some(AdminEvent::Completed { id: done, result: r }) = m.poll_event() {
                if done == id {
                    result = Some(r);
                }
            }
            result.is_some()
        });
        result.unwrap_or_else(|| {
            Err(Error::timed_out(match self.driver.transport_error() {
                Some(e) => format!("admin request ({e})"),
                None => "admin request".to_string(),
            }))
        })
    }

    pub fn create_topics(&mut self, topics: Vec<NewTopic>, validate_only: bool) -> Result<AdminResult> {
        let id = self.driver.machine.create_topics(topics, validate_only, wall_clock_ms());
        self.wait(id)
    }

    /// Create one topic, failing if it could not be created.
    pub fn create_topic(&mut self, name: &str, num_partitions: i32, configs: &[(&str, &str)]) -> Result<()> {
        let topic = NewTopic {
            name: name.to_string(),
            num_partitions,
            replication_factor: -1,
            configs: configs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        };
        match self.create_topics(vec![topic], false)? {
            AdminResult::CreateTopics(mut results) => match results.pop() {
                Some((_, r)) => r,
                None => Err(Error::internal("CreateTopics returned no result")),
            },
            other => Err(Error::internal(format!("unexpected admin result {other:?}"))),
        }
    }

    pub fn delete_topics(&mut self, names: Vec<String>) -> Result<AdminResult> {
        let id = self.driver.machine.delete_topics(names, wall_clock_ms());
        self.wait(id)
    }

    pub fn list_topics(&mut self) -> Result<AdminResult> {
        let id = self.driver.machine.list_topics(wall_clock_ms());
        self.wait(id)
    }

    /// The cluster (id, controller, brokers) as the last `list_topics` saw it.
    pub fn listed_cluster(&self) -> Option<&ListedCluster> {
        self.driver.machine.listed_cluster()
    }

    pub fn list_offsets(
        &mut self,
        req: Vec<(TopicPartition, OffsetSpec)>,
        read_committed: bool,
    ) -> Result<AdminResult> {
        let id = self.driver.machine.list_offsets(req, read_committed, wall_clock_ms());
        self.wait(id)
    }

    /// Configuration of topics and brokers (`AdminResult::DescribeConfigs`, per-resource errors inside).
    pub fn describe_configs(&mut self, resources: Vec<ConfigResource>, include_synonyms: bool) -> Result<AdminResult> {
        let id = self.driver.machine.describe_configs(resources, include_synonyms, wall_clock_ms());
        self.wait(id)
    }

    /// The cluster id, controller and brokers.
    pub fn describe_cluster(&mut self, include_authorized_operations: bool) -> Result<ClusterDescription> {
        let id = self.driver.machine.describe_cluster(include_authorized_operations, wall_clock_ms());
        match self.wait(id)? {
            AdminResult::DescribeCluster(d) => Ok(d),
            other => Err(Error::internal(format!("unexpected admin result {other:?}"))),
        }
    }

    /// Grows topics to the given total partition counts (`AdminResult::CreatePartitions`).
    pub fn create_partitions(&mut self, counts: Vec<(String, i32)>, validate_only: bool) -> Result<AdminResult> {
        let id = self.driver.machine.create_partitions(counts, validate_only, wall_clock_ms());
        self.wait(id)
    }

    /// Deletes records before each offset (-1: the high watermark); `AdminResult::DeleteRecords`
    /// holds each partition's new low watermark.
    pub fn delete_records(&mut self, offsets: Vec<(TopicPartition, i64)>) -> Result<AdminResult> {
        let id = self.driver.machine.delete_records(offsets, wall_clock_ms());
        self.wait(id)
    }
}
