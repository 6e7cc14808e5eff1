//! The decode guard for responses: the same pre-scan as for requests (see the parent module), over
//! the response schemas of every `(API key, version)` our TCP client can receive. A hostile or
//! broken broker claiming 2^31 array elements would otherwise make `kafka-protocol` abort the
//! process that embeds our client (Python, Node, C programs).
//!
//! The tables are transcribed from `kafka-protocol` 0.18's generated `Decodable` impls of the
//! response structs; the versions are those our clients ask for (`client::versions::RANGES`) and
//! those of the admin APIs (DescribeConfigs v1-v4, the oldest the crate decodes, DescribeCluster
//! v0-v1, CreatePartitions v0-v3, DeleteRecords v0-v2), InitProducerId v0-v4 (for the idempotent
//! producer to come) and the group admin calls (ListGroups v0-v5, DescribeGroups v0-v5, DeleteGroups
//! v0-v2, OffsetDelete v0, OffsetFetch v1-v8, OffsetCommit v2-v8) and the membership calls of our
//! consumer (JoinGroup v2-v7, SyncGroup v0-v5, Heartbeat v0-v4, LeaveGroup v0-v5). A response at a version without a schema is refused, never decoded unguarded.
//! Kept apart from the request tables so that both grow without touching each other.

use super::{between, f, since, until, Api, GuardError, Struct, Tag, Ty, Walk, BOOL, I16, I32, I64, I8, UUID};
use crate::protocol::ApiKey;

// ApiVersions (flexible from v3; its response header is always v0).
const API_VERSION: Struct = Struct { fields: &[f(I16), f(I16), f(I16)], tags: &[] };
const FEATURE: Struct = Struct { fields: &[since(3, Ty::Str), since(3, I16), since(3, I16)], tags: &[] };
const API_VERSIONS: Struct = Struct {
    fields: &[f(I16), f(Ty::Structs(&API_VERSION)), since(1, I32)],
    tags: &[
        Tag { tag: 0, ty: Ty::Structs(&FEATURE), since: 3 },
        Tag { tag: 1, ty: I64, since: 3 },
        Tag { tag: 2, ty: Ty::Structs(&FEATURE), since: 3 },
        Tag { tag: 3, ty: BOOL, since: 3 },
    ],
};

// Metadata (flexible from v9).
const METADATA_BROKER: Struct = Struct { fields: &[f(I32), f(Ty::Str), f(I32), since(1, Ty::Str)], tags: &[] };
const METADATA_PARTITION: Struct = Struct {
    fields: &[f(I16), f(I32), f(I32), since(7, I32), f(Ty::Fixeds(4)), f(Ty::Fixeds(4)), since(5, Ty::Fixeds(4))],
    tags: &[],
};
const METADATA_TOPIC: Struct = Struct {
    fields: &[f(I16), f(Ty::Str), since(10, UUID), since(1, BOOL), f(Ty::Structs(&METADATA_PARTITION)), since(8, I32)],
    tags: &[],
};
const METADATA: Struct = Struct {
    fields: &[
        since(3, I32),
        f(Ty::Structs(&METADATA_BROKER)),
        since(2, Ty::Str),
        since(1, I32),
        f(Ty::Structs(&METADATA_TOPIC)),
        between(8, 10, I32),
        since(13, I16),
    ],
    tags: &[],
};

// Produce (flexible from v9).
const PRODUCE_RECORD_ERROR: Struct = Struct { fields: &[since(8, I32), since(8, Ty::Str)], tags: &[] };
const PRODUCE_LEADER: Struct = Struct { fields: &[since(10, I32), since(10, I32)], tags: &[] };
const PRODUCE_NODE: Struct =
    Struct { fields: &[since(10, I32), since(10, Ty::Str), since(10, I32), since(10, Ty::Str)], tags: &[] };
