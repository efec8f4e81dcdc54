//! `brokerx.Broker` (engine + pre-trade risk + ledger) and its own event classes.
//!
//! Conversions only: order commands reuse the Engine's (`PendingCmd`), resolved on
//! the Broker's engine; amounts are `Decimal` in the asset's units, converted with
//! the asset's scale exactly or refused. Order events are the Engine's event
//! classes (numbered by the Broker); the Broker adds `Posting`, `RiskRejected`,
//! `FundsMoved` and the configuration events. Risk refusals and funds refusals
//! are events, as in Rust. Same locking rule as `Engine`.

use std::sync::{Mutex, MutexGuard, TryLockError};

use brokerx_engine::broker::{
    Broker as RBroker, BrokerCommand, BrokerCommandKind, BrokerConfig, BrokerError, BrokerEvent, BrokerEventKind,
    BrokerSnapshot, Funds, FundsDirection, MarketSpec, PostingKind,
};
use brokerx_engine::clock::HostClock;
use brokerx_engine::risk::{AccountLimits as RAccountLimits, InstrumentRisk as RInstrumentRisk, RiskState, Throttle};
use brokerx_engine::{
    AccountId, CommandKind, CorrelationId, EngineConfig, Event, Instrument, InstrumentId, InstrumentSpec, Lots,
    OrderId, Timestamp,
};
use brokerx_ledger::{AccountKey, AssetId, AssetSpec, IdempotencyKey, TransferStatus};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyList, PyString, PyType};
use rust_decimal::Decimal;

use crate::commands::{amend_pending, pending_ref, place_pending, InstrRef, Pending, PendingCmd};
use crate::convert::{decimal_to_py, status_from, to_decimal, to_decimal_opt, to_ts_named, to_ts_opt, wall_ns, Kind};
use crate::engine::Order;
use crate::errors::{new_error, transfer_error, BindError};
use crate::events::{event_to_py, Field, Level, Scale};
use crate::field_doc::field_doc;

fn broker_err(e: BrokerError) -> BindError {
    match e {
        BrokerError::Command(c) => BindError::Command(c),
        other => BindError::other(other.code(), other.to_string()),
    }
}

/// Minor units of an asset → `Decimal` (exact; `None` if it does not fit).
fn money(minor: i128, scale: u8) -> Option<Decimal> {
    Decimal::try_from_i128_with_scale(minor, u32::from(scale)).ok()
}

/// A money field of a Broker event: minor units plus the asset's scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    minor: u128,
    scale: u8,
}

impl Field for Money {
    fn py<'py>(&self, py: Python<'py>, _: &Scale) -> PyResult<Bound<'py, PyAny>> {
        let d = i128::try_from(self.minor).ok().and_then(|m| money(m, self.scale));
        match d {
            Some(d) => decimal_to_py(py, d),
            None => Err(new_error(py, "amount_overflow", format!("{} minor units do not fit a Decimal", self.minor))),
        }
    }
    fn json<'py>(&self, py: Python<'py>, s: &Scale) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.py(py, s)?.str()?.into_any())
    }
}

/// A ledger account `(owner, asset)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Acct(AccountKey);

impl Field for Acct {
    fn py<'py>(&self, py: Python<'py>, _: &Scale) -> PyResult<Bound<'py, PyAny>> {
        Ok((self.0.owner.0, self.0.asset.0).into_pyobject(py)?.into_any())
    }
}

impl Field for u128 {
    fn py<'py>(&self, py: Python<'py>, _: &Scale) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.into_pyobject(py)?.into_any())
    }
}

/// `key=value` facts of a refusal in the caller's units (the core converts
/// them): a dict of `Decimal`, of decimal strings in `to_dict()`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Facts(Vec<(&'static str, Decimal)>);

impl Field for Facts {
    fn py<'py>(&self, py: Python<'py>, _: &Scale) -> PyResult<Bound<'py, PyAny>> {
        let d = PyDict::new(py);
        for (k, v) in &self.0 {
            d.set_item(*k, decimal_to_py(py, *v)?)?;
        }
        Ok(d.into_any())
    }
    fn json<'py>(&self, py: Python<'py>, _: &Scale) -> PyResult<Bound<'py, PyAny>> {
        let d = PyDict::new(py);
        for (k, v) in &self.0 {
            d.set_item(*k, v.to_string())?;
        }
        Ok(d.into_any())
    }
}

macro_rules! broker_event_class {
    ($(#[$meta:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[pyclass(frozen, eq, hash, module = "brokerx._native")]
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name {
            seq: u64,
            ts: u64,
            correlation_id: u64,
            $($field: $ty,)*
        }

        #[pymethods]
        impl $name {
            /// Gap-free event sequence number, starting at 1.
            #[getter]
            fn seq(&self) -> u64 { self.seq }
            /// The command's timestamp (ns since the Unix epoch).
            #[getter]
            fn ts(&self) -> u64 { self.ts }
            /// The command's correlation id (opaque to the Broker).
            #[getter]
            fn correlation_id(&self) -> u64 { self.correlation_id }
            $(
                #[doc = field_doc!($name, $field)]
                #[getter]
                fn $field<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    Field::py(&self.$field, py, &NO_SCALE)
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
                $( d.set_item(stringify!($field), Field::json(&self.$field, py, &NO_SCALE)?)?; )*
                Ok(d)
            }
            #[allow(unused_variables, unused_mut)]
            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                let mut s = format!("{}(seq={}, ts={}, correlation_id={}", stringify!($name), self.seq, self.ts, self.correlation_id);
                $(
                    s.push_str(concat!(", ", stringify!($field), "="));
                    s.push_str(&Field::py(&self.$field, py, &NO_SCALE)?.repr()?.to_str()?);
                )*
                s.push(')');
                Ok(s)
            }
        }
    };
}

const NO_SCALE: Scale = Scale { tick: Decimal::ONE, lot: Decimal::ONE };

