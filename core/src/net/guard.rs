//! The decode guard: a schema-aware pre-scan of a request body that runs before `kafka-protocol`
//! decodes it.
//!
//! Why: `kafka-protocol` 0.18 decodes an array with `Vec::with_capacity(n)`, `n` read from the wire
//! (`src/protocol/types.rs`), before it reads a single element. Eight bytes claiming 2^31 elements
//! make it ask the allocator for gigabytes, and a failed allocation aborts the process; no
//! `Result`, no `catch_unwind` can stop it. Strings, bytes and unknown tagged fields are safe (they
//! go through `try_get_bytes`, which checks the bytes left), so arrays are the hazard.
//!
//! What: for every `(API key, version)` the broker answers (`broker::api::VERSIONS`), a table of the
//! request's fields transcribed from the crate's generated `Decodable` impls (the same field order,
//! version conditions, compact encodings from the flexible version on, and known tagged fields decoded
//! in place as the crate does). The walker reads the body exactly as the decoder will, and for every
//! array checks that the declared count fits in the bytes left (each element takes at least one
//! byte), then walks every element. A body it accepts therefore holds every element of every array
//! it claims, so each `with_capacity(n)` the decoder makes is bounded by the frame size (itself
//! bounded by `socket.request.max.bytes`) times a small per-type factor. The walker allocates
//! nothing and its recursion depth is the schema's, fixed at compile time.
//!
//! Why not a generic alternative: the decoder's only input is a byte buffer, so counts cannot be
//! intercepted without knowing where they are; a global allocator would not protect embedders; and
//! allocation failure cannot be caught. The schema is what tells counts from plain integers.
//!
//! Keeping it true: a unit test encodes populated requests at every supported version with
//! `kafka-protocol` and checks that the walk ends exactly at the end of the body; a request key or
//! version without a schema here is refused (the connection is closed), never decoded unguarded.

use std::fmt;

use crate::protocol::ApiKey;

/// Why a body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardError {
    /// Byte offset in the body where the problem was found.
    pub offset: usize,
    pub problem: String,
}

impl fmt::Display for GuardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at body byte {}", self.problem, self.offset)
    }
}

impl std::error::Error for GuardError {}

