//! The TCP driver: the Kafka wire protocol between sockets and the broker state machine.
//!
//! `frame` reads and writes size-prefixed frames under `socket.request.max.bytes`; `guard` checks a
//! request body against the request's schema before anything decodes it (the decoder trusts array
//! counts from the wire); `codec` turns frames into [`crate::protocol::Request`]s and responses into
//! frames; `server` runs the accept loop and one task per connection on tokio, handing requests to one
//! shared [`crate::broker::Broker`] and reading the system clock for it. Not built for wasm32.

pub mod codec;
pub mod frame;
pub mod guard;
pub mod server;
