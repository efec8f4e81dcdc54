//! The exception hierarchy under `brokerx.BrokerXError`, and the one place where
//! engine error codes become Python exception classes. Every raised exception
//! carries the engine's stable snake_case code as `.code`; the message is the
//! engine's own (lowercase, with the offending values).

use brokerx_engine::{CommandError, ConvertError, SnapshotError as EngineSnapshotError};
use brokerx_ledger::TransferStatus;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    brokerx,
    BrokerXError,
    PyException,
    "Base class of every BrokerX error; `.code` is the engine's stable error code."
);
create_exception!(
    brokerx,
    InvalidOrder,
    BrokerXError,
    "The command is malformed: bad price or quantity, off the tick/lot grid, bad flags."
);
create_exception!(
    brokerx,
    InvalidDecimal,
    InvalidOrder,
    "A decimal value that is not a finite number (NaN, Infinity, unparsable text)."
);
create_exception!(brokerx, StaleVersion, InvalidOrder, "An amend named a version the order is no longer at.");
create_exception!(
    brokerx,
    DuplicateClientOrderId,
    InvalidOrder,
    "The account already has a live order with that client order id."
);
create_exception!(
    brokerx,
    UnknownOrder,
    BrokerXError,
    "The order is unknown, no longer live, or belongs to another account."
);
create_exception!(brokerx, UnknownInstrument, BrokerXError, "No instrument with that id or symbol.");
create_exception!(
    brokerx,
    InvalidInstrument,
    BrokerXError,
    "The instrument spec is invalid or its symbol is already registered."
);
create_exception!(
    brokerx,
    InvalidRisk,
    InvalidInstrument,
    "Instrument risk parameters the core refuses (a cap below the minimum, a zero collar, a fee above 100 %)."
);
create_exception!(brokerx, TimeWentBackwards, BrokerXError, "A command's timestamp is before the engine's time.");
create_exception!(
    brokerx,
    CapacityReached,
    BrokerXError,
    "A configured limit (orders, levels, instruments) is reached."
);
create_exception!(brokerx, SnapshotError, BrokerXError, "A snapshot could not be decoded or restored.");
create_exception!(
    brokerx,
    InvariantViolation,
    BrokerXError,
    "check_invariants() found an inconsistency (a bug: please report it)."
);
create_exception!(
    brokerx,
    InsufficientFunds,
    BrokerXError,
    "An account's available balance does not cover the request."
);
create_exception!(
    brokerx,
    InvalidAmount,
    BrokerXError,
    "An amount that does not fit: a ledger amount for its asset (negative, too many decimals, too large), or an order's quote amount (zero or less, not a whole number of tick·lots, too large)."
);
create_exception!(brokerx, InvalidAccount, BrokerXError, "An asset or account that cannot be created or is not there.");
create_exception!(
    brokerx,
    TransferRefused,
    BrokerXError,
    "A ledger transfer was refused; `.code` is the ledger's status code."
);
create_exception!(
    brokerx,
    LimitExceeded,
    TransferRefused,
    "A transfer would pass a configured limit: a wallet's max balance, a daily or a per-transfer limit."
);
create_exception!(
    brokerx,
    SagaError,
    BrokerXError,
    "A saga refused an input or spec (finished, unexpected, foreign, conflicting); it is unchanged."
);
create_exception!(
    brokerx,
    IdempotencyConflict,
    BrokerXError,
    "An idempotency key was reused with a different request."
);

/// Everything the binding can fail with before Python sees it. Built while the
/// engine lock is held (no Python objects), raised after it is released.
#[derive(Debug, Clone)]
pub enum BindError {
    Command(CommandError),
    Convert(ConvertError),
    Snapshot(EngineSnapshotError),
    /// Code and message for errors found by the binding itself.
    Other {
        code: &'static str,
        message: String,
    },
}

impl From<CommandError> for BindError {
    fn from(e: CommandError) -> Self {
        BindError::Command(e)
    }
}
impl From<ConvertError> for BindError {
    fn from(e: ConvertError) -> Self {
        BindError::Convert(e)
    }
}
impl From<EngineSnapshotError> for BindError {
    fn from(e: EngineSnapshotError) -> Self {
        BindError::Snapshot(e)
    }
}

impl BindError {
    pub fn other(code: &'static str, message: impl Into<String>) -> Self {
        BindError::Other { code, message: message.into() }
    }

    pub fn code(&self) -> &'static str {
        match self {
            BindError::Command(e) => e.code(),
            BindError::Convert(e) => e.code(),
            BindError::Snapshot(e) => e.code(),
            BindError::Other { code, .. } => code,
        }
    }

    fn message(&self) -> String {
        match self {
            BindError::Command(e) => e.to_string(),
            BindError::Convert(e) => e.to_string(),
            BindError::Snapshot(e) => e.to_string(),
            BindError::Other { message, .. } => message.clone(),
        }
    }

    pub fn into_pyerr(self, py: Python<'_>) -> PyErr {
        let code = self.code();
        new_error(py, code, self.message())
    }
}