broker_event_class!(
    #[doc = "A ledger transfer the Broker applied (hold, post, void, resize, deposit, withdrawal, fee)."]
    Posting {
    transfer_id: u128,
    kind: &'static str,
    code: u32,
    debit: Acct,
    credit: Acct,
    amount: Money,
    order_id: Option<u64>,
    trade_id: Option<u64>,
});
broker_event_class!(
    #[doc = "Pre-trade risk refused an order or amend (journaled, not an error); `context` says why."]
    RiskRejected {
    account: u64,
    instrument: u32,
    order_id: Option<u64>,
    reason: &'static str,
    context: Facts,
});
broker_event_class!(
    #[doc = "The answer to a deposit or withdrawal (a refusal also raises, carrying this event)."]
    FundsMoved {
    key: u128,
    direction: &'static str,
    account: u64,
    asset: u32,
    amount: Money,
    status: &'static str,
    replayed: bool,
});
broker_event_class!(
    #[doc = "A ledger asset was created, with its system accounts."]
    AssetCreated { asset: u32 }
);
broker_event_class!(
    #[doc = "A market was registered: an instrument trading `base` against `quote`."]
    MarketRegistered { instrument: u32, base: u32, quote: u32 }
);
broker_event_class!(
    #[doc = "An instrument's risk settings were replaced."]
    InstrumentRiskChanged { instrument: u32 }
);
broker_event_class!(
    #[doc = "An account's limits were replaced."]
    AccountLimitsChanged { account: u64 }
);
broker_event_class!(
    #[doc = "The kill switch of an account was turned on or off."]
    AccountEnabledChanged { account: u64, enabled: bool }
);
broker_event_class!(
    #[doc = "An account was forbidden (or allowed again) to trade an instrument."]
    RestrictionChanged { account: u64, instrument: u32, restricted: bool }
);
broker_event_class!(
    #[doc = "The ledger refused a trade's settlement (a bug or a policy the Broker cannot see)."]
    SettlementFailed { trade_id: u64, status: &'static str });

/// Everything a converted event needs: instrument grids and asset scales.
#[derive(Clone, Debug, Default)]
struct Scales {
    instruments: Vec<Scale>,
}

impl Scales {
    fn of(b: &RBroker) -> Self {
        Scales {
            instruments: b
                .engine()
                .instruments()
                .map(|i| Scale { tick: i.spec.tick_size, lot: i.spec.lot_size })
                .collect(),
        }
    }
    fn asset_scale(&self, b: &RBroker, asset: AssetId) -> u8 {
        b.ledger().asset(asset).map_or(0, |a| a.scale)
    }
}

/// Converts one Broker event (pure data; the scales were copied under the lock).
fn broker_event_to_py<'py>(
    py: Python<'py>,
    e: &BrokerEvent,
    sc: &Scales,
    asset_scales: &[(u32, u8)],
) -> PyResult<Bound<'py, PyAny>> {
    let (seq, ts, correlation_id) = (e.seq, e.ts.0, e.correlation_id.0);
    let scale_of = |a: AssetId| asset_scales.iter().find(|(id, _)| *id == a.0).map_or(0, |(_, s)| *s);
    macro_rules! mk {
        ($name:ident { $($f:ident : $v:expr),* $(,)? }) => {
            Ok(Bound::new(py, $name { seq, ts, correlation_id, $($f: $v,)* })?.into_any())
        };
    }
    match e.kind {
        BrokerEventKind::Order(kind) => {
            event_to_py(py, &Event { seq, ts: e.ts, correlation_id: e.correlation_id, kind }, &sc.instruments)
        }
        BrokerEventKind::Posting(p) => mk!(Posting {
            transfer_id: p.transfer_id.0,
            kind: match p.kind {
                PostingKind::Single => "single",
                PostingKind::Hold => "hold",
                PostingKind::Post => "post",
                PostingKind::Void => "void",
                PostingKind::Resize => "resize",
                PostingKind::PostPart => "post_part",
            },
            code: u32::from(p.code.0),
            debit: Acct(p.debit),
            credit: Acct(p.credit),
            amount: Money { minor: p.amount.minor(), scale: scale_of(p.debit.asset) },
            order_id: p.order_id.map(|o| o.0),
            trade_id: p.trade_id.map(|t| t.0),
        }),
        BrokerEventKind::OrderRejected { account, instrument, order_id, reject } => mk!(RiskRejected {
            account: account.0,
            instrument: instrument.0,
            order_id: order_id.map(|o| o.0),
            reason: reject.code.code(),
            context: Facts(reject.context.iter().collect()),
        }),
        BrokerEventKind::FundsMoved { key, direction, account, asset, amount, status, replayed } => mk!(FundsMoved {
            key: key,
            direction: match direction {
                FundsDirection::Deposit => "deposit",
                FundsDirection::Withdrawal => "withdrawal",
            },
            account: account.0,
            asset: asset.0,
            amount: Money { minor: amount.minor(), scale: scale_of(asset) },
            status: status.code(),
            replayed: replayed,
        }),
        BrokerEventKind::AssetCreated { asset } => mk!(AssetCreated { asset: asset.0 }),
        BrokerEventKind::MarketRegistered { instrument, base, quote } => {
            mk!(MarketRegistered { instrument: instrument.0, base: base.0, quote: quote.0 })
        }
        BrokerEventKind::InstrumentRiskChanged { instrument, .. } => {
            mk!(InstrumentRiskChanged { instrument: instrument.0 })
        }
        BrokerEventKind::AccountLimitsChanged { account, .. } => mk!(AccountLimitsChanged { account: account.0 }),
        BrokerEventKind::AccountEnabledChanged { account, enabled } => {
            mk!(AccountEnabledChanged { account: account.0, enabled: enabled })
        }
        BrokerEventKind::RestrictionChanged { account, instrument, restricted } => {
            mk!(RestrictionChanged { account: account.0, instrument: instrument.0, restricted: restricted })
        }
        BrokerEventKind::SettlementFailed { trade_id, status } => {
            mk!(SettlementFailed { trade_id: trade_id.0, status: status.code() })
        }
    }
}

