//! `brokerx.Engine`: the engine behind a mutex, plus read views.
//!
//! Locking rule (why this cannot deadlock with the GIL): the engine mutex is only
//! ever held while running pure Rust. Python arguments are converted before it is
//! taken, events and errors become Python objects after it is released, and a
//! thread that finds the mutex busy waits for it with the GIL released. Two
//! threads sharing one `Engine` are therefore serialized, never crash, and never
//! see a half-applied command.

use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use brokerx_engine::clock::HostClock;
use brokerx_engine::{
    Engine as REngine, EngineConfig, EngineSnapshot, Event, InstrumentId, OrderId, OrderStatus, OrderView, Timestamp,
};
use pyo3::exceptions::PyIndexError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PySlice, PyTuple, PyType};

use crate::commands::{amend_pending, pending_from_py, pending_ref, place_pending, InstrRef, Pending, PendingCmd};
use crate::convert::{
    decimal_to_py, side_from, status_from, to_decimal, to_decimal_opt, to_ts_named, to_ts_opt, wall_ns, Kind,
};
use crate::errors::{new_error, BindError};
use crate::events::{event_to_py, events_to_list, Level, Scale};

/// Batches at least this long are applied with the GIL released.
const DETACH_MIN_BATCH: usize = 256;

#[derive(Debug)]
struct Inner {
    engine: REngine,
    /// Instrument grids by id, shared with event batches (copy-on-write).
    scales: Arc<Vec<Scale>>,
    /// Stamps commands whose `ts` was omitted (host state, not engine state).
    clock: HostClock,
}

impl Inner {
    fn new(engine: REngine) -> Self {
        let scales = engine.instruments().map(|i| Scale { tick: i.spec.tick_size, lot: i.spec.lot_size }).collect();
        Inner { engine, scales: Arc::new(scales), clock: HostClock::new() }
    }

    /// Resolves and applies one command (an omitted `ts` stamped from `wall_ns`);
    /// keeps `scales` in step with registrations.
    fn apply(&mut self, cmd: &PendingCmd, wall_ns: u64, out: &mut Vec<Event>) -> Result<(), BindError> {
        let c = cmd.resolve(&self.engine, &mut self.clock, wall_ns)?;
        self.engine.apply(&c, out)?;
        if matches!(cmd.kind, Pending::Register { .. }) {
            self.sync_scales();
        }
        Ok(())
    }

    fn sync_scales(&mut self) {
        let n = self.engine.instruments().count();
        if n != self.scales.len() {
            let v = Arc::make_mut(&mut self.scales);
            for i in self.engine.instruments().skip(v.len()) {
                v.push(Scale { tick: i.spec.tick_size, lot: i.spec.lot_size });
            }
        }
    }
}

/// Deterministic order books for many instruments. Commands in, events out.
#[pyclass(frozen, module = "brokerx._native")]
#[derive(Debug)]
pub struct Engine {
    inner: Mutex<Inner>,
}

impl Engine {
    /// Takes the engine lock; if another thread holds it, waits with the GIL released.
    fn lock<'a>(&'a self, py: Python<'_>) -> MutexGuard<'a, Inner> {
        loop {
            match self.inner.try_lock() {
                Ok(g) => return g,
                Err(TryLockError::Poisoned(p)) => return p.into_inner(),
                Err(TryLockError::WouldBlock) => {
                    py.detach(|| {
                        // Wait until it is free, then retry with the GIL held.
                        drop(self.inner.lock());
                    });
                }
            }
        }
    }

