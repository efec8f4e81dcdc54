//! `brokerx._native`: the PyO3 extension behind the `brokerx` Python package.
//!
//! Thin by design: every method converts Python values to the engine's types,
//! calls `brokerx-engine`, and converts the result back. No matching, risk or
//! ledger rule lives here. Decimal and timestamp conversions are in `convert`,
//! the exception hierarchy in `errors`, events in `events`, command objects for
//! batches and journals in `commands`, and the `Engine` class in `engine`.
#![forbid(unsafe_code)]

use pyo3::prelude::*;

mod broker;
mod commands;
mod convert;
mod engine;
mod errors;
mod events;
mod field_doc;
mod ledger;
mod saga;

/// Parses a command's `to_dict()` form back into its command object.
#[pyfunction]
fn command_from_dict<'py>(py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let json = py.import("json")?.call_method1("dumps", (data,))?;
    let v: serde_json::Value = serde_json::from_str(json.extract::<&str>()?)
        .map_err(|e| errors::new_error(py, "invalid_argument", format!("bad command dict: {e}")))?;
    let cmd = commands::from_json(&v).map_err(|e| e.into_pyerr(py))?;
    commands::pending_to_py(py, cmd)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    events::register(m)?;
    commands::register(m)?;
    engine::register(m)?;
    ledger::register(m)?;
    broker::register(m)?;
    saga::register(m)?;
    m.add_function(wrap_pyfunction!(command_from_dict, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
