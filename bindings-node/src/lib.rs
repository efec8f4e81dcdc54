//! `brokerx` for Node.js: the napi-rs addon behind the npm package.
//!
//! Thin by design: every method converts JavaScript values to the engine's
//! types, calls `brokerx-engine`, and converts the result back. No matching,
//! risk or ledger rule lives here. Argument reading is in `args` (decimal
//! strings, bigints, options objects), decimal text in `decimal`, failures and
//! their stable codes in `errors`, events in `events`; one class per file
//! (`engine`, `broker`, `ledger`, `saga`), compact batches in `batch`.
//! Every exported function runs under `catch_unwind`, so no panic crosses into
//! the JavaScript process.
// napi-rs registers exported functions only outside `cfg(test)`, so the unit-test
// build sees them as unused.
#![cfg_attr(test, allow(dead_code))]

mod args;
mod batch;
mod broker;
mod choices;
mod clock;
mod decimal;
mod engine;
mod errors;
mod events;
mod fast;
mod flat;
mod ledger;
mod orders;
mod registry;
mod risk;
mod saga;
mod types;
mod views;