    /// Applies one command and returns its events as a list.
    fn run<'py>(&self, py: Python<'py>, cmd: &PendingCmd) -> PyResult<Bound<'py, PyList>> {
        let mut out = Vec::with_capacity(8);
        let wall = if cmd.ts.is_none() { wall_ns(py)? } else { 0 };
        let (res, scales) = {
            let mut g = self.lock(py);
            let res = g.apply(cmd, wall, &mut out);
            (res, Arc::clone(&g.scales))
        };
        match res {
            Ok(()) => events_to_list(py, &out, &scales),
            Err(e) => Err(e.into_pyerr(py)),
        }
    }

    fn instrument_id(&self, py: Python<'_>, instrument: &Bound<'_, PyAny>) -> PyResult<u32> {
        let r = InstrRef::from_py(instrument)?;
        let g = self.lock(py);
        let id = r.resolve(&g.engine).map(|i| i.id.0);
        drop(g);
        id.map_err(|e| e.into_pyerr(py))
    }
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (*, max_orders=None, max_levels_per_side=None, max_instruments=None, market_data=true, max_triggers_per_command=None))]
    fn new(
        max_orders: Option<usize>,
        max_levels_per_side: Option<usize>,
        max_instruments: Option<usize>,
        market_data: bool,
        max_triggers_per_command: Option<u32>,
    ) -> Self {
        let d = EngineConfig::default();
        let config = EngineConfig {
            max_orders: max_orders.unwrap_or(d.max_orders),
            max_levels_per_side: max_levels_per_side.unwrap_or(d.max_levels_per_side),
            max_instruments: max_instruments.unwrap_or(d.max_instruments),
            market_data,
            max_triggers_per_command: max_triggers_per_command.unwrap_or(d.max_triggers_per_command),
        };
        Engine { inner: Mutex::new(Inner::new(REngine::new(config))) }
    }

    /// Registers an instrument; its id is `InstrumentRegistered.instrument`.
    #[pyo3(signature = (symbol, tick_size, lot_size, *, min_qty=None, max_qty=None, status="open", ts=None, correlation_id=0))]
    #[allow(clippy::too_many_arguments)]
    fn register_instrument<'py>(
        &self,
        py: Python<'py>,
        symbol: &str,
        tick_size: &Bound<'py, PyAny>,
        lot_size: &Bound<'py, PyAny>,
        min_qty: Option<&Bound<'py, PyAny>>,
        max_qty: Option<&Bound<'py, PyAny>>,
        status: &str,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        let cmd = PendingCmd {
            ts: to_ts_opt(ts, "ts")?,
            correlation_id,
            kind: Pending::Register {
                symbol: symbol.to_owned(),
                tick_size: to_decimal(tick_size, Kind::Price, "tick_size")?,
                lot_size: to_decimal(lot_size, Kind::Qty, "lot_size")?,
                min_qty: to_decimal_opt(min_qty, Kind::Qty, "min_qty")?,
                max_qty: to_decimal_opt(max_qty, Kind::Qty, "max_qty")?,
                status: status_from(status)?,
            },
        };
        self.run(py, &cmd)
    }

    /// Places an order. `price=None` is a market order (default tif `ioc`);
    /// `expire_at` implies `gtd`. With `trigger`, a stop that waits outside the
    /// book until a trade prints at or through it: a stop-limit at `price`, or a
    /// stop-market for `price=None` (default tif `gtc`). With `amount` (in quote,
    /// a whole number of tick·lots), an order that spends at most that much on
    /// at most `qty`: a market-by-amount for `price=None`, a limit-by-amount at
    /// `price` (default tif `ioc`; never with `trigger`). Trading refusals come
    /// back as `Rejected` events.
    #[pyo3(signature = (account, instrument, side, price, qty, *, trigger=None, amount=None, display=None, time_in_force=None, expire_at=None, post_only=false, stp="none", client_order_id=None, ts=None, correlation_id=0))]
    #[allow(clippy::too_many_arguments)]
    fn place<'py>(
        &self,
        py: Python<'py>,
        account: u64,
        instrument: &Bound<'py, PyAny>,
        side: &str,
        price: Option<&Bound<'py, PyAny>>,
        qty: &Bound<'py, PyAny>,
        trigger: Option<&Bound<'py, PyAny>>,
        amount: Option<&Bound<'py, PyAny>>,
        display: Option<&Bound<'py, PyAny>>,
        time_in_force: Option<&str>,
        expire_at: Option<&Bound<'py, PyAny>>,
        post_only: bool,
        stp: &str,
        client_order_id: Option<&str>,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        let kind = place_pending(
            py,
            account,
            instrument,
            side,
            price,
            trigger,
            amount,
            display,
            qty,
            time_in_force,
            expire_at,
            post_only,
            stp,
            client_order_id,
        )?;
        let cmd = PendingCmd { ts: to_ts_opt(ts, "ts")?, correlation_id, kind };
        self.run(py, &cmd)
    }

    /// Cancels a live order of `account`.
    #[pyo3(signature = (account, order_id, *, ts=None, correlation_id=0))]
    fn cancel<'py>(
        &self,
        py: Python<'py>,
        account: u64,
        order_id: u64,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        let cmd = PendingCmd { ts: to_ts_opt(ts, "ts")?, correlation_id, kind: Pending::Cancel { account, order_id } };
        self.run(py, &cmd)
    }

    /// Cancel/replace: new price and/or new *total* quantity, optionally only if
    /// the order is still at `expected_version`. For a waiting stop, `price` is
    /// its limit and `trigger` its new trigger (`not_a_stop` for other orders).
    #[pyo3(signature = (account, order_id, *, price=None, qty=None, trigger=None, display=None, expected_version=None, ts=None, correlation_id=0))]
    #[allow(clippy::too_many_arguments)]
    fn amend<'py>(
        &self,
        py: Python<'py>,
        account: u64,
        order_id: u64,
        price: Option<&Bound<'py, PyAny>>,
        qty: Option<&Bound<'py, PyAny>>,
        trigger: Option<&Bound<'py, PyAny>>,
        display: Option<&Bound<'py, PyAny>>,
        expected_version: Option<u32>,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        let cmd = PendingCmd {
            ts: to_ts_opt(ts, "ts")?,
            correlation_id,
            kind: amend_pending(account, order_id, price, qty, trigger, display, expected_version)?,
        };
        self.run(py, &cmd)
    }

    /// Cancels every live order of an account and/or instrument.
    #[pyo3(signature = (*, account=None, instrument=None, ts=None, correlation_id=0))]
    fn mass_cancel<'py>(
        &self,
        py: Python<'py>,
        account: Option<u64>,
        instrument: Option<&Bound<'py, PyAny>>,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        let instrument = match instrument {
            Some(i) if !i.is_none() => Some(InstrRef::from_py(i)?),
            _ => None,
        };
        let cmd =
            PendingCmd { ts: to_ts_opt(ts, "ts")?, correlation_id, kind: Pending::MassCancel { account, instrument } };
        self.run(py, &cmd)
    }

    /// Opens, halts or closes an instrument (optionally cancelling resting orders).
    #[pyo3(signature = (instrument, status, *, cancel_resting=false, ts=None, correlation_id=0))]
    fn set_status<'py>(
        &self,
        py: Python<'py>,
        instrument: &Bound<'py, PyAny>,
        status: &str,
        cancel_resting: bool,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        let cmd = PendingCmd {
            ts: to_ts_opt(ts, "ts")?,
            correlation_id,
            kind: Pending::SetStatus {
                instrument: InstrRef::from_py(instrument)?,
                status: status_from(status)?,
                cancel_resting,
            },
        };
        self.run(py, &cmd)
    }

    /// `set_status(instrument, "halted", ...)`.
    #[pyo3(signature = (instrument, *, cancel_resting=false, ts=None, correlation_id=0))]
    fn halt<'py>(
        &self,
        py: Python<'py>,
        instrument: &Bound<'py, PyAny>,
        cancel_resting: bool,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        self.set_status(py, instrument, "halted", cancel_resting, ts, correlation_id)
    }

    /// `set_status(instrument, "open", ...)`.
    #[pyo3(signature = (instrument, *, ts=None, correlation_id=0))]
    fn resume<'py>(
        &self,
        py: Python<'py>,
        instrument: &Bound<'py, PyAny>,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        self.set_status(py, instrument, "open", false, ts, correlation_id)
    }

    /// Expires every GTD order due at `now`.
    fn on_time<'py>(&self, py: Python<'py>, now: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let cmd = PendingCmd { ts: Some(to_ts_named(now, "now")?), correlation_id: 0, kind: Pending::ExpireDue };
        self.run(py, &cmd)
    }

    /// When to call `on_time` next (ns), or None.
    fn next_deadline(&self, py: Python<'_>) -> Option<u64> {
        self.lock(py).engine.next_deadline().map(|t| t.0)
    }

    /// Applies one command object.
    fn submit<'py>(&self, py: Python<'py>, command: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let cmd = pending_from_py(command)?;
        self.run(py, &cmd)
    }

    /// Applies many commands in order. A command that fails changes nothing and
    /// does not stop the batch: its `(index, exception)` is in `errors`. Large
    /// batches run with the GIL released. Events are converted lazily.
    fn submit_many(&self, py: Python<'_>, commands: &Bound<'_, PyAny>) -> PyResult<EventBatch> {
        // Hold the command objects (strong references) and borrow their frozen
        // Rust payloads: nothing is copied, and the payloads can be read with the
        // GIL released while `objs` keeps them alive.
        let objs: Vec<Bound<'_, PyAny>> = commands.try_iter()?.collect::<PyResult<_>>()?;
        let cmds: Vec<&PendingCmd> = objs.iter().map(pending_ref).collect::<PyResult<_>>()?;
        // One wall-clock reading per batch for the commands without a `ts`.
        let wall = if cmds.iter().any(|c| c.ts.is_none()) { wall_ns(py)? } else { 0 };
        let work = |inner: &mut Inner| {
            let mut events = Vec::with_capacity(cmds.len() * 3);
            let mut errors = Vec::new();
            for (i, c) in cmds.iter().enumerate() {
                if let Err(e) = inner.apply(c, wall, &mut events) {
                    errors.push((i, e));
                }
            }
            (events, errors, Arc::clone(&inner.scales))
        };
        let (events, errors, scales) = if cmds.len() >= DETACH_MIN_BATCH {
            py.detach(|| {
                let mut g = match self.inner.lock() {
                    Ok(g) => g,
                    Err(p) => p.into_inner(),
                };
                work(&mut g)
            })
        } else {
            let mut g = self.lock(py);
            work(&mut g)
        };
        let errors = errors
            .into_iter()
            .map(|(i, e)| {
                let exc = e.into_pyerr(py).into_value(py);
                PyTuple::new(py, [i.into_pyobject(py)?.into_any(), exc.into_bound(py).into_any()])
                    .map(|t| t.into_any().unbind())
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(EventBatch { events, scales, errors })
    }

    /// Best bid and ask as `(bid, ask)`, each a `Level` or None. Reads two levels.
    fn bbo(&self, py: Python<'_>, instrument: &Bound<'_, PyAny>) -> PyResult<(Option<Level>, Option<Level>)> {
        let id = self.instrument_id(py, instrument)?;
        let g = self.lock(py);
        let scale = g.scales.get(id as usize).copied();
        let bbo = g.engine.bbo(InstrumentId(id));
        drop(g);
        match (bbo, scale) {
            (Some(b), Some(s)) => Ok((b.bid.map(|l| Level::new(l, s)), b.ask.map(|l| Level::new(l, s)))),
            _ => Ok((None, None)),
        }
    }

    /// The price levels of one side, best first: all of them, or the best
    /// `levels`. Copies only the levels returned.
    #[pyo3(signature = (instrument, side, levels=None))]
    fn depth(
        &self,
        py: Python<'_>,
        instrument: &Bound<'_, PyAny>,
        side: &str,
        levels: Option<usize>,
    ) -> PyResult<Vec<Level>> {
        let levels = levels.unwrap_or(usize::MAX);
        let side = side_from(side)?;
        let id = self.instrument_id(py, instrument)?;
        let g = self.lock(py);
        let Some(scale) = g.scales.get(id as usize).copied() else {
            return Ok(Vec::new());
        };
        let v: Vec<Level> = g.engine.depth(InstrumentId(id), side).take(levels).map(|l| Level::new(l, scale)).collect();
        Ok(v)
    }

    /// The orders resting at one price, in time priority.
    fn orders_at(
        &self,
        py: Python<'_>,
        instrument: &Bound<'_, PyAny>,
        side: &str,
        price: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<Order>> {
        let side = side_from(side)?;
        let price = to_decimal(price, Kind::Price, "price")?;
        let id = self.instrument_id(py, instrument)?;
        let g = self.lock(py);
        let Some(inst) = g.engine.instrument(InstrumentId(id)) else {
            return Ok(Vec::new());
        };
        let scale = Scale { tick: inst.spec.tick_size, lot: inst.spec.lot_size };
        let ticks = match inst.price_to_ticks(price) {
            Ok(t) => t,
            Err(e) => {
                drop(g);
                return Err(BindError::from(e).into_pyerr(py));
            }
        };
        Ok(g.engine.orders_at(InstrumentId(id), side, ticks).map(|v| Order { view: v, scale }).collect())
    }

    /// The waiting stops of one side, in the order they would fire.
    fn stops(&self, py: Python<'_>, instrument: &Bound<'_, PyAny>, side: &str) -> PyResult<Vec<Order>> {
        let side = side_from(side)?;
        let id = self.instrument_id(py, instrument)?;
        let g = self.lock(py);
        let Some(scale) = g.scales.get(id as usize).copied() else {
            return Ok(Vec::new());
        };
        Ok(g.engine.stops(InstrumentId(id), side).map(|v| Order { view: v, scale }).collect())
    }

    /// The price of the instrument's last trade (`Decimal`; what stops trigger
    /// on), or None before its first trade.
    fn last_price<'py>(&self, py: Python<'py>, instrument: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let id = self.instrument_id(py, instrument)?;
        let g = self.lock(py);
        let last = g.engine.last_price(InstrumentId(id)).zip(g.scales.get(id as usize).copied());
        drop(g);
        last.map(|(t, s)| decimal_to_py(py, s.price(t))).transpose()
    }

    /// A live order (a waiting stop included), or None once it is filled, cancelled or expired.
    fn order(&self, py: Python<'_>, order_id: u64) -> Option<Order> {
        let g = self.lock(py);
        let v = g.engine.order(OrderId(order_id))?;
        let scale = g.scales.get(v.instrument.0 as usize).copied()?;
        Some(Order { view: v, scale })
    }

    /// An instrument by id or symbol.
    fn instrument(&self, py: Python<'_>, instrument: &Bound<'_, PyAny>) -> PyResult<Instrument> {
        let r = InstrRef::from_py(instrument)?;
        let g = self.lock(py);
        let res = r.resolve(&g.engine).map(|i| Instrument { inner: i.clone() });
        drop(g);
        res.map_err(|e| e.into_pyerr(py))
    }

    /// Every registered instrument, by id.
    fn instruments(&self, py: Python<'_>) -> Vec<Instrument> {
        self.lock(py).engine.instruments().map(|i| Instrument { inner: i.clone() }).collect()
    }

    /// The engine's time (ns): the timestamp of the last command.
    #[getter]
    fn now(&self, py: Python<'_>) -> u64 {
        self.lock(py).engine.now().0
    }

    /// Sequence number of the last event (0 before any).
    #[getter]
    fn last_seq(&self, py: Python<'_>) -> u64 {
        self.lock(py).engine.last_seq()
    }

    /// Number of live orders: resting in the books, and waiting stops.
    #[getter]
    fn live_orders(&self, py: Python<'_>) -> usize {
        self.lock(py).engine.live_orders()
    }

    /// A 64-bit hash of the whole state; equal states hash equal.
    fn state_hash(&self, py: Python<'_>) -> u64 {
        self.lock(py).engine.state_hash()
    }

    /// Walks the whole state; raises `InvariantViolation` if anything is off.
    fn check_invariants(&self, py: Python<'_>) -> PyResult<()> {
        let r = self.lock(py).engine.check_invariants();
        r.map_err(|why| new_error(py, "invariant_violated", why))
    }

    /// The whole state as bytes (JSON of the engine's snapshot, versioned).
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let snap = self.lock(py).engine.snapshot();
        let bytes = serde_json::to_vec(&snap).map_err(|e| new_error(py, "snapshot_undecodable", e.to_string()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// An engine from `snapshot()` bytes; continuing from it is indistinguishable
    /// from never having snapshotted.
    #[classmethod]
    fn restore(_cls: &Bound<'_, PyType>, py: Python<'_>, data: &[u8]) -> PyResult<Engine> {
        let snap: EngineSnapshot = serde_json::from_slice(data)
            .map_err(|e| new_error(py, "snapshot_undecodable", format!("snapshot bytes do not decode: {e}")))?;
        let engine = REngine::restore(&snap).map_err(|e| BindError::from(e).into_pyerr(py))?;
        Ok(Engine { inner: Mutex::new(Inner::new(engine)) })
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let restore = slf.get_type().getattr("restore")?;
        Ok((restore, (slf.get().snapshot(py)?,)))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let g = self.lock(py);
        format!(
            "Engine(instruments={}, live_orders={}, last_seq={}, now={})",
            g.engine.instruments().count(),
            g.engine.live_orders(),
            g.engine.last_seq(),
            g.engine.now().0
        )
    }
}

/// The events of a `submit_many` call. A sequence: events become Python objects
/// only when indexed or iterated.
#[pyclass(frozen, sequence, module = "brokerx._native")]
#[derive(Debug)]
pub struct EventBatch {
    events: Vec<Event>,
    scales: Arc<Vec<Scale>>,
    errors: Vec<Py<PyAny>>,
}

#[pymethods]
impl EventBatch {
    fn __len__(&self) -> usize {
        self.events.len()
    }
    /// One event by index, or a list of events for a slice.
    fn __getitem__<'py>(&self, py: Python<'py>, index: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        if let Ok(slice) = index.cast::<PySlice>() {
            let ind = slice.indices(self.events.len() as isize)?;
            let mut items = Vec::with_capacity(ind.slicelength);
            let mut i = ind.start;
            for _ in 0..ind.slicelength {
                if let Some(e) = usize::try_from(i).ok().and_then(|i| self.events.get(i)) {
                    items.push(event_to_py(py, e, &self.scales)?);
                }
                i += ind.step;
            }
            return Ok(PyList::new(py, items)?.into_any());
        }
        let index: isize = index.extract()?;
        let n = self.events.len() as isize;
        let i = if index < 0 { index + n } else { index };
        match usize::try_from(i).ok().and_then(|i| self.events.get(i)) {
            Some(e) => event_to_py(py, e, &self.scales),
            None => Err(PyIndexError::new_err("event index out of range")),
        }
    }
    fn __iter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let list = slf.get().to_list(slf.py())?;
        list.try_iter().map(|i| i.into_any())
    }
    /// `(index, exception)` for each command that failed (and changed nothing).
    #[getter]
    fn errors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.errors.iter().map(|e| e.bind(py)))
    }
    /// Number of `Trade` events, without converting anything.
    #[getter]
    fn trade_count(&self) -> usize {
        self.events.iter().filter(|e| matches!(e.kind, brokerx_engine::EventKind::Trade { .. })).count()
    }
    /// Every event as a Python object.
    fn to_list<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        events_to_list(py, &self.events, &self.scales)
    }
    fn __repr__(&self) -> String {
        format!("EventBatch(events={}, errors={})", self.events.len(), self.errors.len())
    }
}

