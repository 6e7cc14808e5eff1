//! (filled in by the producer work)
