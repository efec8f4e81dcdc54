//! `Engine`: order books and matching only (no money). Every command method
//! converts its arguments, runs the core's `Engine::apply`, and returns the
//! command's events; a command the core cannot evaluate throws with the core's
//! code and changes nothing.

use brokerx_engine::clock::HostClock;
use brokerx_engine::{
    Command, CommandKind, CorrelationId, Engine as CoreEngine, EngineConfig, EngineSnapshot, Event as CoreEvent,
    Instrument, InstrumentId, InstrumentSpec, OrderId, Side, Timestamp,
};
use napi::bindgen_prelude::{Buffer, Unknown};
use napi_derive::napi;

use crate::args::{decimal, string, u64_arg, Opts};
use crate::choices;
use crate::clock::stamp;
use crate::decimal::Kind;
use crate::errors::{closed, command, convert, fail, undecodable, Result};
use crate::events::{engine_events, Event, Grid, Level};
use crate::orders;
use crate::views::{self, Bbo, InstrumentInfo, Order};

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) engine: CoreEngine,
    clock: HostClock,
    events: Vec<CoreEvent>,
}

impl Inner {
    fn new(engine: CoreEngine) -> Self {
        Inner { engine, clock: HostClock::new(), events: Vec::with_capacity(64) }
    }

    /// Stamps and applies one command; its events as JavaScript objects.
    fn run(&mut self, kind: CommandKind, o: &Opts<'_>) -> Result<Vec<Event>> {
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
    pub(crate) inner: Option<Inner>,
}

impl Engine {
    pub(crate) fn live(&mut self) -> Result<&mut Inner> {
        self.inner.as_mut().ok_or_else(|| closed("Engine"))
    }
    fn get(&self) -> Result<&Inner> {
        self.inner.as_ref().ok_or_else(|| closed("Engine"))
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

pub fn depth(e: &CoreEngine, id: InstrumentId, side: Side, levels: Option<u32>) -> Vec<Level> {
    let g = Grid::of(e, id);
    let n = levels.map_or(usize::MAX, |n| n as usize);
    e.depth(id, side).take(n).map(|l| g.level(l)).collect()
}

#[napi]
impl Engine {
    /// A new engine. Options: `maxOrders`, `maxLevelsPerSide`, `maxInstruments`,
    /// `marketData` (emit `LevelChanged` / `BboChanged`, default true).
    #[napi(constructor, catch_unwind, ts_args_type = "options?: EngineOptions")]
    pub fn new(options: Option<Unknown<'_>>) -> Result<Self> {
        let config = engine_config(&Opts::new(options, "options")?)?;
        Ok(Engine { inner: Some(Inner::new(CoreEngine::new(config))) })
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
        let inner = self.live()?;
        let o = Opts::new(options, "options")?;
        let spec = instrument_spec(&symbol, &tick_size, &lot_size, &o)?;
        inner.run(CommandKind::RegisterInstrument(spec), &o)
    }

    /// Places an order: `price` `null` for a market order.
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
        let inner = self.live()?;
        let o = Opts::new(options, "options")?;
        let kind = orders::place(&inner.engine, &account, &instrument, &side, &price, &qty, &o)?;
        inner.run(kind, &o)
    }

    /// Cancels an order named by the engine's id (`bigint`) or the client's id (`string`).
    #[napi(
        catch_unwind,
        ts_args_type = "account: bigint | number, order: bigint | number | string, options?: CommandOptions"
    )]
    pub fn cancel(&mut self, account: Unknown<'_>, order: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<Vec<Event>> {
        let inner = self.live()?;
        let o = Opts::new(options, "options")?;
        let kind = orders::cancel(&account, &order)?;
        inner.run(kind, &o)
    }

