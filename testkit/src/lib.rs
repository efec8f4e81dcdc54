//! # brokerx-testkit
//!
//! Test-only support for BrokerX Engine, kept out of the product crates: seeded
//! command streams ([`workload`]) and a funded Broker market ([`market`]). Used by
//! the integration tests, the benches, the fuzz targets and the simulation
//! (`examples/simulate`). Unpublished; no API promise.
//!
//! It depends only on the product crates and `rust_decimal` (no proptest, no
//! criterion), so whatever uses it stays small.

pub mod market;
pub mod workload;
