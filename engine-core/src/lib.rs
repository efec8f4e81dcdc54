//! # brokerx-engine
//!
//! Deterministic order books and matching for many instruments, as a pure state
//! machine.
//!
//! **In:** [`Command`]s, each with the host's timestamp (ns) and an opaque
//! correlation id, through [`Engine::apply`]; time passes only through them
//! ([`Engine::on_time`] expires GTD orders, [`Engine::next_deadline`] says when).
//!
//! **Out:** [`Event`]s appended to a caller-owned `Vec` (reuse it: steady state
//! allocates nothing) or handed to any other [`EventSink`], each numbered by a
//! gap-free sequence and carrying the command's correlation id; or a
//! [`CommandError`] with a stable `code()`, in which case nothing at all changed.
//!
//! **Never:** I/O, clocks, threads, randomness, floats, or a panic on bad input.
//! The same commands always produce the same events, byte for byte, and the same
//! [`Engine::state_hash`]; [`Engine::snapshot`] → [`Engine::restore`] → continue is
//! indistinguishable from never snapshotting.
//!
//! Prices are integer [`Ticks`] and quantities integer [`Lots`] inside;
//! `rust_decimal::Decimal` converts exactly (or is refused) at
//! [`Instrument::price_to_ticks`] / [`Instrument::qty_to_lots`].
//!
//! Matching is price-time priority; trades print at the resting order's price.
//! See `docs/engine.md` for the rules and the order in which checks run.
// One audited `unsafe` block: the cache hint in `prefetch.rs`.
#![deny(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod book;
pub mod broker;
pub mod command;
mod engine;
pub mod error;
pub mod event;
pub mod hash;
pub mod instrument;
mod prefetch;
pub mod risk;
pub mod saga;
mod state;
pub mod types;

pub use command::{Amend, Cancel, Command, CommandKind, MassCancel, Place, SetTradingStatus};
pub use engine::{Bbo, Engine, EngineConfig, OrderView, QtyCounters};
pub use error::{CommandError, ConvertError, SnapshotError};
pub use event::{CancelReason, Event, EventKind, EventSink, LevelView, RejectReason};
pub use instrument::{Instrument, InstrumentSpec, TradingStatus};
pub use state::{EngineSnapshot, InstrumentSnapshot, OrderSnapshot};
pub use types::{
    AccountId, ClientOrderId, CorrelationId, InstrumentId, Lots, OrderId, OrderType, SelfTradePrevention, Side, Ticks,
    TimeInForce, Timestamp, TradeId,
};
