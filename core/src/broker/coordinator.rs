//! Which node coordinates a group or a transactional id.
//!
//! Kafka places a group on partition `abs(groupId.hashCode()) % offsets.topic.num.partitions` of
//! `__consumer_offsets` (a transactional id likewise on `__transaction_state`), and that partition's
//! leader is the coordinator. kafkette keeps the same rule with the partitions spread over the nodes
//! one after another, so `kafkette serve --brokers N` spreads coordinators the way Kafka does and
//! clients exercise FindCoordinator and NOT_COORDINATOR.

use super::Broker;

/// Partitions of `__consumer_offsets` and `__transaction_state` (Kafka's defaults).
pub const COORDINATOR_PARTITIONS: i32 = 50;

/// Java's `String.hashCode` over the UTF-16 code units of `s`.
pub fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

/// The coordinator partition of a group id or transactional id (Kafka's `Utils.abs(hash) % n`,
/// where `abs(i32::MIN)` is 0).
pub fn coordinator_partition(key: &str) -> i32 {
    let h = java_string_hash(key);
    let abs = if h == i32::MIN { 0 } else { h.abs() };
    abs % COORDINATOR_PARTITIONS
}

impl Broker {
    /// The node coordinating `key` (a group id or a transactional id).
    pub fn coordinator_node(&self, key: &str) -> i32 {
        let nodes = self.nodes();
        let p = coordinator_partition(key) as usize;
        nodes[p % nodes.len()].0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_hash_matches_known_values() {
        // "hello".hashCode() == 99162322, "".hashCode() == 0, "polygenelubricants".hashCode() == i32::MIN
        assert_eq!(java_string_hash("hello"), 99_162_322);
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
        assert_eq!(coordinator_partition("polygenelubricants"), 0);
        // "my-group".hashCode() == -1_906_497_762 → abs % 50 == 12
        assert_eq!(java_string_hash("my-group"), -1_906_497_762);
        assert_eq!(coordinator_partition("my-group"), 12);
        // Characters outside the BMP count as two UTF-16 units, as in Java.
        assert_eq!(java_string_hash("\u{1F600}"), 0xD83D * 31 + 0xDE00);
    }
}
