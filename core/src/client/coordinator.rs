//! Finding a coordinator (FindCoordinator, API 10), shared by the consumer (groups) and the
//! producer (transactions).
//!
//! The request is filled in v4's batched shape (`coordinator_keys`) with one key; the TCP driver's
//! `fit_to_version` moves it to `key` when it negotiates down to v0-v3. The answer is read from
//! whichever shape came back.

use kafka_protocol::messages::{FindCoordinatorRequest, FindCoordinatorResponse};
use kafka_protocol::protocol::StrBytes;

use crate::error::{Error, ErrorCode};

/// What is being coordinated (FindCoordinator's `key_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoordinatorType {
    Group = 0,
    Transaction = 1,
}

/// Where a coordinator lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoordinatorAddr {
    pub node_id: i32,
    pub host: String,
    pub port: i32,
}

/// A FindCoordinator request for one key.
pub fn find_coordinator_request(kind: CoordinatorType, key: &str) -> FindCoordinatorRequest {
    FindCoordinatorRequest::default()
        .with_key_type(kind as i8)
        .with_coordinator_keys(vec![StrBytes::from_string(key.to_string())])
}

/// The coordinator of `key` from a response of any version. A coordinator error (for instance
/// COORDINATOR_NOT_AVAILABLE while it loads, retriable) comes back as an `Error` with the code.
pub fn coordinator_from_response(resp: &FindCoordinatorResponse, key: &str) -> Result<CoordinatorAddr, Error> {
    let (code, message, node_id, host, port) = match resp.coordinators.iter().find(|c| c.key.as_str() == key) {
        Some(c) => (c.error_code, c.error_message.as_ref(), c.node_id.0, c.host.as_str(), c.port),
        None if !resp.coordinators.is_empty() => {
            return Err(Error::new(ErrorCode::BAD_MSG, format!("FindCoordinator answered other keys than {key:?}")))
        }
        None => (resp.error_code, resp.error_message.as_ref(), resp.node_id.0, resp.host.as_str(), resp.port),
    };
    if code != 0 {
        let detail = message.map(|m| format!(" ({m})")).unwrap_or_default();
        return Err(Error::from_code(code, format_args!("finding the coordinator of {key:?}{detail}")));
    }
    if node_id < 0 {
        return Err(Error::new(ErrorCode::COORDINATOR_NOT_AVAILABLE, format!("no coordinator for {key:?} yet")));
    }
    Ok(CoordinatorAddr { node_id, host: host.to_string(), port })
}

#[cfg(test)]
mod tests {
    use kafka_protocol::messages::find_coordinator_response::Coordinator;
    use kafka_protocol::messages::BrokerId;

    use super::*;

    fn s(v: &str) -> StrBytes {
        StrBytes::from_string(v.to_string())
    }

    #[test]
    fn reads_both_response_shapes() {
        let old = FindCoordinatorResponse::default().with_node_id(BrokerId(3)).with_host(s("h")).with_port(9);
        let want = CoordinatorAddr { node_id: 3, host: "h".into(), port: 9 };
        assert_eq!(coordinator_from_response(&old, "g").unwrap(), want);
        let new = FindCoordinatorResponse::default().with_coordinators(vec![Coordinator::default()
            .with_key(s("g"))
            .with_node_id(BrokerId(3))
            .with_host(s("h"))
            .with_port(9)]);
        assert_eq!(coordinator_from_response(&new, "g").unwrap(), want);
        assert_eq!(coordinator_from_response(&new, "other").unwrap_err().code(), ErrorCode::BAD_MSG);
    }

    #[test]
    fn errors_keep_their_code() {
        let busy = FindCoordinatorResponse::default()
            .with_error_code(ErrorCode::COORDINATOR_NOT_AVAILABLE.0)
            .with_node_id(BrokerId(-1));
        assert_eq!(coordinator_from_response(&busy, "g").unwrap_err().code(), ErrorCode::COORDINATOR_NOT_AVAILABLE);
        let unknown = FindCoordinatorResponse::default().with_node_id(BrokerId(-1));
        assert_eq!(coordinator_from_response(&unknown, "g").unwrap_err().code(), ErrorCode::COORDINATOR_NOT_AVAILABLE);
    }
}
