//! Command classes for batches and journals (`Place`, `Cancel`, `Amend`,
//! `MassCancel`, `SetTradingStatus`, `RegisterInstrument`, `ExpireDue`).
//!
//! A command object holds already-validated Rust values (Decimals parsed, enums
//! and client ids checked) so `Engine.submit_many` only has to resolve the
//! instrument grid and apply. `to_dict()` / `command_from_dict()` give a JSON
//! form for a journal; replaying the same commands rebuilds the same state.

use brokerx_engine::clock::HostClock;
use brokerx_engine::{
    Amend as RAmend, Cancel as RCancel, ClientOrderId, Command, CommandKind, CorrelationId, Engine, Instrument,
    InstrumentId, InstrumentSpec, Lots, MassCancel as RMassCancel, OrderId, OrderType, Place as RPlace,
    SelfTradePrevention, SetTradingStatus as RSetStatus, Side, Ticks, TimeInForce, Timestamp, TradingStatus,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyString};
use rust_decimal::Decimal;

use crate::convert::{
    client_order_id_from, decimal_to_py, parse_decimal, side_from, status_from, stp_from, tif_from, to_decimal,
    to_decimal_opt, to_ts_opt, Kind,
};
use crate::errors::BindError;

/// An instrument named by id (fast) or by symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstrRef {
    Id(u32),
    Symbol(String),
}

impl InstrRef {
    pub fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(InstrRef::Symbol(s.to_str()?.to_owned()));
        }
        if obj.is_instance_of::<PyInt>() {
            return obj
                .extract::<u32>()
                .map(InstrRef::Id)
                .map_err(|_| PyValueError::new_err("instrument id must be 0..2^32"));
        }
        Err(PyTypeError::new_err("instrument must be an int id or a str symbol"))
    }

    pub fn resolve<'e>(&self, e: &'e Engine) -> Result<&'e Instrument, BindError> {
        match self {
            InstrRef::Id(i) => e.instrument(InstrumentId(*i)).ok_or(BindError::Command(
                brokerx_engine::CommandError::UnknownInstrument { instrument: InstrumentId(*i) },
            )),
            InstrRef::Symbol(s) => e
                .instrument_by_symbol(s)
                .ok_or_else(|| BindError::other("unknown_instrument", format!("unknown instrument {s:?}"))),
        }
    }

    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self {
            InstrRef::Id(i) => i.into_pyobject(py)?.into_any(),
            InstrRef::Symbol(s) => PyString::new(py, s).into_any(),
        })
    }
}

/// A command before its Decimals meet an instrument's grid.
#[derive(Clone, Debug, PartialEq)]
pub enum Pending {
    Register {
        symbol: String,
        tick_size: Decimal,
        lot_size: Decimal,
        min_qty: Option<Decimal>,
        max_qty: Option<Decimal>,
        status: TradingStatus,
    },
    SetStatus {
        instrument: InstrRef,
        status: TradingStatus,
        cancel_resting: bool,
    },
    Place {
        account: u64,
        instrument: InstrRef,
        side: Side,
        price: Option<Decimal>,
        /// `Some`: a stop (a stop-limit at `price`, or a stop-market if `price` is None).
        trigger: Option<Decimal>,
        /// `Some`: an order by quote amount (a limit-by-amount at `price`, or a
        /// market-by-amount if `price` is None); never with `trigger`.
        amount: Option<Decimal>,
        /// `Some`: an iceberg at `price` showing this quantity; never with
        /// `trigger` or `amount`.
        display: Option<Decimal>,
        qty: Decimal,
        time_in_force: TimeInForce,
        expire_at: Option<u64>,
        post_only: bool,
        stp: SelfTradePrevention,
        client_order_id: Option<ClientOrderId>,
    },
    Cancel {
        account: u64,
        order_id: u64,
    },
    MassCancel {
        account: Option<u64>,
        instrument: Option<InstrRef>,
    },
    Amend {
        account: u64,
        order_id: u64,
        new_price: Option<Decimal>,
        new_qty: Option<Decimal>,
        new_trigger: Option<Decimal>,
        new_display: Option<Decimal>,
        expected_version: Option<u32>,
    },
    ExpireDue,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PendingCmd {
    /// `None`: stamped by the core's rule for omitted times (`brokerx_engine::clock`).
    pub ts: Option<u64>,
    pub correlation_id: u64,
    pub kind: Pending,
}

impl PendingCmd {
    /// The engine command: instrument resolved, Decimals on the grid, an omitted
    /// time stamped from `wall_ns` by `clock`. Pure Rust, runs under the engine lock.
    pub fn resolve(&self, e: &Engine, clock: &mut HostClock, wall_ns: u64) -> Result<Command, BindError> {
        let kind = self.resolve_kind(e)?;
        let ts = match self.ts {
            Some(t) => Timestamp(t),
            None => clock.stamp(wall_ns, e.now()),
        };
        Ok(Command { ts, correlation_id: CorrelationId(self.correlation_id), kind })
    }

