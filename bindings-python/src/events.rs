//! Events as frozen, typed Python classes (one per `EventKind`), plus `Level`.
//!
//! An event object keeps the engine's integer ticks and lots and its instrument's
//! tick and lot size; `price`/`qty` become `decimal.Decimal` only when read. Most
//! hosts read a few fields of a few events, so building every Decimal up front
//! would cost more than the engine's own work.

use brokerx_engine::{ClientOrderId, Event, EventKind, LevelView, Lots, Ticks};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use rust_decimal::Decimal;

use crate::convert::decimal_to_py;
use crate::field_doc::field_doc;

/// The grid of one instrument: what turns ticks and lots into Decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scale {
    pub tick: Decimal,
    pub lot: Decimal,
}

impl Scale {
    pub fn price(&self, t: Ticks) -> Decimal {
        Decimal::from(t.0).checked_mul(self.tick).unwrap_or(Decimal::MAX).normalize()
    }
    pub fn qty(&self, l: Lots) -> Decimal {
        Decimal::from(l.0).checked_mul(self.lot).unwrap_or(Decimal::MAX).normalize()
    }
}

/// A field of an event: how it reads in Python and in `to_dict()` (JSON-ready).
pub trait Field {
    fn py<'py>(&self, py: Python<'py>, s: &Scale) -> PyResult<Bound<'py, PyAny>>;
    fn json<'py>(&self, py: Python<'py>, s: &Scale) -> PyResult<Bound<'py, PyAny>> {
        self.py(py, s)
    }
}

macro_rules! plain_field {
    ($($t:ty),*) => {$(
        impl Field for $t {
            fn py<'py>(&self, py: Python<'py>, _: &Scale) -> PyResult<Bound<'py, PyAny>> {
                Ok(self.into_pyobject(py)?.to_owned().into_any())
            }
        }
    )*};
}
plain_field!(u64, u32, bool, Option<u64>);

impl Field for &'static str {
    fn py<'py>(&self, py: Python<'py>, _: &Scale) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyString::intern(py, self).into_any())
    }
}

/// A price in ticks, read as a Decimal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Px(pub Ticks);
/// A quantity in lots, read as a Decimal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Qty(pub Lots);

impl Field for Px {
    fn py<'py>(&self, py: Python<'py>, s: &Scale) -> PyResult<Bound<'py, PyAny>> {
        decimal_to_py(py, s.price(self.0))
    }
    fn json<'py>(&self, py: Python<'py>, s: &Scale) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyString::new(py, &s.price(self.0).to_string()).into_any())
    }
}
impl Field for Qty {
    fn py<'py>(&self, py: Python<'py>, s: &Scale) -> PyResult<Bound<'py, PyAny>> {
        decimal_to_py(py, s.qty(self.0))
    }
    fn json<'py>(&self, py: Python<'py>, s: &Scale) -> PyResult<Bound<'py, PyAny>> {
        Ok(PyString::new(py, &s.qty(self.0).to_string()).into_any())
    }
}
impl Field for Option<Px> {
    fn py<'py>(&self, py: Python<'py>, s: &Scale) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(p) => p.py(py, s),
            None => Ok(py.None().into_bound(py)),
        }
    }
    fn json<'py>(&self, py: Python<'py>, s: &Scale) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(p) => p.json(py, s),
            None => Ok(py.None().into_bound(py)),
        }
    }
}
impl Field for Option<ClientOrderId> {
    fn py<'py>(&self, py: Python<'py>, _: &Scale) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(c) => Ok(PyString::new(py, c.as_str()).into_any()),
            None => Ok(py.None().into_bound(py)),
        }
    }
}
impl Field for Option<LevelView> {
    fn py<'py>(&self, py: Python<'py>, s: &Scale) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(l) => Ok(Bound::new(py, Level::new(*l, *s))?.into_any()),
            None => Ok(py.None().into_bound(py)),
        }
    }
    fn json<'py>(&self, py: Python<'py>, s: &Scale) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Some(l) => Ok(Level::new(*l, *s).to_dict(py)?.into_any()),
            None => Ok(py.None().into_bound(py)),
        }
    }
}

