//! kafkette on the wire: the Kafka protocol over TCP.
//!
//! `client` is the TCP transport of our blocking clients, `conn` its connections
//! (a thread each) and the client half of the codec,
//! `unsupported` the answer to a request no broker version can carry.

pub mod client;
mod conn;
mod unsupported;