    /// The command's kind alone (instrument resolved, Decimals on the grid).
    pub fn resolve_kind(&self, e: &Engine) -> Result<CommandKind, BindError> {
        let kind = match &self.kind {
            Pending::Register { symbol, tick_size, lot_size, min_qty, max_qty, status } => {
                let mut spec = InstrumentSpec::new(symbol.clone(), *tick_size, *lot_size);
                spec.status = *status;
                if min_qty.is_some() || max_qty.is_some() {
                    // Quantities convert on the grid: the core's spec check first.
                    spec.validate()?;
                    let grid = Instrument { id: InstrumentId(0), spec: spec.clone() };
                    if let Some(q) = min_qty {
                        spec.min_qty = grid.qty_to_lots(*q)?;
                    }
                    if let Some(q) = max_qty {
                        spec.max_qty = grid.qty_to_lots(*q)?;
                    }
                }
                CommandKind::RegisterInstrument(spec)
            }
            Pending::SetStatus { instrument, status, cancel_resting } => CommandKind::SetTradingStatus(RSetStatus {
                instrument: instrument.resolve(e)?.id,
                status: *status,
                cancel_resting: *cancel_resting,
            }),
            Pending::Place {
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
            } => {
                let inst = instrument.resolve(e)?;
                // Quantity, then the limit, then the trigger or the amount, as the core checks them.
                let qty = inst.qty_to_lots(*qty)?;
                let limit = price.map(|p| inst.price_to_ticks(p)).transpose()?;
                // A trigger or display ≤ 0 converts: the core refuses it with its own code.
                let trigger = trigger.map(|t| inst.trigger_to_ticks(t)).transpose()?;
                let amount = amount.map(|a| inst.amount_to_notional(a)).transpose()?;
                let display = display.map(|d| inst.display_to_lots(d)).transpose()?;
                let order_type = match (trigger, amount, limit, display) {
                    (None, None, Some(limit), Some(display)) => OrderType::Iceberg { limit, display },
                    (_, _, _, Some(_)) => return Err(display_needs_limit()),
                    (None, None, Some(p), None) => OrderType::Limit(p),
                    (None, None, None, None) => OrderType::Market,
                    (Some(trigger), None, Some(limit), None) => OrderType::StopLimit { trigger, limit },
                    (Some(trigger), None, None, None) => OrderType::StopMarket { trigger },
                    (None, Some(amount), Some(limit), None) => OrderType::LimitByAmount { limit, amount },
                    (None, Some(amount), None, None) => OrderType::MarketByAmount { amount },
                    (Some(_), Some(_), _, None) => return Err(amount_with_trigger()),
                };
                CommandKind::Place(RPlace {
                    account: brokerx_engine::AccountId(*account),
                    instrument: inst.id,
                    side: *side,
                    order_type,
                    qty,
                    time_in_force: *time_in_force,
                    expire_at: expire_at.map(Timestamp),
                    post_only: *post_only,
                    stp: *stp,
                    client_order_id: *client_order_id,
                })
            }
            Pending::Cancel { account, order_id } => CommandKind::Cancel(RCancel {
                account: brokerx_engine::AccountId(*account),
                order: OrderId(*order_id).into(),
            }),
            Pending::MassCancel { account, instrument } => CommandKind::MassCancel(RMassCancel {
                account: account.map(brokerx_engine::AccountId),
                instrument: match instrument {
                    Some(i) => Some(i.resolve(e)?.id),
                    None => None,
                },
            }),
            Pending::Amend { account, order_id, new_price, new_qty, new_trigger, new_display, expected_version } => {
                // The order's instrument gives the grid. For an unknown order any
                // value will do: the engine refuses it with `unknown_order`.
                let inst = e.order(OrderId(*order_id)).and_then(|o| e.instrument(o.instrument));
                let (new_price, new_qty, new_trigger, new_display) = match inst {
                    Some(inst) => {
                        let q = new_qty.map(|q| inst.qty_to_lots(q)).transpose()?;
                        let p = new_price.map(|p| inst.price_to_ticks(p)).transpose()?;
                        let t = new_trigger.map(|t| inst.trigger_to_ticks(t)).transpose()?;
                        (p, q, t, new_display.map(|d| inst.display_to_lots(d)).transpose()?)
                    }
                    None => (
                        new_price.map(|_| Ticks(1)),
                        new_qty.map(|_| Lots(1)),
                        new_trigger.map(|_| Ticks(1)),
                        new_display.map(|_| Lots(1)),
                    ),
                };
                CommandKind::Amend(RAmend {
                    account: brokerx_engine::AccountId(*account),
                    order: OrderId(*order_id).into(),
                    new_price,
                    new_qty,
                    expected_version: *expected_version,
                    new_trigger,
                    new_display,
                })
            }
            Pending::ExpireDue => CommandKind::ExpireDue,
        };
        Ok(kind)
    }
}

/// No core order type has both a trigger and an amount: the arguments name no
/// order, so they are refused before any value is converted.
fn amount_with_trigger() -> BindError {
    BindError::other("invalid_argument", "an order has either a trigger (a stop) or an amount, not both")
}

/// Only a limit order by quantity can be an iceberg.
fn display_needs_limit() -> BindError {
    BindError::other("invalid_argument", "display makes an iceberg: it needs a price, and no trigger or amount")
}

/// Place's flags resolved to engine values, shared by `Place()` and `Engine.place()`.
#[allow(clippy::too_many_arguments)]
pub fn place_pending(
    py: Python<'_>,
    account: u64,
    instrument: &Bound<'_, PyAny>,
    side: &str,
    price: Option<&Bound<'_, PyAny>>,
    trigger: Option<&Bound<'_, PyAny>>,
    amount: Option<&Bound<'_, PyAny>>,
    display: Option<&Bound<'_, PyAny>>,
    qty: &Bound<'_, PyAny>,
    time_in_force: Option<&str>,
    expire_at: Option<&Bound<'_, PyAny>>,
    post_only: bool,
    stp: &str,
    client_order_id: Option<&str>,
) -> PyResult<Pending> {
    if trigger.is_some_and(|t| !t.is_none()) && amount.is_some_and(|a| !a.is_none()) {
        return Err(amount_with_trigger().into_pyerr(py));
    }
    // Quantity, then the limit, then the trigger or the amount, as the core checks them.
    let qty = to_decimal(qty, Kind::Qty, "qty")?;
    let price = to_decimal_opt(price, Kind::Price, "price")?;
    let trigger = to_decimal_opt(trigger, Kind::Price, "trigger")?;
    let amount = to_decimal_opt(amount, Kind::Amount, "amount")?;
    let display = to_decimal_opt(display, Kind::Qty, "display")?;
    let expire_at = to_ts_opt(expire_at, "expire_at")?;
    // The core's defaults: `Place::market` and `Place::market_by_amount` are IOC
    // (a by-amount order never rests), `Place::stop_market` GTC.
    let time_in_force = match time_in_force {
        Some(t) => tif_from(t)?,
        None if amount.is_some() => TimeInForce::Ioc,
        None if expire_at.is_some() => TimeInForce::Gtd,
        None if price.is_none() && trigger.is_none() => TimeInForce::Ioc,
        None => TimeInForce::Gtc,
    };
    Ok(Pending::Place {
        account,
        instrument: InstrRef::from_py(instrument)?,
        side: side_from(side)?,
        price,
        trigger,
        amount,
        display,
        qty,
        time_in_force,
        expire_at,
        post_only,
        stp: if stp == "none" { SelfTradePrevention::None } else { stp_from(stp)? },
        client_order_id: client_order_id_from(py, client_order_id)?,
    })
}

/// An amend's values converted to Decimals, shared by `Amend()`, `Engine.amend()` and `Broker.amend()`.
pub fn amend_pending(
    account: u64,
    order_id: u64,
    price: Option<&Bound<'_, PyAny>>,
    qty: Option<&Bound<'_, PyAny>>,
    trigger: Option<&Bound<'_, PyAny>>,
    display: Option<&Bound<'_, PyAny>>,
    expected_version: Option<u32>,
) -> PyResult<Pending> {
    Ok(Pending::Amend {
        account,
        order_id,
        new_qty: to_decimal_opt(qty, Kind::Qty, "qty")?,
        new_price: to_decimal_opt(price, Kind::Price, "price")?,
        new_trigger: to_decimal_opt(trigger, Kind::Price, "trigger")?,
        new_display: to_decimal_opt(display, Kind::Qty, "display")?,
        expected_version,
    })
}

fn dec_opt<'py>(py: Python<'py>, d: Option<Decimal>) -> PyResult<Bound<'py, PyAny>> {
    match d {
        Some(d) => decimal_to_py(py, d),
        None => Ok(py.None().into_bound(py)),
    }
}

