//! The producer: records in, batches out, delivery reports back.

pub mod partitioner;
