//! Strict conversions between Python values and the engine's boundary types.
//!
//! Money is never a float: prices, quantities and amounts accept `decimal.Decimal`,
//! `str` or (exact) `int`; `float` and `bool` are refused with `TypeError`. NaN,
//! Infinity and unparsable text raise `InvalidDecimal`. Nothing is ever rounded:
//! a value that does not fit `rust_decimal` exactly is refused with the engine's
//! own code (`off_tick`/`off_lot` for too many decimals, `*_out_of_range` for too
//! many digits). Out, values are `decimal.Decimal` built from the exact string.

use std::str::FromStr;

use brokerx_engine::{ClientOrderId, SelfTradePrevention, Side, TimeInForce, TradingStatus};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyModule, PyString, PyType};
use rust_decimal::Decimal;

use crate::errors::{new_error, BindError};

static DECIMAL_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static EPOCH: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DATETIME_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

pub fn decimal_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL_TYPE.import(py, "decimal", "Decimal")
}

/// What a decimal is, so a refusal carries the right code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Price,
    Qty,
    /// An order's quote amount (tick·lots in the core).
    Amount,
}

impl Kind {
    fn off_grid(self) -> &'static str {
        match self {
            Kind::Price => "off_tick",
            Kind::Qty => "off_lot",
            Kind::Amount => "amount_off_grid",
        }
    }
    fn out_of_range(self) -> &'static str {
        match self {
            Kind::Price => "price_out_of_range",
            Kind::Qty => "quantity_out_of_range",
            Kind::Amount => "amount_out_of_range",
        }
    }
}

/// `decimal.Decimal`, `str` or `int` → `rust_decimal::Decimal`, exactly. `name`
/// is the Python argument, named in a `TypeError`.
pub fn to_decimal(obj: &Bound<'_, PyAny>, kind: Kind, name: &str) -> PyResult<Decimal> {
    let py = obj.py();
    if let Ok(s) = obj.cast_exact::<PyString>() {
        return parse_decimal(s.to_str()?, kind).map_err(|e| e.into_pyerr(py));
    }
    let dec = decimal_type(py)?;
    if obj.is_exact_instance(dec) || obj.is_instance(dec)? {
        let s = obj.str()?;
        return parse_decimal(s.to_str()?, kind).map_err(|e| e.into_pyerr(py));
    }
    if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "argument '{name}': bool is not a decimal; pass decimal.Decimal or str"
        )));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Err(PyTypeError::new_err(format!(
            "argument '{name}': float is refused: money is never a float; pass decimal.Decimal or str"
        )));
    }
    if obj.is_instance_of::<PyInt>() {
        return match obj.extract::<i64>() {
            Ok(n) => Ok(Decimal::from(n)),
            Err(_) => Err(new_error(py, kind.out_of_range(), format!("{} is outside the engine's range", obj.str()?))),
        };
    }
    Err(PyTypeError::new_err(format!(
        "argument '{name}': expected decimal.Decimal, str or int, got {}",
        obj.get_type().name()?
    )))
}

/// Optional variant: `None` stays `None`.
pub fn to_decimal_opt(obj: Option<&Bound<'_, PyAny>>, kind: Kind, name: &str) -> PyResult<Option<Decimal>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => to_decimal(o, kind, name).map(Some),
    }
}

/// Parses decimal text exactly. Accepts what `str(decimal.Decimal)` prints,
/// including exponents (`1E+3`, `5E-7`) and `-0`.
pub fn parse_decimal(s: &str, kind: Kind) -> Result<Decimal, BindError> {
    if let Ok(d) = Decimal::from_str_exact(s) {
        return Ok(d);
    }
    let t = s.trim_start_matches(['+', '-']);
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("nan") || lower.starts_with("snan") || lower.starts_with("inf") {
        return Err(BindError::other("invalid_decimal", format!("{s:?} is not a finite number")));
    }
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => match t[i + 1..].parse::<i64>() {
            Ok(e) => (&t[..i], e),
            Err(_) => return Err(not_a_number(s)),
        },
        None => (t, 0),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((a, b)) => (a, b),
        None => (mantissa, ""),
    };
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(not_a_number(s));
    }
    // A well-formed number that rust_decimal cannot hold exactly. Strip what does
    // not change the value (trailing fractional zeros, leading zeros) and retry in
    // plain notation; otherwise refuse with the code that says why.
    let frac = frac_part.trim_end_matches('0');
    let int = int_part.trim_start_matches('0');
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    let scale = frac.len() as i64 - exp;
    if digits.is_empty() {
        return Ok(Decimal::ZERO);
    }
    let sign = if s.starts_with('-') { "-" } else { "" };
    if (0..=28).contains(&scale) {
        let n = digits.len() as i64;
        let plain = if scale == 0 {
            format!("{sign}{digits}")
        } else if n > scale {
            let (a, b) = digits.split_at((n - scale) as usize);
            format!("{sign}{a}.{b}")
        } else {
            format!("{sign}0.{}{digits}", "0".repeat((scale - n) as usize))
        };
        if let Ok(d) = Decimal::from_str_exact(&plain) {
            return Ok(d);
        }
    } else if scale < 0 && digits.len() as i64 - scale <= 28 {
        let plain = format!("{sign}{digits}{}", "0".repeat((-scale) as usize));
        if let Ok(d) = Decimal::from_str(&plain) {
            return Ok(d);
        }
    }
    if scale > 28 {
        Err(BindError::other(kind.off_grid(), format!("{s} has more decimal places than any tick or lot size")))
    } else {
        Err(BindError::other(kind.out_of_range(), format!("{s} is outside the engine's range")))
    }
}