/// Any command class, as held in Rust.
macro_rules! command_class {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[pyclass(frozen, eq, module = "brokerx._native")]
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name {
            pub cmd: PendingCmd,
        }
    };
}
command_class!(
    /// A new order, for `submit_many` and journals: `Engine.place` arguments as an object.
    Place
);
command_class!(
    /// A cancel of one live order, for `submit_many` and journals.
    Cancel
);
command_class!(
    /// An amend of one live order (price and/or quantity, optionally at an expected version).
    Amend
);
command_class!(
    /// A cancel of every live order of an account and/or instrument.
    MassCancel
);
command_class!(
    /// Opens, halts or closes an instrument.
    SetTradingStatus
);
command_class!(
    /// Registers an instrument: symbol, tick and lot size, quantity bounds, status.
    RegisterInstrument
);
command_class!(
    /// Expires the GTD orders due at its timestamp.
    ExpireDue
);

/// Common `ts` / `correlation_id` getters and JSON helpers.
fn base_dict<'py>(py: Python<'py>, ty: &str, c: &PendingCmd) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("type", ty)?;
    d.set_item("ts", c.ts)?;
    d.set_item("correlation_id", c.correlation_id)?;
    Ok(d)
}

fn dec_str(d: Option<Decimal>) -> Option<String> {
    d.map(|d| d.to_string())
}

