//! kafkette: a Kafka-compatible event log you can embed.
//!
//! The broker and the clients are sans-IO state machines (`broker`, `producer`,
//! `consumer`, `admin`); drivers (`local` in-process, `sim` simulated) move
//! Kafka protocol requests and responses between them and supply the time.
//! Records travel as format-v2 record batches (`record`).

pub mod admin;
pub mod broker;
pub mod client;
pub mod config;
pub mod consumer;
pub mod error;
pub mod group;
pub mod local;
#[cfg(not(target_arch = "wasm32"))]
pub mod net;
pub mod notes;
pub mod producer;
pub mod protocol;
pub mod record;
pub mod sim;
pub mod txn;

pub use error::{Error, ErrorCode, Result};
pub use protocol::Millis;