/// Per-instrument risk settings. Quantities and prices are `Decimal` on the
/// instrument's grid, `max_order_notional` is in the quote asset's units.
#[pyclass(frozen, eq, module = "brokerx._native")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstrumentRisk {
    state: RiskState,
    max_order_qty: Option<Decimal>,
    max_order_notional: Option<Decimal>,
    collar_bps: Option<u32>,
    reference_price: Option<Decimal>,
    fail_closed: bool,
    maker_fee_bps: u32,
    taker_fee_bps: u32,
}

impl InstrumentRisk {
    fn resolve(&self, grid: &Instrument, quote_scale: u8) -> Result<RInstrumentRisk, BindError> {
        let notional = match self.max_order_notional {
            Some(d) => Some(
                brokerx_ledger::Amount::from_decimal(d, quote_scale)
                    .map_err(|e| BindError::other(e.code(), e.to_string()))?,
            ),
            None => None,
        };
        Ok(RInstrumentRisk {
            state: self.state,
            max_order_qty: self.max_order_qty.map(|q| grid.qty_to_lots(q)).transpose()?,
            max_order_notional: notional,
            collar_bps: self.collar_bps,
            reference_price: self.reference_price.map(|p| grid.price_to_ticks(p)).transpose()?,
            fail_closed: self.fail_closed,
            maker_fee_bps: self.maker_fee_bps,
            taker_fee_bps: self.taker_fee_bps,
        })
    }
}

#[pymethods]
impl InstrumentRisk {
    #[new]
    #[pyo3(signature = (*, state="active", max_order_qty=None, max_order_notional=None, collar_bps=Some(1_000), reference_price=None, fail_closed=true, maker_fee_bps=0, taker_fee_bps=0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        state: &str,
        max_order_qty: Option<&Bound<'_, PyAny>>,
        max_order_notional: Option<&Bound<'_, PyAny>>,
        collar_bps: Option<u32>,
        reference_price: Option<&Bound<'_, PyAny>>,
        fail_closed: bool,
        maker_fee_bps: u32,
        taker_fee_bps: u32,
    ) -> PyResult<Self> {
        let state = match state {
            "active" => RiskState::Active,
            "reducing" => RiskState::Reducing,
            "halted" => RiskState::Halted,
            other => {
                return Err(PyValueError::new_err(format!(
                    "state must be one of 'active', 'reducing', 'halted', got {other:?}"
                )))
            }
        };
        Ok(InstrumentRisk {
            state,
            max_order_qty: to_decimal_opt(max_order_qty, Kind::Qty, "max_order_qty")?,
            max_order_notional: to_decimal_opt(max_order_notional, Kind::Qty, "max_order_notional")?,
            collar_bps,
            reference_price: to_decimal_opt(reference_price, Kind::Price, "reference_price")?,
            fail_closed,
            maker_fee_bps,
            taker_fee_bps,
        })
    }
    /// `'active'`, `'reducing'` (sells only) or `'halted'`.
    #[getter]
    fn state(&self) -> &'static str {
        match self.state {
            RiskState::Active => "active",
            RiskState::Reducing => "reducing",
            RiskState::Halted => "halted",
        }
    }
    /// Limit prices within ±collar_bps of the reference; None switches the collar off.
    #[getter]
    fn collar_bps(&self) -> Option<u32> {
        self.collar_bps
    }
    /// The fee on resting (maker) fills, in basis points of the notional.
    #[getter]
    fn maker_fee_bps(&self) -> u32 {
        self.maker_fee_bps
    }
    /// The fee on incoming (taker) fills, in basis points of the notional.
    #[getter]
    fn taker_fee_bps(&self) -> u32 {
        self.taker_fee_bps
    }
    fn __repr__(&self) -> String {
        format!(
            "InstrumentRisk(state='{}', collar_bps={:?}, maker_fee_bps={}, taker_fee_bps={})",
            self.state(),
            self.collar_bps,
            self.maker_fee_bps,
            self.taker_fee_bps
        )
    }
}

/// A Broker command before its Decimals meet a grid or an asset scale.
#[derive(Clone, Debug)]
enum BPending {
    Order(PendingCmd),
    CreateAsset {
        asset: u32,
        code: String,
        scale: u8,
        wallet_max_balance: Option<Decimal>,
    },
    RegisterMarket {
        spec: InstrumentSpec,
        min_qty: Option<Decimal>,
        max_qty: Option<Decimal>,
        base: u32,
        quote: u32,
        risk: InstrumentRisk,
    },
    Funds {
        deposit: bool,
        account: u64,
        asset: u32,
        amount: Decimal,
        key: u128,
    },
    SetRisk {
        instrument: InstrRef,
        risk: InstrumentRisk,
    },
    SetLimits {
        account: u64,
        limits: RAccountLimits,
    },
    SetEnabled {
        account: u64,
        enabled: bool,
    },
    Restrict {
        account: u64,
        instrument: InstrRef,
        restricted: bool,
    },
}

struct BCmd {
    ts: Option<u64>,
    correlation_id: u64,
    kind: BPending,
}