const PRODUCE_PARTITION: Struct = Struct {
    fields: &[
        f(I32),
        f(I16),
        f(I64),
        f(I64),
        since(5, I64),
        since(8, Ty::Structs(&PRODUCE_RECORD_ERROR)),
        since(8, Ty::Str),
    ],
    tags: &[Tag { tag: 0, ty: Ty::Struct(&PRODUCE_LEADER), since: 10 }],
};
const PRODUCE_TOPIC: Struct =
    Struct { fields: &[until(12, Ty::Str), since(13, UUID), f(Ty::Structs(&PRODUCE_PARTITION))], tags: &[] };
const PRODUCE: Struct = Struct {
    fields: &[f(Ty::Structs(&PRODUCE_TOPIC)), f(I32)],
    tags: &[Tag { tag: 0, ty: Ty::Structs(&PRODUCE_NODE), since: 10 }],
};

// Fetch (flexible from v12).
const FETCH_ABORTED: Struct = Struct { fields: &[f(I64), f(I64)], tags: &[] };
const FETCH_EPOCH_END: Struct = Struct { fields: &[since(12, I32), since(12, I64)], tags: &[] };
const FETCH_LEADER: Struct = Struct { fields: &[since(12, I32), since(12, I32)], tags: &[] };
const FETCH_SNAPSHOT: Struct = Struct { fields: &[f(I64), f(I32)], tags: &[] };
const FETCH_NODE: Struct =
    Struct { fields: &[since(16, I32), since(16, Ty::Str), since(16, I32), since(16, Ty::Str)], tags: &[] };
const FETCH_PARTITION: Struct = Struct {
    fields: &[
        f(I32),
        f(I16),
        f(I64),
        f(I64),
        since(5, I64),
        f(Ty::Structs(&FETCH_ABORTED)),
        since(11, I32),
        f(Ty::Bytes),
    ],
    tags: &[
        Tag { tag: 0, ty: Ty::Struct(&FETCH_EPOCH_END), since: 12 },
        Tag { tag: 1, ty: Ty::Struct(&FETCH_LEADER), since: 12 },
        Tag { tag: 2, ty: Ty::Struct(&FETCH_SNAPSHOT), since: 12 },
    ],
};
const FETCH_TOPIC: Struct =
    Struct { fields: &[until(12, Ty::Str), since(13, UUID), f(Ty::Structs(&FETCH_PARTITION))], tags: &[] };
const FETCH: Struct = Struct {
    fields: &[f(I32), since(7, I16), since(7, I32), f(Ty::Structs(&FETCH_TOPIC))],
    tags: &[Tag { tag: 0, ty: Ty::Structs(&FETCH_NODE), since: 16 }],
};

// ListOffsets (flexible from v6).
const LIST_OFFSETS_PARTITION: Struct = Struct { fields: &[f(I32), f(I16), f(I64), f(I64), since(4, I32)], tags: &[] };
const LIST_OFFSETS_TOPIC: Struct = Struct { fields: &[f(Ty::Str), f(Ty::Structs(&LIST_OFFSETS_PARTITION))], tags: &[] };
const LIST_OFFSETS: Struct = Struct { fields: &[since(2, I32), f(Ty::Structs(&LIST_OFFSETS_TOPIC))], tags: &[] };

// CreateTopics (flexible from v5).
const CREATE_TOPICS_CONFIG: Struct =
    Struct { fields: &[since(5, Ty::Str), since(5, Ty::Str), since(5, BOOL), since(5, I8), since(5, BOOL)], tags: &[] };
const CREATE_TOPICS_RESULT: Struct = Struct {
    fields: &[
        f(Ty::Str),
        since(7, UUID),
        f(I16),
        f(Ty::Str),
        since(5, I32),
        since(5, I16),
        since(5, Ty::Structs(&CREATE_TOPICS_CONFIG)),
    ],
    tags: &[Tag { tag: 0, ty: I16, since: 5 }],
};
const CREATE_TOPICS: Struct = Struct { fields: &[f(I32), f(Ty::Structs(&CREATE_TOPICS_RESULT))], tags: &[] };

