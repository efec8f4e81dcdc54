//! The plug-in driven through its extern "C" functions, as the harness drives
//! it, with a transport that collects the reports in a `Vec`.
//!
//! The plug-in has one global engine, so the tests take a lock and each starts
//! with `engine_init` on a fresh transport.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::ffi::c_void;
use std::sync::{Mutex, MutexGuard};

use brokerx_flash1::abi::{report_type as rt, CancelMsg, ModifyMsg, Msg, MsgBody, NewOrder, Report, Transport};
use brokerx_flash1::*;

const BUY: u8 = 0;
const SELL: u8 = 1;

static SERIAL: Mutex<()> = Mutex::new(());

unsafe extern "C" fn push(handle: *mut c_void, report: *const Report) -> i32 {
    // SAFETY: `handle` is the `Vec<Report>` a `Session` owns; `report` is live.
    unsafe { (*handle.cast::<Vec<Report>>()).push(*report) };
    1
}

static TRANSPORT: Transport = Transport { create: None, push: Some(push), drain: None, flush: None, destroy: None };

/// One engine_init .. engine_shutdown, with the reports it produced.
struct Session {
    // Boxed: the plug-in holds a pointer to the Vec itself, which must not move.
    #[allow(clippy::box_collection)]
    reports: Box<Vec<Report>>,
    seq: u64,
    _serial: MutexGuard<'static, ()>,
}