/// The Broker command, with an omitted `ts` stamped from `wall_ns` by `clock`.
fn resolve(b: &RBroker, c: &BCmd, clock: &mut HostClock, wall_ns: u64) -> Result<BrokerCommand, BindError> {
    let asset_scale = |a: u32| -> Result<u8, BindError> {
        b.ledger()
            .asset(AssetId(a))
            .map(|s| s.scale)
            .ok_or_else(|| BindError::other("unknown_asset", format!("unknown asset {a}")))
    };
    let kind = match &c.kind {
        BPending::Order(p) => match p.resolve_kind(b.engine())? {
            CommandKind::Place(x) => BrokerCommandKind::Place(x),
            CommandKind::Cancel(x) => BrokerCommandKind::Cancel(x),
            CommandKind::Amend(x) => BrokerCommandKind::Amend(x),
            CommandKind::MassCancel(x) => BrokerCommandKind::MassCancel(x),
            CommandKind::SetTradingStatus(x) => BrokerCommandKind::SetTradingStatus(x),
            CommandKind::ExpireDue => BrokerCommandKind::ExpireDue,
            _ => return Err(BindError::other("invalid_argument", "register markets with register_market()")),
        },
        BPending::CreateAsset { asset, code, scale, wallet_max_balance } => BrokerCommandKind::CreateAsset {
            spec: AssetSpec { id: AssetId(*asset), code: code.clone(), scale: *scale },
            wallet_max_balance: match wallet_max_balance {
                Some(d) => Some(
                    brokerx_ledger::Amount::from_decimal(*d, *scale)
                        .map_err(|e| BindError::other(e.code(), e.to_string()))?,
                ),
                None => None,
            },
        },
        BPending::RegisterMarket { spec, min_qty, max_qty, base, quote, risk } => {
            // Decimals convert on the instrument's grid, so the grid must be sound
            // first (the core's rule); the Broker validates the rest, risk included.
            spec.validate()?;
            let mut spec = spec.clone();
            let grid = Instrument { id: InstrumentId(0), spec: spec.clone() };
            if let Some(q) = min_qty {
                spec.min_qty = grid.qty_to_lots(*q)?;
            }
            if let Some(q) = max_qty {
                spec.max_qty = grid.qty_to_lots(*q)?;
            }
            BrokerCommandKind::RegisterMarket(MarketSpec {
                risk: risk.resolve(&grid, asset_scale(*quote)?)?,
                instrument: spec,
                base: AssetId(*base),
                quote: AssetId(*quote),
            })
        }
        BPending::Funds { deposit, account, asset, amount, key } => {
            let scale = asset_scale(*asset)?;
            let minor = brokerx_ledger::Amount::from_decimal(*amount, scale)
                .map_err(|e| BindError::other(e.code(), e.to_string()))?
                .minor();
            let f = Funds {
                account: AccountId(*account),
                asset: AssetId(*asset),
                amount: brokerx_ledger::Amount::from_minor(minor),
                key: *key,
            };
            if *deposit {
                BrokerCommandKind::Deposit(f)
            } else {
                BrokerCommandKind::Withdraw(f)
            }
        }
        BPending::SetRisk { instrument, risk } => {
            let inst = instrument.resolve(b.engine())?;
            let quote = b.market_assets(inst.id).map_or(0, |(_, q)| q.0);
            BrokerCommandKind::SetInstrumentRisk { instrument: inst.id, risk: risk.resolve(inst, asset_scale(quote)?)? }
        }
        BPending::SetLimits { account, limits } => {
            BrokerCommandKind::SetAccountLimits { account: AccountId(*account), limits: *limits }
        }
        BPending::SetEnabled { account, enabled } => {
            BrokerCommandKind::SetAccountEnabled { account: AccountId(*account), enabled: *enabled }
        }
        BPending::Restrict { account, instrument, restricted } => BrokerCommandKind::RestrictInstrument {
            account: AccountId(*account),
            instrument: instrument.resolve(b.engine())?.id,
            restricted: *restricted,
        },
    };
    // Stamped last, once the command is known to resolve.
    let ts = match c.ts {
        Some(t) => Timestamp(t),
        None => clock.stamp(wall_ns, b.now()),
    };
    Ok(BrokerCommand { ts, correlation_id: CorrelationId(c.correlation_id), kind })
}

/// An idempotency key: an `int` (0 ≤ key < 2^128), a `uuid.UUID`, a `str` (such as
/// an `Idempotency-Key` header) or `bytes`. The mapping is the core's
/// ([`IdempotencyKey`]); this only picks the constructor for the Python type.
fn key_from(obj: &Bound<'_, PyAny>) -> PyResult<u128> {
    let key = if let Ok(s) = obj.cast::<PyString>() {
        IdempotencyKey::from_str(s.to_str()?)
    } else if let Ok(b) = obj.cast::<PyBytes>() {
        IdempotencyKey::from_bytes(b.as_bytes())
    } else if obj.is_instance(UUID_TYPE.import(obj.py(), "uuid", "UUID")?)? {
        IdempotencyKey::from_uuid_bytes(obj.getattr("bytes")?.extract()?)
    } else if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
        let n = obj
            .extract::<u128>()
            .map_err(|_| PyValueError::new_err(format!("key must be 0 <= key < 2**128, got {obj}")))?;
        IdempotencyKey::from_u128(n)
    } else {
        return Err(PyTypeError::new_err(format!(
            "key must be an int, uuid.UUID, str or bytes, got {}",
            obj.get_type().name()?
        )));
    };
    Ok(key.get())
}

static UUID_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

#[derive(Debug)]
struct Inner {
    broker: RBroker,
    /// Stamps commands whose `ts` was omitted (host state, not Broker state).
    clock: HostClock,
}

impl Inner {
    fn new(broker: RBroker) -> Self {
        Inner { broker, clock: HostClock::new() }
    }

    fn apply(&mut self, cmd: &BCmd, wall_ns: u64, out: &mut Vec<BrokerEvent>) -> Result<(), BindError> {
        let c = resolve(&self.broker, cmd, &mut self.clock, wall_ns)?;
        self.broker.apply(&c, out).map_err(broker_err)
    }
}

/// The Broker: pre-trade risk, a ledger hold per order, matching, and linked
/// settlement per fill, as one deterministic state machine.
#[pyclass(frozen, module = "brokerx._native")]
#[derive(Debug)]
pub struct Broker {
    inner: Mutex<Inner>,
}

