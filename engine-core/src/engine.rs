//! The engine: every instrument's book, the resting-order store and the side
//! tables, driven by one entry point, [`Engine::apply`].
//!
//! `apply` first validates the command against the current state (with every GTD
//! order whose `expire_at ≤ ts` treated as already gone) and returns a
//! [`CommandError`] without touching anything if it cannot be evaluated. Only then
//! does it mutate: expire what is due at `ts`, execute the command, and number the
//! events it emits with the gap-free sequence.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::book::orders::{OrderFlags, OrderStore, RestingOrder, NIL};
use crate::book::{link_back, unlink, Book, Level};
use crate::command::{Amend, Command, CommandKind, MassCancel, Place, SetTradingStatus};
use crate::error::CommandError;
use crate::event::{CancelReason, Event, EventKind, EventSink, LevelView, RejectReason};
use crate::hash::IdHashMap;
use crate::instrument::{validate_spec, Instrument, InstrumentSpec, TradingStatus, MAX_LOTS, MAX_TICKS};
use crate::prefetch::prefetch;
use crate::types::{
    AccountId, ClientOrderId, CorrelationId, InstrumentId, Lots, OrderId, OrderType, SelfTradePrevention, Side, Ticks,
    TimeInForce, Timestamp, TradeId,
};

/// Below this many resting orders the order records fit in L2 and
/// [`Engine::apply_batch`] skips its cache hints, which would only cost instructions.
const PREFETCH_MIN_ORDERS: usize = 16_384;

/// How many commands ahead `apply_batch` hints each stage. A command on a deep
/// book takes ~100 ns and a miss to DRAM on this VM about as long or longer, so
/// each stage gets three commands to land before the next reads it (3/2/1 was
/// ~20 % slower than 9/6/3; 6/4/2 through 12/8/4 were within noise of it).
const INDEX_AHEAD: usize = 9;
const ORDER_AHEAD: usize = 6;
const NEIGHBOURS_AHEAD: usize = 3;

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

/// Indexes kept beside the slab: live client order ids and GTD deadlines.
#[derive(Debug, Default)]
pub(crate) struct SideTables {
    pub client_ids: IdHashMap<(AccountId, ClientOrderId), OrderId>,
    pub client_id_of: IdHashMap<OrderId, ClientOrderId>,
    pub expiries: BTreeSet<(Timestamp, OrderId)>,
    /// A lower bound on the earliest deadline (u64::MAX when none), so the hot
    /// path pays one comparison.
    pub next_expiry: u64,
}

impl SideTables {
    /// Indexes a new resting order's client order id and deadline, if it has them
    /// (most orders have neither, and pay one branch).
    #[inline]
    pub(crate) fn add(&mut self, o: &RestingOrder, client_order_id: Option<ClientOrderId>) {
        if client_order_id.is_some() || o.expire_at != 0 {
            self.add_keyed(o, client_order_id);
        }
    }

    #[inline(never)]
    fn add_keyed(&mut self, o: &RestingOrder, client_order_id: Option<ClientOrderId>) {
        if let Some(c) = client_order_id {
            self.client_ids.insert((o.account, c), o.id);
            self.client_id_of.insert(o.id, c);
        }
        if o.expire_at != 0 {
            self.expiries.insert((Timestamp(o.expire_at), o.id));
            self.next_expiry = self.next_expiry.min(o.expire_at);
        }
    }

    /// Forgets a dead order.
    #[inline]
    fn retire(&mut self, o: &RestingOrder) {
        if o.flags.has_client_id() || o.expire_at != 0 {
            self.retire_keyed(o);
        }
    }

    #[inline(never)]
    fn retire_keyed(&mut self, o: &RestingOrder) {
        if o.flags.has_client_id() {
            if let Some(c) = self.client_id_of.remove(&o.id) {
                self.client_ids.remove(&(o.account, c));
            }
        }
        if o.expire_at != 0 {
            self.expiries.remove(&(Timestamp(o.expire_at), o.id));
        }
    }
}

/// Collects the events of one command and numbers them. A command either fails
/// validation before its sink exists or runs to completion, so numbering as events
/// are emitted leaves no gap.
///
/// `MD` is [`EngineConfig::market_data`] as a type parameter: the engine's paths are
/// compiled once with market data and once without, so the path without it carries
/// no checks and no before/after snapshots of the touch.
struct Sink<'a, S: EventSink + ?Sized, const MD: bool> {
    out: &'a mut S,
    ts: Timestamp,
    correlation_id: CorrelationId,
    /// The sequence number of the last event emitted.
    seq: u64,
}

impl<S: EventSink + ?Sized, const MD: bool> Sink<'_, S, MD> {
    #[inline]
    fn emit(&mut self, kind: EventKind) {
        self.seq += 1;
        self.out.event(Event { seq: self.seq, ts: self.ts, correlation_id: self.correlation_id, kind });
    }

    #[inline]
    fn level(&mut self, instrument: InstrumentId, side: Side, level: Option<&Level>, price: Ticks) {
        if MD {
            let (qty, orders) = level.map_or((Lots(0), 0), |l| (Lots(l.qty), l.orders));
            self.emit(EventKind::LevelChanged { instrument, side, price, qty, orders });
        }
    }

    #[inline]
    fn bbo_before(&self, book: &Book) -> BboPair {
        if MD {
            book.bbo()
        } else {
            (None, None)
        }
    }

    #[inline]
    fn bbo_after(&mut self, instrument: InstrumentId, book: &Book, before: BboPair) {
        if MD {
            let now = book.bbo();
            if now != before {
                self.emit(EventKind::BboChanged { instrument, bid: now.0, ask: now.1 });
            }
        }
    }
}

