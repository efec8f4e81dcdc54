//! The per-call hot paths as free functions on a handle (see `registry`):
//! `lib.js` routes `Engine.place` / `Engine.cancel` (and the Broker's) here, so
//! the class methods' dispatch cost is paid only by the rest of the API. Same
//! arguments, same errors as the methods they stand for; the events come back
//! as one string (`flat.rs`) and `lib.js` makes them the same objects.

use napi::bindgen_prelude::Unknown;
use napi_derive::napi;

use crate::args::Opts;
use crate::errors::Result;
use crate::events::Event;
use crate::flat::encode_all;
use crate::{broker, engine, orders};

fn flat(events: Vec<Event>) -> String {
    encode_all(&events)
}

/// `Engine.place` by handle (what `lib.js` calls; use `Engine.place`).
#[napi(catch_unwind, ts_return_type = "string")]
pub fn engine_place(
    handle: u32,
    account: Unknown<'_>,
    instrument: Unknown<'_>,
    side: Unknown<'_>,
    price: Unknown<'_>,
    qty: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> Result<String> {
    engine::with(handle, |inner| {
        let o = Opts::new(options, "options")?;
        let kind = orders::place(&inner.engine, &account, &instrument, &side, &price, &qty, &o)?;
        inner.run(kind, &o).map(flat)
    })
}

/// `Engine.cancel` by handle (what `lib.js` calls; use `Engine.cancel`).
#[napi(catch_unwind, ts_return_type = "string")]
pub fn engine_cancel(
    handle: u32,
    account: Unknown<'_>,
    order: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> Result<String> {
    engine::with(handle, |inner| {
        let o = Opts::new(options, "options")?;
        let kind = orders::cancel(&account, &order)?;
        inner.run(kind, &o).map(flat)
    })
}

/// `Engine.placeQueued` by handle.
#[napi(catch_unwind)]
pub fn engine_place_queued(
    handle: u32,
    account: Unknown<'_>,
    instrument: Unknown<'_>,
    side: Unknown<'_>,
    price: Unknown<'_>,
    qty: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> Result<u64> {
    engine::with(handle, |inner| {
        let o = Opts::new(options, "options")?;
        let kind = orders::place(&inner.engine, &account, &instrument, &side, &price, &qty, &o)?;
        Ok(inner.run_queued(kind, &o)?.order_id().map_or(0, |id| id.0))
    })
}

/// `Engine.cancelQueued` by handle.
#[napi(catch_unwind)]
pub fn engine_cancel_queued(
    handle: u32,
    account: Unknown<'_>,
    order: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> Result<()> {
    engine::with(handle, |inner| {
        let o = Opts::new(options, "options")?;
        let kind = orders::cancel(&account, &order)?;
        inner.run_queued(kind, &o).map(|_| ())
    })
}

/// `Broker.place` by handle (what `lib.js` calls; use `Broker.place`).
#[napi(catch_unwind, ts_return_type = "string")]
pub fn broker_place(
    handle: u32,
    account: Unknown<'_>,
    instrument: Unknown<'_>,
    side: Unknown<'_>,
    price: Unknown<'_>,
    qty: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> Result<String> {
    broker::with(handle, |inner| {
        let o = Opts::new(options, "options")?;
        let kind = orders::place(inner.broker.engine(), &account, &instrument, &side, &price, &qty, &o)?;
        inner.order(kind, &o).map(flat)
    })
}

/// `Broker.cancel` by handle (what `lib.js` calls; use `Broker.cancel`).
#[napi(catch_unwind, ts_return_type = "string")]
pub fn broker_cancel(
    handle: u32,
    account: Unknown<'_>,
    order: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> Result<String> {
    broker::with(handle, |inner| {
        let o = Opts::new(options, "options")?;
        let kind = orders::cancel(&account, &order)?;
        inner.order(kind, &o).map(flat)
    })
}
