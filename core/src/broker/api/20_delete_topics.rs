// DeleteTopics: v1-v6
// Behaviour:
// - Topics are deleted in request order, each with its own result; their logs are dropped at once.
// - Unknown name: UNKNOWN_TOPIC_OR_PARTITION; unknown id (v6): UNKNOWN_TOPIC_ID; both or neither
//   of name and id (v6): INVALID_REQUEST; a topic named twice: INVALID_REQUEST for each.
// - More than request_topics_max topics: INVALID_REQUEST for all of them.
// - Fetches parked on a deleted topic are answered (UNKNOWN_TOPIC_OR_PARTITION for it).
// - timeout_ms is ignored: deletion is synchronous.
// Version notes:
// - v1-v5: topic_names. v6: topics with a name or a topic id, and topic_id in results.
// - v5+: error_message.

use std::collections::BTreeMap;

use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::{DeleteTopicsRequest, DeleteTopicsResponse, ResponseKind, TopicName};

use crate::error::ErrorCode;

use super::super::Broker;
use super::{from_uuid, str_bytes, to_uuid, Outcome};

/// The topic an entry names, or why it cannot be deleted.
type Resolved = Result<String, (ErrorCode, String)>;

impl Broker {
    pub(super) fn handle_delete_topics(&mut self, version: i16, req: DeleteTopicsRequest) -> Outcome {
        if requested(&req).len() > self.config.request_topics_max {
            return Outcome::Respond(ResponseKind::DeleteTopics(error_response(&req, ErrorCode::INVALID_REQUEST)));
        }
        // Resolve every entry to a name first, so duplicates are seen whichever way they were named.
        let resolved: Vec<(Option<TopicName>, [u8; 16], Resolved)> = requested(&req)
            .into_iter()
            .map(|(name, id)| {
                let r = match (&name, id == [0; 16]) {
                    (Some(n), true) => {
                        let n = n.0.to_string();
                        if self.topics.contains_key(&n) {
                            Ok(n)
                        } else {
                            Err((ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, format!("Topic {n} does not exist")))
                        }
                    }
                    (None, false) => match self.topics.iter().find(|(_, t)| t.id() == id) {
                        Some((n, _)) => Ok(n.clone()),
                        None => Err((ErrorCode::UNKNOWN_TOPIC_ID, "Topic id does not exist".to_string())),
                    },
                    _ => Err((ErrorCode::INVALID_REQUEST, "Give either a topic name or a topic id".to_string())),
                };
                (name, id, r)
            })
            .collect();
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for (_, _, r) in &resolved {
            if let Ok(n) = r {
                *counts.entry(n.clone()).or_default() += 1;
            }
        }
        let mut results = Vec::with_capacity(resolved.len());
        for (name, id, r) in resolved {
            let r = match r {
                Ok(n) if counts.get(&n).copied().unwrap_or(0) > 1 => {
                    Err((ErrorCode::INVALID_REQUEST, format!("Duplicate topic {n} in request")))
                }
                r => r,
            };
            let mut result = DeletableTopicResult::default().with_name(name);
            match r {
                Ok(n) => {
                    if let Some(t) = self.topics.remove(&n) {
                        // Offsets of a deleted topic go too (`crate::group`).
                        self.groups.topic_deleted(&n);
                        if version >= 6 {
                            result.topic_id = to_uuid(t.id());
                        }
                        result.name = Some(TopicName(str_bytes(n)));
                        self.parked_dirty = true;
                    }
                }
                Err((code, message)) => {
                    result.error_code = code.0;
                    if version >= 6 {
                        result.topic_id = to_uuid(id);
                    }
                    if version >= 5 {
                        result.error_message = Some(str_bytes(message));
                    }
                }
            }
            results.push(result);
        }
        Outcome::Respond(ResponseKind::DeleteTopics(DeleteTopicsResponse::default().with_responses(results)))
    }
}

/// The (name, id) pairs a request names, whatever its version.
fn requested(req: &DeleteTopicsRequest) -> Vec<(Option<TopicName>, [u8; 16])> {
    if !req.topics.is_empty() {
        req.topics.iter().map(|t| (t.name.clone(), from_uuid(t.topic_id))).collect()
    } else {
        req.topic_names.iter().map(|n| (Some(n.clone()), [0; 16])).collect()
    }
}

pub(super) fn error_response(req: &DeleteTopicsRequest, code: ErrorCode) -> DeleteTopicsResponse {
    let responses = requested(req)
        .into_iter()
        .map(|(name, id)| {
            DeletableTopicResult::default().with_name(name).with_error_code(code.0).with_topic_id(to_uuid(id))
        })
        .collect();
    DeleteTopicsResponse::default().with_responses(responses)
}