// DeleteTopics (flexible from v4).
const DELETE_TOPICS_RESULT: Struct =
    Struct { fields: &[f(Ty::Str), since(6, UUID), f(I16), since(5, Ty::Str)], tags: &[] };
const DELETE_TOPICS: Struct = Struct { fields: &[f(I32), f(Ty::Structs(&DELETE_TOPICS_RESULT))], tags: &[] };

// DescribeConfigs (flexible from v4; the crate decodes v1-v4).
const DESCRIBE_CONFIGS_SYNONYM: Struct = Struct { fields: &[f(Ty::Str), f(Ty::Str), f(I8)], tags: &[] };
const DESCRIBE_CONFIGS_ENTRY: Struct = Struct {
    fields: &[
        f(Ty::Str),
        f(Ty::Str),
        f(BOOL),
        f(I8),
        f(BOOL),
        f(Ty::Structs(&DESCRIBE_CONFIGS_SYNONYM)),
        since(3, I8),
        since(3, Ty::Str),
    ],
    tags: &[],
};
const DESCRIBE_CONFIGS_RESULT: Struct =
    Struct { fields: &[f(I16), f(Ty::Str), f(I8), f(Ty::Str), f(Ty::Structs(&DESCRIBE_CONFIGS_ENTRY))], tags: &[] };
const DESCRIBE_CONFIGS: Struct = Struct { fields: &[f(I32), f(Ty::Structs(&DESCRIBE_CONFIGS_RESULT))], tags: &[] };

// DescribeCluster (flexible from v0).
const DESCRIBE_CLUSTER_BROKER: Struct =
    Struct { fields: &[f(I32), f(Ty::Str), f(I32), f(Ty::Str), since(2, BOOL)], tags: &[] };
const DESCRIBE_CLUSTER: Struct = Struct {
    fields: &[
        f(I32),
        f(I16),
        f(Ty::Str),
        since(1, I8),
        f(Ty::Str),
        f(I32),
        f(Ty::Structs(&DESCRIBE_CLUSTER_BROKER)),
        f(I32),
    ],
    tags: &[],
};

// CreatePartitions (flexible from v2).
const CREATE_PARTITIONS_RESULT: Struct = Struct { fields: &[f(Ty::Str), f(I16), f(Ty::Str)], tags: &[] };
const CREATE_PARTITIONS: Struct = Struct { fields: &[f(I32), f(Ty::Structs(&CREATE_PARTITIONS_RESULT))], tags: &[] };

// DeleteRecords (flexible from v2).
const DELETE_RECORDS_PARTITION: Struct = Struct { fields: &[f(I32), f(I64), f(I16)], tags: &[] };
const DELETE_RECORDS_TOPIC: Struct =
    Struct { fields: &[f(Ty::Str), f(Ty::Structs(&DELETE_RECORDS_PARTITION))], tags: &[] };
const DELETE_RECORDS: Struct = Struct { fields: &[f(I32), f(Ty::Structs(&DELETE_RECORDS_TOPIC))], tags: &[] };

/// One response type and the versions it is guarded at.
struct Response {
    api: Api,
    lo: i16,
    hi: i16,
}

// InitProducerId (flexible from v2; v6+ ongoing_txn fields not spoken).
const INIT_PRODUCER_ID: Struct = Struct { fields: &[f(I32), f(I16), f(I64), f(I16)], tags: &[] };

// FindCoordinator (flexible from v3; v4 batches the keys).
const FIND_COORDINATOR_COORDINATOR: Struct =
    Struct { fields: &[f(Ty::Str), f(I32), f(Ty::Str), f(I32), f(I16), f(Ty::Str)], tags: &[] };
const FIND_COORDINATOR: Struct = Struct {
    fields: &[
        since(1, I32),
        until(3, I16),
        between(1, 3, Ty::Str),
        until(3, I32),
        until(3, Ty::Str),
        until(3, I32),
        since(4, Ty::Structs(&FIND_COORDINATOR_COORDINATOR)),
    ],
    tags: &[],
};

