// ApiVersions: v0-v3
// Behaviour:
// - Answers with the VERSIONS table, one entry per API key in key order.
// - A version above v3 gets UNSUPPORTED_VERSION and the table, encoded at v0 as Kafka does,
//   so that any client can read it and retry at a version it shares with us.
// - client_software_name/version (v3+) are accepted as sent (Kafka rejects malformed ones
//   with INVALID_REQUEST; clients that leave them empty exist, so we do not).
// Version notes:
// - v1+: throttle_time_ms. v3+: flexible versions; no supported or finalized features.

use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::{ApiVersionsRequest, ApiVersionsResponse, ResponseKind};

use crate::error::ErrorCode;

use super::{Outcome, VERSIONS};

fn table() -> Vec<ApiVersion> {
    let mut keys: Vec<ApiVersion> = VERSIONS
        .iter()
        .map(|&(key, min, max)| {
            ApiVersion::default().with_api_key(key as i16).with_min_version(min).with_max_version(max)
        })
        .collect();
    keys.sort_by_key(|v| v.api_key);
    keys
}

pub(super) fn handle(_version: i16, _req: &ApiVersionsRequest) -> Outcome {
    Outcome::Respond(ResponseKind::ApiVersions(ApiVersionsResponse::default().with_api_keys(table())))
}

pub(super) fn unsupported() -> Outcome {
    let body = ApiVersionsResponse::default().with_error_code(ErrorCode::UNSUPPORTED_VERSION.0).with_api_keys(table());
    Outcome::RespondAt(0, ResponseKind::ApiVersions(body))
}
