//! # brokerx-host
//!
//! The Broker as a durable service. One writer thread owns the
//! [`Broker`](brokerx_engine::broker::Broker) ([`writer`]); a bounded channel
//! feeds it; every accepted command is appended to a CRC32C-framed journal and
//! made durable by a group commit before it is acknowledged ([`journal`]);
//! snapshots bound recovery time, and recovery is the newest valid snapshot
//! plus the journal's tail, to the same state hash. Around it, axum serves
//! REST under `/api/v1`, a WebSocket at `/ws`, Prometheus metrics, the OpenAPI
//! document and a live order-book page ([`api`], [`ws`]).
//!
//! Nothing here decides anything about orders or money: handlers turn JSON into
//! Broker commands (decimals through the core's exact conversions), the Broker
//! decides, and its events and stable codes are turned back into JSON.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod api;
pub mod config;
pub mod journal;
pub mod metrics;
pub mod server;
pub mod writer;
pub mod ws;

pub use config::Config;
pub use server::{start, Running};