// Transactions, as a transactional producer speaks them (all flexible from v3).
// AddPartitionsToTxn v0-v3: results by topic, then by partition (v4+ batch transactions: not spoken).
const ADD_PARTITIONS_TO_TXN_PARTITION: Struct = Struct { fields: &[f(I32), f(I16)], tags: &[] };
const ADD_PARTITIONS_TO_TXN_TOPIC: Struct =
    Struct { fields: &[f(Ty::Str), f(Ty::Structs(&ADD_PARTITIONS_TO_TXN_PARTITION))], tags: &[] };
const ADD_PARTITIONS_TO_TXN: Struct =
    Struct { fields: &[f(I32), f(Ty::Structs(&ADD_PARTITIONS_TO_TXN_TOPIC))], tags: &[] };
// AddOffsetsToTxn and EndTxn v0-v3: throttle time and error code.
const THROTTLE_AND_ERROR: Struct = Struct { fields: &[f(I32), f(I16)], tags: &[] };
// TxnOffsetCommit v0-v3.
const TXN_OFFSET_COMMIT_PARTITION: Struct = Struct { fields: &[f(I32), f(I16)], tags: &[] };
const TXN_OFFSET_COMMIT_TOPIC: Struct =
    Struct { fields: &[f(Ty::Str), f(Ty::Structs(&TXN_OFFSET_COMMIT_PARTITION))], tags: &[] };
const TXN_OFFSET_COMMIT: Struct = Struct { fields: &[f(I32), f(Ty::Structs(&TXN_OFFSET_COMMIT_TOPIC))], tags: &[] };
// ListGroups (flexible from v3; v4 adds the state, v5 the type).
const LIST_GROUPS_GROUP: Struct =
    Struct { fields: &[f(Ty::Str), f(Ty::Str), since(4, Ty::Str), since(5, Ty::Str)], tags: &[] };
const LIST_GROUPS: Struct = Struct { fields: &[since(1, I32), f(I16), f(Ty::Structs(&LIST_GROUPS_GROUP))], tags: &[] };

// DescribeGroups (flexible from v5).
const DESCRIBE_GROUPS_MEMBER: Struct =
    Struct { fields: &[f(Ty::Str), since(4, Ty::Str), f(Ty::Str), f(Ty::Str), f(Ty::Bytes), f(Ty::Bytes)], tags: &[] };
const DESCRIBE_GROUPS_GROUP: Struct = Struct {
    fields: &[
        f(I16),
        since(6, Ty::Str),
        f(Ty::Str),
        f(Ty::Str),
        f(Ty::Str),
        f(Ty::Str),
        f(Ty::Structs(&DESCRIBE_GROUPS_MEMBER)),
        since(3, I32),
    ],
    tags: &[],
};
const DESCRIBE_GROUPS: Struct = Struct { fields: &[since(1, I32), f(Ty::Structs(&DESCRIBE_GROUPS_GROUP))], tags: &[] };

// DeleteGroups (flexible from v2).
const DELETE_GROUPS_RESULT: Struct = Struct { fields: &[f(Ty::Str), f(I16)], tags: &[] };
const DELETE_GROUPS: Struct = Struct { fields: &[f(I32), f(Ty::Structs(&DELETE_GROUPS_RESULT))], tags: &[] };

// OffsetDelete (v0 only, never flexible).
const OFFSET_DELETE_PARTITION: Struct = Struct { fields: &[f(I32), f(I16)], tags: &[] };
const OFFSET_DELETE_TOPIC: Struct =
    Struct { fields: &[f(Ty::Str), f(Ty::Structs(&OFFSET_DELETE_PARTITION))], tags: &[] };
const OFFSET_DELETE: Struct = Struct { fields: &[f(I16), f(I32), f(Ty::Structs(&OFFSET_DELETE_TOPIC))], tags: &[] };

// OffsetFetch (flexible from v6; v8 answers per group).
const OFFSET_FETCH_PARTITION: Struct =
    Struct { fields: &[f(I32), f(I64), since(5, I32), f(Ty::Str), f(I16)], tags: &[] };
