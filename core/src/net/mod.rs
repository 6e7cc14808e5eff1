//! The wire: the Kafka protocol over TCP, both sides. Not built for wasm32.
//!
//! Server: `frame` reads and writes size-prefixed frames under `socket.request.max.bytes`; `guard`
//! checks a request body against the request's schema before anything decodes it (the decoder trusts
//! array counts from the wire); `codec` turns frames into [`crate::protocol::Request`]s and responses
//! into frames; `server` runs the accept loop and one task per connection on tokio, handing requests
//! to one shared [`crate::broker::Broker`] and reading the system clock for it.
//!
//! Client: `client` is the TCP transport of our blocking clients, `conn` its connections (a thread
//! each) and the client half of the codec, `unsupported` the answer to a request no broker version
//! can carry. Responses go through `guard` too (its response schemas, `guard_response.rs`): a
//! broker's hostile array count closes that connection with an error instead of aborting the
//! process our clients are embedded in.

pub mod client;
pub mod codec;
pub(crate) mod conn;
pub mod frame;
pub mod guard;
pub mod server;
mod unsupported;