impl Broker {
    fn lock<'a>(&'a self, py: Python<'_>) -> MutexGuard<'a, Inner> {
        loop {
            match self.inner.try_lock() {
                Ok(g) => return g,
                Err(TryLockError::Poisoned(p)) => return p.into_inner(),
                Err(TryLockError::WouldBlock) => py.detach(|| drop(self.inner.lock())),
            }
        }
    }

    fn run<'py>(&self, py: Python<'py>, cmd: BCmd) -> PyResult<Bound<'py, PyList>> {
        let mut out = Vec::with_capacity(16);
        let wall = if cmd.ts.is_none() { wall_ns(py)? } else { 0 };
        let (res, scales, assets) = {
            let mut g = self.lock(py);
            let res = g.apply(&cmd, wall, &mut out);
            let scales = Scales::of(&g.broker);
            let mut assets: Vec<(u32, u8)> = Vec::new();
            for e in &out {
                for a in assets_of(&e.kind) {
                    if !assets.iter().any(|(id, _)| *id == a.0) {
                        assets.push((a.0, scales.asset_scale(&g.broker, a)));
                    }
                }
            }
            (res, scales, assets)
        };
        res.map_err(|e| e.into_pyerr(py))?;
        let items = out.iter().map(|e| broker_event_to_py(py, e, &scales, &assets)).collect::<PyResult<Vec<_>>>()?;
        let refusal = out.iter().zip(&items).find_map(|(e, obj)| match e.kind {
            BrokerEventKind::FundsMoved { direction, account, asset, status, .. } if status != TransferStatus::Ok => {
                Some((direction, account, asset, status, obj.clone()))
            }
            _ => None,
        });
        let list = PyList::new(py, items)?;
        match refusal {
            None => Ok(list),
            // A refused deposit or withdrawal is journaled (it has its seq and its
            // key now answers the same way): raise, carrying the event.
            Some((direction, account, asset, status, event)) => {
                let what = match direction {
                    FundsDirection::Deposit => "deposit",
                    FundsDirection::Withdrawal => "withdrawal",
                };
                let amount = event.getattr("amount")?;
                let message = format!(
                    "{what} of {amount} (asset {}) for account {} refused: {}",
                    asset.0,
                    account.0,
                    status.code()
                );
                let err = transfer_error(py, status, message);
                err.value(py).setattr(pyo3::intern!(py, "event"), event)?;
                err.value(py).setattr(pyo3::intern!(py, "events"), list)?;
                Err(err)
            }
        }
    }

    fn order_cmd(ts: Option<&Bound<'_, PyAny>>, correlation_id: u64, kind: Pending) -> PyResult<BCmd> {
        let ts = to_ts_opt(ts, "ts")?;
        Ok(BCmd { ts, correlation_id, kind: BPending::Order(PendingCmd { ts, correlation_id, kind }) })
    }

    fn cmd(ts: Option<&Bound<'_, PyAny>>, correlation_id: u64, kind: BPending) -> PyResult<BCmd> {
        Ok(BCmd { ts: to_ts_opt(ts, "ts")?, correlation_id, kind })
    }
}

fn assets_of(k: &BrokerEventKind) -> Vec<AssetId> {
    match k {
        BrokerEventKind::Posting(p) => vec![p.debit.asset],
        BrokerEventKind::FundsMoved { asset, .. } => vec![*asset],
        _ => Vec::new(),
    }
}