const OFFSET_FETCH_TOPIC: Struct = Struct { fields: &[f(Ty::Str), f(Ty::Structs(&OFFSET_FETCH_PARTITION))], tags: &[] };
const OFFSET_FETCH_GROUP_PARTITION: Struct =
    Struct { fields: &[f(I32), f(I64), f(I32), f(Ty::Str), f(I16)], tags: &[] };
const OFFSET_FETCH_GROUP_TOPIC: Struct =
    Struct { fields: &[until(9, Ty::Str), since(10, UUID), f(Ty::Structs(&OFFSET_FETCH_GROUP_PARTITION))], tags: &[] };
const OFFSET_FETCH_GROUP: Struct =
    Struct { fields: &[f(Ty::Str), f(Ty::Structs(&OFFSET_FETCH_GROUP_TOPIC)), f(I16)], tags: &[] };
const OFFSET_FETCH: Struct = Struct {
    fields: &[
        since(3, I32),
        until(7, Ty::Structs(&OFFSET_FETCH_TOPIC)),
        between(2, 7, I16),
        since(8, Ty::Structs(&OFFSET_FETCH_GROUP)),
    ],
    tags: &[],
};

// OffsetCommit (flexible from v8).
const OFFSET_COMMIT_PARTITION: Struct = Struct { fields: &[f(I32), f(I16)], tags: &[] };
const OFFSET_COMMIT_TOPIC: Struct =
    Struct { fields: &[until(9, Ty::Str), since(10, UUID), f(Ty::Structs(&OFFSET_COMMIT_PARTITION))], tags: &[] };
const OFFSET_COMMIT: Struct = Struct { fields: &[since(3, I32), f(Ty::Structs(&OFFSET_COMMIT_TOPIC))], tags: &[] };

// JoinGroup (flexible from v6; our consumer speaks v2+).
const JOIN_GROUP_MEMBER: Struct = Struct { fields: &[f(Ty::Str), since(5, Ty::Str), f(Ty::Bytes)], tags: &[] };
const JOIN_GROUP: Struct = Struct {
    fields: &[
        since(2, I32),
        f(I16),
        f(I32),
        since(7, Ty::Str),
        f(Ty::Str),
        f(Ty::Str),
        since(9, BOOL),
        f(Ty::Str),
        f(Ty::Structs(&JOIN_GROUP_MEMBER)),
    ],
    tags: &[],
};

// SyncGroup (flexible from v4).
const SYNC_GROUP: Struct =
    Struct { fields: &[since(1, I32), f(I16), since(5, Ty::Str), since(5, Ty::Str), f(Ty::Bytes)], tags: &[] };

// Heartbeat (flexible from v4).
const HEARTBEAT: Struct = Struct { fields: &[since(1, I32), f(I16)], tags: &[] };

// LeaveGroup (flexible from v4; v3+ answers per member).
const LEAVE_GROUP_MEMBER: Struct = Struct { fields: &[f(Ty::Str), f(Ty::Str), f(I16)], tags: &[] };
const LEAVE_GROUP: Struct =
    Struct { fields: &[since(1, I32), f(I16), since(3, Ty::Structs(&LEAVE_GROUP_MEMBER))], tags: &[] };

const fn r(key: ApiKey, lo: i16, hi: i16, flexible_from: i16, root: &'static Struct) -> Response {
    Response { api: Api { key, flexible_from, root }, lo, hi }
}