#[pymethods]
impl Place {
    #[new]
    #[pyo3(signature = (account, instrument, side, price, qty, *, trigger=None, amount=None, display=None, time_in_force=None, expire_at=None, post_only=false, stp="none", client_order_id=None, ts=None, correlation_id=0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        account: u64,
        instrument: &Bound<'_, PyAny>,
        side: &str,
        price: Option<&Bound<'_, PyAny>>,
        qty: &Bound<'_, PyAny>,
        trigger: Option<&Bound<'_, PyAny>>,
        amount: Option<&Bound<'_, PyAny>>,
        display: Option<&Bound<'_, PyAny>>,
        time_in_force: Option<&str>,
        expire_at: Option<&Bound<'_, PyAny>>,
        post_only: bool,
        stp: &str,
        client_order_id: Option<&str>,
        ts: Option<&Bound<'_, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Self> {
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
        Ok(Place { cmd: PendingCmd { ts: to_ts_opt(ts, "ts")?, correlation_id, kind } })
    }
    /// The command's timestamp (ns since the Unix epoch), or None for an omitted one.
    #[getter]
    fn ts(&self) -> Option<u64> {
        self.cmd.ts
    }
    /// The command's correlation id (opaque to the engine).
    #[getter]
    fn correlation_id(&self) -> u64 {
        self.cmd.correlation_id
    }
    /// The client account id.
    #[getter]
    fn account(&self) -> u64 {
        match &self.cmd.kind {
            Pending::Place { account, .. } => *account,
            _ => 0,
        }
    }
    /// The instrument, by id or symbol as given.
    #[getter]
    fn instrument<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.cmd.kind {
            Pending::Place { instrument, .. } => instrument.to_py(py),
            _ => Ok(py.None().into_bound(py)),
        }
    }
    /// `'buy'` or `'sell'`.
    #[getter]
    fn side(&self) -> &'static str {
        match &self.cmd.kind {
            Pending::Place { side, .. } => side.as_str(),
            _ => "",
        }
    }
    /// The limit price (`Decimal`; a stop-limit's limit), or None for a market or stop-market order.
    #[getter]
    fn price<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.cmd.kind {
            Pending::Place { price, .. } => dec_opt(py, *price),
            _ => Ok(py.None().into_bound(py)),
        }
    }
    /// A stop's trigger price (`Decimal`), or None for an order that is not a stop.
    #[getter]
    fn trigger<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.cmd.kind {
            Pending::Place { trigger, .. } => dec_opt(py, *trigger),
            _ => Ok(py.None().into_bound(py)),
        }
    }
    /// The most an order by amount spends (`Decimal`, in quote), or None for
    /// an order by quantity alone.
    #[getter]
    fn amount<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.cmd.kind {
            Pending::Place { amount, .. } => dec_opt(py, *amount),
            _ => Ok(py.None().into_bound(py)),
        }
    }
    /// An iceberg's display (`Decimal`), or None for an order that shows all of itself.
    #[getter]
    fn display<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.cmd.kind {
            Pending::Place { display, .. } => dec_opt(py, *display),
            _ => Ok(py.None().into_bound(py)),
        }
    }
    /// The quantity (`Decimal`; for an order by amount, the most it buys or sells).
    #[getter]
    fn qty<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.cmd.kind {
            Pending::Place { qty, .. } => decimal_to_py(py, *qty),
            _ => Ok(py.None().into_bound(py)),
        }
    }
    /// `'gtc'`, `'ioc'`, `'fok'` or `'gtd'`.
    #[getter]
    fn time_in_force(&self) -> &'static str {
        match &self.cmd.kind {
            Pending::Place { time_in_force, .. } => time_in_force.as_str(),
            _ => "",
        }
    }
    /// When a GTD order expires (ns since the Unix epoch), or None.
    #[getter]
    fn expire_at(&self) -> Option<u64> {
        match &self.cmd.kind {
            Pending::Place { expire_at, .. } => *expire_at,
            _ => None,
        }
    }
    /// True if the order may only rest (refused if it would cross).
    #[getter]
    fn post_only(&self) -> bool {
        matches!(&self.cmd.kind, Pending::Place { post_only: true, .. })
    }
    /// The self-trade prevention mode.
    #[getter]
    fn stp(&self) -> &'static str {
        match &self.cmd.kind {
            Pending::Place { stp, .. } => stp.as_str(),
            _ => "",
        }
    }
    /// The account's own order id, or None.
    #[getter]
    fn client_order_id(&self) -> Option<String> {
        match &self.cmd.kind {
            Pending::Place { client_order_id, .. } => client_order_id.map(|c| c.as_str().to_owned()),
            _ => None,
        }
    }
    /// JSON-ready dict: `type`, then every field; Decimals as strings.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        to_dict(py, &self.cmd)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr(py, &self.cmd)
    }
}

