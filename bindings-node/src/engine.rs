//! `Engine`: order books and matching only (no money). Every command method
//! converts its arguments, runs the core's `Engine::apply`, and returns the
//! command's events; a command the core cannot evaluate throws with the core's
//! code and changes nothing.

use brokerx_engine::clock::HostClock;
use brokerx_engine::Outcome;
use brokerx_engine::{
    Command, CommandKind, CorrelationId, Engine as CoreEngine, EngineConfig, EngineSnapshot, Event as CoreEvent,
    Instrument, InstrumentId, InstrumentSpec, OrderId, Side, Timestamp,
};
use napi::bindgen_prelude::{BigInt64Array, Buffer, Unknown};

use crate::batch::{BatchResult, BatchTotals};
use napi_derive::napi;

use crate::args::{decimal, string, u64_arg, Opts};
use crate::choices;
use crate::clock::stamp;
use crate::decimal::Kind;
use crate::errors::{command, convert, fail, undecodable, Res, Result};
use crate::events::{engine_events, Event, Grid, Level};
use crate::orders;
use crate::registry::Table;
use crate::views::{self, Bbo, InstrumentInfo, Order};

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) engine: CoreEngine,
    pub(crate) clock: HostClock,
    events: Vec<CoreEvent>,
    /// Events of the `*Queued` commands and batches, until `takeEvents` / `dropEvents`.
    pub(crate) queue: Vec<CoreEvent>,
    queue_max: usize,
    /// Whether `submitRange` queues its events (`batchEvents` option).
    pub(crate) batch_events: bool,
    pub(crate) totals: BatchTotals,
}

/// Default bound of the event queue (`maxQueuedEvents`).
const QUEUE_MAX: usize = 1 << 20;

impl Inner {
    fn new(engine: CoreEngine, queue_max: usize) -> Self {
        Inner {
            engine,
            clock: HostClock::new(),
            events: Vec::with_capacity(64),
            queue: Vec::new(),
            queue_max,
            batch_events: true,
            totals: BatchTotals::default(),
        }
    }

    pub(crate) fn queue_full(&self) -> bool {
        self.queue.len() >= self.queue_max
    }

    /// Stamps and applies one command, its events appended to the queue; what it did.
    /// Refused (`events_not_taken`, nothing changed) while the queue is full.
    pub(crate) fn run_queued(&mut self, kind: CommandKind, o: &Opts<'_>) -> Res<Outcome> {
        if self.queue_full() {
            return Err(fail(
                "events_not_taken",
                format!("{} queued events are waiting: call takeEvents() or dropEvents()", self.queue.len()),
            ));
        }
        let correlation_id = CorrelationId(o.u64("correlationId")?.unwrap_or(0));
        let ts = stamp(&mut self.clock, o.u64("ts")?, self.engine.now());
        self.engine.apply(&Command { ts, correlation_id, kind }, &mut self.queue).map_err(command)
    }

    pub(crate) fn take_queued(&mut self, max: Option<u32>) -> Vec<Event> {
        let n = max.map_or(self.queue.len(), |m| (m as usize).min(self.queue.len()));
        let out = engine_events(&self.engine, &self.queue[..n]);
        self.queue.drain(..n);
        out
    }

    /// Stamps and applies one command; its events as JavaScript objects.
    pub(crate) fn run(&mut self, kind: CommandKind, o: &Opts<'_>) -> Result<Vec<Event>> {
        let correlation_id = CorrelationId(o.u64("correlationId")?.unwrap_or(0));
        let ts = stamp(&mut self.clock, o.u64("ts")?, self.engine.now());
        self.events.clear();
        self.engine.apply(&Command { ts, correlation_id, kind }, &mut self.events).map_err(command)?;
        Ok(engine_events(&self.engine, &self.events))
    }
}

/// Order books and matching: price-time priority, limit and market orders, GTC,
/// IOC, FOK, GTD, post-only, self-trade prevention, versioned amends, halts.
#[napi]
#[derive(Debug)]
pub struct Engine {
    handle: u32,
}

thread_local! {
    pub(crate) static ENGINES: Table<Inner> = const { Table::new("Engine") };
}

/// Runs `f` on the engine behind `handle`.
pub(crate) fn with<R>(handle: u32, f: impl FnOnce(&mut Inner) -> Res<R>) -> Res<R> {
    ENGINES.with(|t| t.with(handle, f))
}

