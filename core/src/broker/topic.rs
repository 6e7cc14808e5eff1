//! A topic: its id, its configuration and its partitions' logs; and Kafka's rules
//! for topic names.

use super::config::TopicConfig;
use super::log::PartitionLog;

/// Longest topic name Kafka accepts.
pub const TOPIC_NAME_LEN_MAX: usize = 249;

#[derive(Debug, Clone)]
pub struct Topic {
    id: [u8; 16],
    config: TopicConfig,
    partitions: Vec<PartitionLog>,
}

impl Topic {
    pub(crate) fn new(id: [u8; 16], config: TopicConfig, num_partitions: i32) -> Topic {
        let partitions = (0..num_partitions.max(0)).map(|_| PartitionLog::new()).collect();
        Topic { id, config, partitions }
    }

    /// The topic id (a UUID's 16 bytes), never all zeros.
    pub fn id(&self) -> [u8; 16] {
        self.id
    }

    pub fn config(&self) -> &TopicConfig {
        &self.config
    }

    pub fn num_partitions(&self) -> i32 {
        self.partitions.len() as i32
    }

    pub fn partitions(&self) -> &[PartitionLog] {
        &self.partitions
    }

    /// The partition, if `index` is valid (negative indexes are not).
    pub fn partition(&self, index: i32) -> Option<&PartitionLog> {
        usize::try_from(index).ok().and_then(|i| self.partitions.get(i))
    }

    pub(crate) fn partition_mut(&mut self, index: i32) -> Option<&mut PartitionLog> {
        usize::try_from(index).ok().and_then(|i| self.partitions.get_mut(i))
    }

    /// Grows the topic to `count` partitions (CreatePartitions); fewer is a no-op.
    pub(crate) fn grow_partitions(&mut self, count: i32) {
        while (self.partitions.len() as i32) < count {
            self.partitions.push(PartitionLog::new());
        }
    }

    pub(crate) fn partitions_mut(&mut self) -> &mut [PartitionLog] {
        &mut self.partitions
    }
}

/// Kafka's rule: 1 to 249 characters of `[a-zA-Z0-9._-]`, and not `.` or `..`.
pub fn validate_topic_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("Topic name is illegal, it can't be empty".to_string());
    }
    if name == "." || name == ".." {
        return Err("Topic name cannot be \".\" or \"..\"".to_string());
    }
    if name.len() > TOPIC_NAME_LEN_MAX {
        return Err(format!(
            "Topic name is illegal, it can't be longer than {TOPIC_NAME_LEN_MAX} characters, topic name: {name}"
        ));
    }
    if !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || c == b'-') {
        return Err(format!(
            "Topic name {name} is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"
        ));
    }
    Ok(())
}

/// Kafka forbids two topics whose names differ only by `.` versus `_` (metric names collide).
pub fn collision_key(name: &str) -> String {
    name.replace('.', "_")
}

/// A deterministic, non-zero topic id: a hash of the name (FNV-1a) and a creation counter,
/// so a re-created topic gets a new id without any randomness.
pub fn topic_id(name: &str, counter: u64) -> [u8; 16] {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&h.to_be_bytes());
    id[8..].copy_from_slice(&counter.max(1).to_be_bytes());
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_topic_name("orders-v1.x_y").is_ok());
        for bad in ["", ".", "..", "a b", "é", &"x".repeat(250)] {
            assert!(validate_topic_name(bad).is_err(), "{bad:?}");
        }
        assert!(validate_topic_name(&"x".repeat(249)).is_ok());
        assert_eq!(collision_key("a.b"), collision_key("a_b"));
    }

    #[test]
    fn ids_are_deterministic_and_fresh() {
        assert_eq!(topic_id("t", 1), topic_id("t", 1));
        assert_ne!(topic_id("t", 1), topic_id("t", 2));
        assert_ne!(topic_id("", 0), [0u8; 16]);
    }
}
