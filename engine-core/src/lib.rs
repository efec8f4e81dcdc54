//! brokerx-engine: deterministic order books and matching.

pub mod saga;
