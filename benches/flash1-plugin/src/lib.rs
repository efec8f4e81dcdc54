//! # brokerx-flash1-plugin
//!
//! BrokerX Engine behind the C interface of the public cross-engine benchmark
//! flash1-dev/matching-engine-benchmark: a shared library exporting
//! `engine_init`, `engine_shutdown`, `engine_on_new_order`, `engine_on_cancel`,
//! `engine_on_modify`, `engine_on_batch`, `engine_flush` and the three
//! `engine_query_*` functions. Nothing of the benchmark is in this repository;
//! the types are declared in [`abi`] from the interface's description, and
//! `docs/flash1.md` says how to build and run it.
//!
//! What goes in: the harness's messages, one at a time (or a run of them through
//! `engine_on_batch`, processed exactly as if one at a time). What comes out:
//! for each message, the reports built from the events the real
//! [`brokerx_engine::Engine`] emitted for it, pushed into the harness's
//! transport before the call returns (so `engine_flush` has nothing to do). The
//! queries read the engine's book. What never happens: a report the engine did
//! not give cause for, a book kept beside the engine's, a look at a later
//! message, or a panic crossing the C boundary (each entry point catches one;
//! after it, the plug-in stops and reports nothing more).
//!
//! The harness calls the entry points from one thread at a time (its matcher
//! thread; the drainer only touches the transport), which is what makes the
//! single global state below sound without a lock.

pub mod abi;
mod plugin;

use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use abi::{CancelMsg, ModifyMsg, Msg, NewOrder, Transport};
use plugin::{Outbox, Plugin};

/// The plug-in's one instance, `None` before `engine_init`, after
/// `engine_shutdown`, or after a panic.
struct Global(UnsafeCell<Option<Plugin>>);

// SAFETY: the harness never calls two entry points at once (see the crate
// doc), so the cell is never accessed from two threads concurrently; calls from
// different threads one after another are ordered by the harness's own
// synchronisation (thread start and join).
unsafe impl Sync for Global {}

static STATE: Global = Global(UnsafeCell::new(None));

/// Runs `f` on the plug-in if there is one; a panic drops it (so nothing runs on
/// a half-updated engine) and returns `default`.
#[inline(always)]
fn with_plugin<R>(default: R, f: impl FnOnce(&mut Plugin) -> R) -> R {
    // SAFETY: the only access to STATE, never reentered (none of the plug-in's
    // code calls an entry point) and never concurrent (see `Global`).
    let state = unsafe { &mut *STATE.0.get() };
    let Some(plugin) = state.as_mut() else { return default };
    match catch_unwind(AssertUnwindSafe(|| f(plugin))) {
        Ok(r) => r,
        Err(_) => {
            // Dropping the engine could itself panic only on a bug already
            // seen; leak it instead of risking a second unwind.
            std::mem::forget(state.take());
            default
        }
    }
}

/// Sets up the engine. `transport` and `report_sink` are where every report
/// goes; with a null transport or push function the plug-in stays uninitialised
/// and every other entry point does nothing.
///
/// # Safety
/// `transport` is null or points to a valid `me_transport_t` that, like
/// `report_sink`, stays valid until `engine_shutdown`.
#[no_mangle]
pub unsafe extern "C" fn engine_init(_seed: u64, transport: *const Transport, report_sink: *mut c_void) {
    let _ = catch_unwind(|| {
        // SAFETY: the caller guarantees `transport` is null or valid.
        let push = unsafe { transport.as_ref() }.and_then(|t| t.push);
        let plugin = push.and_then(|push| Plugin::new(Outbox { push, handle: report_sink }));
        // SAFETY: init runs before any other entry point and never concurrently.
        unsafe { *STATE.0.get() = plugin };
    });
}

/// Drops the engine.
#[no_mangle]
pub extern "C" fn engine_shutdown() {
    let _ = catch_unwind(|| {
        // SAFETY: see `with_plugin`.
        drop(unsafe { (*STATE.0.get()).take() });
    });
}

/// # Safety
/// `order` is null or points to a valid `new_order_t`.
#[no_mangle]
pub unsafe extern "C" fn engine_on_new_order(order: *const NewOrder) {
    // SAFETY: the caller guarantees null or valid; read by value, so the
    // harness's buffer is not borrowed past the call.
    let Some(o) = (unsafe { order.as_ref() }).copied() else { return };
    with_plugin((), |p| p.on_new_order(&o));
}

/// # Safety
/// `cancel` is null or points to a valid `cancel_t`.
#[no_mangle]
pub unsafe extern "C" fn engine_on_cancel(cancel: *const CancelMsg) {
    // SAFETY: as for `engine_on_new_order`.
    let Some(c) = (unsafe { cancel.as_ref() }).copied() else { return };
    with_plugin((), |p| p.on_cancel(&c));
}

/// # Safety
/// `modify` is null or points to a valid `modify_t`.
#[no_mangle]
pub unsafe extern "C" fn engine_on_modify(modify: *const ModifyMsg) {
    // SAFETY: as for `engine_on_new_order`.
    let Some(m) = (unsafe { modify.as_ref() }).copied() else { return };
    with_plugin((), |p| p.on_modify(&m));
}

/// A run of `n` messages, each processed completely, in order, before the next
/// is looked at: the same reports as `n` single calls. An unknown type is skipped.
///
/// # Safety
/// `msgs` is null or points to `n` valid `me_msg_t`.
#[no_mangle]
pub unsafe extern "C" fn engine_on_batch(msgs: *const Msg, n: u32) {
    if msgs.is_null() || n == 0 {
        return;
    }
    // SAFETY: the caller guarantees `n` valid messages at `msgs`.
    let msgs = unsafe { std::slice::from_raw_parts(msgs, n as usize) };
    with_plugin((), |p| {
        for m in msgs {
            // SAFETY: `msg_type` says which arm of the union is live; every arm
            // is plain integers, valid for any bit pattern.
            unsafe {
                match m.msg_type {
                    0 => p.on_new_order(&m.body.new_order),
                    1 => p.on_cancel(&m.body.cancel),
                    2 => p.on_modify(&m.body.modify),
                    _ => {}
                }
            }
        }
    });
}

/// Nothing to do: every report was pushed before its message's call returned.
#[no_mangle]
pub extern "C" fn engine_flush() {}

/// The engine's best bid in ticks, or `i64::MIN` with no bids.
#[no_mangle]
pub extern "C" fn engine_query_best_bid() -> i64 {
    with_plugin(i64::MIN, |p| p.best_bid())
}

/// The engine's best ask in ticks, or `i64::MAX` with no asks.
#[no_mangle]
pub extern "C" fn engine_query_best_ask() -> i64 {
    with_plugin(i64::MAX, |p| p.best_ask())
}

/// The engine's total resting quantity at `price_ticks` on `side` (0 buy, 1 sell).
#[no_mangle]
pub extern "C" fn engine_query_depth_at(price_ticks: i64, side: u8) -> u64 {
    with_plugin(0, |p| p.depth_at(price_ticks, side))
}
