//! What every client state machine (producer, consumer, admin) shares: the
//! driver-facing trait, the API versions our clients speak, and the metadata cache.
//!
//! A driver loops: feed inputs, drain `poll_transmit`, deliver responses with
//! `handle_response`, call `handle_timeout` at `poll_timeout`. Clients never do
//! I/O and never read a clock.

pub mod metadata;

pub use metadata::Metadata;

use crate::protocol::{BrokerId, Millis, ResponseKind, Transmit};

/// The sans-IO surface a driver needs from any client state machine.
pub trait ClientMachine {
    /// The next request to send, if any is ready at `now`.
    fn poll_transmit(&mut self, now: Millis) -> Option<Transmit>;
    /// A response to the request sent to `broker` with `correlation_id`.
    fn handle_response(&mut self, broker: BrokerId, correlation_id: i32, body: ResponseKind, now: Millis);
    /// The connection to `broker` broke: every request in flight there got no answer.
    fn handle_disconnect(&mut self, broker: BrokerId, now: Millis);
    /// Time passed; expire what is due at `now`.
    fn handle_timeout(&mut self, now: Millis);
    /// The earliest time at which `handle_timeout` has work to do.
    fn poll_timeout(&self) -> Option<Millis>;
}

/// The API versions our clients send. The broker supports them (see
/// `broker::api::VERSIONS`); the TCP driver negotiates down with ApiVersions.
pub mod versions {
    pub const PRODUCE: i16 = 9;
    pub const FETCH: i16 = 12;
    pub const LIST_OFFSETS: i16 = 7;
    pub const METADATA: i16 = 12;
    pub const API_VERSIONS: i16 = 3;
    pub const CREATE_TOPICS: i16 = 7;
    pub const DELETE_TOPICS: i16 = 6;
}

/// Hands out correlation ids, unique per client.
#[derive(Debug, Default, Clone)]
pub struct CorrelationIds(i32);

impl CorrelationIds {
    pub fn next_id(&mut self) -> i32 {
        self.0 = self.0.wrapping_add(1) & i32::MAX;
        self.0
    }
}