#[pymethods]
impl Broker {
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
        let engine = EngineConfig {
            max_orders: max_orders.unwrap_or(d.max_orders),
            max_levels_per_side: max_levels_per_side.unwrap_or(d.max_levels_per_side),
            max_instruments: max_instruments.unwrap_or(d.max_instruments),
            market_data,
            max_triggers_per_command: max_triggers_per_command.unwrap_or(d.max_triggers_per_command),
        };
        Broker { inner: Mutex::new(Inner::new(RBroker::new(BrokerConfig { engine, ..BrokerConfig::default() }))) }
    }

    /// Creates a ledger asset (`scale` decimal places) with its escrow, fee and
    /// external accounts. `wallet_max_balance` refuses deposits that would take a
    /// client's wallet past it (trade proceeds always settle).
    #[pyo3(signature = (asset, code, scale, *, wallet_max_balance=None, ts=None, correlation_id=0))]
    #[allow(clippy::too_many_arguments)]
    fn create_asset<'py>(
        &self,
        py: Python<'py>,
        asset: u32,
        code: &str,
        scale: u8,
        wallet_max_balance: Option<&Bound<'py, PyAny>>,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        let kind = BPending::CreateAsset {
            asset,
            code: code.to_owned(),
            scale,
            wallet_max_balance: to_decimal_opt(wallet_max_balance, Kind::Qty, "wallet_max_balance")?,
        };
        self.run(py, Broker::cmd(ts, correlation_id, kind)?)
    }

    /// Registers a market: an instrument trading `base` against `quote`.
    #[pyo3(signature = (symbol, tick_size, lot_size, base, quote, *, min_qty=None, max_qty=None, risk=None, ts=None, correlation_id=0))]
    #[allow(clippy::too_many_arguments)]
    fn register_market<'py>(
        &self,
        py: Python<'py>,
        symbol: &str,
        tick_size: &Bound<'py, PyAny>,
        lot_size: &Bound<'py, PyAny>,
        base: u32,
        quote: u32,
        min_qty: Option<&Bound<'py, PyAny>>,
        max_qty: Option<&Bound<'py, PyAny>>,
        risk: Option<&Bound<'py, InstrumentRisk>>,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        let spec = InstrumentSpec::new(
            symbol,
            to_decimal(tick_size, Kind::Price, "tick_size")?,
            to_decimal(lot_size, Kind::Qty, "lot_size")?,
        );
        let risk = match risk {
            Some(r) => r.get().clone(),
            None => InstrumentRisk::new("active", None, None, Some(1_000), None, true, 0, 0)?,
        };
        let kind = BPending::RegisterMarket {
            spec,
            min_qty: to_decimal_opt(min_qty, Kind::Qty, "min_qty")?,
            max_qty: to_decimal_opt(max_qty, Kind::Qty, "max_qty")?,
            base,
            quote,
            risk,
        };
        self.run(py, Broker::cmd(ts, correlation_id, kind)?)
    }

    /// Credits `amount` (asset units) to the account's wallet, idempotent by `key`
    /// (int, uuid.UUID, or str such as an Idempotency-Key header). A repeat with
    /// the same payload is `FundsMoved(replayed=True)`; a different payload raises
    /// `IdempotencyConflict`.
    #[pyo3(signature = (account, asset, amount, key, *, ts=None, correlation_id=0))]
    #[allow(clippy::too_many_arguments)]
    fn deposit<'py>(
        &self,
        py: Python<'py>,
        account: u64,
        asset: u32,
        amount: &Bound<'py, PyAny>,
        key: &Bound<'py, PyAny>,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        let kind = BPending::Funds {
            deposit: true,
            account,
            asset,
            amount: to_decimal(amount, Kind::Qty, "amount")?,
            key: key_from(key)?,
        };
        self.run(py, Broker::cmd(ts, correlation_id, kind)?)
    }

    /// Debits `amount` from the wallet (refused as an event if not available).
    #[pyo3(signature = (account, asset, amount, key, *, ts=None, correlation_id=0))]
    #[allow(clippy::too_many_arguments)]
    fn withdraw<'py>(
        &self,
        py: Python<'py>,
        account: u64,
        asset: u32,
        amount: &Bound<'py, PyAny>,
        key: &Bound<'py, PyAny>,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        let kind = BPending::Funds {
            deposit: false,
            account,
            asset,
            amount: to_decimal(amount, Kind::Qty, "amount")?,
            key: key_from(key)?,
        };
        self.run(py, Broker::cmd(ts, correlation_id, kind)?)
    }

    /// As `Engine.place` (a `trigger` makes it a stop, an `amount` an order by
    /// quote amount), after risk checks and a funds hold (a stop is held when
    /// accepted, a buy by amount holds its amount plus the fee: see
    /// docs/broker.md, "Stops" and "Orders by amount").
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
        self.run(py, Broker::order_cmd(ts, correlation_id, kind)?)
    }

    /// Cancels a live order of the account and releases its hold.
    #[pyo3(signature = (account, order_id, *, ts=None, correlation_id=0))]
    fn cancel<'py>(
        &self,
        py: Python<'py>,
        account: u64,
        order_id: u64,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        self.run(py, Broker::order_cmd(ts, correlation_id, Pending::Cancel { account, order_id })?)
    }

    /// As `Engine.amend` (`trigger` for a waiting stop), after risk checks; the
    /// hold is resized to the new price and quantity.
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
        let kind = amend_pending(account, order_id, price, qty, trigger, display, expected_version)?;
        self.run(py, Broker::order_cmd(ts, correlation_id, kind)?)
    }

    /// Cancels every live order of an account and/or instrument, releasing their holds.
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
        self.run(py, Broker::order_cmd(ts, correlation_id, Pending::MassCancel { account, instrument })?)
    }

    /// Opens, halts or closes an instrument (optionally cancelling its resting orders).
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
        let kind = Pending::SetStatus {
            instrument: InstrRef::from_py(instrument)?,
            status: status_from(status)?,
            cancel_resting,
        };
        self.run(py, Broker::order_cmd(ts, correlation_id, kind)?)
    }

    /// Replaces an instrument's risk settings. New fee rates apply to orders
    /// accepted from now on; live orders keep the rates they were accepted with.
    #[pyo3(signature = (instrument, risk, *, ts=None, correlation_id=0))]
    fn set_instrument_risk<'py>(
        &self,
        py: Python<'py>,
        instrument: &Bound<'py, PyAny>,
        risk: &Bound<'py, InstrumentRisk>,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        let kind = BPending::SetRisk { instrument: InstrRef::from_py(instrument)?, risk: risk.get().clone() };
        self.run(py, Broker::cmd(ts, correlation_id, kind)?)
    }

    /// Per-account limits: `max_order_qty` in lots, `max_order_notional` in
    /// quote minor units, `throttle=(max_commands, window_ns)`.
    #[pyo3(signature = (account, *, max_order_qty=None, max_order_notional=None, max_open_orders=None, throttle=None, ts=None, correlation_id=0))]
    #[allow(clippy::too_many_arguments)]
    fn set_account_limits<'py>(
        &self,
        py: Python<'py>,
        account: u64,
        max_order_qty: Option<i64>,
        max_order_notional: Option<u128>,
        max_open_orders: Option<u32>,
        throttle: Option<(u32, u64)>,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        let limits = RAccountLimits {
            max_order_qty: max_order_qty.map(Lots),
            max_order_notional: max_order_notional.map(brokerx_ledger::Amount::from_minor),
            max_open_orders,
            throttle: throttle.map(|(max_commands, window_ns)| Throttle { max_commands, window_ns }),
        };
        self.run(py, Broker::cmd(ts, correlation_id, BPending::SetLimits { account, limits })?)
    }

    /// The kill switch: disabling refuses new orders and cancels every open order.
    #[pyo3(signature = (account, enabled, *, ts=None, correlation_id=0))]
    fn set_account_enabled<'py>(
        &self,
        py: Python<'py>,
        account: u64,
        enabled: bool,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        self.run(py, Broker::cmd(ts, correlation_id, BPending::SetEnabled { account, enabled })?)
    }

    /// Forbids (or allows again) an account to trade an instrument.
    #[pyo3(signature = (account, instrument, restricted=true, *, ts=None, correlation_id=0))]
    fn restrict_instrument<'py>(
        &self,
        py: Python<'py>,
        account: u64,
        instrument: &Bound<'py, PyAny>,
        restricted: bool,
        ts: Option<&Bound<'py, PyAny>>,
        correlation_id: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        let kind = BPending::Restrict { account, instrument: InstrRef::from_py(instrument)?, restricted };
        self.run(py, Broker::cmd(ts, correlation_id, kind)?)
    }

    /// Applies order command objects (`Place`, `Cancel`, `Amend`, `MassCancel`,
    /// `SetTradingStatus`, `ExpireDue`) in order; from 256 commands with the GIL
    /// released. Returns `(events, errors)`: a failing command is reported as
    /// `(index, exception)` and changed nothing.
    #[allow(clippy::type_complexity)]
    fn submit_many<'py>(
        &self,
        py: Python<'py>,
        commands: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>)> {
        let objs: Vec<Bound<'_, PyAny>> = commands.try_iter()?.collect::<PyResult<_>>()?;
        let cmds: Vec<&PendingCmd> = objs.iter().map(pending_ref).collect::<PyResult<_>>()?;
        let wall = if cmds.iter().any(|c| c.ts.is_none()) { wall_ns(py)? } else { 0 };
        let work = |g: &mut Inner| {
            let mut out = Vec::with_capacity(cmds.len() * 4);
            let mut errors = Vec::new();
            for (i, c) in cmds.iter().enumerate() {
                let cmd = BCmd { ts: c.ts, correlation_id: c.correlation_id, kind: BPending::Order((*c).clone()) };
                if let Err(e) = g.apply(&cmd, wall, &mut out) {
                    errors.push((i, e));
                }
            }
            let scales = Scales::of(&g.broker);
            let mut assets: Vec<(u32, u8)> = Vec::new();
            for e in &out {
                for a in assets_of(&e.kind) {
                    if !assets.iter().any(|(id, _)| *id == a.0) {
                        assets.push((a.0, scales.asset_scale(&g.broker, a)));
                    }
                }
            }
            (out, errors, scales, assets)
        };
        let (out, errors, scales, assets) = if cmds.len() >= 256 {
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
        let events = out.iter().map(|e| broker_event_to_py(py, e, &scales, &assets)).collect::<PyResult<Vec<_>>>()?;
        let errors = errors.into_iter().map(|(i, e)| (i, e.into_pyerr(py).into_value(py))).collect::<Vec<_>>();
        Ok((PyList::new(py, events)?, PyList::new(py, errors)?))
    }

    /// Expires due GTD orders (releasing their holds).
    fn on_time<'py>(&self, py: Python<'py>, now: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let ts = Some(to_ts_named(now, "now")?);
        let cmd = BCmd {
            ts,
            correlation_id: 0,
            kind: BPending::Order(PendingCmd { ts, correlation_id: 0, kind: Pending::ExpireDue }),
        };
        self.run(py, cmd)
    }

    /// When `on_time` is due next (the earliest GTD expiry, ns), or None.
    fn next_deadline(&self, py: Python<'_>) -> Option<u64> {
        self.lock(py).broker.next_deadline().map(|t| t.0)
    }

    /// The Broker's current time (ns): the latest command's timestamp.
    #[getter]
    fn now(&self, py: Python<'_>) -> u64 {
        self.lock(py).broker.now().0
    }

    /// The sequence number of the last event (0 before any).
    #[getter]
    fn last_seq(&self, py: Python<'_>) -> u64 {
        self.lock(py).broker.last_seq()
    }

    /// What the account may still spend or sell (posted minus holds), in asset units.
    fn available(&self, py: Python<'_>, account: u64, asset: u32) -> PyResult<Py<PyAny>> {
        let (v, scale) = {
            let g = self.lock(py);
            (
                g.broker.available(AccountId(account), AssetId(asset)).minor(),
                g.broker.ledger().asset(AssetId(asset)).map(|a| a.scale),
            )
        };
        self.amount(py, v, scale)
    }

    /// The wallet's posted balance (holds not subtracted), in asset units.
    fn balance(&self, py: Python<'_>, account: u64, asset: u32) -> PyResult<Py<PyAny>> {
        let (v, scale) = {
            let g = self.lock(py);
            (
                g.broker.balance(AccountId(account), AssetId(asset)).minor(),
                g.broker.ledger().asset(AssetId(asset)).map(|a| a.scale),
            )
        };
        self.amount(py, v, scale)
    }

    /// The hold behind a live order: `(transfer_id, amount in the held asset)`.
    fn hold_of(&self, py: Python<'_>, order_id: u64) -> PyResult<Option<(u128, Py<PyAny>)>> {
        let (h, scale) = {
            let g = self.lock(py);
            let h = g.broker.hold_of(OrderId(order_id));
            let scale = h
                .and_then(|(id, _)| g.broker.ledger().hold(id))
                .and_then(|v| g.broker.ledger().asset(v.debit_account.asset))
                .map(|a| a.scale);
            (h, scale)
        };
        match h {
            Some((id, amount)) => Ok(Some((id.0, self.amount(py, amount.minor(), scale)?))),
            None => Ok(None),
        }
    }

    /// Best bid and ask as `(bid, ask)`, each a `Level` or None.
    fn bbo(&self, py: Python<'_>, instrument: &Bound<'_, PyAny>) -> PyResult<(Option<Level>, Option<Level>)> {
        let r = InstrRef::from_py(instrument)?;
        let g = self.lock(py);
        let inst = r.resolve(g.broker.engine()).map_err(|e| e.into_pyerr(py))?;
        let scale = Scale { tick: inst.spec.tick_size, lot: inst.spec.lot_size };
        let b = g.broker.engine().bbo(inst.id).unwrap_or_default();
        Ok((b.bid.map(|l| Level::new(l, scale)), b.ask.map(|l| Level::new(l, scale))))
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
        let side = crate::convert::side_from(side)?;
        let r = InstrRef::from_py(instrument)?;
        let g = self.lock(py);
        let inst = r.resolve(g.broker.engine()).map_err(|e| e.into_pyerr(py))?;
        let scale = Scale { tick: inst.spec.tick_size, lot: inst.spec.lot_size };
        Ok(g.broker.engine().depth(inst.id, side).take(levels).map(|l| Level::new(l, scale)).collect())
    }

    /// The waiting stops of one side, in the order they would fire.
    fn stops(&self, py: Python<'_>, instrument: &Bound<'_, PyAny>, side: &str) -> PyResult<Vec<Order>> {
        let side = crate::convert::side_from(side)?;
        let r = InstrRef::from_py(instrument)?;
        let g = self.lock(py);
        let inst = r.resolve(g.broker.engine()).map_err(|e| e.into_pyerr(py))?;
        let scale = Scale { tick: inst.spec.tick_size, lot: inst.spec.lot_size };
        Ok(g.broker.engine().stops(inst.id, side).map(|v| Order::new(v, scale)).collect())
    }

    /// The price of the market's last trade (`Decimal`; what stops trigger on),
    /// or None before its first trade.
    fn last_price<'py>(&self, py: Python<'py>, instrument: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let r = InstrRef::from_py(instrument)?;
        let g = self.lock(py);
        let last = r.resolve(g.broker.engine()).map(|inst| {
            let scale = Scale { tick: inst.spec.tick_size, lot: inst.spec.lot_size };
            g.broker.engine().last_price(inst.id).map(|t| scale.price(t))
        });
        drop(g);
        match last {
            Ok(Some(d)) => decimal_to_py(py, d).map(Some),
            Ok(None) => Ok(None),
            Err(e) => Err(e.into_pyerr(py)),
        }
    }

    /// A live order (a waiting stop included), or None once it is filled, cancelled or expired.
    fn order(&self, py: Python<'_>, order_id: u64) -> Option<Order> {
        let g = self.lock(py);
        let v = g.broker.engine().order(OrderId(order_id))?;
        let i = g.broker.engine().instrument(v.instrument)?;
        Some(Order::new(v, Scale { tick: i.spec.tick_size, lot: i.spec.lot_size }))
    }

    /// A market's instrument by id or symbol.
    fn instrument(&self, py: Python<'_>, instrument: &Bound<'_, PyAny>) -> PyResult<crate::engine::Instrument> {
        let r = InstrRef::from_py(instrument)?;
        let g = self.lock(py);
        let res = r.resolve(g.broker.engine()).map(|i| crate::engine::Instrument::new(i.clone()));
        drop(g);
        res.map_err(|e| e.into_pyerr(py))
    }

    /// A hash of the whole Broker state: equal for equal command logs.
    fn state_hash(&self, py: Python<'_>) -> u64 {
        self.lock(py).broker.state_hash()
    }

    /// Walks the whole state (books, holds, ledger); raises `InvariantViolation` on a bug.
    fn check_invariants(&self, py: Python<'_>) -> PyResult<()> {
        let r = self.lock(py).broker.check_invariants();
        r.map_err(|why| new_error(py, "invariant_violated", why))
    }

    /// The whole state as bytes, for `Broker.restore` (also what pickling uses).
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let snap = self.lock(py).broker.snapshot();
        let bytes = serde_json::to_vec(&snap).map_err(|e| new_error(py, "snapshot_undecodable", e.to_string()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A Broker from `snapshot()` bytes, indistinguishable from the original.
    #[classmethod]
    fn restore(_cls: &Bound<'_, PyType>, py: Python<'_>, data: &[u8]) -> PyResult<Broker> {
        let snap: BrokerSnapshot = serde_json::from_slice(data)
            .map_err(|e| new_error(py, "snapshot_undecodable", format!("snapshot bytes do not decode: {e}")))?;
        let b = RBroker::restore(&snap).map_err(|e| broker_err(e).into_pyerr(py))?;
        Ok(Broker { inner: Mutex::new(Inner::new(b)) })
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let restore = slf.get_type().getattr("restore")?;
        Ok((restore, (slf.get().snapshot(py)?,)))
    }
}

impl Broker {
    fn amount(&self, py: Python<'_>, minor: u128, scale: Option<u8>) -> PyResult<Py<PyAny>> {
        let scale = scale.ok_or_else(|| new_error(py, "unknown_asset", "unknown asset".to_owned()))?;
        let d = money(i128::try_from(minor).unwrap_or(i128::MAX), scale)
            .ok_or_else(|| new_error(py, "amount_overflow", format!("{minor} minor units do not fit a Decimal")))?;
        Ok(decimal_to_py(py, d)?.unbind())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The Broker's reserved ledger owner ids (its own books, not clients).
    m.add("EXTERNAL_OWNER", brokerx_engine::broker::EXTERNAL_OWNER)?;
    m.add("FEES_OWNER", brokerx_engine::broker::FEES_OWNER)?;
    m.add("ESCROW_OWNER", brokerx_engine::broker::ESCROW_OWNER)?;
    m.add("RESERVED_OWNERS_FROM", brokerx_engine::broker::RESERVED_OWNERS_FROM)?;
    m.add_class::<Broker>()?;
    m.add_class::<InstrumentRisk>()?;
    m.add_class::<Posting>()?;
    m.add_class::<RiskRejected>()?;
    m.add_class::<FundsMoved>()?;
    m.add_class::<AssetCreated>()?;
    m.add_class::<MarketRegistered>()?;
    m.add_class::<InstrumentRiskChanged>()?;
    m.add_class::<AccountLimitsChanged>()?;
    m.add_class::<AccountEnabledChanged>()?;
    m.add_class::<RestrictionChanged>()?;
    m.add_class::<SettlementFailed>()?;
    Ok(())
}
