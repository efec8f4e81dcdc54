//! The repository's README and the docs pages with Rust examples, compiled only
//! under `cargo test --doc`, so that their examples run as doctests and cannot
//! drift from the API.
#![doc = include_str!("../../README.md")]

#[doc = include_str!("../../docs/broker.md")]
mod broker_page {}
