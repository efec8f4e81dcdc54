//! # brokerx-cluster
//!
//! The scale-out mode of BrokerX on NATS JetStream (`docs/cluster.md`).
//!
//! - **Sequencer and journal**: a gateway publishes each command — the host
//!   journal's payload, a postcard `BrokerCommand` — to `brokerx.cmd.<shard>`
//!   in the R3 file-backed stream `BROKERX_CMD`, with `Nats-Msg-Id =
//!   <shard>:<command id>`, and acknowledges its client only after the PubAck
//!   ([`nats::Sequencer`]). The stream's order is the order of application.
//! - **Matching shards** ([`matching`]): each follows its subject from its
//!   latest snapshot's stream sequence and applies every message to a Broker
//!   deterministically ([`shard::ShardState`]); a restart is the snapshot plus
//!   the stream after it, to the same state hash as a replay of the whole stream.
//! - **Failover and fencing**: a standby follows the same subject; the lease
//!   is a KV key with a TTL ([`lease`]); only the holder appends to the shard's
//!   effect log, a compare-and-set chain that refuses a stale holder ([`effects`]).
//!
//! Nothing here decides anything about orders or money: that is the Broker's.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod config;
pub mod effects;
pub mod error;
pub mod gateway;
pub mod lease;
pub mod matching;
pub mod nats;
pub mod shard;
pub mod testing;
pub mod wire;
pub mod workload;

pub use error::ClusterError;
pub use wire::ShardName;
