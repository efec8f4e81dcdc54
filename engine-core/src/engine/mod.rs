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
mod stops;
mod validate;

pub use queries::{Bbo, OrderView};
pub(crate) use side_tables::SideTables;
use sink::Sink;
pub use snapshot::{EngineSnapshot, IcebergSnapshot, InstrumentSnapshot, OrderSnapshot, StopSnapshot};
pub(crate) use stops::{StopQueues, StopSpec};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::book::orders::OrderStore;
use crate::book::Book;
use crate::command::{Command, CommandKind};
use crate::error::CommandError;
use crate::event::EventSink;
use crate::instrument::Instrument;
use crate::outcome::{Checked, Outcome, Plan};
use crate::types::{CorrelationId, InstrumentId, Timestamp};

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
    /// Stops one command may trigger per instrument (cascades included); the
    /// rest stay waiting and fire at the instrument's next trade.
    #[serde(default = "default_max_triggers_per_command")]
    pub max_triggers_per_command: u32,
}

fn default_max_triggers_per_command() -> u32 {
    1_000
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            max_orders: 10_000_000,
            max_levels_per_side: 100_000,
            max_instruments: 4_096,
            market_data: true,
            max_triggers_per_command: default_max_triggers_per_command(),
        }
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
    /// Price of the instrument's last trade; 0 before the first.
    pub last_price: i64,
    /// Waiting stops in trigger order, with the cached best triggers.
    pub stops: StopQueues,
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
    /// Counts executed commands other than expiries, so a [`Checked`] knows
    /// whether the state it was checked against still holds.
    epoch: u64,
    /// Reused by mass cancels so they allocate nothing in steady state.
    scratch: Vec<u32>,
    /// Lowest and highest price of the trades of the last `match_crossing`
    /// (`i64::MAX`, `i64::MIN` when it traded nothing).
    pub(crate) trade_lo: i64,
    pub(crate) trade_hi: i64,
    /// Sequence of entries into a trigger queue: time priority among stops.
    pub(crate) next_stop_seq: u64,
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
            epoch: 0,
            scratch: Vec::new(),
            trade_lo: i64::MAX,
            trade_hi: i64::MIN,
            next_stop_seq: 1,
        }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Applies one command, handing its events to `out` in order: usually a
    /// `Vec<Event>`, appended to and not cleared (see [`EventSink`]). The same as
    /// [`Engine::check`] then [`Engine::execute`], in one dispatch.
    ///
    /// # Errors
    /// A [`CommandError`] when the command cannot be evaluated; then nothing changed
    /// and no event was emitted.
    pub fn apply<S: EventSink + ?Sized>(&mut self, cmd: &Command, out: &mut S) -> Result<Outcome, CommandError> {
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
    ) -> Result<Outcome, CommandError> {
        let ts = cmd.ts;
        if ts < self.now {
            return Err(CommandError::TimeWentBackwards { ts, now: self.now });
        }
        // Place, amend and cancel validate with the functions `check` uses and run
        // at once: one dispatch on the command kind, no plan built in between.
        // The sink is built once, in place.
        let mut sink = Sink::<S, MD> { out, ts, correlation_id: cmd.correlation_id, seq: self.last_seq };
        // Each arm returns its outcome itself, so it is written once, into the
        // caller's result, not built aside and copied.
        match &cmd.kind {
            CommandKind::Place(p) => {
                let i = self.validate_place(ts, p)?;
                self.epoch += 1;
                self.begin(ts, &mut sink);
                let outcome = self.exec_place(i, p, &mut sink);
                self.last_seq = sink.seq;
                Ok(outcome)
            }
            CommandKind::Amend(a) => {
                let (key, o) = self.resolve(ts, a.account, a.order)?;
                self.validate_amend(o, a)?;
                self.epoch += 1;
                self.begin(ts, &mut sink);
                let outcome = self.exec_amend(key, a, &mut sink);
                self.last_seq = sink.seq;
                Ok(outcome)
            }
            CommandKind::Cancel(c) => {
                let (key, o) = self.resolve(ts, c.account, c.order)?;
                let order_id = o.id;
                self.epoch += 1;
                self.begin(ts, &mut sink);
                let outcome = self.exec_cancel(key, order_id, &mut sink);
                self.last_seq = sink.seq;
                Ok(outcome)
            }
            kind => {
                let plan = self.validate(ts, kind)?;
                let outcome = self.run(cmd, plan, &mut sink);
                self.last_seq = sink.seq;
                debug_assert!(
                    self.orders.len() == self.orders.index.len(),
                    "invariant: every resting order indexed once"
                );
                Ok(outcome)
            }
        }
    }

    /// Validates `cmd` exactly as [`Engine::apply`] would, without changing
    /// anything, and returns it checked: what it will do (the id a place will
    /// get, the order an amend or cancel names), ready for [`Engine::execute`].
    /// A host that must act between validating and running a command (the
    /// Broker: pre-trade risk and a ledger hold) checks, acts, then executes.
    /// The token borrows the command (`Checked::command`), so the command
    /// cannot change between the check and the run.
    ///
    /// # Errors
    /// The [`CommandError`] `apply` would return.
    pub fn check<'c>(&self, cmd: &'c Command) -> Result<Checked<'c>, CommandError> {
        if cmd.ts < self.now {
            return Err(CommandError::TimeWentBackwards { ts: cmd.ts, now: self.now });
        }
        let plan = self.validate(cmd.ts, &cmd.kind)?;
        Ok(Checked { command: cmd, plan, epoch: self.epoch })
    }

    /// Runs a command [`Engine::check`] validated: the same events and outcome
    /// `apply` would give, without validating again. The token is borrowed (it
    /// is large, and a copy per command shows); it runs at most once, since
    /// running it makes it stale (an `ExpireDue` run twice expires nothing more).
    ///
    /// # Errors
    /// `stale_check` if the engine ran another command since the check (other
    /// than expiring due orders up to the command's time); then nothing changed.
    pub fn execute<S: EventSink + ?Sized>(
        &mut self,
        checked: &Checked<'_>,
        out: &mut S,
    ) -> Result<Outcome, CommandError> {
        if checked.epoch != self.epoch || checked.command.ts < self.now {
            return Err(CommandError::StaleCheck);
        }
        let cmd = checked.command;
        let outcome = if self.config.market_data {
            let mut sink = Sink::<S, true> { out, ts: cmd.ts, correlation_id: cmd.correlation_id, seq: self.last_seq };
            let outcome = self.run(cmd, checked.plan, &mut sink);
            self.last_seq = sink.seq;
            outcome
        } else {
            let mut sink = Sink::<S, false> { out, ts: cmd.ts, correlation_id: cmd.correlation_id, seq: self.last_seq };
            let outcome = self.run(cmd, checked.plan, &mut sink);
            self.last_seq = sink.seq;
            outcome
        };
        debug_assert!(self.orders.len() == self.orders.index.len(), "invariant: every resting order indexed once");
        Ok(outcome)
    }

    /// Runs a validated command: time moves to its timestamp, what is due
    /// expires, then the command itself.
    fn run<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        cmd: &Command,
        plan: Plan,
        sink: &mut Sink<'_, S, MD>,
    ) -> Outcome {
        let ts = cmd.ts;
        if plan != Plan::ExpireDue {
            self.epoch += 1;
        }
        let expired = self.begin(ts, sink);
        match (&cmd.kind, plan) {
            (CommandKind::Place(p), Plan::Place { instrument, .. }) => self.exec_place(instrument, p, sink),
            (CommandKind::Amend(a), Plan::Amend { key, .. }) => self.exec_amend(key, a, sink),
            (CommandKind::Cancel(_), Plan::Cancel { key, order }) => self.exec_cancel(key, order.order_id, sink),
            (CommandKind::RegisterInstrument(spec), Plan::Register) => self.exec_register(spec, sink),
            (CommandKind::SetTradingStatus(s), Plan::SetStatus { instrument }) => {
                self.exec_set_status(instrument, s, sink)
            }
            (CommandKind::MassCancel(m), Plan::MassCancel) => self.exec_mass_cancel(m, sink),
            _ => {
                // ExpireDue (its work was done by `begin`); a plan always matches its
                // command, since `Checked` is built only by `check`.
                debug_assert!(plan == Plan::ExpireDue, "invariant: a plan matches its command");
                Outcome::TimePassed { now: ts, expired }
            }
        }
    }

    /// The validated command starts: time moves to its timestamp and every GTD
    /// order due by then expires before the command itself runs. Returns how
    /// many expired.
    #[inline(always)]
    fn begin<S: EventSink + ?Sized, const MD: bool>(&mut self, ts: Timestamp, sink: &mut Sink<'_, S, MD>) -> u32 {
        self.now = ts;
        if ts.0 >= self.tables.next_expiry {
            self.expire_due(ts, sink)
        } else {
            0
        }
    }

    /// Expires every GTD order due at `now` (`Command::ExpireDue` with correlation id 0).
    ///
    /// # Errors
    /// `time_went_backwards` if `now` is before the engine's time.
    pub fn on_time<S: EventSink + ?Sized>(&mut self, now: Timestamp, out: &mut S) -> Result<Outcome, CommandError> {
        self.apply(&Command { ts: now, correlation_id: CorrelationId(0), kind: CommandKind::ExpireDue }, out)
    }

    /// When the host should next call [`Engine::on_time`]: the earliest GTD deadline.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.tables.expiries.first().map(|(t, _)| *t)
    }
}
