//! The harness's own ceiling: a plug-in that matches nothing and pushes exactly
//! one report per message (an OrderAck per new order, a CancelAck per cancel, a
//! ModifyAck per modify). Its hash is wrong by design; its throughput is the
//! most any engine can reach through this harness on this machine, since the
//! per-message call and the per-report push are all it pays.
//!
//! Build: `cargo build --release -p brokerx-flash1-plugin --example flash1_ceiling`.

use std::cell::Cell;
use std::ffi::c_void;

// The plug-in's ABI types, compiled in (not linked: the plug-in library
// exports the same `engine_*` symbols).
#[allow(dead_code)]
#[path = "../src/abi.rs"]
mod abi;

use abi::{report_type, CancelMsg, ModifyMsg, NewOrder, Report, Transport};

type Push = unsafe extern "C" fn(*mut c_void, *const Report) -> i32;

struct Outbox(Cell<Option<(Push, *mut c_void)>>);

// SAFETY: the harness calls the entry points from one thread at a time.
unsafe impl Sync for Outbox {}

static OUTBOX: Outbox = Outbox(Cell::new(None));

#[inline(always)]
fn send(report: Report) {
    if let Some((push, handle)) = OUTBOX.0.get() {
        // SAFETY: the pair the harness gave `engine_init`, valid until shutdown.
        while unsafe { push(handle, &report) } == 0 {
            std::hint::spin_loop();
        }
    }
}

/// # Safety
/// `transport` is null or a valid `me_transport_t`, valid with `sink` until shutdown.
#[no_mangle]
pub unsafe extern "C" fn engine_init(_seed: u64, transport: *const Transport, sink: *mut c_void) {
    // SAFETY: see above.
    let push = unsafe { transport.as_ref() }.and_then(|t| t.push);
    OUTBOX.0.set(push.map(|p| (p, sink)));
}

#[no_mangle]
pub extern "C" fn engine_shutdown() {
    OUTBOX.0.set(None);
}

/// # Safety
/// `o` is null or a valid `new_order_t`.
#[no_mangle]
pub unsafe extern "C" fn engine_on_new_order(o: *const NewOrder) {
    // SAFETY: see above.
    if let Some(o) = unsafe { o.as_ref() } {
        send(Report {
            report_type: report_type::ORDER_ACK,
            side: o.side,
            sequence_number: o.sequence_number,
            order_id: o.order_id,
            price_ticks: o.price_ticks,
            quantity: o.quantity,
            ..Report::default()
        });
    }
}

/// # Safety
/// `c` is null or a valid `cancel_t`.
#[no_mangle]
pub unsafe extern "C" fn engine_on_cancel(c: *const CancelMsg) {
    // SAFETY: see above.
    if let Some(c) = unsafe { c.as_ref() } {
        send(Report {
            report_type: report_type::CANCEL_ACK,
            sequence_number: c.sequence_number,
            order_id: c.order_id,
            ..Report::default()
        });
    }
}

/// # Safety
/// `m` is null or a valid `modify_t`.
#[no_mangle]
pub unsafe extern "C" fn engine_on_modify(m: *const ModifyMsg) {
    // SAFETY: see above.
    if let Some(m) = unsafe { m.as_ref() } {
        send(Report {
            report_type: report_type::MODIFY_ACK,
            side: m.side,
            sequence_number: m.sequence_number,
            order_id: m.order_id,
            price_ticks: m.new_price_ticks,
            quantity: m.new_quantity,
            ..Report::default()
        });
    }
}

#[no_mangle]
pub extern "C" fn engine_flush() {}

#[no_mangle]
pub extern "C" fn engine_query_best_bid() -> i64 {
    i64::MIN
}

#[no_mangle]
pub extern "C" fn engine_query_best_ask() -> i64 {
    i64::MAX
}

#[no_mangle]
pub extern "C" fn engine_query_depth_at(_price_ticks: i64, _side: u8) -> u64 {
    0
}
