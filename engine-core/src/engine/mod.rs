//! The engine: every instrument's book, the resting-order store and the side
//! tables, driven by one entry point, [`Engine::apply`].
//!
//! `apply` first validates the command against the current state (with every GTD
//! order whose `expire_at ≤ ts` treated as already gone) and returns a
//! [`CommandError`] without touching anything if it cannot be evaluated. Only then
//! does it mutate: expire what is due at `ts`, execute the command, and number the
//! events it emits with the gap-free sequence.

mod amend;
mod batch;
mod execute;
mod expiry;
mod invariants;
mod matching;
mod queries;
mod side_tables;
mod sink;
mod snapshot;
mod validate;

pub use queries::{Bbo, OrderView};
pub(crate) use side_tables::SideTables;
use sink::Sink;
pub use snapshot::{EngineSnapshot, InstrumentSnapshot, OrderSnapshot};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::book::orders::{OrderStore, NIL};
use crate::book::Book;
use crate::command::{Command, CommandKind};
use crate::error::CommandError;
use crate::event::{CancelReason, Event, EventSink};
use crate::instrument::Instrument;
use crate::types::{CorrelationId, InstrumentId, Lots, OrderId, Ticks, Timestamp};

/// Limits and switches. Reaching a limit is a typed error, never unbounded growth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineConfig {
    /// Live (resting) orders across all books.
    pub max_orders: usize,
    /// Price levels per book side.
    pub max_levels_per_side: usize,
    /// Registered instruments (at most 65,536).
    pub max_instruments: usize,
    /// Emit `LevelChanged` and `BboChanged` events.
    pub market_data: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig { max_orders: 10_000_000, max_levels_per_side: 100_000, max_instruments: 4_096, market_data: true }
    }
}

/// Quantity bookkeeping per instrument, in lots. Each fill counts for both sides, so
/// `placed == filled + cancelled + expired + resting` always holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QtyCounters {
    pub placed: i128,
    pub filled: i128,
    pub cancelled: i128,
    pub expired: i128,
}

#[derive(Clone, Debug)]
pub(crate) struct InstrumentState {
    pub instrument: Instrument,
    pub book: Book,
    pub counters: QtyCounters,
}

/// The validated form of a command other than place, cancel and amend (which
/// `apply` validates and runs in their own arms).
pub(super) enum Plan {
    Register,
    SetStatus(usize),
    /// A place, cancel or amend that passed validation.
    Order,
    MassCancel,
    ExpireDue,
}