/// One field's wire type. Strings, bytes and arrays are compact (unsigned varint lengths) from
/// the API's first flexible version on, as the generated code decodes them.
#[derive(Debug, Clone, Copy)]
enum Ty {
    /// Fixed width: ints, booleans, UUIDs.
    Fixed(usize),
    /// String or nullable string.
    Str,
    /// Bytes or nullable bytes (record batches).
    Bytes,
    /// A nested struct (only as a known tagged field here).
    Struct(&'static Struct),
    /// Array of structs.
    Structs(&'static Struct),
    /// Array of fixed-width values.
    Fixeds(usize),
    /// Array of strings.
    Strs,
}

const I8: Ty = Ty::Fixed(1);
const BOOL: Ty = Ty::Fixed(1);
const I16: Ty = Ty::Fixed(2);
const I32: Ty = Ty::Fixed(4);
const I64: Ty = Ty::Fixed(8);
const UUID: Ty = Ty::Fixed(16);

/// A field present in versions `since..=until`.
#[derive(Debug, Clone, Copy)]
struct Field {
    ty: Ty,
    since: i16,
    until: i16,
}

const fn f(ty: Ty) -> Field {
    Field { ty, since: 0, until: i16::MAX }
}

const fn since(v: i16, ty: Ty) -> Field {
    Field { ty, since: v, until: i16::MAX }
}

const fn until(v: i16, ty: Ty) -> Field {
    Field { ty, since: 0, until: v }
}

const fn between(lo: i16, hi: i16, ty: Ty) -> Field {
    Field { ty, since: lo, until: hi }
}

/// A tagged field the decoder knows: decoded in place (its size prefix ignored) from `since` on,
/// an error before.
#[derive(Debug, Clone, Copy)]
struct Tag {
    tag: u32,
    ty: Ty,
    since: i16,
}

#[derive(Debug)]
struct Struct {
    fields: &'static [Field],
    tags: &'static [Tag],
}

/// One request type: its root struct and first flexible version.
struct Api {
    key: ApiKey,
    flexible_from: i16,
    root: &'static Struct,
}

// Produce (flexible from v9).
const PRODUCE_PARTITION: Struct = Struct { fields: &[f(I32), f(Ty::Bytes)], tags: &[] };
const PRODUCE_TOPIC: Struct =
    Struct { fields: &[until(12, Ty::Str), since(13, UUID), f(Ty::Structs(&PRODUCE_PARTITION))], tags: &[] };
const PRODUCE: Struct =
    Struct { fields: &[since(3, Ty::Str), f(I16), f(I32), f(Ty::Structs(&PRODUCE_TOPIC))], tags: &[] };

// Fetch (flexible from v12).
const FETCH_PARTITION: Struct = Struct {
    fields: &[f(I32), since(9, I32), f(I64), since(12, I32), since(5, I64), f(I32)],
    tags: &[Tag { tag: 0, ty: UUID, since: 17 }, Tag { tag: 1, ty: I64, since: 18 }],
};
const FETCH_TOPIC: Struct =
    Struct { fields: &[until(12, Ty::Str), since(13, UUID), f(Ty::Structs(&FETCH_PARTITION))], tags: &[] };
const FETCH_FORGOTTEN: Struct =
    Struct { fields: &[between(7, 12, Ty::Str), since(13, UUID), since(7, Ty::Fixeds(4))], tags: &[] };
const FETCH_REPLICA_STATE: Struct = Struct { fields: &[since(15, I32), since(15, I64)], tags: &[] };
const FETCH: Struct = Struct {
    fields: &[
        until(14, I32),
        f(I32),
        f(I32),
        f(I32),
        f(I8),
        since(7, I32),
        since(7, I32),
        f(Ty::Structs(&FETCH_TOPIC)),
        since(7, Ty::Structs(&FETCH_FORGOTTEN)),
        since(11, Ty::Str),
    ],
    tags: &[Tag { tag: 0, ty: Ty::Str, since: 0 }, Tag { tag: 1, ty: Ty::Struct(&FETCH_REPLICA_STATE), since: 15 }],
};

// ListOffsets (flexible from v6).
const LIST_OFFSETS_PARTITION: Struct = Struct { fields: &[f(I32), since(4, I32), f(I64)], tags: &[] };
const LIST_OFFSETS_TOPIC: Struct = Struct { fields: &[f(Ty::Str), f(Ty::Structs(&LIST_OFFSETS_PARTITION))], tags: &[] };
const LIST_OFFSETS: Struct =
    Struct { fields: &[f(I32), since(2, I8), f(Ty::Structs(&LIST_OFFSETS_TOPIC)), since(10, I32)], tags: &[] };

// Metadata (flexible from v9).
const METADATA_TOPIC: Struct = Struct { fields: &[since(10, UUID), f(Ty::Str)], tags: &[] };
const METADATA: Struct = Struct {
    fields: &[f(Ty::Structs(&METADATA_TOPIC)), since(4, BOOL), between(8, 10, BOOL), since(8, BOOL)],
    tags: &[],
};

// ApiVersions (flexible from v3).
const API_VERSIONS: Struct = Struct { fields: &[since(3, Ty::Str), since(3, Ty::Str)], tags: &[] };

// CreateTopics (flexible from v5).
const CREATE_TOPICS_ASSIGNMENT: Struct = Struct { fields: &[f(I32), f(Ty::Fixeds(4))], tags: &[] };
const CREATE_TOPICS_CONFIG: Struct = Struct { fields: &[f(Ty::Str), f(Ty::Str)], tags: &[] };
const CREATE_TOPICS_TOPIC: Struct = Struct {
    fields: &[
        f(Ty::Str),
        f(I32),
        f(I16),
        f(Ty::Structs(&CREATE_TOPICS_ASSIGNMENT)),
        f(Ty::Structs(&CREATE_TOPICS_CONFIG)),
    ],
    tags: &[],
};
const CREATE_TOPICS: Struct = Struct { fields: &[f(Ty::Structs(&CREATE_TOPICS_TOPIC)), f(I32), f(BOOL)], tags: &[] };

// DeleteTopics (flexible from v4).
const DELETE_TOPICS_STATE: Struct = Struct { fields: &[since(6, Ty::Str), since(6, UUID)], tags: &[] };
const DELETE_TOPICS: Struct =
    Struct { fields: &[since(6, Ty::Structs(&DELETE_TOPICS_STATE)), until(5, Ty::Strs), f(I32)], tags: &[] };

// DeleteRecords (flexible from v2).
const DELETE_RECORDS_PARTITION: Struct = Struct { fields: &[f(I32), f(I64)], tags: &[] };
const DELETE_RECORDS_TOPIC: Struct =
    Struct { fields: &[f(Ty::Str), f(Ty::Structs(&DELETE_RECORDS_PARTITION))], tags: &[] };
const DELETE_RECORDS: Struct = Struct { fields: &[f(Ty::Structs(&DELETE_RECORDS_TOPIC)), f(I32)], tags: &[] };

// DescribeConfigs (flexible from v4).
const DESCRIBE_CONFIGS_RESOURCE: Struct = Struct { fields: &[f(I8), f(Ty::Str), f(Ty::Strs)], tags: &[] };
const DESCRIBE_CONFIGS: Struct =
    Struct { fields: &[f(Ty::Structs(&DESCRIBE_CONFIGS_RESOURCE)), f(BOOL), since(3, BOOL)], tags: &[] };

// CreatePartitions (flexible from v2).
const CREATE_PARTITIONS_ASSIGNMENT: Struct = Struct { fields: &[f(Ty::Fixeds(4))], tags: &[] };
const CREATE_PARTITIONS_TOPIC: Struct =
    Struct { fields: &[f(Ty::Str), f(I32), f(Ty::Structs(&CREATE_PARTITIONS_ASSIGNMENT))], tags: &[] };
const CREATE_PARTITIONS: Struct =
    Struct { fields: &[f(Ty::Structs(&CREATE_PARTITIONS_TOPIC)), f(I32), f(BOOL)], tags: &[] };

// DescribeCluster (flexible from v0).
const DESCRIBE_CLUSTER: Struct = Struct { fields: &[f(BOOL), since(1, I8), since(2, BOOL)], tags: &[] };

// InitProducerId (flexible from v2).
const INIT_PRODUCER_ID: Struct = Struct { fields: &[f(Ty::Str), f(I32), since(3, I64), since(3, I16)], tags: &[] };

// FindCoordinator (flexible from v3; v4 batches the keys).
const FIND_COORDINATOR: Struct = Struct { fields: &[until(3, Ty::Str), since(1, I8), since(4, Ty::Strs)], tags: &[] };

// OffsetCommit (flexible from v8).
const OFFSET_COMMIT_PARTITION: Struct = Struct { fields: &[f(I32), f(I64), since(6, I32), f(Ty::Str)], tags: &[] };
const OFFSET_COMMIT_TOPIC: Struct =
    Struct { fields: &[f(Ty::Str), f(Ty::Structs(&OFFSET_COMMIT_PARTITION))], tags: &[] };
const OFFSET_COMMIT: Struct = Struct {
    fields: &[f(Ty::Str), f(I32), f(Ty::Str), since(7, Ty::Str), until(4, I64), f(Ty::Structs(&OFFSET_COMMIT_TOPIC))],
    tags: &[],
};

// OffsetFetch (flexible from v6; v8 batches groups).
const OFFSET_FETCH_TOPIC: Struct = Struct { fields: &[f(Ty::Str), f(Ty::Fixeds(4))], tags: &[] };
const OFFSET_FETCH_GROUP: Struct =
    Struct { fields: &[f(Ty::Str), since(9, Ty::Str), since(9, I32), f(Ty::Structs(&OFFSET_FETCH_TOPIC))], tags: &[] };
const OFFSET_FETCH: Struct = Struct {
    fields: &[
        until(7, Ty::Str),
        until(7, Ty::Structs(&OFFSET_FETCH_TOPIC)),
        since(8, Ty::Structs(&OFFSET_FETCH_GROUP)),
        since(7, BOOL),
    ],
    tags: &[],
};

// JoinGroup (flexible from v6).
const JOIN_GROUP_PROTOCOL: Struct = Struct { fields: &[f(Ty::Str), f(Ty::Bytes)], tags: &[] };
const JOIN_GROUP: Struct = Struct {
    fields: &[
        f(Ty::Str),
        f(I32),
        since(1, I32),
        f(Ty::Str),
        since(5, Ty::Str),
        f(Ty::Str),
        f(Ty::Structs(&JOIN_GROUP_PROTOCOL)),
        since(8, Ty::Str),
    ],
    tags: &[],
};

// Heartbeat (flexible from v4).
const HEARTBEAT: Struct = Struct { fields: &[f(Ty::Str), f(I32), f(Ty::Str), since(3, Ty::Str)], tags: &[] };

// LeaveGroup (flexible from v4; v3 batches members).
const LEAVE_GROUP_MEMBER: Struct = Struct { fields: &[f(Ty::Str), f(Ty::Str), since(5, Ty::Str)], tags: &[] };
const LEAVE_GROUP: Struct =
    Struct { fields: &[f(Ty::Str), until(2, Ty::Str), since(3, Ty::Structs(&LEAVE_GROUP_MEMBER))], tags: &[] };

// SyncGroup (flexible from v4).
const SYNC_GROUP_ASSIGNMENT: Struct = Struct { fields: &[f(Ty::Str), f(Ty::Bytes)], tags: &[] };
const SYNC_GROUP: Struct = Struct {
    fields: &[
        f(Ty::Str),
        f(I32),
        f(Ty::Str),
        since(3, Ty::Str),
        since(5, Ty::Str),
        since(5, Ty::Str),
        f(Ty::Structs(&SYNC_GROUP_ASSIGNMENT)),
    ],
    tags: &[],
};

// DescribeGroups (flexible from v5).
const DESCRIBE_GROUPS: Struct = Struct { fields: &[f(Ty::Strs), since(3, BOOL)], tags: &[] };

// ListGroups (flexible from v3).
const LIST_GROUPS: Struct = Struct { fields: &[since(4, Ty::Strs), since(5, Ty::Strs)], tags: &[] };

// DeleteGroups (flexible from v2).
const DELETE_GROUPS: Struct = Struct { fields: &[f(Ty::Strs)], tags: &[] };

// TxnOffsetCommit (flexible from v3).
const TXN_OFFSET_COMMIT_PARTITION: Struct = Struct { fields: &[f(I32), f(I64), since(2, I32), f(Ty::Str)], tags: &[] };
const TXN_OFFSET_COMMIT_TOPIC: Struct =
    Struct { fields: &[f(Ty::Str), f(Ty::Structs(&TXN_OFFSET_COMMIT_PARTITION))], tags: &[] };
const TXN_OFFSET_COMMIT: Struct = Struct {
    fields: &[
        f(Ty::Str),
        f(Ty::Str),
        f(I64),
        f(I16),
        since(3, I32),
        since(3, Ty::Str),
        since(3, Ty::Str),
        f(Ty::Structs(&TXN_OFFSET_COMMIT_TOPIC)),
    ],
    tags: &[],
};

// OffsetDelete (v0 only, never flexible).
const OFFSET_DELETE_PARTITION: Struct = Struct { fields: &[f(I32)], tags: &[] };
const OFFSET_DELETE_TOPIC: Struct =
    Struct { fields: &[f(Ty::Str), f(Ty::Structs(&OFFSET_DELETE_PARTITION))], tags: &[] };
const OFFSET_DELETE: Struct = Struct { fields: &[f(Ty::Str), f(Ty::Structs(&OFFSET_DELETE_TOPIC))], tags: &[] };

// AddPartitionsToTxn (flexible from v3; v4+ batches transactions and is not supported).
const ADD_PARTITIONS_TO_TXN_TOPIC: Struct = Struct { fields: &[f(Ty::Str), f(Ty::Fixeds(4))], tags: &[] };
const ADD_PARTITIONS_TO_TXN: Struct = Struct {
    fields: &[until(3, Ty::Str), until(3, I64), until(3, I16), until(3, Ty::Structs(&ADD_PARTITIONS_TO_TXN_TOPIC))],
    tags: &[],
};

// AddOffsetsToTxn (flexible from v3).
const ADD_OFFSETS_TO_TXN: Struct = Struct { fields: &[f(Ty::Str), f(I64), f(I16), f(Ty::Str)], tags: &[] };

// EndTxn (flexible from v3).
const END_TXN: Struct = Struct { fields: &[f(Ty::Str), f(I64), f(I16), f(BOOL)], tags: &[] };

const APIS: &[Api] = &[
    Api { key: ApiKey::Produce, flexible_from: 9, root: &PRODUCE },
    Api { key: ApiKey::Fetch, flexible_from: 12, root: &FETCH },
    Api { key: ApiKey::ListOffsets, flexible_from: 6, root: &LIST_OFFSETS },
    Api { key: ApiKey::Metadata, flexible_from: 9, root: &METADATA },
    Api { key: ApiKey::ApiVersions, flexible_from: 3, root: &API_VERSIONS },
    Api { key: ApiKey::CreateTopics, flexible_from: 5, root: &CREATE_TOPICS },
    Api { key: ApiKey::DeleteTopics, flexible_from: 4, root: &DELETE_TOPICS },
    Api { key: ApiKey::DeleteRecords, flexible_from: 2, root: &DELETE_RECORDS },
    Api { key: ApiKey::InitProducerId, flexible_from: 2, root: &INIT_PRODUCER_ID },
    Api { key: ApiKey::DescribeConfigs, flexible_from: 4, root: &DESCRIBE_CONFIGS },
    Api { key: ApiKey::CreatePartitions, flexible_from: 2, root: &CREATE_PARTITIONS },
    Api { key: ApiKey::DescribeCluster, flexible_from: 0, root: &DESCRIBE_CLUSTER },
    Api { key: ApiKey::FindCoordinator, flexible_from: 3, root: &FIND_COORDINATOR },
    Api { key: ApiKey::OffsetCommit, flexible_from: 8, root: &OFFSET_COMMIT },
    Api { key: ApiKey::OffsetFetch, flexible_from: 6, root: &OFFSET_FETCH },
    Api { key: ApiKey::JoinGroup, flexible_from: 6, root: &JOIN_GROUP },
    Api { key: ApiKey::Heartbeat, flexible_from: 4, root: &HEARTBEAT },
    Api { key: ApiKey::LeaveGroup, flexible_from: 4, root: &LEAVE_GROUP },
    Api { key: ApiKey::SyncGroup, flexible_from: 4, root: &SYNC_GROUP },
    Api { key: ApiKey::DescribeGroups, flexible_from: 5, root: &DESCRIBE_GROUPS },
    Api { key: ApiKey::ListGroups, flexible_from: 3, root: &LIST_GROUPS },
    Api { key: ApiKey::DeleteGroups, flexible_from: 2, root: &DELETE_GROUPS },
    Api { key: ApiKey::TxnOffsetCommit, flexible_from: 3, root: &TXN_OFFSET_COMMIT },
    Api { key: ApiKey::OffsetDelete, flexible_from: i16::MAX, root: &OFFSET_DELETE },
    Api { key: ApiKey::AddPartitionsToTxn, flexible_from: 3, root: &ADD_PARTITIONS_TO_TXN },
    Api { key: ApiKey::AddOffsetsToTxn, flexible_from: 3, root: &ADD_OFFSETS_TO_TXN },
    Api { key: ApiKey::EndTxn, flexible_from: 3, root: &END_TXN },
];

/// True if the guard has a schema for `key` at `version`: the broker's supported range, for the
/// keys transcribed above.
pub fn covers(key: ApiKey, version: i16) -> bool {
    APIS.iter().any(|a| a.key == key)
        && crate::broker::api::version_range(key).is_some_and(|(lo, hi)| (lo..=hi).contains(&version))
}

/// Checks that `body` (a request body, after its header) can be decoded at `version` without an
/// allocation larger than the body justifies. Returns the number of bytes the decoder will read.
pub fn check(key: ApiKey, version: i16, body: &[u8]) -> Result<usize, GuardError> {
    let api = APIS
        .iter()
        .find(|a| a.key == key)
        .filter(|_| covers(key, version))
        .ok_or_else(|| GuardError { offset: 0, problem: format!("no decode guard for {key:?} v{version}") })?;
    let mut walk = Walk::new(body, version, version >= api.flexible_from);
    walk.walk_struct(api.root)?;
    Ok(walk.pos)
}

/// Where the array counts of a body are: `(offset, length of the count's encoding)`, in order.
#[cfg(test)]
fn count_offsets(key: ApiKey, version: i16, body: &[u8]) -> Vec<(usize, usize)> {
    let api = APIS.iter().find(|a| a.key == key).expect("a schema");
    let mut walk = Walk::new(body, version, version >= api.flexible_from);
    walk.walk_struct(api.root).expect("a valid body");
    walk.counts
}

struct Walk<'a> {
    buf: &'a [u8],
    pos: usize,
    version: i16,
    compact: bool,
    #[cfg(test)]
    counts: Vec<(usize, usize)>,
}

impl<'a> Walk<'a> {
    fn new(buf: &'a [u8], version: i16, compact: bool) -> Walk<'a> {
        Walk {
            buf,
            pos: 0,
            version,
            compact,
            #[cfg(test)]
            counts: Vec::new(),
        }
    }

    fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn fail<T>(&self, problem: impl Into<String>) -> Result<T, GuardError> {
        Err(GuardError { offset: self.pos, problem: problem.into() })
    }

    fn skip(&mut self, n: usize, what: &str) -> Result<(), GuardError> {
        if n > self.left() {
            return self.fail(format!("{what} of {n} bytes exceeds the {} bytes left", self.left()));
        }
        self.pos += n;
        Ok(())
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], GuardError> {
        let Some(bytes) = self.buf.get(self.pos..self.pos + N) else {
            return self.fail("truncated body");
        };
        self.pos += N;
        Ok(bytes.try_into().unwrap_or([0; N]))
    }

    /// As `kafka-protocol`'s `UnsignedVarInt`: at most 5 bytes, high bits beyond 32 dropped.
    fn uvarint(&mut self) -> Result<u32, GuardError> {
        let mut value = 0u32;
        for i in 0..5 {
            let [b] = self.take::<1>()?;
            value |= ((b & 0x7f) as u32) << (i * 7);
            if b < 0x80 {
                break;
            }
        }
        Ok(value)
    }

    /// A length prefix: `None` for null, else the length. Non-compact prefixes are i16 for
    /// strings, i32 for bytes and arrays.
    fn length(&mut self, wide: bool) -> Result<Option<usize>, GuardError> {
        if self.compact {
            let n = self.uvarint()?;
            return Ok(n.checked_sub(1).map(|n| n as usize));
        }
        let n = if wide { i32::from_be_bytes(self.take()?) } else { i16::from_be_bytes(self.take()?) as i32 };
        match n {
            -1 => Ok(None),
            n if n < 0 => self.fail(format!("negative length {n}")),
            n => Ok(Some(n as usize)),
        }
    }

    /// An array's element count, refused when the elements could not all fit in what is left.
    fn count(&mut self) -> Result<usize, GuardError> {
        let at = self.pos;
        let n = self.length(true)?.unwrap_or(0);
        #[cfg(test)]
        self.counts.push((at, self.pos - at));
        if n > self.left() {
            return Err(GuardError {
                offset: at,
                problem: format!("array count {n} exceeds the {} bytes left", self.left()),
            });
        }
        Ok(n)
    }

    fn walk_ty(&mut self, ty: Ty) -> Result<(), GuardError> {
        match ty {
            Ty::Fixed(n) => self.skip(n, "field"),
            Ty::Str => {
                let n = self.length(false)?.unwrap_or(0);
                self.skip(n, "string")
            }
            Ty::Bytes => {
                let n = self.length(true)?.unwrap_or(0);
                self.skip(n, "bytes")
            }
            Ty::Struct(s) => self.walk_struct(s),
            Ty::Structs(s) => {
                for _ in 0..self.count()? {
                    self.walk_struct(s)?;
                }
                Ok(())
            }
            Ty::Fixeds(width) => {
                let n = self.count()?;
                self.skip(n.saturating_mul(width), "array")
            }
            Ty::Strs => {
                for _ in 0..self.count()? {
                    self.walk_ty(Ty::Str)?;
                }
                Ok(())
            }
        }
    }

    fn walk_struct(&mut self, s: &Struct) -> Result<(), GuardError> {
        for field in s.fields {
            if (field.since..=field.until).contains(&self.version) {
                self.walk_ty(field.ty)?;
            }
        }
        if self.compact {
            self.walk_tags(s)?;
        }
        Ok(())
    }

    fn walk_tags(&mut self, s: &Struct) -> Result<(), GuardError> {
        let n = self.uvarint()?;
        if n as usize > self.left() {
            return self.fail(format!("{n} tagged fields exceed the {} bytes left", self.left()));
        }
        for _ in 0..n {
            let tag = self.uvarint()?;
            let size = self.uvarint()? as usize;
            match s.tags.iter().find(|t| t.tag == tag) {
                // The decoder reads a known tag's value in place, whatever its size prefix says.
                Some(known) if self.version >= known.since => self.walk_ty(known.ty)?,
                Some(_) => return self.fail(format!("tag {tag} is not valid at v{}", self.version)),
                None => self.skip(size, "tagged field")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "guard_tests.rs"]
pub(crate) mod tests;

#[path = "guard_response.rs"]
mod response;
pub use response::{check_response, response_range};