type BboPair = (Option<LevelView>, Option<LevelView>);

/// The incoming side of a match: a new order or an amended one that now crosses.
struct Taker {
    id: OrderId,
    account: AccountId,
    side: Side,
    limit: Option<Ticks>,
    remaining: i64,
    filled: i64,
    stp: SelfTradePrevention,
    /// Self-trade prevention ended this order; its Cancelled event is already out
    /// (`remaining == 0`) or due (`remaining > 0`).
    stp_killed: bool,
}

/// A live order as seen from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub order_id: OrderId,
    pub account: AccountId,
    pub instrument: InstrumentId,
    pub side: Side,
    pub price: Ticks,
    /// Total quantity: filled + remaining.
    pub qty: Lots,
    pub remaining: Lots,
    pub filled: Lots,
    pub version: u32,
    pub time_in_force: TimeInForce,
    pub post_only: bool,
    pub expire_at: Option<Timestamp>,
    pub client_order_id: Option<ClientOrderId>,
}

/// Best bid and offer of one instrument.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bbo {
    pub bid: Option<LevelView>,
    pub ask: Option<LevelView>,
}

/// The validated form of a command other than place, cancel and amend (which
/// `apply` validates and runs in their own arms).
enum Plan {
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

    /// Applies `cmds` in order, exactly as calling [`Engine::apply`] on each would,
    /// handing all their events to `out`. A command that fails changes nothing
    /// and does not stop the batch: `on_error` gets its index and error.
    ///
    /// The difference is speed on large books: while one command runs, the cache
    /// lines later commands will need are requested (a three-stage pipeline: id
    /// index slot, then the order, then its queue neighbours), so their misses
    /// overlap instead of following one another.
    pub fn apply_batch<S: EventSink + ?Sized>(
        &mut self,
        cmds: &[Command],
        out: &mut S,
        mut on_error: impl FnMut(usize, CommandError),
    ) {
        for (n, cmd) in cmds.iter().enumerate() {
            if self.orders.len() >= PREFETCH_MIN_ORDERS {
                if let Some(c) = cmds.get(n + INDEX_AHEAD) {
                    self.prefetch_index_slot(c);
                }
                if let Some(c) = cmds.get(n + ORDER_AHEAD) {
                    self.prefetch_order(c);
                }
                if let Some(c) = cmds.get(n + NEIGHBOURS_AHEAD) {
                    self.prefetch_neighbours(c);
                }
            }
            if let Err(e) = self.apply(cmd, out) {
                on_error(n, e);
            }
        }
    }

    /// Stage 1: the id index slot of the order a cancel or amend names.
    #[inline]
    fn prefetch_index_slot(&self, cmd: &Command) {
        let id = match &cmd.kind {
            CommandKind::Cancel(c) => c.order_id,
            CommandKind::Amend(a) => a.order_id,
            _ => return,
        };
        if let Some(slot) = self.orders.index.slot(id) {
            prefetch(slot);
        }
    }

    /// Stage 2: the order a cancel or amend names (its index slot is in cache by
    /// now), or the order a place will queue behind (the tail of its level) or
    /// trade with first (the head of the opposite touch).
    #[inline]
    fn prefetch_order(&self, cmd: &Command) {
        match &cmd.kind {
            CommandKind::Cancel(c) => self.prefetch_resting(c.order_id),
            CommandKind::Amend(a) => self.prefetch_resting(a.order_id),
            CommandKind::Place(p) => {
                let Some(st) = self.instruments.get(p.instrument.0 as usize) else { return };
                let book = &st.book;
                let opposite = book.side(p.side.opposite());
                let limit = match p.order_type {
                    OrderType::Limit(px) => Some(px),
                    OrderType::Market => None,
                };
                let key = match opposite.best_price() {
                    Some(best) if opposite.crossed_by(limit, best) => {
                        book.best_level(p.side.opposite()).map(|l| l.head)
                    }
                    _ => limit
                        .and_then(|px| book.side(p.side).level_at(px))
                        .and_then(|lk| book.level(lk))
                        .map(|l| l.tail),
                };
                if let Some(o) = key.and_then(|k| self.orders.slab.record(k)) {
                    prefetch(o);
                }
            }
            _ => {}
        }
    }

    #[inline]
    fn prefetch_resting(&self, id: OrderId) {
        if let Some(o) = self.orders.key_of(id).and_then(|k| self.orders.slab.record(k)) {
            prefetch(o);
        }
    }

