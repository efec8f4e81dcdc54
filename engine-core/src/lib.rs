//! # brokerx-engine
//!
//! Order books, matching, pre-trade risk and the Broker that joins them to the
//! `brokerx-ledger` wallet ledger, as deterministic state machines for a broker
//! backend: commands in, events out, time passed in.
//! Two ways in:
//!
//! - [`Engine`]: instruments and their order books (price-time priority; limit,
//!   market, stop-market and stop-limit orders; GTC, IOC, FOK, GTD; post-only;
//!   self-trade prevention; cancel,
//!   mass cancel, versioned amend; halts; L2 and BBO market data). It knows
//!   accounts only as ids and holds no money.
//! - [`broker::Broker`]: an `Engine`, the pre-trade [`risk`] checks and a
//!   [`brokerx_ledger::Ledger`] in one state machine. Every order holds its
//!   worst-case cost in the ledger before it reaches the book, every fill settles
//!   as one linked ledger batch, deposits and withdrawals are idempotent.
//!
//! For deployments where the ledger and the matching engine run as separate
//! services, [`saga`] has the order and deposit sagas that coordinate them.
//!
//! # The `Engine`, method by method
//!
//! **1. Make one.** [`Engine::new`] with an [`EngineConfig`] (limits on orders,
//! levels and instruments; market data on or off), or [`Engine::default`], or
//! [`Engine::restore`] from an [`EngineSnapshot`].
//!
//! **2. Register instruments.** [`Engine::apply`] with
//! [`CommandKind::RegisterInstrument`]: symbol, tick and lot size as
//! `rust_decimal::Decimal`, min and max quantity. Instrument ids are dense, in
//! order of registration. Prices are integer [`Ticks`] and quantities integer
//! [`Lots`] inside; convert at the boundary with [`Instrument::price_to_ticks`] /
//! [`Instrument::qty_to_lots`] (exact, or refused with a [`ConvertError`]; never
//! rounded) and back with [`Instrument::ticks_to_price`] /
//! [`Instrument::lots_to_qty`] (exact).
//!
//! **3. Submit commands.** Every state change is a [`Command`]: the host's
//! timestamp in ns (never going backwards), an opaque [`CorrelationId`] and a
//! [`CommandKind`] ([`Place`], [`Cancel`], [`Amend`], [`MassCancel`],
//! [`SetTradingStatus`], `ExpireDue`).
//!
//! - [`Engine::apply`]`(&cmd, &mut sink)` validates, then executes. Out:
//!   `Ok(`[`Outcome`]`)` — what the command did to the order it names (placed:
//!   resting, filled or cancelled, with `filled` and `leaves`; amended to what;
//!   cancelled with what leaves; refused for a trading reason) — with the
//!   command's [`Event`]s handed to the sink (a `Vec<Event>` you reuse, or any
//!   [`EventSink`]; steady state allocates nothing); or a [`CommandError`] with a
//!   stable [`code()`](CommandError::code), in which case nothing at all changed.
//!   A refusal that is part of trading (post-only would cross, the instrument is
//!   halted) is not an error but [`Outcome::Rejected`] and an
//!   [`EventKind::Rejected`] event: it belongs in the journal.
//! - [`Engine::check`] then [`Engine::execute`]: the same in two steps, for a
//!   host that must act in between (the Broker reserves funds). `check`
//!   validates without changing anything and returns a [`Checked`] that knows
//!   the id a place will get and the live order an amend or cancel names
//!   ([`Checked::named_order`]); `execute` runs it without validating again (a
//!   check made stale by another command is refused, `stale_check`).
//! - [`Engine::apply_batch`] does what `apply` does for a slice of commands, and
//!   overlaps the cache misses of large books.
//!
//! Cancels and amends name their order by the engine's id or by the account's
//! own client order id ([`OrderRef`]). Each event carries a gap-free sequence
//! number and the command's correlation id. A Place gives `Accepted` (the engine
//! assigns the [`OrderId`]), then a `Trade` per maker filled (at the maker's
//! price), then, for an IOC or market remainder, `Cancelled`. Amends give
//! `Amended`, cancels `Cancelled`, expiries `Expired`. A stop place gives
//! `StopAccepted` and waits outside the book (invisible in L2/L3/BBO, visible
//! through [`Engine::order`] and [`Engine::stops`]); a trade at or through its
//! trigger (buy: at or above, sell: at or below) gives `Triggered`, then the
//! events of the market or limit order it becomes, under its own id and the
//! triggering command's correlation id (rules: `docs/engine.md`, "Stops").
//! `Amended`, `Cancelled` and `Expired` each carry the order's side, price,
//! leaves and cumulative filled quantity, like a FIX execution report, so no
//! host reads the order to describe what happened.
//!
//! **4. Pass time.** [`Engine::next_deadline`] says when the next GTD order
//! expires; call [`Engine::on_time`] then (or `apply` an `ExpireDue`). An
//! expired order never trades: a command stamped at or after its deadline
//! expires it first.
//!
//! **5. Read.** [`Engine::bbo`], [`Engine::depth`] (L2, best first),
//! [`Engine::orders_at`] (L3, queue order), [`Engine::order`],
//! [`Engine::instrument`], [`Engine::instrument_by_symbol`],
//! [`Engine::counters`]. None of them mutates or copies the book.
//!
//! **6. Check and persist.** [`Engine::check_invariants`] walks the whole state
//! (books uncrossed at rest, level totals, every order indexed once, quantity
//! conserved). [`Engine::state_hash`] is the same for the same command log;
//! [`Engine::snapshot`] → [`Engine::restore`] → continue is indistinguishable
//! from never snapshotting.
//!
//! **Never:** I/O, clocks, threads, randomness, floats, or a panic on bad input.
//!
//! ```
//! use brokerx_engine::*;
//! use rust_decimal::Decimal;
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let mut engine = Engine::default();
//!     let mut events = Vec::new();
//!     let cmd = |ns, kind| Command { ts: Timestamp(ns), correlation_id: CorrelationId(ns), kind };
//!
//!     let spec = InstrumentSpec::new("ACME", Decimal::new(1, 2), Decimal::ONE); // tick 0.01, lot 1
//!     engine.apply(&cmd(1, CommandKind::RegisterInstrument(spec)), &mut events)?;
//!     let acme = engine.instrument_by_symbol("ACME").ok_or("not registered")?.clone();
//!
//!     let ask = acme.price_to_ticks("101.25".parse()?)?;
//!     let sell = Place::limit(AccountId(7), acme.id, Side::Sell, ask, Lots(10));
//!     engine.apply(&cmd(2, CommandKind::Place(sell)), &mut events)?;
//!     let buy = Place::limit(AccountId(8), acme.id, Side::Buy, acme.price_to_ticks("102".parse()?)?, Lots(4));
//!     engine.apply(&cmd(3, CommandKind::Place(buy)), &mut events)?;
//!
//!     // The buy traded 4 at the resting order's price; 6 of the sell are left.
//!     let trades: Vec<_> = events
//!         .iter()
//!         .filter_map(|e| match e.kind {
//!             EventKind::Trade { price, qty, .. } => Some((acme.ticks_to_price(price), acme.lots_to_qty(qty))),
//!             _ => None,
//!         })
//!         .collect();
//!     assert_eq!(trades, [("101.25".parse()?, Decimal::from(4))]);
//!     let best_ask = engine.bbo(acme.id).and_then(|b| b.ask).ok_or("no ask")?;
//!     assert_eq!((best_ask.price, best_ask.qty), (ask, Lots(6)));
//!
//!     // An off-tick price is refused at the boundary, never rounded.
//!     assert!(acme.price_to_ticks("101.255".parse()?).is_err());
//!     // A command that cannot be evaluated is an error and changes nothing.
//!     let hash = engine.state_hash();
//!     let unknown = Place::limit(AccountId(8), InstrumentId(9), Side::Buy, ask, Lots(1));
//!     let err = engine.apply(&cmd(4, CommandKind::Place(unknown)), &mut events).unwrap_err();
//!     assert_eq!(err.code(), "unknown_instrument");
//!     assert_eq!(engine.state_hash(), hash);
//!     Ok(())
//! }
//! ```
//!
//! # The `Broker`, method by method
//!
//! [`broker::Broker::new`] with a [`broker::BrokerConfig`] (the engine's and the
//! ledger's), then every change through [`broker::Broker::apply`]`(&cmd, &mut
//! events)` with a [`broker::BrokerCommand`]: timestamp, correlation id and a
//! [`broker::BrokerCommandKind`]. In order:
//!
//! 1. `CreateAsset` for each asset (its ledger scale: USD 2, shares 0), which
//!    also opens the asset's system accounts (external, fees, escrow);
//! 2. `RegisterMarket` with a [`broker::MarketSpec`]: the engine instrument, its
//!    base and quote assets and its [`risk::InstrumentRisk`] (collar, fat-finger
//!    limits, fees);
//! 3. `Deposit` / `Withdraw` ([`broker::Funds::from_decimal`]: exact at the
//!    asset's scale or refused) with an idempotency key (a repeat replays the first
//!    answer, a changed request with the same key is `idempotency_conflict`);
//! 4. `Place`, `Cancel`, `Amend`, `MassCancel`: the engine's commands, risk-checked
//!    and funded first; a risk refusal is an `OrderRejected` event;
//! 5. `ExpireDue` when [`broker::Broker::next_deadline`] says so; the limits,
//!    kill switch and restrictions as audited commands.
//!
//! Out: [`broker::BrokerEvent`]s in one gap-free sequence: the engine's events
//! (`Order`), every ledger transfer applied (`Posting`), risk refusals, funds
//! movements; or a [`broker::BrokerError`] with a stable `code()` and no change.
//! The Broker's chart of accounts is public at the crate root: the reserved owner
//! ids ([`EXTERNAL_OWNER`], [`FEES_OWNER`], [`ESCROW_OWNER`], everything from
//! [`RESERVED_OWNERS_FROM`] up) and the ledger account each names per asset
//! ([`external_account`], [`fees_account`], [`escrow_account`],
//! [`wallet_account`]), for a host that reads the ledger or its journal.
//! Read balances with [`broker::Broker::available`] and
//! [`broker::Broker::balance`] (an [`Amount`] in minor units) or their
//! `_decimal` forms (at the asset's scale); the engine and the ledger through
//! [`broker::Broker::engine`] and [`broker::Broker::ledger`]. Check and persist
//! with [`broker::Broker::check_invariants`], [`broker::Broker::state_hash`],
//! [`broker::Broker::snapshot`] and [`broker::Broker::restore`].
//!
//! ```
//! use brokerx_engine::broker::*;
//! use brokerx_engine::*; // Decimal, AssetId, AssetSpec, Amount come with it
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let (alice, bob) = (AccountId(1), AccountId(2));
//!     let usd = AssetSpec { id: AssetId(1), code: "USD".into(), scale: 2 }; // cents
//!     let acme = AssetSpec { id: AssetId(2), code: "ACME".into(), scale: 0 }; // whole shares
//!     let mut broker = Broker::new(BrokerConfig::default());
//!     let mut events = Vec::new();
//!     let mut ts = 0;
//!     let mut run = |broker: &mut Broker, kind| {
//!         ts += 1;
//!         broker.apply(&BrokerCommand { ts: Timestamp(ts), correlation_id: CorrelationId(ts), kind }, &mut events)
//!     };
//!
//!     for spec in [usd.clone(), acme.clone()] {
//!         run(&mut broker, BrokerCommandKind::CreateAsset { spec, wallet_max_balance: None })?;
//!     }
//!     let instrument = InstrumentSpec::new("ACME/USD", "0.01".parse()?, Decimal::ONE);
//!     let risk = InstrumentRisk::default().with_reference_price(&instrument, "100.00".parse()?)?;
//!     let market = MarketSpec { instrument, base: acme.id, quote: usd.id, risk };
//!     run(&mut broker, BrokerCommandKind::RegisterMarket(market))?;
//!     let m = broker.engine().instrument_by_symbol("ACME/USD").ok_or("listed")?.clone();
//!
//!     // Decimals in, exact at the asset's scale or refused; `key` makes a retry harmless.
//!     let deposit = Funds::from_decimal(&usd, alice, "5000.00".parse()?, 0xA1)?;
//!     run(&mut broker, BrokerCommandKind::Deposit(deposit))?;
//!     run(&mut broker, BrokerCommandKind::Deposit(deposit))?; // the same request again: nothing moves
//!     run(&mut broker, BrokerCommandKind::Deposit(Funds::from_decimal(&acme, bob, "50".parse()?, 0xB1)?))?;
//!
//!     // Bob offers 30 at 101.00; Alice bids 20 at 102.00 and trades at 101.00.
//!     let sell = Place::limit(bob, m.id, Side::Sell, m.price_to_ticks("101.00".parse()?)?, m.qty_to_lots("30".parse()?)?);
//!     run(&mut broker, BrokerCommandKind::Place(sell))?;
//!     let buy = Place::limit(alice, m.id, Side::Buy, m.price_to_ticks("102.00".parse()?)?, m.qty_to_lots("20".parse()?)?);
//!     run(&mut broker, BrokerCommandKind::Place(buy))?;
//!
//!     let balance = |account, asset: &AssetSpec| broker.balance_decimal(account, asset.id).map(|d| d.to_string());
//!     assert_eq!(balance(alice, &usd).as_deref(), Some("2980.00")); // paid 20 × 101.00
//!     assert_eq!(balance(alice, &acme).as_deref(), Some("20"));
//!     assert_eq!(balance(bob, &usd).as_deref(), Some("2020.00"));
//!     assert_eq!(balance(bob, &acme).as_deref(), Some("30")); // 50 − 20 delivered
//!     assert_eq!(broker.available(bob, acme.id), Amount::from_minor(20)); // 10 still held by the resting sell
//!     broker.check_invariants()?;
//!     Ok(())
//! }
//! ```
//!
//! The rules and the order in which checks run: `docs/engine.md` and
//! `docs/broker.md`; the layers and one Place followed through them:
//! `docs/architecture.md`.
// One audited `unsafe` block: the cache hint in `prefetch.rs`.
#![deny(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

