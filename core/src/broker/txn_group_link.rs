//! The link from the transaction coordinator to the group coordinator: when a transaction that
//! called AddOffsetsToTxn for a group ends, the group's pending transactional offsets commit or
//! abort.

// Replaced by the group coordinator at merge

use crate::protocol::Millis;

use super::Broker;

impl Broker {
    /// The transaction of `producer_id` that added `group_id` ended (`commit` or abort).
    pub(crate) fn groups_txn_marker(&mut self, _group_id: &str, _producer_id: i64, _commit: bool, _now: Millis) {}
}