/// The exception for a stable code: one class per code, `BrokerXError` for codes
/// this binding does not know yet (a newer engine), so nothing is ever unmapped.
pub fn new_error(py: Python<'_>, code: &'static str, message: String) -> PyErr {
    let err = match code {
        "invalid_price"
        | "invalid_quantity"
        | "off_tick"
        | "off_lot"
        | "price_out_of_range"
        | "quantity_out_of_range"
        | "client_order_id_invalid"
        | "quantity_below_min"
        | "quantity_above_max"
        | "market_order_time_in_force"
        | "post_only_time_in_force"
        | "expire_at_required"
        | "expire_at_not_allowed"
        | "expire_at_not_in_future"
        | "nothing_to_amend"
        | "amend_qty_at_or_below_filled"
        | "mass_cancel_needs_filter"
        | "invalid_trigger_price"
        | "stop_market_time_in_force"
        | "post_only_stop"
        | "not_a_stop"
        | "stop_market_has_no_limit"
        | "invalid_display"
        | "iceberg_time_in_force"
        | "not_an_iceberg"
        | "invalid_argument" => InvalidOrder::new_err(message),
        "invalid_decimal" => InvalidDecimal::new_err(message),
        "stale_version" => StaleVersion::new_err(message),
        "duplicate_client_order_id" => DuplicateClientOrderId::new_err(message),
        "unknown_order" | "order_not_owned" | "unknown_client_order_id" => UnknownOrder::new_err(message),
        "unknown_instrument" => UnknownInstrument::new_err(message),
        "duplicate_symbol" | "invalid_instrument_spec" | "invalid_market" => InvalidInstrument::new_err(message),
        "invalid_instrument_risk" => InvalidRisk::new_err(message),
        "time_went_backwards" => TimeWentBackwards::new_err(message),
        "order_capacity_reached"
        | "level_capacity_reached"
        | "instrument_capacity_reached"
        | "accounts_max_reached"
        | "assets_max_reached" => CapacityReached::new_err(message),
        "snapshot_version_unsupported"
        | "snapshot_inconsistent"
        | "snapshot_undecodable"
        | "replay_diverged"
        | "snapshot_hash_mismatch" => SnapshotError::new_err(message),
        "invariant_violated" => InvariantViolation::new_err(message),
        "insufficient_funds" => InsufficientFunds::new_err(message),
        "scale_exceeds_asset"
        | "negative_amount"
        | "amount_overflow"
        | "scale_too_large"
        | "invalid_amount"
        | "amount_off_grid"
        | "amount_out_of_range" => InvalidAmount::new_err(message),
        "asset_exists"
        | "account_exists"
        | "unknown_asset"
        | "reserved_account"
        | "asset_id_must_not_be_zero"
        | "asset_scale_too_large"
        | "asset_not_found"
        | "max_balance_overflow" => InvalidAccount::new_err(message),
        "exceeds_max_balance" | "exceeds_daily_limit" | "exceeds_transfer_limit" => LimitExceeded::new_err(message),
        c if c.starts_with("exists_with_different_") => IdempotencyConflict::new_err(message),
        c if c == "transfer_refused" || TransferStatus::ALL.iter().any(|s| s.code() == c) => {
            TransferRefused::new_err(message)
        }
        "saga_finished"
        | "unexpected_input"
        | "foreign_reference"
        | "conflicting_fill"
        | "overfill"
        | "price_beyond_limit"
        | "invalid_value"
        | "unknown_saga"
        | "duplicate_saga"
        | "wrong_saga_kind"
        | "unsupported_version" => SagaError::new_err(message),
        "registry_full" => CapacityReached::new_err(message),
        "idempotency_conflict" => IdempotencyConflict::new_err(message),
        _ => BrokerXError::new_err(message),
    };
    // Exceptions carry a __dict__, so this cannot fail short of memory exhaustion;
    // if it does, the exception is still raised, just without `.code`.
    let _ = err.value(py).setattr(pyo3::intern!(py, "code"), code);
    err
}

/// The exception for a refused transfer's status (`Ok` and `Exists` are not
/// refusals; callers do not pass them): its class by the one code→class table
/// above, `.code` the ledger's status code.
pub fn transfer_error(py: Python<'_>, status: TransferStatus, message: String) -> PyErr {
    new_error(py, status.code(), message)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    macro_rules! add {
        ($($t:ident = $code:literal),* $(,)?) => {$(
            let t = py.get_type::<$t>();
            // Class-level default, so an exception raised from Python code (a host
            // raising `IdempotencyConflict(...)`) still has a meaningful `.code`.
            t.setattr("code", $code)?;
            m.add(stringify!($t), t)?;
        )*};
    }
    add!(
        BrokerXError = "brokerx_error",
        InvalidOrder = "invalid_order",
        InvalidDecimal = "invalid_decimal",
        StaleVersion = "stale_version",
        DuplicateClientOrderId = "duplicate_client_order_id",
        UnknownOrder = "unknown_order",
        UnknownInstrument = "unknown_instrument",
        InvalidInstrument = "invalid_instrument_spec",
        InvalidRisk = "invalid_instrument_risk",
        TimeWentBackwards = "time_went_backwards",
        CapacityReached = "capacity_reached",
        SnapshotError = "snapshot_undecodable",
        InvariantViolation = "invariant_violated",
        InsufficientFunds = "insufficient_funds",
        IdempotencyConflict = "idempotency_conflict",
        InvalidAmount = "invalid_amount",
        InvalidAccount = "invalid_account",
        TransferRefused = "transfer_refused",
        LimitExceeded = "exceeds_max_balance",
        SagaError = "saga_error",
    );
    Ok(())
}