fn not_a_number(s: &str) -> BindError {
    BindError::other("invalid_decimal", format!("{s:?} is not a decimal number"))
}

/// `rust_decimal::Decimal` → `decimal.Decimal`, exactly.
pub fn decimal_to_py(py: Python<'_>, d: Decimal) -> PyResult<Bound<'_, PyAny>> {
    decimal_type(py)?.call1((d.to_string(),))
}

/// `int` nanoseconds since the Unix epoch, or a timezone-aware `datetime`.
pub fn to_ts(obj: &Bound<'_, PyAny>) -> PyResult<u64> {
    to_ts_named(obj, "timestamp")
}

/// As [`to_ts`]; errors name the Python argument `name`.
pub fn to_ts_named(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<u64> {
    let py = obj.py();
    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
        return obj
            .extract::<u64>()
            .map_err(|_| PyValueError::new_err(format!("argument '{name}': timestamp must be 0..2^64 nanoseconds")));
    }
    let dt = DATETIME_TYPE.import(py, "datetime", "datetime")?;
    if obj.is_instance(dt)? {
        if obj.getattr("tzinfo")?.is_none() || obj.call_method0("utcoffset")?.is_none() {
            return Err(PyValueError::new_err(format!(
                "argument '{name}': naive datetime refused: pass a timezone-aware datetime or int nanoseconds"
            )));
        }
        let epoch = EPOCH.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            let tz = py.import("datetime")?.getattr("timezone")?.getattr("utc")?;
            Ok(dt.call1((1970, 1, 1, 0, 0, 0, 0, tz))?.unbind())
        })?;
        let delta = obj.sub(epoch.bind(py))?;
        let days: i64 = delta.getattr("days")?.extract()?;
        let secs: i64 = delta.getattr("seconds")?.extract()?;
        let micros: i64 = delta.getattr("microseconds")?.extract()?;
        let ns = (i128::from(days) * 86_400 + i128::from(secs)) * 1_000_000_000 + i128::from(micros) * 1_000;
        return u64::try_from(ns)
            .map_err(|_| PyValueError::new_err(format!("argument '{name}': datetime is before the Unix epoch")));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Err(PyTypeError::new_err(format!(
            "argument '{name}': float timestamps are refused; pass int nanoseconds or an aware datetime"
        )));
    }
    Err(PyTypeError::new_err(format!(
        "argument '{name}': expected int nanoseconds or datetime, got {}",
        obj.get_type().name()?
    )))
}

static TIME_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The host's wall clock for omitted timestamps: Python's `time.time_ns()`
/// (looked up on each call, so a test can patch it; the core's `HostClock`
/// clamps the reading). Read with the GIL, before the lock.
pub fn wall_ns(py: Python<'_>) -> PyResult<u64> {
    let time = TIME_MODULE.get_or_try_init(py, || -> PyResult<Py<PyModule>> { Ok(py.import("time")?.unbind()) })?;
    let ns = time.bind(py).call_method0(pyo3::intern!(py, "time_ns"))?;
    // Before 1970 (a badly set clock) reads as 0, which the clamp lifts.
    Ok(ns.extract::<i128>().map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

pub fn to_ts_opt(obj: Option<&Bound<'_, PyAny>>, name: &str) -> PyResult<Option<u64>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => to_ts_named(o, name).map(Some),
    }
}

fn bad_choice(what: &str, got: &str, allowed: &str) -> PyErr {
    PyValueError::new_err(format!("{what} must be one of {allowed}, got {got:?}"))
}

pub fn side_from(s: &str) -> PyResult<Side> {
    match s {
        "buy" => Ok(Side::Buy),
        "sell" => Ok(Side::Sell),
        _ => Err(bad_choice("side", s, "'buy', 'sell'")),
    }
}

pub fn tif_from(s: &str) -> PyResult<TimeInForce> {
    match s {
        "gtc" => Ok(TimeInForce::Gtc),
        "ioc" => Ok(TimeInForce::Ioc),
        "fok" => Ok(TimeInForce::Fok),
        "gtd" => Ok(TimeInForce::Gtd),
        _ => Err(bad_choice("time_in_force", s, "'gtc', 'ioc', 'fok', 'gtd'")),
    }
}

pub fn stp_from(s: &str) -> PyResult<SelfTradePrevention> {
    match s {
        "none" => Ok(SelfTradePrevention::None),
        "cancel_taker" => Ok(SelfTradePrevention::CancelTaker),
        "cancel_maker" => Ok(SelfTradePrevention::CancelMaker),
        "cancel_both" => Ok(SelfTradePrevention::CancelBoth),
        "decrement" => Ok(SelfTradePrevention::Decrement),
        _ => Err(bad_choice("stp", s, "'none', 'cancel_taker', 'cancel_maker', 'cancel_both', 'decrement'")),
    }
}

pub fn status_from(s: &str) -> PyResult<TradingStatus> {
    match s {
        "open" => Ok(TradingStatus::Open),
        "halted" => Ok(TradingStatus::Halted),
        "closed" => Ok(TradingStatus::Closed),
        _ => Err(bad_choice("status", s, "'open', 'halted', 'closed'")),
    }
}

pub fn client_order_id_from(py: Python<'_>, s: Option<&str>) -> PyResult<Option<ClientOrderId>> {
    match s {
        None => Ok(None),
        Some(s) => ClientOrderId::new(s).map(Some).map_err(|e| BindError::from(e).into_pyerr(py)),
    }
}