    /// Stage 3: the queue neighbours a cancel or amend will relink, and for an
    /// amend to a new price, the tail of the level it will join.
    #[inline]
    fn prefetch_neighbours(&self, cmd: &Command) {
        let (id, new_price) = match &cmd.kind {
            CommandKind::Cancel(c) => (c.order_id, None),
            CommandKind::Amend(a) => (a.order_id, a.new_price),
            _ => return,
        };
        let Some(o) = self.orders.key_of(id).and_then(|k| self.orders.get(k)) else { return };
        if let Some(p) = self.orders.slab.record(o.prev) {
            prefetch(p);
        }
        if let Some(n) = self.orders.slab.record(o.next) {
            prefetch(n);
        }
        if let (Some(px), Some(st)) = (new_price, self.instruments.get(o.instrument as usize)) {
            let book = &st.book;
            if let Some(t) = book
                .side(o.side)
                .level_at(px)
                .and_then(|lk| book.level(lk))
                .and_then(|l| self.orders.slab.record(l.tail))
            {
                prefetch(t);
            }
        }
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

    // ---- validation: reads only -------------------------------------------------

    /// Is the resting order at `key` still live at `ts` (not due to expire)?
    #[inline]
    fn live_key(&self, id: OrderId, ts: Timestamp) -> Option<(u32, &RestingOrder)> {
        let key = self.orders.key_of(id)?;
        let o = self.orders.get(key)?;
        (o.expire_at == 0 || o.expire_at > ts.0).then_some((key, o))
    }

    fn instrument_index(&self, id: InstrumentId) -> Result<usize, CommandError> {
        let i = id.0 as usize;
        if i < self.instruments.len() {
            Ok(i)
        } else {
            Err(CommandError::UnknownInstrument { instrument: id })
        }
    }

    fn validate(&self, ts: Timestamp, kind: &CommandKind) -> Result<Plan, CommandError> {
        match kind {
            CommandKind::RegisterInstrument(spec) => {
                validate_spec(spec)?;
                if self.symbols.contains_key(&spec.symbol) {
                    return Err(CommandError::DuplicateSymbol { symbol: spec.symbol.clone() });
                }
                let max = self.config.max_instruments.min(1 << 16);
                if self.instruments.len() >= max {
                    return Err(CommandError::InstrumentCapacityReached { max });
                }
                Ok(Plan::Register)
            }
            CommandKind::SetTradingStatus(s) => Ok(Plan::SetStatus(self.instrument_index(s.instrument)?)),
            CommandKind::Place(p) => self.validate_place(ts, p).map(|_| Plan::Order),
            CommandKind::Cancel(c) => self.validate_owned(ts, c.order_id, c.account).map(|_| Plan::Order),
            CommandKind::MassCancel(m) => {
                if m.account.is_none() && m.instrument.is_none() {
                    return Err(CommandError::MassCancelNeedsFilter);
                }
                if let Some(i) = m.instrument {
                    self.instrument_index(i)?;
                }
                Ok(Plan::MassCancel)
            }
            CommandKind::Amend(a) => self.validate_amend(ts, a).map(|_| Plan::Order),
            CommandKind::ExpireDue => Ok(Plan::ExpireDue),
        }
    }

    fn validate_owned(&self, ts: Timestamp, order_id: OrderId, account: AccountId) -> Result<u32, CommandError> {
        self.owned_order(ts, order_id, account).map(|(key, _)| key)
    }

    /// The live order `order_id` of `account`: its slab key and record.
    #[inline]
    fn owned_order(
        &self,
        ts: Timestamp,
        order_id: OrderId,
        account: AccountId,
    ) -> Result<(u32, &RestingOrder), CommandError> {
        let (key, o) = self.live_key(order_id, ts).ok_or(CommandError::UnknownOrder { order_id })?;
        if o.account != account {
            return Err(CommandError::OrderNotOwned { order_id, account });
        }
        Ok((key, o))
    }

    #[inline(always)]
    fn validate_place(&self, ts: Timestamp, p: &Place) -> Result<usize, CommandError> {
        let i = self.instrument_index(p.instrument)?;
        let spec = &self.instruments[i].instrument.spec;
        if p.qty.0 <= 0 {
            return Err(CommandError::InvalidQuantity { qty: p.qty });
        }
        let price = match p.order_type {
            OrderType::Limit(price) => {
                if price.0 <= 0 || price.0 > MAX_TICKS {
                    return Err(CommandError::InvalidPrice { price });
                }
                Some(price)
            }
            OrderType::Market => None,
        };
        if p.qty < spec.min_qty {
            return Err(CommandError::QuantityBelowMin { qty: p.qty, min: spec.min_qty });
        }
        if p.qty > spec.max_qty {
            return Err(CommandError::QuantityAboveMax { qty: p.qty, max: spec.max_qty });
        }
        let rests = matches!(p.time_in_force, TimeInForce::Gtc | TimeInForce::Gtd);
        if price.is_none() && rests {
            return Err(CommandError::MarketOrderTimeInForce);
        }
        if p.post_only && !(rests && price.is_some()) {
            return Err(CommandError::PostOnlyTimeInForce);
        }
        match (p.time_in_force, p.expire_at) {
            (TimeInForce::Gtd, None) => return Err(CommandError::ExpireAtRequired),
            (TimeInForce::Gtd, Some(e)) if e <= ts => {
                return Err(CommandError::ExpireAtNotInFuture { expire_at: e, ts })
            }
            (TimeInForce::Gtd, Some(_)) => {}
            (_, Some(_)) => return Err(CommandError::ExpireAtNotAllowed),
            (_, None) => {}
        }
        if let Some(c) = p.client_order_id {
            if let Some(&id) = self.tables.client_ids.get(&(p.account, c)) {
                if self.live_key(id, ts).is_some() {
                    return Err(CommandError::DuplicateClientOrderId {
                        account: p.account,
                        client_order_id: c.as_str().to_owned(),
                    });
                }
            }
        }
        if let (true, Some(price)) = (rests, price) {
            self.check_capacity(i, p.side, price)?;
        }
        Ok(i)
    }

    /// Conservative: an order that may rest needs room for one more order and,
    /// at a new price, one more level.
    #[inline(always)]
    fn check_capacity(&self, i: usize, side: Side, price: Ticks) -> Result<(), CommandError> {
        if self.orders.len() >= self.config.max_orders {
            return Err(CommandError::OrderCapacityReached { max: self.config.max_orders });
        }
        let ladder = self.instruments[i].book.side(side);
        if ladder.len() >= self.config.max_levels_per_side && ladder.level_at(price).is_none() {
            return Err(CommandError::LevelCapacityReached { max: self.config.max_levels_per_side });
        }
        Ok(())
    }

    fn validate_amend(&self, ts: Timestamp, a: &Amend) -> Result<u32, CommandError> {
        let (key, o) = self.owned_order(ts, a.order_id, a.account)?;
        if let Some(expected) = a.expected_version {
            if expected != o.version {
                return Err(CommandError::StaleVersion { order_id: a.order_id, expected, current: o.version });
            }
        }
        if a.new_price.is_none() && a.new_qty.is_none() {
            return Err(CommandError::NothingToAmend);
        }
        let spec = &self.instruments[o.instrument as usize].instrument.spec;
        if let Some(price) = a.new_price {
            if price.0 <= 0 || price.0 > MAX_TICKS {
                return Err(CommandError::InvalidPrice { price });
            }
        }
        if let Some(q) = a.new_qty {
            if q.0 <= 0 {
                return Err(CommandError::InvalidQuantity { qty: q });
            }
            if q <= o.filled {
                return Err(CommandError::AmendQtyAtOrBelowFilled { new_qty: q, filled: o.filled });
            }
            if q < spec.min_qty {
                return Err(CommandError::QuantityBelowMin { qty: q, min: spec.min_qty });
            }
            if q > spec.max_qty || q.0 > MAX_LOTS {
                return Err(CommandError::QuantityAboveMax { qty: q, max: spec.max_qty });
            }
        }
        if let Some(price) = a.new_price {
            let book = &self.instruments[o.instrument as usize].book;
            if Some(price) != book.level(o.level).map(|l| l.price) {
                let ladder = book.side(o.side);
                if ladder.len() >= self.config.max_levels_per_side && ladder.level_at(price).is_none() {
                    return Err(CommandError::LevelCapacityReached { max: self.config.max_levels_per_side });
                }
            }
        }
        Ok(key)
    }

    // ---- execution: validated, may mutate ---------------------------------------

    fn exec_register<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        spec: &InstrumentSpec,
        sink: &mut Sink<'_, S, MD>,
    ) {
        let id = InstrumentId(self.instruments.len() as u32);
        self.symbols.insert(spec.symbol.clone(), id);
        self.instruments.push(InstrumentState {
            instrument: Instrument { id, spec: spec.clone() },
            book: Book::new(),
            counters: QtyCounters::default(),
        });
        sink.emit(EventKind::InstrumentRegistered { instrument: id });
    }

