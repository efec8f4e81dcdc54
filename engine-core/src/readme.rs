//! The repository's README, compiled only under `cargo test --doc` so that its
//! Rust quick start is run as a doctest and cannot drift from the API.
#![doc = include_str!("../../README.md")]
