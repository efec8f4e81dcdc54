//! The benchmark's C types, declared here from the interface's description
//! (`api/matching_engine_api.h` of flash1-dev/matching-engine-benchmark). Sizes
//! and field offsets are checked at compile time against the header's own
//! static assertions: 32, 16, 32, 40 and 64 bytes.

use std::ffi::c_void;
use std::mem::{offset_of, size_of};

/// `new_order_t`: one new limit order (`side` 0 buy, 1 sell; `ioc` 1 for IOC).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NewOrder {
    pub order_id: u64,
    pub sequence_number: u64,
    pub price_ticks: i64,
    pub quantity: u32,
    pub side: u8,
    pub ioc: u8,
    pub reserved: [u8; 2],
}

/// `cancel_t`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CancelMsg {
    pub order_id: u64,
    pub sequence_number: u64,
}

/// `modify_t`: cancel + reinsert at `new_price_ticks` with `new_quantity` open.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModifyMsg {
    pub order_id: u64,
    pub sequence_number: u64,
    pub new_price_ticks: i64,
    pub new_quantity: u32,
    pub side: u8,
    pub reserved: [u8; 3],
}

/// `me_msg_t`'s payload: which arm is live is `Msg::msg_type`.
#[repr(C)]
#[derive(Clone, Copy)]
#[allow(missing_debug_implementations)]
pub union MsgBody {
    pub new_order: NewOrder,
    pub cancel: CancelMsg,
    pub modify: ModifyMsg,
}

/// `me_msg_t`: one element of an `engine_on_batch` run.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Msg {
    /// 0 new order, 1 cancel, 2 modify.
    pub msg_type: u8,
    pub reserved: [u8; 7],
    pub body: MsgBody,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Msg").field("msg_type", &self.msg_type).finish_non_exhaustive()
    }
}

/// `me_report_type_t`.
pub mod report_type {
    pub const ORDER_ACK: u8 = 0;
    pub const TRADE: u8 = 1;
    pub const CANCEL_ACK: u8 = 2;
    pub const MODIFY_ACK: u8 = 3;
    pub const CANCEL_REJECT: u8 = 4;
    pub const MODIFY_REJECT: u8 = 5;
}

/// `me_report_t`: one cache line.
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub report_type: u8,
    pub side: u8,
    pub reserved: [u8; 6],
    pub sequence_number: u64,
    pub order_id: u64,
    pub price_ticks: i64,
    pub quantity: u32,
    pub reserved2: u32,
    pub maker_order_id: u64,
    pub taker_order_id: u64,
    pub reserved3: u64,
}

/// `me_transport_t`: the queue the reports travel over. A null entry is `None`.
#[repr(C)]
#[derive(Debug)]
pub struct Transport {
    pub create: Option<unsafe extern "C" fn(capacity: u32) -> *mut c_void>,
    pub push: Option<unsafe extern "C" fn(handle: *mut c_void, report: *const Report) -> i32>,
    pub drain: Option<unsafe extern "C" fn(handle: *mut c_void, out: *mut Report, max: u32) -> u32>,
    pub flush: Option<unsafe extern "C" fn(handle: *mut c_void)>,
    pub destroy: Option<unsafe extern "C" fn(handle: *mut c_void)>,
}

const _: () = assert!(size_of::<NewOrder>() == 32);
const _: () = assert!(size_of::<CancelMsg>() == 16);
const _: () = assert!(size_of::<ModifyMsg>() == 32);
const _: () = assert!(size_of::<Msg>() == 40);
const _: () = assert!(offset_of!(Msg, body) == 8);
const _: () = assert!(size_of::<Report>() == 64);
const _: () = assert!(offset_of!(NewOrder, quantity) == 24 && offset_of!(NewOrder, ioc) == 29);
const _: () = assert!(offset_of!(ModifyMsg, new_quantity) == 24 && offset_of!(ModifyMsg, side) == 28);
const _: () = assert!(offset_of!(Report, sequence_number) == 8 && offset_of!(Report, quantity) == 32);
const _: () = assert!(offset_of!(Report, maker_order_id) == 40 && offset_of!(Report, taker_order_id) == 48);
