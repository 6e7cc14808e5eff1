//! kafkette on the wire: the Kafka protocol over TCP.
//!
//! `client` is the TCP transport of our blocking clients, `conn` its connections
//! (a thread each) and the client half of the codec.

pub mod client;
mod conn;
