//! Failures as they reach JavaScript: a stable snake_case `code` (the core's own,
//! the same as in Rust and Python) and the core's message. napi-rs throws an
//! `Error` whose `code` property is the status string; `lib.js` turns it into the
//! package's `Error` subclass for that code (one class per code, see `lib.js`).
//!
//! Argument errors use Node's own codes: `ERR_INVALID_ARG_TYPE` (becomes a
//! `TypeError`) and `ERR_OUT_OF_RANGE` (a `RangeError`); both name the argument.

use brokerx_engine::broker::BrokerError;
use brokerx_engine::{CommandError, ConvertError, SnapshotError};

/// The status napi-rs puts in the thrown error's `code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code(pub &'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

pub type Fail = napi::Error<Code>;
pub type Res<T> = std::result::Result<T, Fail>;
/// The same, named `Result` for `#[napi]` functions (the macro looks for that name).
pub type Result<T> = std::result::Result<T, Fail>;

pub fn fail(code: &'static str, message: impl Into<String>) -> Fail {
    napi::Error::new(Code(code), message.into())
}

/// A wrong JavaScript type for argument `name`.
pub fn type_error(name: &str, message: impl std::fmt::Display) -> Fail {
    fail("ERR_INVALID_ARG_TYPE", format!("argument '{name}': {message}"))
}

/// A value of the right type outside what argument `name` allows.
pub fn range_error(name: &str, message: impl std::fmt::Display) -> Fail {
    fail("ERR_OUT_OF_RANGE", format!("argument '{name}': {message}"))
}

/// A napi-rs failure (a value it could not read or create) under our status type.
pub fn from_napi(e: napi::Error) -> Fail {
    fail("ERR_INVALID_ARG_TYPE", e.reason)
}

/// Use of an `Engine`, `Broker`, `Ledger` or `SagaRegistry` after `close()`.
pub fn closed(what: &str) -> Fail {
    fail("closed", format!("this {what} is closed"))
}

pub fn command(e: CommandError) -> Fail {
    fail(e.code(), e.to_string())
}

pub fn convert(e: ConvertError) -> Fail {
    fail(e.code(), e.to_string())
}

pub fn broker(e: BrokerError) -> Fail {
    fail(e.code(), e.to_string())
}

pub fn snapshot(e: SnapshotError) -> Fail {
    fail(e.code(), e.to_string())
}

/// Bytes that are not a snapshot this binding wrote.
pub fn undecodable(e: impl std::fmt::Display) -> Fail {
    fail("snapshot_undecodable", format!("snapshot bytes do not decode: {e}"))
}
