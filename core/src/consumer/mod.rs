//! (filled in by the consumer work)