    fn exec_set_status<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        i: usize,
        s: &SetTradingStatus,
        sink: &mut Sink<'_, S, MD>,
    ) {
        self.instruments[i].instrument.spec.status = s.status;
        sink.emit(EventKind::TradingStatusChanged { instrument: s.instrument, status: s.status });
        if s.cancel_resting {
            let reason = match s.status {
                TradingStatus::Halted => CancelReason::Halted,
                TradingStatus::Closed => CancelReason::Closed,
                TradingStatus::Open => CancelReason::MassCancel,
            };
            self.cancel_where(Some(i), None, reason, sink);
        }
    }

    fn exec_mass_cancel<S: EventSink + ?Sized, const MD: bool>(&mut self, m: &MassCancel, sink: &mut Sink<'_, S, MD>) {
        self.cancel_where(m.instrument.map(|i| i.0 as usize), m.account, CancelReason::MassCancel, sink);
    }

    /// Cancels in a fixed order: instrument, bids then asks, best level first, FIFO.
    fn cancel_where<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        only: Option<usize>,
        account: Option<AccountId>,
        reason: CancelReason,
        sink: &mut Sink<'_, S, MD>,
    ) {
        let range = match only {
            Some(i) => i..i + 1,
            None => 0..self.instruments.len(),
        };
        let mut keys = std::mem::take(&mut self.scratch);
        for i in range {
            keys.clear();
            let Some(st) = self.instruments.get(i) else {
                continue;
            };
            for ladder in [&st.book.bids, &st.book.asks] {
                for level in ladder.keys_best_first().filter_map(|lk| st.book.level(lk)) {
                    let mut k = level.head;
                    while let Some(o) = self.orders.get(k) {
                        if account.is_none_or(|a| a == o.account) {
                            keys.push(k);
                        }
                        k = o.next;
                    }
                }
            }
            for &k in &keys {
                self.remove_resting(k, reason, sink);
            }
        }
        keys.clear();
        self.scratch = keys;
    }

    fn exec_place<S: EventSink + ?Sized, const MD: bool>(&mut self, i: usize, p: &Place, sink: &mut Sink<'_, S, MD>) {
        let instrument = p.instrument;
        let st = &self.instruments[i];
        let reject = |reason| EventKind::Rejected {
            account: p.account,
            instrument,
            order_id: None,
            client_order_id: p.client_order_id,
            reason,
        };
        match st.instrument.spec.status {
            TradingStatus::Open => {}
            TradingStatus::Halted => return sink.emit(reject(RejectReason::InstrumentHalted)),
            TradingStatus::Closed => return sink.emit(reject(RejectReason::InstrumentClosed)),
        }
        let limit = match p.order_type {
            OrderType::Limit(px) => Some(px),
            OrderType::Market => None,
        };
        let opposite = st.book.side(p.side.opposite());
        let crosses = opposite.best_price().is_some_and(|best| opposite.crossed_by(limit, best));
        if p.post_only && crosses {
            return sink.emit(reject(RejectReason::PostOnlyWouldCross));
        }

        let order_id = OrderId(self.next_order_id);
        self.next_order_id += 1;
        sink.emit(EventKind::Accepted {
            order_id,
            account: p.account,
            instrument,
            side: p.side,
            price: limit,
            qty: p.qty,
            time_in_force: p.time_in_force,
            client_order_id: p.client_order_id,
        });
        let st = &mut self.instruments[i];
        st.counters.placed += i128::from(p.qty.0);

        if p.time_in_force == TimeInForce::Fok && !fok_fillable(st, &self.orders, p, limit) {
            st.counters.cancelled += i128::from(p.qty.0);
            return sink.emit(EventKind::Cancelled {
                order_id,
                account: p.account,
                instrument,
                qty: p.qty,
                reason: CancelReason::FokUnfillable,
            });
        }

        let before = sink.bbo_before(&st.book);
        // Nothing above changed the book, so `crosses` still holds. A taker is
        // set up only to match: most places rest as they came.
        let (remaining, filled, stp_killed) = if crosses {
            let mut taker = Taker {
                id: order_id,
                account: p.account,
                side: p.side,
                limit,
                remaining: p.qty.0,
                filled: 0,
                stp: p.stp,
                stp_killed: false,
            };
            self.match_crossing(i, &mut taker, sink);
            (taker.remaining, taker.filled, taker.stp_killed)
        } else {
            (p.qty.0, 0, false)
        };
        if remaining > 0 {
            let reason = if stp_killed {
                Some(CancelReason::SelfTradePrevention)
            } else {
                match p.time_in_force {
                    TimeInForce::Gtc | TimeInForce::Gtd => None,
                    TimeInForce::Ioc | TimeInForce::Fok if limit.is_none() => Some(CancelReason::NoLiquidity),
                    TimeInForce::Ioc | TimeInForce::Fok => Some(CancelReason::IocRemainder),
                }
            };
            match reason {
                Some(reason) => {
                    debug_assert!(p.time_in_force != TimeInForce::Fok || stp_killed, "invariant: fok fills fully");
                    self.instruments[i].counters.cancelled += i128::from(remaining);
                    sink.emit(EventKind::Cancelled {
                        order_id,
                        account: p.account,
                        instrument,
                        qty: Lots(remaining),
                        reason,
                    });
                }
                None => {
                    let price = limit.unwrap_or_default();
                    let flags = OrderFlags::new(p.time_in_force, p.stp, p.post_only, p.client_order_id.is_some());
                    let order = RestingOrder {
                        id: order_id,
                        account: p.account,
                        remaining: Lots(remaining),
                        filled: Lots(filled),
                        expire_at: p.expire_at.map_or(0, |t| t.0),
                        prev: NIL,
                        next: NIL,
                        level: NIL,
                        version: 0,
                        instrument: i as u16,
                        side: p.side,
                        flags,
                    };
                    self.tables.add(&order, p.client_order_id);
                    let key = self.orders.insert(order);
                    self.link_at(i, key, p.side, price, sink);
                }
            }
        }
        let st = &self.instruments[i];
        sink.bbo_after(instrument, &st.book, before);
    }

    /// Links the stored order at `key` at the back of the level at `price`.
    #[inline(always)]
    fn link_at<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        i: usize,
        key: u32,
        side: Side,
        price: Ticks,
        sink: &mut Sink<'_, S, MD>,
    ) {
        let book = &mut self.instruments[i].book;
        let lk = book.level_for(side, price);
        link_back(&mut self.orders.slab, &mut book.levels, lk, key);
        sink.level(InstrumentId(i as u32), side, book.level(lk), price);
    }

    /// Unlinks `o` (a copy of a stored record) from its level, which is at
    /// `price`, dropping the level if it empties; the slab entry stays.
    #[inline(always)]
    fn unlink_order<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        o: &RestingOrder,
        price: Ticks,
        sink: &mut Sink<'_, S, MD>,
    ) {
        let i = o.instrument as usize;
        let st = &mut self.instruments[i];
        let emptied = unlink(&mut self.orders.slab, &mut st.book.levels, o);
        if emptied {
            st.book.drop_level(o.side, o.level, price.0);
        }
        sink.level(InstrumentId(i as u32), o.side, if emptied { None } else { st.book.level(o.level) }, price);
    }

    /// Unlinks and frees the resting order `o`, the record at `key` as the
    /// caller read it (one copy of the 64-byte record, not one per step);
    /// false if it is not linked into a level of its book.
    #[inline(always)]
    fn take_resting<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        key: u32,
        o: &RestingOrder,
        sink: &mut Sink<'_, S, MD>,
    ) -> bool {
        let Some(price) =
            self.instruments.get(o.instrument as usize).and_then(|st| st.book.level(o.level)).map(|l| l.price)
        else {
            return false;
        };
        self.unlink_order(o, price, sink);
        self.orders.free(key, o.id);
        true
    }

    /// Removes a resting order for `reason` (cancel paths) and reports it.
    fn remove_resting<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        key: u32,
        reason: CancelReason,
        sink: &mut Sink<'_, S, MD>,
    ) {
        let Some(&o) = self.orders.get(key) else {
            return;
        };
        let i = o.instrument as usize;
        let before = sink.bbo_before(&self.instruments[i].book);
        if !self.take_resting(key, &o, sink) {
            return;
        }
        self.tables.retire(&o);
        let st = &mut self.instruments[i];
        st.counters.cancelled += i128::from(o.remaining.0);
        sink.emit(EventKind::Cancelled {
            order_id: o.id,
            account: o.account,
            instrument: InstrumentId(i as u32),
            qty: o.remaining,
            reason,
        });
        sink.bbo_after(InstrumentId(i as u32), &st.book, before);
    }

    /// Expires every order with `expire_at ≤ now`, earliest deadline first.
    #[inline(never)]
    fn expire_due<S: EventSink + ?Sized, const MD: bool>(&mut self, now: Timestamp, sink: &mut Sink<'_, S, MD>) {
        while let Some(&(at, id)) = self.tables.expiries.first() {
            if at > now {
                break;
            }
            self.tables.expiries.pop_first();
            let Some(key) = self.orders.key_of(id) else {
                continue;
            };
            let Some(&o) = self.orders.get(key) else {
                continue;
            };
            let i = o.instrument as usize;
            let before = sink.bbo_before(&self.instruments[i].book);
            if !self.take_resting(key, &o, sink) {
                continue;
            }
            self.tables.retire(&o);
            let st = &mut self.instruments[i];
            st.counters.expired += i128::from(o.remaining.0);
            sink.emit(EventKind::Expired {
                order_id: o.id,
                account: o.account,
                instrument: InstrumentId(i as u32),
                qty: o.remaining,
            });
            sink.bbo_after(InstrumentId(i as u32), &st.book, before);
        }
        self.tables.next_expiry = self.tables.expiries.first().map_or(u64::MAX, |(t, _)| t.0);
    }

    fn exec_amend<S: EventSink + ?Sized, const MD: bool>(&mut self, key: u32, a: &Amend, sink: &mut Sink<'_, S, MD>) {
        let Some(&o) = self.orders.get(key) else { return };
        let i = o.instrument as usize;
        let instrument = InstrumentId(i as u32);
        let st = &self.instruments[i];
        let Some(old_price) = st.book.level(o.level).map(|l| l.price) else { return };
        let reject = |reason| EventKind::Rejected {
            account: o.account,
            instrument,
            order_id: Some(o.id),
            client_order_id: None,
            reason,
        };
        match st.instrument.spec.status {
            TradingStatus::Open => {}
            TradingStatus::Halted => return sink.emit(reject(RejectReason::InstrumentHalted)),
            TradingStatus::Closed => return sink.emit(reject(RejectReason::InstrumentClosed)),
        }
        let new_price = a.new_price.unwrap_or(old_price);
        let new_remaining = a.new_qty.map_or(o.remaining.0, |q| q.0 - o.filled.0);
        let opposite = st.book.side(o.side.opposite());
        if o.flags.post_only() && new_price != old_price {
            if let Some(best) = opposite.best_price() {
                if opposite.crossed_by(Some(new_price), best) {
                    return sink.emit(reject(RejectReason::PostOnlyWouldCross));
                }
            }
        }
        let version = o.version.wrapping_add(1);
        let before = sink.bbo_before(&st.book);
        let amended = |priority_kept| EventKind::Amended {
            order_id: o.id,
            account: o.account,
            instrument,
            version,
            price: new_price,
            qty: Lots(o.filled.0 + new_remaining),
            remaining: Lots(new_remaining),
            priority_kept,
        };

        if new_price == old_price && new_remaining <= o.remaining.0 {
            // Same price, same or less quantity: keeps its place in the queue.
            let delta = o.remaining.0 - new_remaining;
            let st = &mut self.instruments[i];
            st.counters.cancelled += i128::from(delta);
            if let Some(ord) = self.orders.get_mut(key) {
                ord.remaining = Lots(new_remaining);
                ord.version = version;
            }
            sink.emit(amended(true));
            if let Some(level) = st.book.levels.get_mut(o.level as usize) {
                level.qty -= delta;
                if delta != 0 {
                    sink.level(instrument, o.side, Some(level), old_price);
                }
            }
            return sink.bbo_after(instrument, &st.book, before);
        }

        // Loses priority: leave the level (keeping the slab slot), trade if it now
        // crosses, then rest at the back of the new level.
        self.unlink_order(&o, old_price, sink);
        let st = &mut self.instruments[i];
        if new_remaining >= o.remaining.0 {
            st.counters.placed += i128::from(new_remaining - o.remaining.0);
        } else {
            st.counters.cancelled += i128::from(o.remaining.0 - new_remaining);
        }
        sink.emit(amended(false));
        let opposite = self.instruments[i].book.side(o.side.opposite());
        let crosses = opposite.best_price().is_some_and(|best| opposite.crossed_by(Some(new_price), best));
        if !crosses && new_remaining > 0 {
            // Most amends do not cross: the order rests as it is, with no taker to set up.
            if let Some(ord) = self.orders.get_mut(key) {
                ord.remaining = Lots(new_remaining);
                ord.version = version;
            }
            self.link_at(i, key, o.side, new_price, sink);
            return sink.bbo_after(instrument, &self.instruments[i].book, before);
        }
        let mut taker = Taker {
            id: o.id,
            account: o.account,
            side: o.side,
            limit: Some(new_price),
            remaining: new_remaining,
            filled: o.filled.0,
            stp: o.flags.stp(),
            stp_killed: false,
        };
        self.match_taker(i, &mut taker, sink);
        if taker.remaining > 0 && !taker.stp_killed {
            if let Some(ord) = self.orders.get_mut(key) {
                ord.remaining = Lots(taker.remaining);
                ord.filled = Lots(taker.filled);
                ord.version = version;
            }
            self.link_at(i, key, o.side, new_price, sink);
        } else {
            if taker.remaining > 0 {
                self.instruments[i].counters.cancelled += i128::from(taker.remaining);
                sink.emit(EventKind::Cancelled {
                    order_id: o.id,
                    account: o.account,
                    instrument,
                    qty: Lots(taker.remaining),
                    reason: CancelReason::SelfTradePrevention,
                });
            }
            if let Some(gone) = self.orders.remove(key) {
                self.tables.retire(&gone);
            }
        }
        sink.bbo_after(instrument, &self.instruments[i].book, before);
    }

    /// Matches `taker` against the opposite side at the makers' prices, best level
    /// first, FIFO within a level, applying the taker's self-trade prevention.
    ///
    /// Most orders and amends do not cross; that answer is one read of the opposite
    /// touch, kept inline so the common case skips the matching loop's set-up.
    #[inline(always)]
    fn match_taker<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        i: usize,
        taker: &mut Taker,
        sink: &mut Sink<'_, S, MD>,
    ) {
        let book = &self.instruments[i].book;
        let opposite = book.side(taker.side.opposite());
        let crosses = match opposite.best_price() {
            None => false,
            Some(best) => opposite.crossed_by(taker.limit, best),
        };
        if crosses && taker.remaining > 0 {
            self.match_crossing(i, taker, sink);
        }
    }

    #[inline(never)]
    fn match_crossing<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        i: usize,
        taker: &mut Taker,
        sink: &mut Sink<'_, S, MD>,
    ) {
        let instrument = InstrumentId(i as u32);
        let Engine { instruments, orders, tables, next_trade_id, .. } = self;
        let st = &mut instruments[i];
        let counters = &mut st.counters;
        let Book { bids, asks, levels } = &mut st.book;
        let ladder = match taker.side {
            Side::Buy => asks,
            Side::Sell => bids,
        };
        let maker_side = ladder.side;
        while taker.remaining > 0 && !taker.stp_killed {
            let Some(lk) = ladder.best() else { break };
            let Some(level) = levels.get_mut(lk as usize) else { break };
            if !ladder.crossed_by(taker.limit, level.price) {
                break;
            }
            let price = level.price;
            let mut touched = false;
            while taker.remaining > 0 && level.head != NIL {
                let key = level.head;
                let Some(maker) = orders.slab.get_mut(key as usize) else {
                    break;
                };
                let self_trade = taker.stp != SelfTradePrevention::None && maker.account == taker.account;
                let mut maker_done = None;
                if self_trade {
                    match taker.stp {
                        SelfTradePrevention::CancelTaker => {
                            taker.stp_killed = true;
                            break;
                        }
                        SelfTradePrevention::CancelMaker | SelfTradePrevention::CancelBoth => {
                            maker_done = Some(CancelReason::SelfTradePrevention);
                            taker.stp_killed = taker.stp == SelfTradePrevention::CancelBoth;
                        }
                        _ => {
                            // Decrement both by the smaller quantity, no trade.
                            let d = maker.remaining.0.min(taker.remaining);
                            maker.remaining.0 -= d;
                            level.qty -= d;
                            taker.remaining -= d;
                            counters.cancelled += 2 * i128::from(d);
                            touched = true;
                            if maker.remaining.0 > 0 {
                                sink.emit(EventKind::Reduced {
                                    order_id: maker.id,
                                    account: maker.account,
                                    instrument,
                                    qty: Lots(d),
                                    remaining: maker.remaining,
                                    reason: CancelReason::SelfTradePrevention,
                                });
                            } else {
                                sink.emit(EventKind::Cancelled {
                                    order_id: maker.id,
                                    account: maker.account,
                                    instrument,
                                    qty: Lots(d),
                                    reason: CancelReason::SelfTradePrevention,
                                });
                            }
                            if taker.remaining > 0 {
                                sink.emit(EventKind::Reduced {
                                    order_id: taker.id,
                                    account: taker.account,
                                    instrument,
                                    qty: Lots(d),
                                    remaining: Lots(taker.remaining),
                                    reason: CancelReason::SelfTradePrevention,
                                });
                            } else {
                                taker.stp_killed = true;
                                sink.emit(EventKind::Cancelled {
                                    order_id: taker.id,
                                    account: taker.account,
                                    instrument,
                                    qty: Lots(d),
                                    reason: CancelReason::SelfTradePrevention,
                                });
                            }
                        }
                    }
                } else {
                    let q = maker.remaining.0.min(taker.remaining);
                    maker.remaining.0 -= q;
                    maker.filled.0 += q;
                    level.qty -= q;
                    taker.remaining -= q;
                    taker.filled += q;
                    counters.filled += 2 * i128::from(q);
                    touched = true;
                    let trade_id = TradeId(*next_trade_id);
                    *next_trade_id += 1;
                    sink.emit(EventKind::Trade {
                        trade_id,
                        instrument,
                        price,
                        qty: Lots(q),
                        aggressor: taker.side,
                        maker_order_id: maker.id,
                        maker_account: maker.account,
                        maker_remaining: maker.remaining,
                        taker_order_id: taker.id,
                        taker_account: taker.account,
                        taker_remaining: Lots(taker.remaining),
                    });
                }
                if maker_done.is_none() && maker.remaining.0 > 0 {
                    break;
                }
                // The maker is done: pop it off the head of the level, and free
                // its slot without copying the record out.
                let (gone_id, gone_account) = (maker.id, maker.account);
                tables.retire(maker);
                let cancelled_qty = maker.remaining;
                let next = maker.next;
                level.head = next;
                level.qty -= cancelled_qty.0;
                level.orders -= 1;
                touched = true;
                if next == NIL {
                    level.tail = NIL;
                } else if let Some(n) = orders.slab.get_mut(next as usize) {
                    n.prev = NIL;
                }
                orders.free(key, gone_id);
                if let Some(reason) = maker_done {
                    counters.cancelled += i128::from(cancelled_qty.0);
                    sink.emit(EventKind::Cancelled {
                        order_id: gone_id,
                        account: gone_account,
                        instrument,
                        qty: cancelled_qty,
                        reason,
                    });
                }
                if taker.stp_killed {
                    break;
                }
            }
            let (qty, count) = (level.qty, level.orders);
            if count == 0 {
                ladder.sorted.pop();
                ladder.index_remove(price.0);
                levels.remove(lk as usize);
            }
            if touched && MD {
                sink.emit(EventKind::LevelChanged {
                    instrument,
                    side: maker_side,
                    price,
                    qty: Lots(qty),
                    orders: count,
                });
            }
            if count != 0 {
                // Level still has orders: the taker is done (filled or stopped by STP).
                break;
            }
        }
    }
}

/// Would a FOK order fill completely right now? Mirrors `match_taker` without
/// mutating: self-trades stop it (cancel-taker/both), are skipped (cancel-maker), or
/// consume quantity without filling it (decrement).
fn fok_fillable(st: &InstrumentState, orders: &OrderStore, p: &Place, limit: Option<Ticks>) -> bool {
    let ladder = st.book.side(p.side.opposite());
    let mut need = p.qty.0;
    for level in ladder.keys_best_first().filter_map(|k| st.book.level(k)) {
        if !ladder.crossed_by(limit, level.price) {
            return false;
        }
        if p.stp == SelfTradePrevention::None {
            need -= level.qty;
            if need <= 0 {
                return true;
            }
            continue;
        }
        let mut k = level.head;
        while let Some(o) = orders.get(k) {
            if o.account == p.account {
                match p.stp {
                    SelfTradePrevention::CancelTaker | SelfTradePrevention::CancelBoth => return false,
                    SelfTradePrevention::Decrement => return false,
                    _ => {}
                }
            } else {
                need -= o.remaining.0;
                if need <= 0 {
                    return true;
                }
            }
            k = o.next;
        }
    }
    false
}
