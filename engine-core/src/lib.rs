//! brokerx-engine: deterministic order books and matching.