    /// Amends an order's price and/or total quantity, optionally at an expected version.
    #[napi(
        catch_unwind,
        ts_args_type = "account: bigint | number, orderId: bigint | number, change: AmendChange, options?: CommandOptions"
    )]
    pub fn amend(
        &mut self,
        account: Unknown<'_>,
        order_id: Unknown<'_>,
        change: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Vec<Event>> {
        let inner = self.live()?;
        let change = Opts::new(Some(change), "change")?;
        let o = Opts::new(options, "options")?;
        let kind = orders::amend(&inner.engine, &account, &order_id, &change)?;
        inner.run(kind, &o)
    }

    /// Cancels every live order of an account, an instrument, or both.
    #[napi(catch_unwind, ts_args_type = "filter: MassCancelFilter, options?: CommandOptions")]
    pub fn mass_cancel(&mut self, filter: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<Vec<Event>> {
        let inner = self.live()?;
        let f = Opts::new(Some(filter), "filter")?;
        let o = Opts::new(options, "options")?;
        let kind = orders::mass_cancel(&inner.engine, &f)?;
        inner.run(kind, &o)
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
        let inner = self.live()?;
        let o = Opts::new(options, "options")?;
        let kind = orders::set_status(&inner.engine, &instrument, &status, &o)?;
        inner.run(kind, &o)
    }

    /// Passes time: expires every GTD order due at `now`.
    #[napi(catch_unwind, ts_args_type = "now: bigint | number")]
    pub fn on_time(&mut self, now: Unknown<'_>) -> Result<Vec<Event>> {
        let inner = self.live()?;
        let now = Timestamp(u64_arg(&now, "now")?);
        inner.events.clear();
        inner.engine.on_time(now, &mut inner.events).map_err(command)?;
        Ok(engine_events(&inner.engine, &inner.events))
    }

    /// When the next GTD order expires (`null`: none).
    #[napi]
    pub fn next_deadline(&self) -> Result<Option<u64>> {
        Ok(self.get()?.engine.next_deadline().map(|t| t.0))
    }

    /// The engine's time: the latest command's timestamp.
    #[napi]
    pub fn now(&self) -> Result<u64> {
        Ok(self.get()?.engine.now().0)
    }

    /// The last event's sequence number (0 before the first).
    #[napi]
    pub fn last_seq(&self) -> Result<u64> {
        Ok(self.get()?.engine.last_seq())
    }

    /// The best bid and ask (no copy of the book).
    #[napi(catch_unwind, ts_args_type = "instrument: number | string")]
    pub fn bbo(&self, instrument: Unknown<'_>) -> Result<Bbo> {
        let e = &self.get()?.engine;
        let id = choices::instrument(e, &instrument, "instrument")?.id;
        Ok(bbo(e, id))
    }

    /// L2 depth of one side, best first (`levels`: the best n only).
    #[napi(catch_unwind, ts_args_type = "instrument: number | string, side: Side, levels?: number")]
    pub fn depth(&self, instrument: Unknown<'_>, side: Unknown<'_>, levels: Option<u32>) -> Result<Vec<Level>> {
        let e = &self.get()?.engine;
        let id = choices::instrument(e, &instrument, "instrument")?.id;
        Ok(depth(e, id, book_side(&side)?, levels))
    }

    /// A live order (`null` if it is unknown or done).
    #[napi(catch_unwind, ts_args_type = "orderId: bigint | number")]
    pub fn order(&self, order_id: Unknown<'_>) -> Result<Option<Order>> {
        let e = &self.get()?.engine;
        let id = OrderId(u64_arg(&order_id, "orderId")?);
        Ok(e.order(id).map(|o| views::order(e, &o)))
    }

    /// A registered instrument by id or symbol (`unknown_instrument` otherwise).
    #[napi(catch_unwind, ts_args_type = "instrument: number | string")]
    pub fn instrument(&self, instrument: Unknown<'_>) -> Result<InstrumentInfo> {
        let e = &self.get()?.engine;
        Ok(views::instrument(choices::instrument(e, &instrument, "instrument")?))
    }

    /// The same for the same command log.
    #[napi]
    pub fn state_hash(&self) -> Result<u64> {
        Ok(self.get()?.engine.state_hash())
    }

    /// Walks the whole state; throws `invariant_violated` on an inconsistency (a bug).
    #[napi]
    pub fn check_invariants(&self) -> Result<()> {
        self.get()?.engine.check_invariants().map_err(|why| fail("invariant_violated", why))
    }

    /// The whole state as bytes, for `Engine.restore`.
    #[napi]
    pub fn snapshot(&self) -> Result<Buffer> {
        let snap = self.get()?.engine.snapshot();
        serde_json::to_vec(&snap).map(Buffer::from).map_err(undecodable)
    }

    /// An engine from `snapshot()` bytes, indistinguishable from the original.
    #[napi(factory, catch_unwind)]
    pub fn restore(data: Buffer) -> Result<Self> {
        let snap: EngineSnapshot = serde_json::from_slice(&data).map_err(undecodable)?;
        let engine = CoreEngine::restore(&snap).map_err(crate::errors::snapshot)?;
        Ok(Engine { inner: Some(Inner::new(engine)) })
    }

    /// Releases the native state now; any later call throws `closed`.
    #[napi]
    pub fn close(&mut self) {
        self.inner = None;
    }

    /// Whether `close()` was called.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.inner.is_none()
    }
}
