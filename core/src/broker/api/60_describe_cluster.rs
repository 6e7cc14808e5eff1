// DescribeCluster: v0-v2
// Behaviour:
// - Brokers: every node (`BrokerConfig::nodes`, else this one) with its advertised host and port,
//   no rack, never fenced; controller_id = the first node, as in Metadata; cluster id from config.
// - cluster_authorized_operations: everything (there are no ACLs) when asked, else Kafka's
//   "not requested" value i32::MIN.
// - endpoint_type (v1+): 1 (brokers) is answered; 2 (controllers) gets MISMATCHED_ENDPOINT_TYPE, as
//   a Kafka broker answers it; anything else UNSUPPORTED_ENDPOINT_TYPE. The response echoes it.
// - include_fenced_brokers (v2+): there are no fenced brokers, so the list is the same.
// Version notes:
// - Flexible from v0. v1+: endpoint_type. v2+: include_fenced_brokers and is_fenced.

use kafka_protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kafka_protocol::messages::{BrokerId, DescribeClusterRequest, DescribeClusterResponse, ResponseKind};

use crate::error::ErrorCode;

use super::super::Broker;
use super::metadata::CLUSTER_OPERATIONS;
use super::{str_bytes, Outcome};

const ENDPOINT_BROKERS: i8 = 1;
const ENDPOINT_CONTROLLERS: i8 = 2;
const MISMATCHED_ENDPOINT_TYPE: ErrorCode = ErrorCode(114);
const UNSUPPORTED_ENDPOINT_TYPE: ErrorCode = ErrorCode(115);
/// Kafka's "authorized operations not requested".
const OPERATIONS_NOT_REQUESTED: i32 = i32::MIN;

impl Broker {
    pub(super) fn handle_describe_cluster(&mut self, version: i16, req: DescribeClusterRequest) -> Outcome {
        let endpoint_type = if version >= 1 { req.endpoint_type } else { ENDPOINT_BROKERS };
        let mut resp = DescribeClusterResponse::default()
            .with_cluster_id(str_bytes(self.config.cluster_id.clone()))
            .with_cluster_authorized_operations(OPERATIONS_NOT_REQUESTED);
        if version >= 1 {
            resp.endpoint_type = endpoint_type;
        }
        if endpoint_type != ENDPOINT_BROKERS {
            let (code, message) = if endpoint_type == ENDPOINT_CONTROLLERS {
                (
                    MISMATCHED_ENDPOINT_TYPE,
                    "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER",
                )
            } else {
                (UNSUPPORTED_ENDPOINT_TYPE, "Unsupported endpoint type")
            };
            resp.error_code = code.0;
            resp.error_message = Some(str_bytes(format!("{message} ({endpoint_type})")));
            resp.controller_id = BrokerId(-1);
            return Outcome::Respond(ResponseKind::DescribeCluster(resp));
        }
        let nodes = self.nodes();
        resp.controller_id = BrokerId(nodes.first().map_or(self.config.node_id, |n| n.0));
        resp.brokers = nodes
            .into_iter()
            .map(|(id, host, port)| {
                DescribeClusterBroker::default().with_broker_id(BrokerId(id)).with_host(str_bytes(host)).with_port(port)
            })
            .collect();
        if req.include_cluster_authorized_operations {
            resp.cluster_authorized_operations = CLUSTER_OPERATIONS;
        }
        Outcome::Respond(ResponseKind::DescribeCluster(resp))
    }
}

pub(super) fn error_response(code: ErrorCode) -> DescribeClusterResponse {
    DescribeClusterResponse::default()
        .with_error_code(code.0)
        .with_controller_id(BrokerId(-1))
        .with_cluster_authorized_operations(OPERATIONS_NOT_REQUESTED)
}
