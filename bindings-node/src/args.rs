//! Reading JavaScript arguments strictly, each error naming the argument.
//!
//! - Money, prices and quantities: decimal **strings** only; a `number` is a
//!   `TypeError` (money is never a float), NaN/Infinity text `invalid_decimal`.
//! - Ids and nanosecond timestamps: `bigint`, or a `number` that is a safe
//!   non-negative integer (ergonomics for small ids); negative or too large is a
//!   `RangeError`, anything else a `TypeError`.
//! - Options objects: `undefined` and `null` mean "not given".
//!
//! The only `unsafe` of the crate is here: napi's `Unknown::cast`, called only
//! after `get_type` reported the type cast to, which is its documented contract.
#![allow(unsafe_code)]

use napi::bindgen_prelude::{BigInt, Object, Unknown};
use napi::ValueType;
use rust_decimal::Decimal;

use crate::decimal::{parse, Kind};
use crate::errors::{from_napi, range_error, type_error, Res};

fn type_name(t: ValueType) -> &'static str {
    match t {
        ValueType::Undefined => "undefined",
        ValueType::Null => "null",
        ValueType::Boolean => "boolean",
        ValueType::Number => "number",
        ValueType::String => "string",
        ValueType::Symbol => "symbol",
        ValueType::Object => "object",
        ValueType::Function => "function",
        ValueType::External => "external",
        ValueType::BigInt => "bigint",
        _ => "unknown",
    }
}

fn kind_of(v: &Unknown<'_>) -> Res<ValueType> {
    v.get_type().map_err(from_napi)
}

/// Is the value absent (`undefined` or `null`)?
pub fn is_absent(v: Option<&Unknown<'_>>) -> Res<bool> {
    match v {
        None => Ok(true),
        Some(v) => Ok(matches!(kind_of(v)?, ValueType::Undefined | ValueType::Null)),
    }
}

/// A string argument.
pub fn string(v: &Unknown<'_>, name: &str) -> Res<String> {
    match kind_of(v)? {
        // SAFETY: the value is a string (checked just above).
        ValueType::String => unsafe { v.cast::<String>() }.map_err(from_napi),
        t => Err(type_error(name, format!("expected a string, got {}", type_name(t)))),
    }
}

/// Runs `f` on a string argument without allocating for short strings (the hot
/// path: sides, prices, quantities are a few bytes).
pub fn with_str<R>(v: &Unknown<'_>, name: &str, f: impl FnOnce(&str) -> Res<R>) -> Res<R> {
    use napi::JsValue;
    match kind_of(v)? {
        ValueType::String => {
            let raw = v.value();
            let mut buf = [0u8; 64];
            let mut len = 0usize;
            // SAFETY: `raw` is a live string value of this call's env (checked just
            // above); napi writes at most `buf.len()` bytes, NUL included, into `buf`.
            let status = unsafe {
                napi::sys::napi_get_value_string_utf8(raw.env, raw.value, buf.as_mut_ptr().cast(), buf.len(), &mut len)
            };
            // Shorter than the buffer: whole. Otherwise (maybe cut): read it whole.
            if status == napi::sys::Status::napi_ok && len < buf.len() - 1 {
                let text = std::str::from_utf8(buf.get(..len).unwrap_or_default())
                    .map_err(|_| type_error(name, "is not valid UTF-8"))?;
                return f(text);
            }
            f(&string(v, name)?)
        }
        t => Err(type_error(name, format!("expected a string, got {}", type_name(t)))),
    }
}

/// A decimal string (price, quantity or amount).
pub fn decimal(v: &Unknown<'_>, kind: Kind, name: &str) -> Res<Decimal> {
    match kind_of(v)? {
        ValueType::String => with_str(v, name, |s| parse(s, kind)),
        ValueType::Number => Err(type_error(
            name,
            "a number is refused: money, prices and quantities are decimal strings (\"100.50\"), never floats",
        )),
        t => Err(type_error(name, format!("expected a decimal string, got {}", type_name(t)))),
    }
}