impl Engine {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> Res<R>) -> Res<R> {
        with(self.handle, f)
    }
    fn open(engine: CoreEngine, queue_max: usize) -> Res<Self> {
        Ok(Engine { handle: ENGINES.with(|t| t.insert(Inner::new(engine, queue_max)))? })
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        let handle = self.handle;
        let _ = ENGINES.try_with(|t| t.remove(handle));
    }
}

/// What an engine may hold, and whether it emits market data.
pub fn engine_config(o: &Opts<'_>) -> Result<EngineConfig> {
    let d = EngineConfig::default();
    let size = |key: &str, default: usize| -> Result<usize> {
        Ok(o.u64(key)?.map_or(default, |n| usize::try_from(n).unwrap_or(usize::MAX)))
    };
    Ok(EngineConfig {
        max_orders: size("maxOrders", d.max_orders)?,
        max_levels_per_side: size("maxLevelsPerSide", d.max_levels_per_side)?,
        max_instruments: size("maxInstruments", d.max_instruments)?,
        market_data: o.bool("marketData")?.unwrap_or(d.market_data),
        max_triggers_per_command: o.u32("maxTriggersPerCommand")?.unwrap_or(d.max_triggers_per_command),
    })
}

/// `registerInstrument`'s spec: the grid is checked (the core's rule) before
/// `minQty` / `maxQty` are converted on it.
pub fn instrument_spec(
    symbol: &Unknown<'_>,
    tick_size: &Unknown<'_>,
    lot_size: &Unknown<'_>,
    o: &Opts<'_>,
) -> Result<InstrumentSpec> {
    let symbol = string(symbol, "symbol")?;
    let tick = decimal(tick_size, Kind::Price, "tickSize")?;
    let lot = decimal(lot_size, Kind::Qty, "lotSize")?;
    let (min_qty, max_qty) = (o.decimal("minQty", Kind::Qty)?, o.decimal("maxQty", Kind::Qty)?);
    let mut spec = InstrumentSpec::new(symbol, tick, lot);
    if min_qty.is_some() || max_qty.is_some() {
        spec.validate().map_err(command)?;
        let grid = Instrument { id: InstrumentId(0), spec: spec.clone() };
        if let Some(q) = min_qty {
            spec.min_qty = grid.qty_to_lots(q).map_err(convert)?;
        }
        if let Some(q) = max_qty {
            spec.max_qty = grid.qty_to_lots(q).map_err(convert)?;
        }
    }
    Ok(spec)
}

pub fn book_side(side: &Unknown<'_>) -> Result<Side> {
    choices::side(&string(side, "side")?, "side")
}

pub fn bbo(e: &CoreEngine, id: InstrumentId) -> Bbo {
    let g = Grid::of(e, id);
    let b = e.bbo(id).unwrap_or_default();
    Bbo { bid: b.bid.map(|l| g.level(l)), ask: b.ask.map(|l| g.level(l)) }
}

/// The waiting stops of one side, in the order they would fire.
pub fn stops(e: &CoreEngine, id: InstrumentId, side: Side) -> Vec<Order> {
    e.stops(id, side).map(|o| views::order(e, &o)).collect()
}

/// The price of the instrument's last trade (what stops trigger on).
pub fn last_price(e: &CoreEngine, id: InstrumentId) -> Option<String> {
    e.last_price(id).map(|t| Grid::of(e, id).price(t))
}

pub fn depth(e: &CoreEngine, id: InstrumentId, side: Side, levels: Option<u32>) -> Vec<Level> {
    let g = Grid::of(e, id);
    let n = levels.map_or(usize::MAX, |n| n as usize);
    e.depth(id, side).take(n).map(|l| g.level(l)).collect()
}