#[pymethods]
impl Cancel {
    #[new]
    #[pyo3(signature = (account, order_id, *, ts=None, correlation_id=0))]
    fn new(account: u64, order_id: u64, ts: Option<&Bound<'_, PyAny>>, correlation_id: u64) -> PyResult<Self> {
        Ok(Cancel {
            cmd: PendingCmd { ts: to_ts_opt(ts, "ts")?, correlation_id, kind: Pending::Cancel { account, order_id } },
        })
    }
    /// The command's timestamp (ns since the Unix epoch), or None for an omitted one.
    #[getter]
    fn ts(&self) -> Option<u64> {
        self.cmd.ts
    }
    /// The command's correlation id (opaque to the engine).
    #[getter]
    fn correlation_id(&self) -> u64 {
        self.cmd.correlation_id
    }
    /// The client account id.
    #[getter]
    fn account(&self) -> u64 {
        match &self.cmd.kind {
            Pending::Cancel { account, .. } => *account,
            _ => 0,
        }
    }
    /// The order to cancel.
    #[getter]
    fn order_id(&self) -> u64 {
        match &self.cmd.kind {
            Pending::Cancel { order_id, .. } => *order_id,
            _ => 0,
        }
    }
    /// JSON-ready dict: `type`, then every field; Decimals as strings.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        to_dict(py, &self.cmd)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr(py, &self.cmd)
    }
}

#[pymethods]
impl Amend {
    #[new]
    #[pyo3(signature = (account, order_id, *, price=None, qty=None, trigger=None, display=None, expected_version=None, ts=None, correlation_id=0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        account: u64,
        order_id: u64,
        price: Option<&Bound<'_, PyAny>>,
        qty: Option<&Bound<'_, PyAny>>,
        trigger: Option<&Bound<'_, PyAny>>,
        display: Option<&Bound<'_, PyAny>>,
        expected_version: Option<u32>,
        ts: Option<&Bound<'_, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Self> {
        Ok(Amend {
            cmd: PendingCmd {
                ts: to_ts_opt(ts, "ts")?,
                correlation_id,
                kind: amend_pending(account, order_id, price, qty, trigger, display, expected_version)?,
            },
        })
    }
    /// The command's timestamp (ns since the Unix epoch), or None for an omitted one.
    #[getter]
    fn ts(&self) -> Option<u64> {
        self.cmd.ts
    }
    /// The command's correlation id (opaque to the engine).
    #[getter]
    fn correlation_id(&self) -> u64 {
        self.cmd.correlation_id
    }
    /// The client account id.
    #[getter]
    fn account(&self) -> u64 {
        match &self.cmd.kind {
            Pending::Amend { account, .. } => *account,
            _ => 0,
        }
    }
    /// The order to amend.
    #[getter]
    fn order_id(&self) -> u64 {
        match &self.cmd.kind {
            Pending::Amend { order_id, .. } => *order_id,
            _ => 0,
        }
    }
    /// The new price (`Decimal`), or None to keep it.
    #[getter]
    fn price<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.cmd.kind {
            Pending::Amend { new_price, .. } => dec_opt(py, *new_price),
            _ => Ok(py.None().into_bound(py)),
        }
    }
    /// The new total quantity (`Decimal`), or None to keep it.
    #[getter]
    fn qty<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.cmd.kind {
            Pending::Amend { new_qty, .. } => dec_opt(py, *new_qty),
            _ => Ok(py.None().into_bound(py)),
        }
    }
    /// A waiting stop's new trigger (`Decimal`), or None to keep it.
    #[getter]
    fn trigger<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.cmd.kind {
            Pending::Amend { new_trigger, .. } => dec_opt(py, *new_trigger),
            _ => Ok(py.None().into_bound(py)),
        }
    }
    /// A resting iceberg's new display (`Decimal`), or None to keep it.
    #[getter]
    fn display<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.cmd.kind {
            Pending::Amend { new_display, .. } => dec_opt(py, *new_display),
            _ => Ok(py.None().into_bound(py)),
        }
    }
    /// The version the order must be at for the amend to apply, or None.
    #[getter]
    fn expected_version(&self) -> Option<u32> {
        match &self.cmd.kind {
            Pending::Amend { expected_version, .. } => *expected_version,
            _ => None,
        }
    }
    /// JSON-ready dict: `type`, then every field; Decimals as strings.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        to_dict(py, &self.cmd)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr(py, &self.cmd)
    }
}

#[pymethods]
impl MassCancel {
    #[new]
    #[pyo3(signature = (*, account=None, instrument=None, ts=None, correlation_id=0))]
    fn new(
        account: Option<u64>,
        instrument: Option<&Bound<'_, PyAny>>,
        ts: Option<&Bound<'_, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Self> {
        let instrument = match instrument {
            Some(i) if !i.is_none() => Some(InstrRef::from_py(i)?),
            _ => None,
        };
        Ok(MassCancel {
            cmd: PendingCmd {
                ts: to_ts_opt(ts, "ts")?,
                correlation_id,
                kind: Pending::MassCancel { account, instrument },
            },
        })
    }
    /// The command's timestamp (ns since the Unix epoch), or None for an omitted one.
    #[getter]
    fn ts(&self) -> Option<u64> {
        self.cmd.ts
    }
    /// The command's correlation id (opaque to the engine).
    #[getter]
    fn correlation_id(&self) -> u64 {
        self.cmd.correlation_id
    }
    /// The account to cancel for, or None for all.
    #[getter]
    fn account(&self) -> Option<u64> {
        match &self.cmd.kind {
            Pending::MassCancel { account, .. } => *account,
            _ => None,
        }
    }
    /// The instrument to cancel on (id or symbol), or None for all.
    #[getter]
    fn instrument<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.cmd.kind {
            Pending::MassCancel { instrument: Some(i), .. } => i.to_py(py),
            _ => Ok(py.None().into_bound(py)),
        }
    }
    /// JSON-ready dict: `type`, then every field; Decimals as strings.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        to_dict(py, &self.cmd)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr(py, &self.cmd)
    }
}