/// An unsigned integer of at most `bits` bits: a `bigint`, or a safe
/// non-negative integer `number`.
pub fn uint(v: &Unknown<'_>, bits: u32, name: &str) -> Res<u128> {
    let max = if bits >= 128 { u128::MAX } else { (1u128 << bits) - 1 };
    let n = match kind_of(v)? {
        ValueType::BigInt => {
            // SAFETY: the value is a bigint (checked just above).
            let b = unsafe { v.cast::<BigInt>() }.map_err(from_napi)?;
            let magnitude_zero = b.words.iter().all(|w| *w == 0);
            if b.sign_bit && !magnitude_zero {
                return Err(range_error(name, "must not be negative"));
            }
            if b.words.iter().skip(2).any(|w| *w != 0) {
                return Err(range_error(name, format!("must be below 2^{bits}")));
            }
            let lo = u128::from(b.words.first().copied().unwrap_or(0));
            let hi = u128::from(b.words.get(1).copied().unwrap_or(0));
            (hi << 64) | lo
        }
        ValueType::Number => {
            // SAFETY: the value is a number (checked just above).
            let f = unsafe { v.cast::<f64>() }.map_err(from_napi)?;
            safe_integer(f)
                .ok_or_else(|| range_error(name, format!("{f} is not a safe non-negative integer; pass a bigint")))?
        }
        t => return Err(type_error(name, format!("expected a bigint, got {}", type_name(t)))),
    };
    if n > max {
        return Err(range_error(name, format!("must be below 2^{bits}")));
    }
    Ok(n)
}

/// `f` as an integer if it is one in 0..=2^53-1. Comparisons only: no float arithmetic.
fn safe_integer(f: f64) -> Option<u128> {
    const MAX_SAFE: u64 = (1 << 53) - 1;
    if !(0.0..=(MAX_SAFE as f64)).contains(&f) {
        return None;
    }
    let n = f as u64;
    (n as f64 == f).then_some(u128::from(n))
}

pub fn u64_arg(v: &Unknown<'_>, name: &str) -> Res<u64> {
    uint(v, 64, name).map(|n| n as u64)
}

pub fn u32_arg(v: &Unknown<'_>, name: &str) -> Res<u32> {
    uint(v, 32, name).map(|n| n as u32)
}

pub fn bool_opt(v: Option<&Unknown<'_>>, name: &str) -> Res<Option<bool>> {
    match v {
        Some(v) if !is_absent(Some(v))? => match kind_of(v)? {
            // SAFETY: the value is a boolean (checked just above).
            ValueType::Boolean => unsafe { v.cast::<bool>() }.map(Some).map_err(from_napi),
            t => Err(type_error(name, format!("expected a boolean, got {}", type_name(t)))),
        },
        _ => Ok(None),
    }
}

/// The options object of a call (`undefined`/`null`: none given).
pub struct Opts<'a> {
    obj: Option<Object<'a>>,
    name: &'static str,
}