/// A live order as seen from outside.
#[pyclass(frozen, eq, module = "brokerx._native")]
#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    view: OrderView,
    scale: Scale,
}

impl Order {
    pub(crate) fn new(view: OrderView, scale: Scale) -> Self {
        Order { view, scale }
    }
    /// A live order is either a waiting stop (it has a trigger) or in the book.
    fn order_status(&self) -> OrderStatus {
        if self.view.trigger.is_some() {
            OrderStatus::Waiting
        } else {
            OrderStatus::Resting
        }
    }
}

#[pymethods]
impl Order {
    /// The engine's order id.
    #[getter]
    fn order_id(&self) -> u64 {
        self.view.order_id.0
    }
    /// The client account id.
    #[getter]
    fn account(&self) -> u64 {
        self.view.account.0
    }
    /// The instrument's id.
    #[getter]
    fn instrument(&self) -> u32 {
        self.view.instrument.0
    }
    /// `'buy'` or `'sell'`.
    #[getter]
    fn side(&self) -> &'static str {
        self.view.side.as_str()
    }
    /// The limit price (`Decimal`); for a waiting stop-market, its trigger.
    #[getter]
    fn price<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal_to_py(py, self.scale.price(self.view.price))
    }
    /// A waiting stop's trigger (`Decimal`), or None for an order in the book.
    #[getter]
    fn trigger<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.view.trigger.map(|t| decimal_to_py(py, self.scale.price(t))).transpose()
    }
    /// An iceberg's display (`Decimal`: the most it shows in the book; its
    /// `remaining` counts its hidden reserve too), or None.
    #[getter]
    fn display<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.view.display.map(|d| decimal_to_py(py, self.scale.qty(d))).transpose()
    }
    /// `'waiting'` (a stop outside the book) or `'resting'` (in the book).
    #[getter]
    fn status(&self) -> &'static str {
        self.order_status().code()
    }
    /// Total quantity: filled + remaining.
    #[getter]
    fn qty<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal_to_py(py, self.scale.qty(self.view.qty))
    }
    /// The quantity still open (`Decimal`).
    #[getter]
    fn remaining<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal_to_py(py, self.scale.qty(self.view.remaining))
    }
    /// The order's cumulative filled quantity (`Decimal`).
    #[getter]
    fn filled<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal_to_py(py, self.scale.qty(self.view.filled))
    }
    /// The order's version, +1 on each amend.
    #[getter]
    fn version(&self) -> u32 {
        self.view.version
    }
    /// `'gtc'`, `'ioc'`, `'fok'` or `'gtd'`.
    #[getter]
    fn time_in_force(&self) -> &'static str {
        self.view.time_in_force.as_str()
    }
    /// True if the order may only rest (refused if it would cross).
    #[getter]
    fn post_only(&self) -> bool {
        self.view.post_only
    }
    /// When a GTD order expires (ns since the Unix epoch), or None.
    #[getter]
    fn expire_at(&self) -> Option<u64> {
        self.view.expire_at.map(|t: Timestamp| t.0)
    }
    /// The account's own order id, or None.
    #[getter]
    fn client_order_id(&self) -> Option<String> {
        self.view.client_order_id.map(|c| c.as_str().to_owned())
    }
    /// JSON-ready dict: `type`, then every field; Decimals as strings.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        let d = pyo3::types::PyDict::new(py);
        d.set_item("order_id", self.view.order_id.0)?;
        d.set_item("account", self.view.account.0)?;
        d.set_item("instrument", self.view.instrument.0)?;
        d.set_item("side", self.view.side.as_str())?;
        d.set_item("price", self.scale.price(self.view.price).to_string())?;
        d.set_item("trigger", self.view.trigger.map(|t| self.scale.price(t).to_string()))?;
        d.set_item("display", self.view.display.map(|q| self.scale.qty(q).to_string()))?;
        d.set_item("status", self.order_status().code())?;
        d.set_item("qty", self.scale.qty(self.view.qty).to_string())?;
        d.set_item("remaining", self.scale.qty(self.view.remaining).to_string())?;
        d.set_item("filled", self.scale.qty(self.view.filled).to_string())?;
        d.set_item("version", self.view.version)?;
        d.set_item("time_in_force", self.view.time_in_force.as_str())?;
        d.set_item("post_only", self.view.post_only)?;
        d.set_item("expire_at", self.expire_at())?;
        d.set_item("client_order_id", self.client_order_id())?;
        Ok(d)
    }
    fn __repr__(&self) -> String {
        format!(
            "Order(order_id={}, account={}, instrument={}, side='{}', status='{}', price=Decimal('{}'){}, remaining=Decimal('{}'), filled=Decimal('{}'), version={})",
            self.view.order_id.0,
            self.view.account.0,
            self.view.instrument.0,
            self.view.side.as_str(),
            self.order_status().code(),
            self.scale.price(self.view.price),
            self.view.trigger.map_or(String::new(), |t| format!(", trigger=Decimal('{}')", self.scale.price(t))),
            self.scale.qty(self.view.remaining),
            self.scale.qty(self.view.filled),
            self.view.version
        )
    }
}

