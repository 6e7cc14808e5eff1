//! What a group member subscribes to: a list of topics or a pattern (a regular expression that
//! must match a whole topic name; internal topics such as `__consumer_offsets` never match).
//!
//! A pattern is resolved against the cluster's topic names, learnt by a Metadata request for
//! all topics every `metadata.max.age.ms` (the consumer's own metadata cache only tracks the
//! topics it wants); a change in the matched set makes the member rejoin.

use std::collections::BTreeSet;

use kafka_protocol::messages::{MetadataRequest, MetadataResponse, RequestKind};
use regex::Regex;

use crate::client::versions;
use crate::protocol::{BrokerId, Millis, Transmit};

#[derive(Debug, Default, Clone)]
pub(crate) struct Subscription {
    /// The topics named, or matched by the pattern.
    pub topics: BTreeSet<String>,
    pub pattern: Option<Regex>,
    /// When the next all-topics Metadata request is due (pattern only).
    next_refresh_at: Millis,
    refresh_in_flight: bool,
}

impl Subscription {
    pub fn topics(topics: BTreeSet<String>) -> Self {
        Subscription { topics, ..Subscription::default() }
    }

    pub fn pattern(pattern: Regex) -> Self {
        Subscription { pattern: Some(pattern), ..Subscription::default() }
    }

    pub fn is_empty(&self) -> bool {
        self.topics.is_empty() && self.pattern.is_none()
    }

    /// The all-topics Metadata request if a pattern needs one at `now`.
    pub fn poll_refresh(&mut self, broker: BrokerId, cid: i32, now: Millis) -> Option<Transmit> {
        if self.pattern.is_none() || self.refresh_in_flight || now < self.next_refresh_at {
            return None;
        }
        self.refresh_in_flight = true;
        Some(Transmit {
            broker,
            correlation_id: cid,
            api_version: versions::METADATA,
            body: RequestKind::Metadata(MetadataRequest::default().with_topics(None)),
            expects_response: true,
        })
    }

    pub fn refresh_failed(&mut self, now: Millis, backoff_ms: Millis) {
        self.refresh_in_flight = false;
        self.next_refresh_at = now + backoff_ms;
    }

    /// Match the pattern over the cluster's topics. Returns whether the matched set changed.
    pub fn handle_refresh(&mut self, resp: &MetadataResponse, now: Millis, max_age_ms: Millis) -> bool {
        self.refresh_in_flight = false;
        self.next_refresh_at = now + max_age_ms;
        let Some(re) = &self.pattern else { return false };
        let matched: BTreeSet<String> = resp
            .topics
            .iter()
            .filter(|t| !t.is_internal && t.error_code == 0)
            .filter_map(|t| t.name.as_ref().map(|n| n.0.to_string()))
            .filter(|n| !INTERNAL_TOPICS.contains(&n.as_str()) && re.is_match(n))
            .collect();
        if matched == self.topics {
            return false;
        }
        self.topics = matched;
        true
    }
}

/// Internal topics, excluded even where a broker does not flag them `is_internal`.
const INTERNAL_TOPICS: &[&str] = &["__consumer_offsets", "__transaction_state"];

/// Compile a subscription pattern, anchored so that it must match whole names (Java's
/// `Pattern.matcher(topic).matches()`).
pub(crate) fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{pattern})$"))
}