impl<'a> Opts<'a> {
    pub fn new(v: Option<Unknown<'a>>, name: &'static str) -> Res<Self> {
        let obj = match v {
            None => None,
            Some(v) => match kind_of(&v)? {
                ValueType::Undefined | ValueType::Null => None,
                // SAFETY: the value is an object (checked just above).
                ValueType::Object => Some(unsafe { v.cast::<Object<'a>>() }.map_err(from_napi)?),
                t => return Err(type_error(name, format!("expected an options object, got {}", type_name(t)))),
            },
        };
        Ok(Opts { obj, name })
    }

    /// The field `key`, if present and not `undefined`/`null`.
    pub fn get(&self, key: &str) -> Res<Option<Unknown<'a>>> {
        let Some(obj) = &self.obj else { return Ok(None) };
        let v: Option<Unknown<'a>> = obj.get(key).map_err(from_napi)?;
        match v {
            Some(v) if !is_absent(Some(&v))? => Ok(Some(v)),
            _ => Ok(None),
        }
    }

    /// Whether `key` is present and explicitly `null` (not merely omitted).
    pub fn has_null(&self, key: &str) -> Res<bool> {
        let Some(obj) = &self.obj else { return Ok(false) };
        let v: Option<Unknown<'a>> = obj.get(key).map_err(from_napi)?;
        match v {
            Some(v) => Ok(kind_of(&v)? == ValueType::Null),
            None => Ok(false),
        }
    }

    /// `options.key` as an argument name in errors.
    pub fn name(&self, key: &str) -> String {
        format!("{}.{key}", self.name)
    }

    // Each reader formats the argument's name only on the error path.
    pub fn decimal(&self, key: &str, kind: Kind) -> Res<Option<Decimal>> {
        self.get(key)?.map(|v| decimal(&v, kind, &self.name(key))).transpose()
    }
    pub fn u64(&self, key: &str) -> Res<Option<u64>> {
        self.get(key)?.map(|v| u64_arg(&v, &self.name(key))).transpose()
    }
    pub fn u32(&self, key: &str) -> Res<Option<u32>> {
        self.get(key)?.map(|v| u32_arg(&v, &self.name(key))).transpose()
    }
    pub fn u128(&self, key: &str) -> Res<Option<u128>> {
        self.get(key)?.map(|v| uint(&v, 128, &self.name(key))).transpose()
    }
    pub fn bool(&self, key: &str) -> Res<Option<bool>> {
        match self.get(key)? {
            Some(v) => bool_opt(Some(&v), &self.name(key)),
            None => Ok(None),
        }
    }
    pub fn string(&self, key: &str) -> Res<Option<String>> {
        self.get(key)?.map(|v| string(&v, &self.name(key))).transpose()
    }
}

/// An idempotency key: a `bigint` / safe-integer `number` (used as is, < 2^128),
/// a `string` such as an `Idempotency-Key` header, or bytes (`Buffer` /
/// `Uint8Array`). The mapping is the core's (`brokerx_ledger::IdempotencyKey`),
/// the same in every binding; this only picks the constructor for the JS type.
pub fn idempotency_key(v: &Unknown<'_>, name: &str) -> Res<u128> {
    use brokerx_ledger::IdempotencyKey;
    use napi::JsValue;
    let key = match kind_of(v)? {
        ValueType::String => IdempotencyKey::from_str(&string(v, name)?),
        ValueType::BigInt | ValueType::Number => IdempotencyKey::from_u128(uint(v, 128, name)?),
        ValueType::Object if v.is_typedarray().map_err(from_napi)? => {
            // SAFETY: the value is a typed array (checked just above); napi-rs
            // refuses one of another element type with an error, not UB.
            let bytes = unsafe { v.cast::<napi::bindgen_prelude::Uint8Array>() }
                .map_err(|_| type_error(name, "expected a Buffer or Uint8Array"))?;
            IdempotencyKey::from_bytes(&bytes)
        }
        t => return Err(type_error(name, format!("expected a bigint, string or Buffer, got {}", type_name(t)))),
    };
    Ok(key.get())
}

/// A `BigInt64Array` argument (shared with JavaScript, not copied).
pub fn bigint64_array(v: &Unknown<'_>, name: &str) -> Res<napi::bindgen_prelude::BigInt64Array> {
    use napi::JsValue;
    if kind_of(v)? == ValueType::Object && v.is_typedarray().map_err(from_napi)? {
        // SAFETY: the value is a typed array (checked just above); napi-rs refuses
        // one of another element type with an error.
        if let Ok(a) = unsafe { v.cast::<napi::bindgen_prelude::BigInt64Array>() } {
            return Ok(a);
        }
    }
    Err(type_error(name, "expected a BigInt64Array"))
}

/// The elements of an array argument.
pub fn array<'a>(v: &Unknown<'a>, name: &str) -> Res<Vec<Unknown<'a>>> {
    use napi::bindgen_prelude::JsObjectValue;
    use napi::JsValue;
    if kind_of(v)? != ValueType::Object || !v.is_array().map_err(from_napi)? {
        return Err(type_error(name, "expected an array"));
    }
    // SAFETY: the value is an array (checked just above), hence an object.
    let obj = unsafe { v.cast::<Object<'a>>() }.map_err(from_napi)?;
    let n = obj.get_array_length().map_err(from_napi)?;
    (0..n).map(|i| obj.get_element::<Unknown<'a>>(i).map_err(from_napi)).collect()
}

/// An amount in minor units: a `bigint` only (a `number` is refused, as for any
/// money), non-negative, below 2^128.
pub fn minor(v: &Unknown<'_>, name: &str) -> Res<u128> {
    match kind_of(v)? {
        ValueType::BigInt => uint(v, 128, name),
        ValueType::Number => Err(type_error(name, "a number is refused: amounts in minor units are bigints (1000n)")),
        t => Err(type_error(name, format!("expected a bigint of minor units, got {}", type_name(t)))),
    }
}
