//! `brokerx.SagaRegistry`: the order and deposit sagas (`brokerx_engine::saga`)
//! for deployments where ledger and engine are separate services.
//!
//! Conversions only. Sagas work in integer units (lots, ticks, minor units) and
//! 128-bit ids, so values cross as Python `int`s; the engine's client order id
//! (`order`) crosses as its `str`. An input is named in snake_case
//! with its fields as keyword arguments (`advance(now, 7, "fill", order=…,
//! trade=…, qty=…, price=…, aggressor="sell")`); actions come back as plain dicts in the crate's
//! JSON form (`{"Send": {"saga": 7, "idempotency_id": …, "kind": {"ReserveFunds":
//! {…}}}}`, `{"ScheduleTimer": …}`, `{"Complete": …}`), ready for an outbox table.

use std::sync::{Mutex, MutexGuard, TryLockError};

use brokerx_engine::risk::UnitScale;
use brokerx_engine::saga::{
    AccountId, Action, Amount, DepositSpec, InstrumentId, Lots, OrderSpec, Saga, SagaConfig, SagaError, SagaId,
    SagaInput, SagaRegistry as RRegistry, Side, Ticks, Timestamp,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyType};

use crate::convert::to_ts;
use crate::errors::new_error;

fn saga_err(py: Python<'_>, e: &SagaError) -> PyErr {
    new_error(py, e.code(), e.to_string())
}

/// A Python int of minor units as an [`Amount`]; a negative one is the saga's
/// `invalid_value`, as the core would call it (an amount is never negative).
fn minor_amount(py: Python<'_>, field: &'static str, minor_units: i128) -> PyResult<Amount> {
    u128::try_from(minor_units)
        .map(Amount::from_minor)
        .map_err(|_| saga_err(py, &SagaError::InvalidValue { field, value: minor_units }))
}

/// Actions as Python objects, through their JSON form (keeps 128-bit ids exact).
fn actions_to_py<'py>(py: Python<'py>, actions: &[Action]) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(actions).map_err(|e| new_error(py, "invalid_value", e.to_string()))?;
    py.import("json")?.call_method1("loads", (text,))
}

/// `"funds_reserved"` → `"FundsReserved"`.
fn variant_name(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The order and deposit sagas of one process, by saga id, with their deadlines.
#[pyclass(frozen, module = "brokerx._native")]
#[derive(Debug)]
pub struct SagaRegistry {
    inner: Mutex<RRegistry>,
}

impl SagaRegistry {
    fn lock<'a>(&'a self, py: Python<'_>) -> MutexGuard<'a, RRegistry> {
        loop {
            match self.inner.try_lock() {
                Ok(g) => return g,
                Err(TryLockError::Poisoned(p)) => return p.into_inner(),
                Err(TryLockError::WouldBlock) => py.detach(|| drop(self.inner.lock())),
            }
        }
    }

    fn run<'py>(
        &self,
        py: Python<'py>,
        f: impl FnOnce(&mut RRegistry, &mut Vec<Action>) -> Result<(), SagaError>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut out = Vec::new();
        let r = {
            let mut g = self.lock(py);
            f(&mut g, &mut out)
        };
        r.map_err(|e| saga_err(py, &e))?;
        actions_to_py(py, &out)
    }
}

#[pymethods]
impl SagaRegistry {
    /// Retry policy: the wait after the n-th delivery is
    /// `min(reply_timeout_ns × backoff_factor^n, backoff_max_ns)`.
    #[new]
    #[pyo3(signature = (*, reply_timeout_ns=None, backoff_factor=None, backoff_max_ns=None, forward_deliveries_max=None, sagas_max=None, escalate_after_deliveries=None))]
    fn new(
        reply_timeout_ns: Option<u64>,
        backoff_factor: Option<u32>,
        backoff_max_ns: Option<u64>,
        forward_deliveries_max: Option<u32>,
        sagas_max: Option<usize>,
        escalate_after_deliveries: Option<u32>,
    ) -> Self {
        let d = SagaConfig::default();
        let config = SagaConfig {
            reply_timeout_ns: reply_timeout_ns.unwrap_or(d.reply_timeout_ns),
            backoff_factor: backoff_factor.unwrap_or(d.backoff_factor),
            backoff_max_ns: backoff_max_ns.unwrap_or(d.backoff_max_ns),
            forward_deliveries_max: forward_deliveries_max.unwrap_or(d.forward_deliveries_max),
            sagas_max: sagas_max.unwrap_or(d.sagas_max),
            escalate_after_deliveries: escalate_after_deliveries.unwrap_or(d.escalate_after_deliveries),
        };
        SagaRegistry { inner: Mutex::new(RRegistry::new(config)) }
    }

