//! (filled in by the record work)