#[napi]
impl Engine {
    /// A new engine. Options: `maxOrders`, `maxLevelsPerSide`, `maxInstruments`,
    /// `marketData` (emit `LevelChanged` / `BboChanged`, default true),
    /// `maxTriggersPerCommand` (stops one command may fire per instrument).
    #[napi(constructor, catch_unwind, ts_args_type = "options?: EngineOptions")]
    pub fn new(options: Option<Unknown<'_>>) -> Result<Self> {
        let o = Opts::new(options, "options")?;
        let config = engine_config(&o)?;
        let queue_max = o.u64("maxQueuedEvents")?.map_or(QUEUE_MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
        let batch_events = match o.string("batchEvents")?.as_deref() {
            None | Some("queue") => true,
            Some("none") => false,
            Some(other) => {
                return Err(crate::errors::range_error(
                    "options.batchEvents",
                    format!("must be 'queue' or 'none', got {other:?}"),
                ))
            }
        };
        let engine = Engine::open(CoreEngine::new(config), queue_max)?;
        engine.with(|i| {
            i.batch_events = batch_events;
            Ok(())
        })?;
        Ok(engine)
    }

    /// Registers an instrument; ids are 0, 1, 2, … in order of registration.
    #[napi(
        catch_unwind,
        ts_args_type = "symbol: string, tickSize: string, lotSize: string, options?: InstrumentOptions & CommandOptions"
    )]
    pub fn register_instrument(
        &mut self,
        symbol: Unknown<'_>,
        tick_size: Unknown<'_>,
        lot_size: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| {
            let o = Opts::new(options, "options")?;
            let spec = instrument_spec(&symbol, &tick_size, &lot_size, &o)?;
            inner.run(CommandKind::RegisterInstrument(spec), &o)
        })
    }

    /// Places an order: `price` `null` for a market order. `trigger` makes it a
    /// stop that waits outside the book (a stop-limit at `price`, a stop-market
    /// for `null`; default tif `gtc`); `amount` (in quote, at most `qty`) an order
    /// by quote amount (market for `null`, limit at `price`; default tif `ioc`).
    #[napi(
        catch_unwind,
        ts_args_type = "account: bigint | number, instrument: number | string, side: Side, price: string | null, qty: string, options?: PlaceOptions & CommandOptions"
    )]
    pub fn place(
        &mut self,
        account: Unknown<'_>,
        instrument: Unknown<'_>,
        side: Unknown<'_>,
        price: Unknown<'_>,
        qty: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| {
            let o = Opts::new(options, "options")?;
            let kind = orders::place(&inner.engine, &account, &instrument, &side, &price, &qty, &o)?;
            inner.run(kind, &o)
        })
    }

    /// `place` for throughput: its events are queued (read them with
    /// `takeEvents`), and it returns the order's id (`0n` if the engine refused it
    /// for a trading reason: the `Rejected` event is queued).
    #[napi(
        catch_unwind,
        ts_args_type = "account: bigint | number, instrument: number | string, side: Side, price: string | null, qty: string, options?: PlaceOptions & CommandOptions"
    )]
    pub fn place_queued(
        &mut self,
        account: Unknown<'_>,
        instrument: Unknown<'_>,
        side: Unknown<'_>,
        price: Unknown<'_>,
        qty: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<u64> {
        crate::fast::engine_place_queued(self.handle, account, instrument, side, price, qty, options)
    }

    /// `cancel` for throughput: its events are queued.
    #[napi(
        catch_unwind,
        ts_args_type = "account: bigint | number, order: bigint | number | string, options?: CommandOptions"
    )]
    pub fn cancel_queued(
        &mut self,
        account: Unknown<'_>,
        order: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<()> {
        crate::fast::engine_cancel_queued(self.handle, account, order, options)
    }

    /// The queued events (of `placeQueued`, `cancelQueued`, `submitMany`), oldest
    /// first, at most `max`; they leave the queue.
    #[napi]
    pub fn take_events(&mut self, max: Option<u32>) -> Result<Vec<Event>> {
        self.with(|inner| Ok(inner.take_queued(max)))
    }

    /// Empties the queue without converting it (a host that keeps no events); how many.
    #[napi]
    pub fn drop_events(&mut self) -> Result<u32> {
        self.with(|inner| {
            let n = inner.queue.len();
            inner.queue.clear();
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
    }

    /// How many events are queued.
    #[napi]
    pub fn queued_events(&self) -> Result<u32> {
        self.with(|inner| Ok(u32::try_from(inner.queue.len()).unwrap_or(u32::MAX)))
    }

    /// Applies many commands in one call, from a `BigInt64Array` of 6-slot records
    /// in ticks and lots (see `CommandBatch`); their events are queued
    /// (`events: 'none'` keeps none). `orderIds`, if given, receives each
    /// command's order id (0 when it has none). `from` and `count` pick a range
    /// of records (the whole array by default), so a host can stream one buffer.
    #[napi(
        catch_unwind,
        ts_args_type = "commands: BigInt64Array, options?: { events?: 'queue' | 'none'; orderIds?: BigInt64Array } & CommandOptions, from?: number, count?: number"
    )]
    pub fn submit_many(
        &mut self,
        commands: BigInt64Array,
        options: Option<Unknown<'_>>,
        from: Option<u32>,
        count: Option<u32>,
    ) -> Result<BatchResult> {
        crate::batch::engine_submit_many(self.handle, commands, options, from, count)
    }

    /// `count` records of `commands` from record `from`, for one call per command
    /// or small batches: returns how many were refused (no report object, which
    /// would cost more than the commands); events as the `batchEvents` option
    /// says; totals in `batchTotals()`.
    #[napi(catch_unwind)]
    pub fn submit_range(&mut self, commands: BigInt64Array, from: u32, count: u32) -> Result<u32> {
        crate::batch::engine_submit_range(self.handle, commands, from, count)
    }

    /// What every `submitMany` / `submitRange` of this engine did since it was made.
    #[napi]
    pub fn batch_totals(&self) -> Result<BatchTotals> {
        self.with(|i| Ok(i.totals))
    }

    /// Cancels an order named by the engine's id (`bigint`) or the client's id (`string`).
    #[napi(
        catch_unwind,
        ts_args_type = "account: bigint | number, order: bigint | number | string, options?: CommandOptions"
    )]
    pub fn cancel(
        &mut self,
        account: Unknown<'_>,
        order: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| {
            let o = Opts::new(options, "options")?;
            let kind = orders::cancel(&account, &order)?;
            inner.run(kind, &o)
        })
    }

    /// Amends an order's price and/or total quantity, optionally at an expected
    /// version; for a waiting stop `price` is its limit and `trigger` its new
    /// trigger. The order is named by the engine's id (`bigint`) or the
    /// account's client order id (`string`), as for `cancel`.
    #[napi(
        catch_unwind,
        ts_args_type = "account: bigint | number, order: bigint | number | string, change: AmendChange, options?: CommandOptions"
    )]
    pub fn amend(
        &mut self,
        account: Unknown<'_>,
        order: Unknown<'_>,
        change: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| {
            let change = Opts::new(Some(change), "change")?;
            let o = Opts::new(options, "options")?;
            let kind = orders::amend(&inner.engine, &account, &order, &change)?;
            inner.run(kind, &o)
        })
    }

    /// Cancels every live order of an account, an instrument, or both.
    #[napi(catch_unwind, ts_args_type = "filter: MassCancelFilter, options?: CommandOptions")]
    pub fn mass_cancel(&mut self, filter: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<Vec<Event>> {
        self.with(|inner| {
            let f = Opts::new(Some(filter), "filter")?;
            let o = Opts::new(options, "options")?;
            let kind = orders::mass_cancel(&inner.engine, &f)?;
            inner.run(kind, &o)
        })
    }

    /// Opens, halts or closes an instrument (`cancelResting` cancels its book).
    #[napi(
        catch_unwind,
        ts_args_type = "instrument: number | string, status: TradingStatus, options?: { cancelResting?: boolean } & CommandOptions"
    )]
    pub fn set_status(
        &mut self,
        instrument: Unknown<'_>,
        status: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        self.with(|inner| {
            let o = Opts::new(options, "options")?;
            let kind = orders::set_status(&inner.engine, &instrument, &status, &o)?;
            inner.run(kind, &o)
        })
    }

    /// Passes time: expires every GTD order due at `now`.
    #[napi(catch_unwind, ts_args_type = "now: bigint | number")]
    pub fn on_time(&mut self, now: Unknown<'_>) -> Result<Vec<Event>> {
        self.with(|inner| {
            let now = Timestamp(u64_arg(&now, "now")?);
            inner.events.clear();
            inner.engine.on_time(now, &mut inner.events).map_err(command)?;
            Ok(engine_events(&inner.engine, &inner.events))
        })
    }

    /// When the next GTD order expires (`null`: none).
    #[napi]
    pub fn next_deadline(&self) -> Result<Option<u64>> {
        self.with(|i| Ok(i.engine.next_deadline().map(|t| t.0)))
    }

    /// The engine's time: the latest command's timestamp.
    #[napi]
    pub fn now(&self) -> Result<u64> {
        self.with(|i| Ok(i.engine.now().0))
    }

    /// The last event's sequence number (0 before the first).
    #[napi]
    pub fn last_seq(&self) -> Result<u64> {
        self.with(|i| Ok(i.engine.last_seq()))
    }

    /// The best bid and ask (no copy of the book).
    #[napi(catch_unwind, ts_args_type = "instrument: number | string")]
    pub fn bbo(&self, instrument: Unknown<'_>) -> Result<Bbo> {
        self.with(|inner| {
            let e = &inner.engine;
            let id = choices::instrument(e, &instrument, "instrument")?.id;
            Ok(bbo(e, id))
        })
    }

    /// L2 depth of one side, best first (`levels`: the best n only).
    #[napi(catch_unwind, ts_args_type = "instrument: number | string, side: Side, levels?: number")]
    pub fn depth(&self, instrument: Unknown<'_>, side: Unknown<'_>, levels: Option<u32>) -> Result<Vec<Level>> {
        self.with(|inner| {
            let e = &inner.engine;
            let id = choices::instrument(e, &instrument, "instrument")?.id;
            Ok(depth(e, id, book_side(&side)?, levels))
        })
    }

    /// The waiting stops of one side, in the order they would fire.
    #[napi(catch_unwind, ts_args_type = "instrument: number | string, side: Side")]
    pub fn stops(&self, instrument: Unknown<'_>, side: Unknown<'_>) -> Result<Vec<Order>> {
        self.with(|inner| {
            let e = &inner.engine;
            let id = choices::instrument(e, &instrument, "instrument")?.id;
            Ok(stops(e, id, book_side(&side)?))
        })
    }

    /// The price of the instrument's last trade (what stops trigger on); `null` before its first.
    #[napi(catch_unwind, ts_args_type = "instrument: number | string")]
    pub fn last_price(&self, instrument: Unknown<'_>) -> Result<Option<String>> {
        self.with(|inner| {
            let e = &inner.engine;
            Ok(last_price(e, choices::instrument(e, &instrument, "instrument")?.id))
        })
    }

    /// A live order, a waiting stop included (`null` if it is unknown or done).
    #[napi(catch_unwind, ts_args_type = "orderId: bigint | number")]
    pub fn order(&self, order_id: Unknown<'_>) -> Result<Option<Order>> {
        self.with(|inner| {
            let e = &inner.engine;
            let id = OrderId(u64_arg(&order_id, "orderId")?);
            Ok(e.order(id).map(|o| views::order(e, &o)))
        })
    }

    /// The live order `account` placed with `clientOrderId`, a waiting stop
    /// included (`null` if the account has none live by that id).
    #[napi(catch_unwind, ts_args_type = "account: bigint | number, clientOrderId: string")]
    pub fn order_by_client_id(&self, account: Unknown<'_>, client_order_id: Unknown<'_>) -> Result<Option<Order>> {
        self.with(|inner| {
            let e = &inner.engine;
            let account = brokerx_engine::AccountId(u64_arg(&account, "account")?);
            let c = crate::args::with_str(&client_order_id, "clientOrderId", |s| {
                brokerx_engine::ClientOrderId::new(s).map_err(crate::errors::convert)
            })?;
            Ok(e.order_by_client_id(account, c).map(|o| views::order(e, &o)))
        })
    }

    /// A registered instrument by id or symbol (`unknown_instrument` otherwise).
    #[napi(catch_unwind, ts_args_type = "instrument: number | string")]
    pub fn instrument(&self, instrument: Unknown<'_>) -> Result<InstrumentInfo> {
        self.with(|inner| Ok(views::instrument(choices::instrument(&inner.engine, &instrument, "instrument")?)))
    }

    /// The same for the same command log.
    #[napi]
    pub fn state_hash(&self) -> Result<u64> {
        self.with(|i| Ok(i.engine.state_hash()))
    }

    /// Walks the whole state; throws `invariant_violated` on an inconsistency (a bug).
    #[napi]
    pub fn check_invariants(&self) -> Result<()> {
        self.with(|i| i.engine.check_invariants().map_err(|why| fail("invariant_violated", why)))
    }

    /// The whole state as bytes, for `Engine.restore`.
    #[napi]
    pub fn snapshot(&self) -> Result<Buffer> {
        let bytes = self.with(|i| serde_json::to_vec(&i.engine.snapshot()).map_err(undecodable))?;
        Ok(Buffer::from(bytes))
    }

    /// An engine from `snapshot()` bytes, indistinguishable from the original.
    #[napi(factory, catch_unwind)]
    pub fn restore(data: Buffer) -> Result<Self> {
        let snap: EngineSnapshot = serde_json::from_slice(&data).map_err(undecodable)?;
        let engine = CoreEngine::restore(&snap).map_err(crate::errors::snapshot)?;
        Engine::open(engine, QUEUE_MAX)
    }

    /// Releases the native state now; any later call throws `closed`.
    #[napi]
    pub fn close(&mut self) {
        let handle = self.handle;
        ENGINES.with(|t| t.remove(handle));
    }

    /// Whether `close()` was called.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        !ENGINES.with(|t| t.is_open(self.handle))
    }

    /// The key of this engine's state for the per-call fast paths (`enginePlace`, `engineCancel`).
    #[napi(getter)]
    pub fn handle(&self) -> u32 {
        self.handle
    }
}