/// One price level: total quantity and order count at a price.
#[pyclass(frozen, eq, hash, module = "brokerx._native")]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Level {
    view: LevelView,
    scale: Scale,
}

impl Level {
    pub fn new(view: LevelView, scale: Scale) -> Self {
        Level { view, scale }
    }
}

#[pymethods]
impl Level {
    /// The level's price (`Decimal`).
    #[getter]
    fn price<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal_to_py(py, self.scale.price(self.view.price))
    }
    /// Total quantity resting at this price (`Decimal`).
    #[getter]
    fn qty<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal_to_py(py, self.scale.qty(self.view.qty))
    }
    /// How many orders rest at this price.
    #[getter]
    fn orders(&self) -> u32 {
        self.view.orders
    }
    /// `{"price": str, "qty": str, "orders": int}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("price", self.scale.price(self.view.price).to_string())?;
        d.set_item("qty", self.scale.qty(self.view.qty).to_string())?;
        d.set_item("orders", self.view.orders)?;
        Ok(d)
    }
    fn __repr__(&self) -> String {
        format!(
            "Level(price=Decimal('{}'), qty=Decimal('{}'), orders={})",
            self.scale.price(self.view.price),
            self.scale.qty(self.view.qty),
            self.view.orders
        )
    }
}

macro_rules! event_class {
    ($(#[$meta:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[pyclass(frozen, eq, hash, module = "brokerx._native")]
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name {
            seq: u64,
            ts: u64,
            correlation_id: u64,
            instrument: u32,
            $($field: $ty,)*
            scale: Scale,
        }

        #[pymethods]
        impl $name {
            #[classattr]
            fn __match_args__(py: Python<'_>) -> PyResult<Py<PyTuple>> {
                Ok(PyTuple::new(py, ["seq", "ts", "correlation_id", "instrument", $(stringify!($field),)*])?.unbind())
            }
            /// Gap-free event sequence number, starting at 1.
            #[getter]
            fn seq(&self) -> u64 { self.seq }
            /// The command's timestamp (ns since the Unix epoch).
            #[getter]
            fn ts(&self) -> u64 { self.ts }
            /// The command's correlation id.
            #[getter]
            fn correlation_id(&self) -> u64 { self.correlation_id }
            /// The instrument's id.
            #[getter]
            fn instrument(&self) -> u32 { self.instrument }
            $(
                #[doc = field_doc!($name, $field)]
                #[getter]
                fn $field<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    Field::py(&self.$field, py, &self.scale)
                }
            )*
            /// JSON-ready dict: `type`, the common fields, then this event's fields;
            /// Decimals as strings.
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
                let d = PyDict::new(py);
                d.set_item("type", stringify!($name))?;
                d.set_item("seq", self.seq)?;
                d.set_item("ts", self.ts)?;
                d.set_item("correlation_id", self.correlation_id)?;
                d.set_item("instrument", self.instrument)?;
                $( d.set_item(stringify!($field), Field::json(&self.$field, py, &self.scale)?)?; )*
                Ok(d)
            }
            #[allow(unused_variables, unused_mut)]
            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                let mut s = format!(
                    "{}(seq={}, ts={}, correlation_id={}, instrument={}",
                    stringify!($name), self.seq, self.ts, self.correlation_id, self.instrument
                );
                $(
                    s.push_str(concat!(", ", stringify!($field), "="));
                    s.push_str(&Field::py(&self.$field, py, &self.scale)?.repr()?.to_str()?);
                )*
                s.push(')');
                Ok(s)
            }
        }
    };
}