/// Many instruments, one book each, price-time priority, as a pure state machine.
#[derive(Debug)]
pub struct Engine {
    pub(crate) config: EngineConfig,
    pub(crate) instruments: Vec<InstrumentState>,
    pub(crate) symbols: BTreeMap<String, InstrumentId>,
    pub(crate) orders: OrderStore,
    pub(crate) tables: SideTables,
    pub(crate) next_order_id: u64,
    pub(crate) next_trade_id: u64,
    pub(crate) last_seq: u64,
    pub(crate) now: Timestamp,
    /// Reused by mass cancels so they allocate nothing in steady state.
    scratch: Vec<u32>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(EngineConfig::default())
    }
}

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        Engine {
            config,
            instruments: Vec::new(),
            symbols: BTreeMap::new(),
            orders: OrderStore::with_capacity(config.max_orders.min(1 << 16)),
            tables: SideTables { next_expiry: u64::MAX, ..SideTables::default() },
            next_order_id: 1,
            next_trade_id: 1,
            last_seq: 0,
            now: Timestamp(0),
            scratch: Vec::new(),
        }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Applies one command, handing its events to `out` in order: usually a
    /// `Vec<Event>`, appended to and not cleared (see [`EventSink`]).
    ///
    /// # Errors
    /// A [`CommandError`] when the command cannot be evaluated; then nothing changed
    /// and no event was emitted.
    pub fn apply<S: EventSink + ?Sized>(&mut self, cmd: &Command, out: &mut S) -> Result<(), CommandError> {
        if self.config.market_data {
            self.apply_with::<S, true>(cmd, out)
        } else {
            self.apply_with::<S, false>(cmd, out)
        }
    }

    fn apply_with<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        cmd: &Command,
        out: &mut S,
    ) -> Result<(), CommandError> {
        let ts = cmd.ts;
        if ts < self.now {
            return Err(CommandError::TimeWentBackwards { ts, now: self.now });
        }
        // Each arm validates with the same function `check` uses, then executes;
        // one dispatch on the command kind. The sink is built once, in place.
        let mut sink = Sink::<S, MD> { out, ts, correlation_id: cmd.correlation_id, seq: self.last_seq };
        match &cmd.kind {
            CommandKind::Place(p) => {
                let i = self.validate_place(ts, p)?;
                self.begin(ts, &mut sink);
                self.exec_place(i, p, &mut sink);
            }
            CommandKind::Amend(a) => {
                let key = self.validate_amend(ts, a)?;
                self.begin(ts, &mut sink);
                self.exec_amend(key, a, &mut sink);
            }
            CommandKind::Cancel(c) => {
                let key = self.validate_owned(ts, c.order_id, c.account)?;
                self.begin(ts, &mut sink);
                self.remove_resting(key, CancelReason::User, &mut sink);
            }
            kind => {
                let plan = self.validate(ts, kind)?;
                self.begin(ts, &mut sink);
                match (kind, plan) {
                    (CommandKind::RegisterInstrument(spec), Plan::Register) => self.exec_register(spec, &mut sink),
                    (CommandKind::SetTradingStatus(s), Plan::SetStatus(i)) => self.exec_set_status(i, s, &mut sink),
                    (CommandKind::MassCancel(m), Plan::MassCancel) => self.exec_mass_cancel(m, &mut sink),
                    // ExpireDue's work was done by `begin`; the other kinds have arms above.
                    _ => {}
                }
            }
        }
        self.last_seq = sink.seq;
        debug_assert!(self.orders.len() == self.orders.index.len(), "invariant: every resting order indexed once");
        Ok(())
    }

    /// Validates an amend or cancel and returns the slab key of the order it
    /// names, for a host in this crate (the Broker) that validates first, then
    /// does work that leaves the engine's orders alone (risk checks, ledger
    /// holds, expiring what is due), then executes with
    /// [`Engine::apply_owned`]. Validation already treats due orders as gone,
    /// so expiring them in between cannot change the answer or the key.
    pub(crate) fn check_owned(&self, cmd: &Command) -> Result<u32, CommandError> {
        if cmd.ts < self.now {
            return Err(CommandError::TimeWentBackwards { ts: cmd.ts, now: self.now });
        }
        match &cmd.kind {
            CommandKind::Amend(a) => self.validate_amend(cmd.ts, a),
            CommandKind::Cancel(c) => self.validate_owned(cmd.ts, c.order_id, c.account),
            kind => self.validate(cmd.ts, kind).map(|_| NIL),
        }
    }

    /// [`Engine::apply`] for an amend or cancel whose key came from
    /// [`Engine::check_owned`] with no change to the engine since but
    /// expiries: the same events, without validating twice.
    pub(crate) fn apply_owned(&mut self, cmd: &Command, key: u32, out: &mut Vec<Event>) {
        debug_assert_eq!(self.check_owned(cmd), Ok(key), "invariant: the key still validates");
        if !matches!(cmd.kind, CommandKind::Amend(_) | CommandKind::Cancel(_)) {
            // No order key to reuse: the ordinary path.
            let _ = self.apply(cmd, out);
        } else if self.config.market_data {
            self.apply_owned_with::<Vec<Event>, true>(cmd, key, out);
        } else {
            self.apply_owned_with::<Vec<Event>, false>(cmd, key, out);
        }
    }

    fn apply_owned_with<S: EventSink + ?Sized, const MD: bool>(&mut self, cmd: &Command, key: u32, out: &mut S) {
        let ts = cmd.ts;
        // Built in place, as in `apply` (a sink built in a helper and moved
        // out cost a store-forwarding stall per command).
        let mut sink = Sink::<S, MD> { out, ts, correlation_id: cmd.correlation_id, seq: self.last_seq };
        match &cmd.kind {
            CommandKind::Amend(a) => {
                self.begin(ts, &mut sink);
                self.exec_amend(key, a, &mut sink);
            }
            CommandKind::Cancel(_) => {
                self.begin(ts, &mut sink);
                self.remove_resting(key, CancelReason::User, &mut sink);
            }
            _ => {}
        }
        self.last_seq = sink.seq;
    }

    /// An order's price, remaining and filled quantity by slab key (from
    /// [`Engine::check_owned`]).
    pub(crate) fn order_at(&self, key: u32) -> Option<(Ticks, Lots, Lots)> {
        self.orders.get(key).map(|o| (self.price_of(o), o.remaining, o.filled))
    }
    /// The validated command starts: time moves to its timestamp and every GTD
    /// order due by then expires before the command itself runs.
    #[inline(always)]
    fn begin<S: EventSink + ?Sized, const MD: bool>(&mut self, ts: Timestamp, sink: &mut Sink<'_, S, MD>) {
        self.now = ts;
        if ts.0 >= self.tables.next_expiry {
            self.expire_due(ts, sink);
        }
    }

    /// Validates `cmd` exactly as [`Engine::apply`] would, without changing anything.
    ///
    /// # Errors
    /// The [`CommandError`] `apply` would return.
    pub fn check(&self, cmd: &Command) -> Result<(), CommandError> {
        if cmd.ts < self.now {
            return Err(CommandError::TimeWentBackwards { ts: cmd.ts, now: self.now });
        }
        self.validate(cmd.ts, &cmd.kind).map(|_| ())
    }

    /// The id the next accepted order will get.
    pub fn next_order_id(&self) -> OrderId {
        OrderId(self.next_order_id)
    }

    /// Expires every GTD order due at `now` (`Command::ExpireDue` with correlation id 0).
    ///
    /// # Errors
    /// `time_went_backwards` if `now` is before the engine's time.
    pub fn on_time<S: EventSink + ?Sized>(&mut self, now: Timestamp, out: &mut S) -> Result<(), CommandError> {
        self.apply(&Command { ts: now, correlation_id: CorrelationId(0), kind: CommandKind::ExpireDue }, out)
    }

    /// When the host should next call [`Engine::on_time`]: the earliest GTD deadline.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.tables.expiries.first().map(|(t, _)| *t)
    }
}