// The README's quick start, run by `cargo test --doc`.
#[cfg(doctest)]
mod readme;

mod book;
pub mod broker;
pub mod clock;
pub mod command;
mod engine;
pub mod error;
pub mod event;
pub mod hash;
pub mod instrument;
pub mod outcome;
mod prefetch;
pub mod risk;
pub mod saga;
pub mod types;

// The Broker's chart of accounts: reserved owner ids and the ledger accounts
// it keeps per asset, for hosts that read the ledger or its journal.
pub use broker::{
    escrow_account, external_account, fees_account, is_reserved_owner, wallet_account, ESCROW_OWNER, EXTERNAL_OWNER,
    FEES_OWNER, RESERVED_OWNERS_FROM,
};
pub use command::{Amend, Cancel, Command, CommandKind, MassCancel, OrderRef, Place, SetTradingStatus};
pub use engine::{Bbo, Engine, EngineConfig, OrderView, QtyCounters};
pub use engine::{EngineSnapshot, IcebergSnapshot, InstrumentSnapshot, OrderSnapshot, StopSnapshot};
pub use error::{CommandError, ConvertError, SnapshotError};
pub use event::{CancelReason, Event, EventKind, EventSink, LevelView, RejectReason};
pub use instrument::{Instrument, InstrumentSpec, TradingStatus};
pub use outcome::{Checked, NamedOrder, OrderStatus, Outcome};
// What a user of the Broker needs from the ledger and from rust_decimal, so that
// `brokerx-engine` is the one dependency.
pub use brokerx_ledger::{AccountKey, Amount, AssetId, AssetSpec, LedgerConfig, OwnerId, TransferId, TransferStatus};
pub use rust_decimal::Decimal;
pub use types::{
    AccountId, ClientOrderId, CorrelationId, InstrumentId, Lots, Notional, OrderId, OrderType, SelfTradePrevention,
    Side, Ticks, TimeInForce, Timestamp, TradeId,
};