    /// Starts an order saga: reserve the hold the Broker would (minor units:
    /// a buy's notional at `limit_price` plus the larger fee, a sell's base
    /// units; `base_per_lot` and `quote_per_tick_lot` are the market's scale)
    /// → place `qty` lots at `limit_price` ticks → settle each fill → release the rest.
    #[pyo3(signature = (now, saga_id, *, account, instrument, side, qty, limit_price, good_till, base_per_lot=1, quote_per_tick_lot=1, maker_fee_bps=0, taker_fee_bps=0))]
    #[allow(clippy::too_many_arguments)]
    fn start_order<'py>(
        &self,
        py: Python<'py>,
        now: &Bound<'py, PyAny>,
        saga_id: u64,
        account: u64,
        instrument: u32,
        side: &str,
        qty: i64,
        limit_price: i64,
        good_till: &Bound<'py, PyAny>,
        base_per_lot: u128,
        quote_per_tick_lot: u128,
        maker_fee_bps: u32,
        taker_fee_bps: u32,
    ) -> PyResult<Bound<'py, PyAny>> {
        let now = Timestamp(to_ts(now)?);
        let side = match side {
            "buy" => Side::Buy,
            "sell" => Side::Sell,
            other => return Err(PyValueError::new_err(format!("side must be 'buy' or 'sell', got {other:?}"))),
        };
        let spec = OrderSpec {
            account: AccountId(account),
            instrument: InstrumentId(instrument),
            side,
            qty: Lots(qty),
            limit_price: Ticks(limit_price),
            scale: UnitScale { base_per_lot, quote_per_tick_lot },
            maker_fee_bps,
            taker_fee_bps,
            good_till: Timestamp(to_ts(good_till)?),
            trigger: None,
        };
        self.run(py, |r, out| r.start_order(now, SagaId(saga_id), spec, out))
    }

    /// Starts a deposit saga: request payment of `amount` (minor units) → credit.
    #[pyo3(signature = (now, saga_id, *, account, amount))]
    fn start_deposit<'py>(
        &self,
        py: Python<'py>,
        now: &Bound<'py, PyAny>,
        saga_id: u64,
        account: u64,
        amount: i128,
    ) -> PyResult<Bound<'py, PyAny>> {
        let now = Timestamp(to_ts(now)?);
        let spec = DepositSpec { account: AccountId(account), amount: minor_amount(py, "amount", amount)? };
        self.run(py, |r, out| r.start_deposit(now, SagaId(saga_id), spec, out))
    }

    /// Feeds one reply or timer to a saga: `input` is the snake_case input name
    /// (`funds_reserved`, `fill`, `order_cancelled`, `payment_confirmed`,
    /// `timer`, …) and `fields` its fields. Returns the actions to perform.
    #[pyo3(signature = (now, saga_id, input, **fields))]
    fn advance<'py>(
        &self,
        py: Python<'py>,
        now: &Bound<'py, PyAny>,
        saga_id: u64,
        input: &str,
        fields: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let now = Timestamp(to_ts(now)?);
        let kind = match self.lock(py).get(SagaId(saga_id)) {
            Some(Saga::Order(_)) => "Order",
            Some(Saga::Deposit(_)) => "Deposit",
            None => return Err(saga_err(py, &SagaError::UnknownSaga { saga: saga_id })),
        };
        // Built as JSON text so 128-bit ids stay exact on the way to serde.
        let variant = variant_name(input);
        let wrapped = PyDict::new(py);
        match fields {
            Some(f) if !f.is_empty() => {
                let f = f.copy()?;
                // A fill's `aggressor` as the rest of the binding spells a side.
                if let Some(a) = f.get_item("aggressor")? {
                    match a.extract::<&str>() {
                        Ok("buy") => f.set_item("aggressor", "Buy")?,
                        Ok("sell") => f.set_item("aggressor", "Sell")?,
                        _ => {}
                    }
                }
                let inner = PyDict::new(py);
                inner.set_item(&variant, f)?;
                wrapped.set_item(kind, inner)?;
            }
            _ => wrapped.set_item(kind, &variant)?,
        }
        let text: String = py.import("json")?.call_method1("dumps", (wrapped,))?.extract()?;
        let parsed: SagaInput = serde_json::from_str(&text).map_err(|e| {
            new_error(py, "unexpected_input", format!("input {input:?} does not fit a {kind} saga: {e}"))
        })?;
        self.run(py, |r, out| r.advance(now, SagaId(saga_id), parsed, out))
    }

    /// Fires every due deadline (redeliveries, good-till cancels); returns the actions.
    fn on_time<'py>(&self, py: Python<'py>, now: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let now = Timestamp(to_ts(now)?);
        self.run(py, |r, out| {
            r.on_time(now, out);
            Ok(())
        })
    }

    /// When `on_time` should next be called (ns), or None.
    fn next_deadline(&self, py: Python<'_>) -> Option<u64> {
        self.lock(py).next_deadline().map(|t| t.0)
    }

    /// `(state name, finished)` of a saga, or None if unknown.
    fn state(&self, py: Python<'_>, saga_id: u64) -> Option<(&'static str, bool)> {
        self.lock(py).get(SagaId(saga_id)).map(|s| (s.state_name(), s.is_finished()))
    }

    /// Ids of sagas whose deadline is more than `overdue_ns` in the past.
    fn overdue(&self, py: Python<'_>, now: &Bound<'_, PyAny>, overdue_ns: u64) -> PyResult<Vec<u64>> {
        let now = Timestamp(to_ts(now)?);
        Ok(self.lock(py).overdue(now, overdue_ns).into_iter().map(|s| s.0).collect())
    }

    /// Live sagas handed to an operator, as `(saga_id, deliveries)` sorted by id:
    /// a command of theirs went `escalate_after_deliveries` times unanswered.
    fn stuck(&self, py: Python<'_>) -> Vec<(u64, u32)> {
        self.lock(py).stuck().into_iter().map(|(id, n)| (id.0, n)).collect()
    }

    /// Removes a finished saga.
    fn remove_finished(&self, py: Python<'_>, saga_id: u64) -> PyResult<()> {
        let r = self.lock(py).remove_finished(SagaId(saga_id)).map(|_| ());
        r.map_err(|e| saga_err(py, &e))
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        self.lock(py).len()
    }

    /// Sagas not yet finished.
    #[getter]
    fn live(&self, py: Python<'_>) -> usize {
        self.lock(py).live()
    }

    /// Walks every saga; raises `InvariantViolation` on an inconsistency (a bug).
    fn check_invariants(&self, py: Python<'_>) -> PyResult<()> {
        let r = self.lock(py).check_invariants();
        r.map_err(|why| new_error(py, "invariant_violated", why))
    }

    /// Every saga (sorted by id) and the config as JSON bytes.
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes =
            serde_json::to_vec(&*self.lock(py)).map_err(|e| new_error(py, "snapshot_undecodable", e.to_string()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A registry from `snapshot()` bytes.
    #[classmethod]
    fn restore(_cls: &Bound<'_, PyType>, py: Python<'_>, data: &[u8]) -> PyResult<SagaRegistry> {
        let r: RRegistry = serde_json::from_slice(data)
            .map_err(|e| new_error(py, "snapshot_undecodable", format!("saga snapshot does not decode: {e}")))?;
        Ok(SagaRegistry { inner: Mutex::new(r) })
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let restore = slf.get_type().getattr("restore")?;
        Ok((restore, (slf.get().snapshot(py)?,)))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SagaRegistry>()?;
    Ok(())
}
