//! (filled in by the local work)