#[pymethods]
impl SetTradingStatus {
    #[new]
    #[pyo3(signature = (instrument, status, *, cancel_resting=false, ts=None, correlation_id=0))]
    fn new(
        instrument: &Bound<'_, PyAny>,
        status: &str,
        cancel_resting: bool,
        ts: Option<&Bound<'_, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Self> {
        Ok(SetTradingStatus {
            cmd: PendingCmd {
                ts: to_ts_opt(ts, "ts")?,
                correlation_id,
                kind: Pending::SetStatus {
                    instrument: InstrRef::from_py(instrument)?,
                    status: status_from(status)?,
                    cancel_resting,
                },
            },
        })
    }
    /// The command's timestamp (ns since the Unix epoch), or None for an omitted one.
    #[getter]
    fn ts(&self) -> Option<u64> {
        self.cmd.ts
    }
    /// The command's correlation id (opaque to the engine).
    #[getter]
    fn correlation_id(&self) -> u64 {
        self.cmd.correlation_id
    }
    /// The instrument, by id or symbol as given.
    #[getter]
    fn instrument<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.cmd.kind {
            Pending::SetStatus { instrument, .. } => instrument.to_py(py),
            _ => Ok(py.None().into_bound(py)),
        }
    }
    /// `'open'`, `'halted'` or `'closed'`.
    #[getter]
    fn status(&self) -> &'static str {
        match &self.cmd.kind {
            Pending::SetStatus { status, .. } => status.as_str(),
            _ => "",
        }
    }
    /// Whether the status change also cancels the resting orders.
    #[getter]
    fn cancel_resting(&self) -> bool {
        matches!(&self.cmd.kind, Pending::SetStatus { cancel_resting: true, .. })
    }
    /// JSON-ready dict: `type`, then every field; Decimals as strings.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        to_dict(py, &self.cmd)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr(py, &self.cmd)
    }
}

#[pymethods]
impl RegisterInstrument {
    #[new]
    #[pyo3(signature = (symbol, tick_size, lot_size, *, min_qty=None, max_qty=None, status="open", ts=None, correlation_id=0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        symbol: &str,
        tick_size: &Bound<'_, PyAny>,
        lot_size: &Bound<'_, PyAny>,
        min_qty: Option<&Bound<'_, PyAny>>,
        max_qty: Option<&Bound<'_, PyAny>>,
        status: &str,
        ts: Option<&Bound<'_, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Self> {
        Ok(RegisterInstrument {
            cmd: PendingCmd {
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
            },
        })
    }
    /// The command's timestamp (ns since the Unix epoch), or None for an omitted one.
    #[getter]
    fn ts(&self) -> Option<u64> {
        self.cmd.ts
    }
    /// The command's correlation id (opaque to the engine).
    #[getter]
    fn correlation_id(&self) -> u64 {
        self.cmd.correlation_id
    }
    /// The instrument's symbol.
    #[getter]
    fn symbol(&self) -> String {
        match &self.cmd.kind {
            Pending::Register { symbol, .. } => symbol.clone(),
            _ => String::new(),
        }
    }
    /// The smallest price increment (`Decimal`).
    #[getter]
    fn tick_size<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.cmd.kind {
            Pending::Register { tick_size, .. } => decimal_to_py(py, *tick_size),
            _ => Ok(py.None().into_bound(py)),
        }
    }
    /// The smallest quantity increment (`Decimal`).
    #[getter]
    fn lot_size<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.cmd.kind {
            Pending::Register { lot_size, .. } => decimal_to_py(py, *lot_size),
            _ => Ok(py.None().into_bound(py)),
        }
    }
    /// JSON-ready dict: `type`, then every field; Decimals as strings.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        to_dict(py, &self.cmd)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr(py, &self.cmd)
    }
}

#[pymethods]
impl ExpireDue {
    #[new]
    #[pyo3(signature = (*, ts=None, correlation_id=0))]
    fn new(ts: Option<&Bound<'_, PyAny>>, correlation_id: u64) -> PyResult<Self> {
        Ok(ExpireDue { cmd: PendingCmd { ts: to_ts_opt(ts, "ts")?, correlation_id, kind: Pending::ExpireDue } })
    }
    /// The command's timestamp (ns since the Unix epoch), or None for an omitted one.
    #[getter]
    fn ts(&self) -> Option<u64> {
        self.cmd.ts
    }
    /// The command's correlation id (opaque to the engine).
    #[getter]
    fn correlation_id(&self) -> u64 {
        self.cmd.correlation_id
    }
    /// JSON-ready dict: `type`, then every field; Decimals as strings.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        to_dict(py, &self.cmd)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        repr(py, &self.cmd)
    }
}