impl Session {
    fn new() -> Self {
        let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let mut reports = Box::new(Vec::new());
        let handle: *mut Vec<Report> = &mut *reports;
        // SAFETY: the transport and the Vec outlive the session (shut down in Drop).
        unsafe { engine_init(7, &TRANSPORT, handle.cast()) };
        Session { reports, seq: 0, _serial: serial }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The reports since the last call.
    fn take(&mut self) -> Vec<Report> {
        std::mem::take(&mut *self.reports)
    }

    fn new_order(&mut self, order_id: u64, side: u8, quantity: u32, price: i64, ioc: bool) -> Vec<Report> {
        let o = NewOrder {
            order_id,
            sequence_number: self.next_seq(),
            price_ticks: price,
            quantity,
            side,
            ioc: u8::from(ioc),
            reserved: [0; 2],
        };
        // SAFETY: a valid new_order_t.
        unsafe { engine_on_new_order(&o) };
        self.take()
    }

    fn cancel(&mut self, order_id: u64) -> Vec<Report> {
        let c = CancelMsg { order_id, sequence_number: self.next_seq() };
        // SAFETY: a valid cancel_t.
        unsafe { engine_on_cancel(&c) };
        self.take()
    }

    fn modify(&mut self, order_id: u64, side: u8, new_quantity: u32, new_price: i64) -> Vec<Report> {
        let m = ModifyMsg {
            order_id,
            sequence_number: self.next_seq(),
            new_price_ticks: new_price,
            new_quantity,
            side,
            reserved: [0; 3],
        };
        // SAFETY: a valid modify_t.
        unsafe { engine_on_modify(&m) };
        self.take()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        engine_shutdown();
    }
}

fn ack(report_type: u8, seq: u64, side: u8, order_id: u64, price: i64, quantity: u32) -> Report {
    Report { report_type, side, sequence_number: seq, order_id, price_ticks: price, quantity, ..Report::default() }
}

fn trade(seq: u64, price: i64, quantity: u32, maker: u64, taker: u64) -> Report {
    Report {
        report_type: rt::TRADE,
        sequence_number: seq,
        price_ticks: price,
        quantity,
        maker_order_id: maker,
        taker_order_id: taker,
        ..Report::default()
    }
}

fn reject(report_type: u8, seq: u64, order_id: u64) -> Report {
    Report { report_type, sequence_number: seq, order_id, ..Report::default() }
}

#[test]
fn crossing_order_fills_at_each_makers_price_in_price_then_time_order() {
    let mut s = Session::new();
    assert_eq!(s.new_order(10, SELL, 5, 101, false), [ack(rt::ORDER_ACK, 1, SELL, 10, 101, 5)]);
    s.new_order(11, SELL, 5, 100, false);
    s.new_order(12, SELL, 5, 100, false);
    // Buys 12 up to 101: 5 from 11 (first at 100), 5 from 12, 2 from 10 at 101.
    let reports = s.new_order(20, BUY, 12, 101, false);
    assert_eq!(
        reports,
        [
            ack(rt::ORDER_ACK, 4, BUY, 20, 101, 12),
            trade(4, 100, 5, 11, 20),
            trade(4, 100, 5, 12, 20),
            trade(4, 101, 2, 10, 20),
        ]
    );
    assert_eq!(engine_query_best_ask(), 101);
    assert_eq!(engine_query_depth_at(101, SELL), 3);
    assert_eq!(engine_query_depth_at(100, SELL), 0);
    assert_eq!(engine_query_best_bid(), i64::MIN);
}

#[test]
fn ioc_remainder_is_cancelled_and_does_not_rest() {
    let mut s = Session::new();
    s.new_order(1, SELL, 10, 100, false);
    let reports = s.new_order(2, BUY, 15, 100, true);
    assert_eq!(
        reports,
        [ack(rt::ORDER_ACK, 2, BUY, 2, 100, 15), trade(2, 100, 10, 1, 2), ack(rt::CANCEL_ACK, 2, BUY, 2, 100, 0)]
    );
    assert_eq!(engine_query_best_bid(), i64::MIN);
    assert_eq!(engine_query_best_ask(), i64::MAX);
}

#[test]
fn cancel_acks_a_resting_order_and_rejects_it_once_gone() {
    let mut s = Session::new();
    s.new_order(1, BUY, 10, 99, false);
    s.new_order(2, BUY, 7, 98, false);
    assert_eq!(s.cancel(1), [ack(rt::CANCEL_ACK, 3, BUY, 1, 99, 0)]);
    assert_eq!(engine_query_best_bid(), 98);
    assert_eq!(engine_query_depth_at(99, BUY), 0);
    assert_eq!(s.cancel(1), [reject(rt::CANCEL_REJECT, 4, 1)]);
    assert_eq!(s.cancel(999), [reject(rt::CANCEL_REJECT, 5, 999)]);
    // A fully filled order does not rest either.
    s.new_order(3, SELL, 7, 98, false);
    assert_eq!(s.cancel(2), [reject(rt::CANCEL_REJECT, 7, 2)]);
}

#[test]
fn modify_loses_priority_and_reopens_with_the_new_quantity() {
    let mut s = Session::new();
    s.new_order(1, BUY, 10, 100, false);
    s.new_order(2, BUY, 10, 100, false);
    // A quantity increase at the same price: back of the queue, 11 open.
    assert_eq!(s.modify(1, BUY, 11, 100), [ack(rt::MODIFY_ACK, 3, BUY, 1, 100, 11)]);
    assert_eq!(engine_query_depth_at(100, BUY), 21);
    // A sell of 10 now fills 2 (which was behind 1 before the modify).
    assert_eq!(s.new_order(3, SELL, 10, 100, false)[1], trade(4, 100, 10, 2, 3));
}

#[test]
fn same_price_decrease_also_goes_to_the_back_of_the_queue() {
    let mut s = Session::new();
    s.new_order(1, SELL, 10, 100, false);
    s.new_order(2, SELL, 10, 100, false);
    // A pure decrease would keep priority in an amend; the interface's modify is
    // cancel + reinsert, so 1 goes behind 2 with 4 open.
    assert_eq!(s.modify(1, SELL, 4, 100), [ack(rt::MODIFY_ACK, 3, SELL, 1, 100, 4)]);
    assert_eq!(engine_query_depth_at(100, SELL), 14);
    let reports = s.new_order(3, BUY, 12, 100, false);
    assert_eq!(&reports[1..], [trade(4, 100, 10, 2, 3), trade(4, 100, 2, 1, 3)]);
    // The replaced order still answers to its harness id.
    assert_eq!(s.cancel(1), [ack(rt::CANCEL_ACK, 5, SELL, 1, 100, 0)]);
}

#[test]
fn modify_of_a_partly_filled_order_opens_the_new_quantity_and_can_cross() {
    let mut s = Session::new();
    s.new_order(1, SELL, 10, 100, false);
    s.new_order(2, BUY, 4, 100, false);
    s.new_order(3, BUY, 3, 99, false);
    // 6 were open; the modify reprices through the bid at 99 with 8 open.
    let reports = s.modify(1, SELL, 8, 99);
    assert_eq!(reports, [ack(rt::MODIFY_ACK, 4, SELL, 1, 99, 8), trade(4, 99, 3, 3, 1)]);
    assert_eq!(engine_query_best_ask(), 99);
    assert_eq!(engine_query_depth_at(99, SELL), 5);
    assert_eq!(engine_query_best_bid(), i64::MIN);
}

#[test]
fn modify_of_an_order_that_does_not_rest_is_rejected() {
    let mut s = Session::new();
    assert_eq!(s.modify(5, BUY, 5, 100), [reject(rt::MODIFY_REJECT, 1, 5)]);
    s.new_order(1, SELL, 10, 100, false);
    s.new_order(2, BUY, 10, 100, false);
    assert_eq!(s.modify(1, SELL, 5, 101), [reject(rt::MODIFY_REJECT, 4, 1)]);
    // A zero new quantity is refused and leaves the order as it was.
    s.new_order(3, BUY, 2, 90, false);
    assert_eq!(s.modify(3, BUY, 0, 90), [reject(rt::MODIFY_REJECT, 6, 3)]);
    assert_eq!(engine_query_depth_at(90, BUY), 2);
}

#[test]
fn an_id_freed_by_a_cancel_or_a_fill_can_be_placed_again() {
    let mut s = Session::new();
    s.new_order(1, BUY, 10, 100, false);
    s.cancel(1);
    s.new_order(1, SELL, 10, 200, false);
    assert_eq!(s.new_order(2, BUY, 10, 200, true)[1], trade(4, 200, 10, 1, 2));
    assert_eq!(s.cancel(1), [reject(rt::CANCEL_REJECT, 5, 1)]);
}

#[test]
fn refused_new_order_reports_nothing_and_changes_nothing() {
    let mut s = Session::new();
    assert!(s.new_order(1, BUY, 0, 100, false).is_empty());
    assert!(s.new_order(2, BUY, 5, 0, false).is_empty());
    assert_eq!(engine_query_best_bid(), i64::MIN);
    assert_eq!(s.cancel(2), [reject(rt::CANCEL_REJECT, 3, 2)]);
}

#[test]
fn a_batch_reports_what_single_calls_report() {
    let msgs = [
        (
            0,
            NewOrder {
                order_id: 1,
                sequence_number: 1,
                price_ticks: 100,
                quantity: 10,
                side: SELL,
                ..Default::default()
            },
        ),
        (
            0,
            NewOrder {
                order_id: 2,
                sequence_number: 2,
                price_ticks: 100,
                quantity: 10,
                side: SELL,
                ..Default::default()
            },
        ),
        (1, NewOrder { order_id: 1, sequence_number: 3, ..Default::default() }),
        (
            0,
            NewOrder {
                order_id: 3,
                sequence_number: 4,
                price_ticks: 101,
                quantity: 15,
                side: BUY,
                ioc: 1,
                ..Default::default()
            },
        ),
    ];
    let single = {
        let mut s = Session::new();
        let mut all = s.new_order(1, SELL, 10, 100, false);
        all.extend(s.new_order(2, SELL, 10, 100, false));
        all.extend(s.cancel(1));
        all.extend(s.new_order(3, BUY, 15, 101, true));
        all
    };
    let mut s = Session::new();
    let batch: Vec<Msg> = msgs
        .iter()
        .map(|&(msg_type, o)| Msg {
            msg_type,
            reserved: [0; 7],
            body: if msg_type == 1 {
                MsgBody { cancel: CancelMsg { order_id: o.order_id, sequence_number: o.sequence_number } }
            } else {
                MsgBody { new_order: o }
            },
        })
        .collect();
    // SAFETY: `batch.len()` valid messages.
    unsafe { engine_on_batch(batch.as_ptr(), batch.len() as u32) };
    assert_eq!(s.take(), single);
    assert_eq!(single.len(), 6, "{single:?}");
}

#[test]
fn entry_points_without_init_do_nothing() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    engine_shutdown();
    let o = NewOrder { order_id: 1, sequence_number: 1, price_ticks: 100, quantity: 1, ..Default::default() };
    // SAFETY: a valid new_order_t; null pointers are accepted too.
    unsafe {
        engine_on_new_order(&o);
        engine_on_new_order(std::ptr::null());
        engine_on_cancel(std::ptr::null());
        engine_on_modify(std::ptr::null());
        engine_on_batch(std::ptr::null(), 3);
        engine_init(0, std::ptr::null(), std::ptr::null_mut());
    }
    engine_flush();
    assert_eq!(engine_query_best_bid(), i64::MIN);
    assert_eq!(engine_query_best_ask(), i64::MAX);
    assert_eq!(engine_query_depth_at(100, BUY), 0);
}
