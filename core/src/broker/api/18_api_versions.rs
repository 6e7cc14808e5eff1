// ApiVersions: v0-v3
// Behaviour:
// - Answers with the VERSIONS table, one entry per API key in key order, except that Produce is
//   listed from v0 though v0-v2 stay refused (as Apache Kafka 4 does, KAFKA-18659): older
//   librdkafka (2.0.2 in Debian's kcat 1.7.1, among others) sends gzip, snappy and lz4 batches uncompressed
//   unless the broker lists Produce v0. Clients pick the highest shared version, so none sends v0-v2.
// - A version above v3 gets UNSUPPORTED_VERSION and the table, encoded at v0 as Kafka does,
//   so that any client can read it and retry at a version it shares with us.
// - client_software_name/version (v3+) are accepted as sent (Kafka rejects malformed ones
//   with INVALID_REQUEST; clients that leave them empty exist, so we do not).
// Version notes:
// - v1+: throttle_time_ms. v3+: flexible versions; no supported or finalized features.

use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::{ApiVersionsRequest, ApiVersionsResponse, ResponseKind};

use crate::error::ErrorCode;
use crate::protocol::ApiKey;

use super::{Outcome, VERSIONS};

/// The lowest version listed for `key`: Produce's is 0 whatever the broker accepts (see above).
fn advertised_min(key: ApiKey, min: i16) -> i16 {
    if key == ApiKey::Produce {
        0
    } else {
        min
    }
}

fn table() -> Vec<ApiVersion> {
    let mut keys: Vec<ApiVersion> = VERSIONS
        .iter()
        .map(|&(key, min, max)| {
            let min = advertised_min(key, min);
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