/// A registered instrument: its grid, bounds and status.
#[pyclass(frozen, eq, module = "brokerx._native")]
#[derive(Clone, Debug, PartialEq)]
pub struct Instrument {
    inner: brokerx_engine::Instrument,
}

impl Instrument {
    pub(crate) fn new(inner: brokerx_engine::Instrument) -> Self {
        Instrument { inner }
    }
}

#[pymethods]
impl Instrument {
    /// The instrument's id (dense, in order of registration).
    #[getter]
    fn id(&self) -> u32 {
        self.inner.id.0
    }
    /// The instrument's symbol.
    #[getter]
    fn symbol(&self) -> &str {
        &self.inner.spec.symbol
    }
    /// The smallest price increment (`Decimal`).
    #[getter]
    fn tick_size<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal_to_py(py, self.inner.spec.tick_size.normalize())
    }
    /// The smallest quantity increment (`Decimal`).
    #[getter]
    fn lot_size<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal_to_py(py, self.inner.spec.lot_size.normalize())
    }
    /// The smallest order quantity (`Decimal`).
    #[getter]
    fn min_qty<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal_to_py(py, self.inner.lots_to_qty(self.inner.spec.min_qty))
    }
    /// The largest order quantity (`Decimal`).
    #[getter]
    fn max_qty<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal_to_py(py, self.inner.lots_to_qty(self.inner.spec.max_qty))
    }
    /// The current trading status: `open`, `halted` or `closed`.
    #[getter]
    fn status(&self) -> &'static str {
        self.inner.spec.status.as_str()
    }
    fn __repr__(&self) -> String {
        format!(
            "Instrument(id={}, symbol={:?}, tick_size=Decimal('{}'), lot_size=Decimal('{}'))",
            self.inner.id.0,
            self.inner.spec.symbol,
            self.inner.spec.tick_size.normalize(),
            self.inner.spec.lot_size.normalize()
        )
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Engine>()?;
    m.add_class::<EventBatch>()?;
    m.add_class::<Order>()?;
    m.add_class::<Instrument>()?;
    Ok(())
}