fn type_name(c: &PendingCmd) -> &'static str {
    match c.kind {
        Pending::Register { .. } => "RegisterInstrument",
        Pending::SetStatus { .. } => "SetTradingStatus",
        Pending::Place { .. } => "Place",
        Pending::Cancel { .. } => "Cancel",
        Pending::MassCancel { .. } => "MassCancel",
        Pending::Amend { .. } => "Amend",
        Pending::ExpireDue => "ExpireDue",
    }
}

fn instr_json(i: &InstrRef) -> serde_json::Value {
    match i {
        InstrRef::Id(n) => serde_json::Value::from(*n),
        InstrRef::Symbol(s) => serde_json::Value::from(s.as_str()),
    }
}

/// The JSON form of a command (Decimals as strings), as a `serde_json::Value`.
pub fn to_json(c: &PendingCmd) -> serde_json::Value {
    use serde_json::json;
    let mut v = match &c.kind {
        Pending::Register { symbol, tick_size, lot_size, min_qty, max_qty, status } => json!({
            "symbol": symbol, "tick_size": tick_size.to_string(), "lot_size": lot_size.to_string(),
            "min_qty": dec_str(*min_qty), "max_qty": dec_str(*max_qty), "status": status.as_str(),
        }),
        Pending::SetStatus { instrument, status, cancel_resting } => json!({
            "instrument": instr_json(instrument), "status": status.as_str(), "cancel_resting": cancel_resting,
        }),
        Pending::Place {
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
        } => json!({
            "account": account, "instrument": instr_json(instrument), "side": side.as_str(),
            "price": dec_str(*price), "trigger": dec_str(*trigger), "amount": dec_str(*amount), "display": dec_str(*display), "qty": qty.to_string(), "time_in_force": time_in_force.as_str(),
            "expire_at": expire_at, "post_only": post_only, "stp": stp.as_str(),
            "client_order_id": client_order_id.map(|c| c.as_str().to_owned()),
        }),
        Pending::Cancel { account, order_id } => json!({"account": account, "order_id": order_id}),
        Pending::MassCancel { account, instrument } => {
            json!({"account": account, "instrument": instrument.as_ref().map(instr_json)})
        }
        Pending::Amend { account, order_id, new_price, new_qty, new_trigger, new_display, expected_version } => json!({
            "account": account, "order_id": order_id, "price": dec_str(*new_price),
            "qty": dec_str(*new_qty), "trigger": dec_str(*new_trigger), "display": dec_str(*new_display), "expected_version": expected_version,
        }),
        Pending::ExpireDue => json!({}),
    };
    if let Some(m) = v.as_object_mut() {
        m.insert("type".into(), type_name(c).into());
        m.insert("ts".into(), c.ts.into());
        m.insert("correlation_id".into(), c.correlation_id.into());
    }
    v
}

fn to_dict<'py>(py: Python<'py>, c: &PendingCmd) -> PyResult<Bound<'py, PyDict>> {
    let d = base_dict(py, type_name(c), c)?;
    if let serde_json::Value::Object(m) = to_json(c) {
        for (k, v) in m {
            match v {
                serde_json::Value::Null => d.set_item(k, py.None())?,
                serde_json::Value::Bool(b) => d.set_item(k, b)?,
                serde_json::Value::Number(n) => d.set_item(k, n.as_u64())?,
                serde_json::Value::String(s) => d.set_item(k, s)?,
                _ => {}
            }
        }
    }
    Ok(d)
}

fn repr(_py: Python<'_>, c: &PendingCmd) -> PyResult<String> {
    let v = to_json(c);
    let mut s = format!("{}(", type_name(c));
    let mut first = true;
    if let serde_json::Value::Object(m) = v {
        for (k, v) in m {
            if k == "type" {
                continue;
            }
            if !first {
                s.push_str(", ");
            }
            first = false;
            s.push_str(&format!("{k}={v}"));
        }
    }
    s.push(')');
    Ok(s)
}

