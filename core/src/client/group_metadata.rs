//! A consumer's group membership as a transactional producer needs it (KIP-447):
//! `send_offsets_to_transaction(offsets, group_metadata)` sends these fields in TxnOffsetCommit
//! so that the group coordinator can fence a zombie consumer's commits.

/// What `Consumer::group_metadata()` returns (confluent-kafka's `consumer_group_metadata()`,
/// the Java client's `ConsumerGroupMetadata`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerGroupMetadata {
    pub group_id: String,
    /// -1 when not a member of the current generation (then the coordinator does not check it).
    pub generation_id: i32,
    /// Empty when not a member.
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
}

impl ConsumerGroupMetadata {
    /// Metadata for a group the caller is not a member of (offsets committed without the
    /// generation check, as the Java client's `new ConsumerGroupMetadata(groupId)`).
    pub fn new(group_id: impl Into<String>) -> Self {
        ConsumerGroupMetadata {
            group_id: group_id.into(),
            generation_id: -1,
            member_id: String::new(),
            group_instance_id: None,
        }
    }
}