event_class!(
    #[doc = "An instrument was registered; its id is `instrument`."]
    InstrumentRegistered {}
);
event_class!(
    #[doc = "An instrument was opened, halted or closed."]
    TradingStatusChanged { status: &'static str });
event_class!(
    #[doc = "An order was accepted (it may trade and rest next)."]
    Accepted {
    order_id: u64,
    account: u64,
    side: &'static str,
    price: Option<Px>,
    qty: Qty,
    time_in_force: &'static str,
    client_order_id: Option<ClientOrderId>,
});
event_class!(
    #[doc = "The engine refused an order as a trading outcome (journaled, not an error)."]
    Rejected {
    account: u64,
    order_id: Option<u64>,
    client_order_id: Option<ClientOrderId>,
    reason: &'static str,
});
event_class!(
    #[doc = "A fill: the incoming order traded with a resting one at the resting price."]
    Trade {
    trade_id: u64,
    price: Px,
    qty: Qty,
    aggressor: &'static str,
    maker_order_id: u64,
    maker_account: u64,
    maker_remaining: Qty,
    taker_order_id: u64,
    taker_account: u64,
    taker_remaining: Qty,
});
event_class!(
    #[doc = "An order left the book (user cancel, IOC remainder, self-trade, kill switch); carries its side, price and filled quantity."]
    Cancelled {
    order_id: u64,
    account: u64,
    qty: Qty,
    reason: &'static str,
    side: &'static str,
    price: Option<Px>,
    filled: Qty,
});
event_class!(
    #[doc = "An order lost quantity without a trade (self-trade decrement)."]
    Reduced {
    order_id: u64,
    account: u64,
    qty: Qty,
    remaining: Qty,
    reason: &'static str,
    side: &'static str,
    price: Option<Px>,
    filled: Qty,
});
event_class!(
    #[doc = "An order was amended to a new price and/or quantity."]
    Amended {
    order_id: u64,
    account: u64,
    version: u32,
    price: Px,
    qty: Qty,
    remaining: Qty,
    priority_kept: bool,
    side: &'static str,
    filled: Qty,
});
event_class!(
    #[doc = "A GTD order expired at its deadline."]
    Expired {
    order_id: u64,
    account: u64,
    qty: Qty,
    side: &'static str,
    price: Px,
    filled: Qty,
});
event_class!(
    #[doc = "A stop order was accepted and waits outside the book for its trigger (`limit` None: a stop-market)."]
    StopAccepted {
    order_id: u64,
    account: u64,
    side: &'static str,
    trigger: Px,
    limit: Option<Px>,
    qty: Qty,
    time_in_force: &'static str,
});
event_class!(
    #[doc = "A waiting stop triggered (the last trade price reached its trigger) and now enters the book under its own id."]
    Triggered {
    order_id: u64,
    account: u64,
    side: &'static str,
    trigger: Px,
    last_price: Px,
    limit: Option<Px>,
    qty: Qty,
    time_in_force: &'static str,
});
event_class!(
    #[doc = "The command fired the engine's `max_triggers_per_command` stops on the instrument; the stops still due fire at its next trade."]
    TriggerLimitReached { fired: u32 }
);
event_class!(
    #[doc = "A waiting stop was amended (new trigger, limit and/or quantity); it keeps waiting unless its trigger is reached."]
    StopAmended {
    order_id: u64,
    account: u64,
    side: &'static str,
    version: u32,
    trigger: Px,
    limit: Option<Px>,
    qty: Qty,
    priority_kept: bool,
});
event_class!(
    #[doc = "An iceberg's shown slice was used up and the next one shows at the back of its level: `shown` in the book, `hidden` still in reserve."]
    Refreshed {
    order_id: u64,
    account: u64,
    side: &'static str,
    price: Px,
    shown: Qty,
    hidden: Qty,
    filled: Qty,
});
event_class!(
    #[doc = "Market data: an L2 level changed (qty 0: it is gone)."]
    LevelChanged {
    side: &'static str,
    price: Px,
    qty: Qty,
    orders: u32,
});
event_class!(
    #[doc = "Market data: the best bid or ask changed."]
    BboChanged {
    bid: Option<LevelView>,
    ask: Option<LevelView>,
});

/// The instrument an event is about (every event names one).
pub fn event_instrument(k: &EventKind) -> u32 {
    match *k {
        EventKind::InstrumentRegistered { instrument }
        | EventKind::TradingStatusChanged { instrument, .. }
        | EventKind::Accepted { instrument, .. }
        | EventKind::Rejected { instrument, .. }
        | EventKind::Trade { instrument, .. }
        | EventKind::Cancelled { instrument, .. }
        | EventKind::Reduced { instrument, .. }
        | EventKind::Amended { instrument, .. }
        | EventKind::Expired { instrument, .. }
        | EventKind::LevelChanged { instrument, .. }
        | EventKind::BboChanged { instrument, .. }
        | EventKind::StopAccepted { instrument, .. }
        | EventKind::Triggered { instrument, .. }
        | EventKind::TriggerLimitReached { instrument, .. }
        | EventKind::StopAmended { instrument, .. }
        | EventKind::Refreshed { instrument, .. } => instrument.0,
    }
}

/// One engine event → its Python class. `scales` is indexed by instrument id.
pub fn event_to_py<'py>(py: Python<'py>, e: &Event, scales: &[Scale]) -> PyResult<Bound<'py, PyAny>> {
    let instrument = event_instrument(&e.kind);
    let scale = scales.get(instrument as usize).copied().unwrap_or(Scale { tick: Decimal::ONE, lot: Decimal::ONE });
    let (seq, ts, correlation_id) = (e.seq, e.ts.0, e.correlation_id.0);
    macro_rules! mk {
        ($name:ident { $($f:ident : $v:expr),* $(,)? }) => {
            Ok(Bound::new(py, $name { seq, ts, correlation_id, instrument, $($f: $v,)* scale })?.into_any())
        };
    }
    match e.kind {
        EventKind::InstrumentRegistered { .. } => mk!(InstrumentRegistered {}),
        EventKind::TradingStatusChanged { status, .. } => {
            mk!(TradingStatusChanged { status: status.as_str() })
        }
        EventKind::Accepted { order_id, account, side, price, qty, time_in_force, client_order_id, .. } => {
            mk!(Accepted {
                order_id: order_id.0,
                account: account.0,
                side: side.as_str(),
                price: price.map(Px),
                qty: Qty(qty),
                time_in_force: time_in_force.as_str(),
                client_order_id: client_order_id,
            })
        }
        EventKind::Rejected { account, order_id, client_order_id, reason, .. } => mk!(Rejected {
            account: account.0,
            order_id: order_id.map(|o| o.0),
            client_order_id: client_order_id,
            reason: reason.code(),
        }),
        EventKind::Trade {
            trade_id,
            price,
            qty,
            aggressor,
            maker_order_id,
            maker_account,
            maker_remaining,
            taker_order_id,
            taker_account,
            taker_remaining,
            ..
        } => mk!(Trade {
            trade_id: trade_id.0,
            price: Px(price),
            qty: Qty(qty),
            aggressor: aggressor.as_str(),
            maker_order_id: maker_order_id.0,
            maker_account: maker_account.0,
            maker_remaining: Qty(maker_remaining),
            taker_order_id: taker_order_id.0,
            taker_account: taker_account.0,
            taker_remaining: Qty(taker_remaining),
        }),
        EventKind::Cancelled { order_id, account, side, price, qty, filled, reason, .. } => mk!(Cancelled {
            order_id: order_id.0,
            account: account.0,
            qty: Qty(qty),
            reason: reason.code(),
            side: side.as_str(),
            price: price.map(Px),
            filled: Qty(filled),
        }),
        EventKind::Reduced { order_id, account, side, price, qty, remaining, filled, reason, .. } => mk!(Reduced {
            order_id: order_id.0,
            account: account.0,
            qty: Qty(qty),
            remaining: Qty(remaining),
            reason: reason.code(),
            side: side.as_str(),
            price: price.map(Px),
            filled: Qty(filled),
        }),
        EventKind::Amended {
            order_id, account, side, version, price, qty, remaining, filled, priority_kept, ..
        } => {
            mk!(Amended {
                order_id: order_id.0,
                account: account.0,
                version: version,
                price: Px(price),
                qty: Qty(qty),
                remaining: Qty(remaining),
                priority_kept: priority_kept,
                side: side.as_str(),
                filled: Qty(filled),
            })
        }
        EventKind::Expired { order_id, account, side, price, qty, filled, .. } => mk!(Expired {
            order_id: order_id.0,
            account: account.0,
            qty: Qty(qty),
            side: side.as_str(),
            price: Px(price),
            filled: Qty(filled),
        }),
        EventKind::LevelChanged { side, price, qty, orders, .. } => {
            mk!(LevelChanged { side: side.as_str(), price: Px(price), qty: Qty(qty), orders: orders })
        }
        EventKind::BboChanged { bid, ask, .. } => mk!(BboChanged { bid: bid, ask: ask }),
        EventKind::StopAccepted { order_id, account, side, trigger, limit, qty, time_in_force, .. } => {
            mk!(StopAccepted {
                order_id: order_id.0,
                account: account.0,
                side: side.as_str(),
                trigger: Px(trigger),
                limit: limit.map(Px),
                qty: Qty(qty),
                time_in_force: time_in_force.as_str(),
            })
        }
        EventKind::Triggered { order_id, account, side, trigger, last_price, limit, qty, time_in_force, .. } => {
            mk!(Triggered {
                order_id: order_id.0,
                account: account.0,
                side: side.as_str(),
                trigger: Px(trigger),
                last_price: Px(last_price),
                limit: limit.map(Px),
                qty: Qty(qty),
                time_in_force: time_in_force.as_str(),
            })
        }
        EventKind::TriggerLimitReached { fired, .. } => mk!(TriggerLimitReached { fired: fired }),
        EventKind::Refreshed { order_id, account, side, price, shown, hidden, filled, .. } => mk!(Refreshed {
            order_id: order_id.0,
            account: account.0,
            side: side.as_str(),
            price: Px(price),
            shown: Qty(shown),
            hidden: Qty(hidden),
            filled: Qty(filled),
        }),
        EventKind::StopAmended { order_id, account, side, version, trigger, limit, qty, priority_kept, .. } => {
            mk!(StopAmended {
                order_id: order_id.0,
                account: account.0,
                side: side.as_str(),
                version: version,
                trigger: Px(trigger),
                limit: limit.map(Px),
                qty: Qty(qty),
                priority_kept: priority_kept,
            })
        }
    }
}

pub fn events_to_list<'py>(py: Python<'py>, events: &[Event], scales: &[Scale]) -> PyResult<Bound<'py, PyList>> {
    let items = events.iter().map(|e| event_to_py(py, e, scales)).collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Level>()?;
    m.add_class::<InstrumentRegistered>()?;
    m.add_class::<TradingStatusChanged>()?;
    m.add_class::<Accepted>()?;
    m.add_class::<Rejected>()?;
    m.add_class::<Trade>()?;
    m.add_class::<Cancelled>()?;
    m.add_class::<Reduced>()?;
    m.add_class::<Amended>()?;
    m.add_class::<Expired>()?;
    m.add_class::<StopAccepted>()?;
    m.add_class::<Triggered>()?;
    m.add_class::<TriggerLimitReached>()?;
    m.add_class::<StopAmended>()?;
    m.add_class::<Refreshed>()?;
    m.add_class::<LevelChanged>()?;
    m.add_class::<BboChanged>()?;
    Ok(())
}