/// Parses a command's JSON form (see `to_dict`) back into a `PendingCmd`.
pub fn from_json(v: &serde_json::Value) -> Result<PendingCmd, BindError> {
    let bad = |what: &str| BindError::other("invalid_argument", format!("bad command dict: {what}"));
    let m = v.as_object().ok_or_else(|| bad("not an object"))?;
    let s = |k: &str| m.get(k).and_then(|v| v.as_str());
    let u = |k: &str| m.get(k).and_then(|v| v.as_u64());
    let b = |k: &str| m.get(k).and_then(|v| v.as_bool()).unwrap_or(false);
    let req_u = |k: &str| u(k).ok_or_else(|| bad(k));
    let dec = |k: &str, kind: Kind| -> Result<Option<Decimal>, BindError> {
        match s(k) {
            Some(t) => parse_decimal(t, kind).map(Some),
            None => Ok(None),
        }
    };
    let instr = |k: &str| -> Option<InstrRef> {
        match m.get(k) {
            Some(serde_json::Value::String(s)) => Some(InstrRef::Symbol(s.clone())),
            Some(serde_json::Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()).map(InstrRef::Id),
            _ => None,
        }
    };
    let py_err = |_e: PyErr| bad("enum value");
    let kind = match s("type").ok_or_else(|| bad("type"))? {
        "RegisterInstrument" => Pending::Register {
            symbol: s("symbol").ok_or_else(|| bad("symbol"))?.to_owned(),
            tick_size: dec("tick_size", Kind::Price)?.ok_or_else(|| bad("tick_size"))?,
            lot_size: dec("lot_size", Kind::Qty)?.ok_or_else(|| bad("lot_size"))?,
            min_qty: dec("min_qty", Kind::Qty)?,
            max_qty: dec("max_qty", Kind::Qty)?,
            status: status_from(s("status").unwrap_or("open")).map_err(py_err)?,
        },
        "SetTradingStatus" => Pending::SetStatus {
            instrument: instr("instrument").ok_or_else(|| bad("instrument"))?,
            status: status_from(s("status").unwrap_or("")).map_err(py_err)?,
            cancel_resting: b("cancel_resting"),
        },
        "Place" => Pending::Place {
            account: req_u("account")?,
            instrument: instr("instrument").ok_or_else(|| bad("instrument"))?,
            side: side_from(s("side").unwrap_or("")).map_err(py_err)?,
            price: dec("price", Kind::Price)?,
            trigger: dec("trigger", Kind::Price)?,
            // Older dicts have no `amount` key: an order by quantity.
            amount: match (s("trigger"), s("amount")) {
                (Some(_), Some(_)) => return Err(amount_with_trigger()),
                _ => dec("amount", Kind::Amount)?,
            },
            display: dec("display", Kind::Qty)?,
            qty: dec("qty", Kind::Qty)?.ok_or_else(|| bad("qty"))?,
            time_in_force: tif_from(s("time_in_force").unwrap_or("")).map_err(py_err)?,
            expire_at: u("expire_at"),
            post_only: b("post_only"),
            stp: stp_from(s("stp").unwrap_or("none")).map_err(py_err)?,
            client_order_id: match s("client_order_id") {
                Some(c) => Some(ClientOrderId::new(c)?),
                None => None,
            },
        },
        "Cancel" => Pending::Cancel { account: req_u("account")?, order_id: req_u("order_id")? },
        "MassCancel" => Pending::MassCancel { account: u("account"), instrument: instr("instrument") },
        "Amend" => Pending::Amend {
            account: req_u("account")?,
            order_id: req_u("order_id")?,
            new_price: dec("price", Kind::Price)?,
            new_qty: dec("qty", Kind::Qty)?,
            new_trigger: dec("trigger", Kind::Price)?,
            new_display: dec("display", Kind::Qty)?,
            expected_version: u("expected_version").and_then(|v| u32::try_from(v).ok()),
        },
        "ExpireDue" => Pending::ExpireDue,
        other => return Err(bad(other)),
    };
    Ok(PendingCmd { ts: u("ts"), correlation_id: u("correlation_id").unwrap_or(0), kind })
}

/// Wraps a `PendingCmd` in its Python class.
pub fn pending_to_py(py: Python<'_>, cmd: PendingCmd) -> PyResult<Bound<'_, PyAny>> {
    Ok(match cmd.kind {
        Pending::Register { .. } => Bound::new(py, RegisterInstrument { cmd })?.into_any(),
        Pending::SetStatus { .. } => Bound::new(py, SetTradingStatus { cmd })?.into_any(),
        Pending::Place { .. } => Bound::new(py, Place { cmd })?.into_any(),
        Pending::Cancel { .. } => Bound::new(py, Cancel { cmd })?.into_any(),
        Pending::MassCancel { .. } => Bound::new(py, MassCancel { cmd })?.into_any(),
        Pending::Amend { .. } => Bound::new(py, Amend { cmd })?.into_any(),
        Pending::ExpireDue => Bound::new(py, ExpireDue { cmd })?.into_any(),
    })
}

/// Extracts the Rust command from any command object.
pub fn pending_from_py(obj: &Bound<'_, PyAny>) -> PyResult<PendingCmd> {
    pending_ref(obj).cloned()
}

/// Borrows the Rust command inside any command object. Command classes are
/// frozen (immutable) and `Sync`, so the reference may be read without the GIL
/// for as long as `obj` is alive.
pub fn pending_ref<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<&'a PendingCmd> {
    macro_rules! try_cast {
        ($($t:ty),*) => {$(
            if let Ok(c) = obj.cast_exact::<$t>() {
                return Ok(&c.get().cmd);
            }
        )*};
    }
    try_cast!(Place, Cancel, Amend, MassCancel, SetTradingStatus, RegisterInstrument, ExpireDue);
    Err(PyTypeError::new_err(format!(
        "expected a brokerx command (Place, Cancel, Amend, ...), got {}",
        obj.get_type().name()?
    )))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Place>()?;
    m.add_class::<Cancel>()?;
    m.add_class::<Amend>()?;
    m.add_class::<MassCancel>()?;
    m.add_class::<SetTradingStatus>()?;
    m.add_class::<RegisterInstrument>()?;
    m.add_class::<ExpireDue>()?;
    Ok(())
}