const RESPONSES: &[Response] = &[
    r(ApiKey::ApiVersions, 0, 3, 3, &API_VERSIONS),
    r(ApiKey::Metadata, 1, 12, 9, &METADATA),
    r(ApiKey::Produce, 3, 9, 9, &PRODUCE),
    r(ApiKey::Fetch, 4, 12, 12, &FETCH),
    r(ApiKey::ListOffsets, 1, 7, 6, &LIST_OFFSETS),
    r(ApiKey::CreateTopics, 2, 7, 5, &CREATE_TOPICS),
    r(ApiKey::DeleteTopics, 1, 6, 4, &DELETE_TOPICS),
    r(ApiKey::DescribeConfigs, 1, 4, 4, &DESCRIBE_CONFIGS),
    r(ApiKey::DescribeCluster, 0, 1, 0, &DESCRIBE_CLUSTER),
    r(ApiKey::CreatePartitions, 0, 3, 2, &CREATE_PARTITIONS),
    r(ApiKey::DeleteRecords, 0, 2, 2, &DELETE_RECORDS),
    r(ApiKey::InitProducerId, 0, 4, 2, &INIT_PRODUCER_ID),
    r(ApiKey::FindCoordinator, 0, 4, 3, &FIND_COORDINATOR),
    r(ApiKey::AddPartitionsToTxn, 0, 3, 3, &ADD_PARTITIONS_TO_TXN),
    r(ApiKey::AddOffsetsToTxn, 0, 3, 3, &THROTTLE_AND_ERROR),
    r(ApiKey::EndTxn, 0, 3, 3, &THROTTLE_AND_ERROR),
    r(ApiKey::TxnOffsetCommit, 0, 3, 3, &TXN_OFFSET_COMMIT),
    r(ApiKey::ListGroups, 0, 5, 3, &LIST_GROUPS),
    r(ApiKey::DescribeGroups, 0, 5, 5, &DESCRIBE_GROUPS),
    r(ApiKey::DeleteGroups, 0, 2, 2, &DELETE_GROUPS),
    r(ApiKey::OffsetDelete, 0, 0, 1, &OFFSET_DELETE),
    r(ApiKey::OffsetFetch, 1, 8, 6, &OFFSET_FETCH),
    r(ApiKey::OffsetCommit, 2, 8, 8, &OFFSET_COMMIT),
    r(ApiKey::JoinGroup, 2, 7, 6, &JOIN_GROUP),
    r(ApiKey::SyncGroup, 0, 5, 4, &SYNC_GROUP),
    r(ApiKey::Heartbeat, 0, 4, 4, &HEARTBEAT),
    r(ApiKey::LeaveGroup, 0, 5, 4, &LEAVE_GROUP),
];

fn schema(key: ApiKey, version: i16) -> Option<&'static Api> {
    RESPONSES.iter().find(|r| r.api.key == key && (r.lo..=r.hi).contains(&version)).map(|r| &r.api)
}

/// The versions of `key`'s response the guard has a schema for.
pub fn response_range(key: ApiKey) -> Option<(i16, i16)> {
    RESPONSES.iter().find(|r| r.api.key == key).map(|r| (r.lo, r.hi))
}

/// Checks that `body` (a response body, after its header) can be decoded at `version` without an
/// allocation larger than the body justifies. Returns the number of bytes the decoder will read.
pub fn check_response(key: ApiKey, version: i16, body: &[u8]) -> Result<usize, GuardError> {
    let api = schema(key, version).ok_or_else(|| GuardError {
        offset: 0,
        problem: format!("no decode guard for the {key:?} v{version} response"),
    })?;
    let mut walk = Walk::new(body, version, version >= api.flexible_from);
    walk.walk_struct(api.root)?;
    Ok(walk.pos)
}

/// Where the array counts of a response body are: `(offset, length of the count's encoding)`.
#[cfg(test)]
fn count_offsets(key: ApiKey, version: i16, body: &[u8]) -> Vec<(usize, usize)> {
    let api = schema(key, version).expect("a schema");
    let mut walk = Walk::new(body, version, version >= api.flexible_from);
    walk.walk_struct(api.root).expect("a valid body");
    walk.counts
}

#[cfg(test)]
fn is_compact(key: ApiKey, version: i16) -> bool {
    schema(key, version).is_some_and(|a| version >= a.flexible_from)
}

#[cfg(test)]
#[path = "guard_response_tests.rs"]
pub(in crate::net) mod tests;
