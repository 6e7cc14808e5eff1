//! (filled in by the broker work)
