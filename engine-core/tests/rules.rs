//! One test per matching rule, named as the outcome it guarantees.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use brokerx_engine::*;
use brokerx_testkit::workload;
use common::*;

use Side::{Buy, Sell};

#[test]
fn crossing_limit_fills_at_resting_price() {
    let mut h = H::new();
    let maker = h.limit(1, Sell, 100, 10);
    let evs = h.place(Place::limit(AccountId(2), h.inst, Buy, Ticks(105), Lots(4))).unwrap();
    let taker = accepted_id(&evs);
    assert_eq!(trades(&evs), vec![(100, 4, maker.0, taker.0)]);
    assert_eq!(h.levels(Sell), vec![(100, 6, 1)]);
    assert!(h.levels(Buy).is_empty());
}

#[test]
fn better_price_fills_before_earlier_order_at_worse_price() {
    let mut h = H::new();
    let worse = h.limit(1, Sell, 101, 5);
    let better = h.limit(1, Sell, 100, 5);
    let evs = h.place(Place::limit(AccountId(2), h.inst, Buy, Ticks(101), Lots(7))).unwrap();
    let t: Vec<_> = trades(&evs).iter().map(|t| (t.0, t.1, t.2)).collect();
    assert_eq!(t, vec![(100, 5, better.0), (101, 2, worse.0)]);
}

#[test]
fn earlier_order_at_same_price_fills_first() {
    let mut h = H::new();
    let a = h.limit(1, Buy, 50, 3);
    let b = h.limit(2, Buy, 50, 3);
    let evs = h.place(Place::limit(AccountId(3), h.inst, Sell, Ticks(50), Lots(4))).unwrap();
    let t: Vec<_> = trades(&evs).iter().map(|t| (t.1, t.2)).collect();
    assert_eq!(t, vec![(3, a.0), (1, b.0)]);
    assert_eq!(h.queue(Buy, 50), vec![b.0]);
}

#[test]
fn partial_fill_keeps_maker_place_in_queue() {
    let mut h = H::new();
    let a = h.limit(1, Sell, 100, 10);
    let b = h.limit(2, Sell, 100, 10);
    h.place(Place::limit(AccountId(3), h.inst, Buy, Ticks(100), Lots(4))).unwrap();
    assert_eq!(h.queue(Sell, 100), vec![a.0, b.0]);
    let evs = h.place(Place::limit(AccountId(3), h.inst, Buy, Ticks(100), Lots(7))).unwrap();
    let t: Vec<_> = trades(&evs).iter().map(|t| (t.1, t.2)).collect();
    assert_eq!(t, vec![(6, a.0), (1, b.0)]);
}

#[test]
fn unfilled_gtc_remainder_rests_at_its_limit() {
    let mut h = H::new();
    h.limit(1, Sell, 100, 3);
    let id = h.limit(2, Buy, 101, 5);
    assert_eq!(h.levels(Buy), vec![(101, 2, 1)]);
    let o = h.e.order(id).unwrap();
    assert_eq!((o.filled.0, o.remaining.0, o.qty.0, o.version), (3, 2, 5, 0));
}

#[test]
fn ioc_remainder_is_cancelled_and_never_rests() {
    let mut h = H::new();
    h.limit(1, Sell, 100, 3);
    let evs = h.place(Place::limit(AccountId(2), h.inst, Buy, Ticks(100), Lots(5)).with_tif(TimeInForce::Ioc)).unwrap();
    let id = accepted_id(&evs);
    assert_eq!(trades(&evs).len(), 1);
    assert_eq!(cancels(&evs), vec![(id.0, 2, CancelReason::IocRemainder)]);
    assert!(h.levels(Buy).is_empty());
    assert!(h.e.order(id).is_none());
}

#[test]
fn ioc_that_crosses_nothing_is_cancelled_whole() {
    let mut h = H::new();
    h.limit(1, Sell, 100, 3);
    let evs = h.place(Place::limit(AccountId(2), h.inst, Buy, Ticks(99), Lots(5)).with_tif(TimeInForce::Ioc)).unwrap();
    assert_eq!(cancels(&evs), vec![(accepted_id(&evs).0, 5, CancelReason::IocRemainder)]);
    assert!(h.levels(Buy).is_empty());
}

#[test]
fn market_order_sweeps_levels_and_cancels_what_the_book_cannot_fill() {
    let mut h = H::new();
    h.limit(1, Sell, 100, 2);
    h.limit(1, Sell, 105, 2);
    let evs = h.place(Place::market(AccountId(2), h.inst, Buy, Lots(6))).unwrap();
    let id = accepted_id(&evs);
    let t: Vec<_> = trades(&evs).iter().map(|t| (t.0, t.1)).collect();
    assert_eq!(t, vec![(100, 2), (105, 2)]);
    assert_eq!(cancels(&evs), vec![(id.0, 2, CancelReason::NoLiquidity)]);
    assert!(h.levels(Sell).is_empty() && h.levels(Buy).is_empty());
}

#[test]
fn market_order_into_empty_book_is_cancelled_not_an_error() {
    let mut h = H::new();
    let evs = h.place(Place::market(AccountId(2), h.inst, Sell, Lots(6))).unwrap();
    assert_eq!(cancels(&evs), vec![(accepted_id(&evs).0, 6, CancelReason::NoLiquidity)]);
}

#[test]
fn market_order_with_gtc_is_refused() {
    let mut h = H::new();
    let err = h.place(Place::market(AccountId(2), h.inst, Sell, Lots(6)).with_tif(TimeInForce::Gtc)).unwrap_err();
    assert_eq!(err.code(), "market_order_time_in_force");
}

#[test]
fn fok_fills_completely_across_levels() {
    let mut h = H::new();
    h.limit(1, Sell, 100, 2);
    h.limit(1, Sell, 101, 3);
    let evs = h.place(Place::limit(AccountId(2), h.inst, Buy, Ticks(101), Lots(5)).with_tif(TimeInForce::Fok)).unwrap();
    assert_eq!(trades(&evs).iter().map(|t| t.1).sum::<i64>(), 5);
    assert!(cancels(&evs).is_empty());
    assert!(h.levels(Sell).is_empty());
}

#[test]
fn fok_that_cannot_fill_completely_does_nothing_but_cancel() {
    let mut h = H::new();
    h.limit(1, Sell, 100, 2);
    h.limit(1, Sell, 102, 3);
    let before = h.levels(Sell);
    let evs = h.place(Place::limit(AccountId(2), h.inst, Buy, Ticks(101), Lots(3)).with_tif(TimeInForce::Fok)).unwrap();
    assert!(trades(&evs).is_empty());
    assert_eq!(cancels(&evs), vec![(accepted_id(&evs).0, 3, CancelReason::FokUnfillable)]);
    assert_eq!(evs.len(), 2, "accepted + cancelled only: {evs:?}");
    assert_eq!(h.levels(Sell), before);
}

#[test]
fn post_only_that_would_cross_is_rejected_and_changes_no_order() {
    let mut h = H::new();
    h.limit(1, Sell, 100, 2);
    let before = h.levels(Sell);
    let evs = h.place(Place::limit(AccountId(2), h.inst, Buy, Ticks(100), Lots(1)).with_post_only()).unwrap();
    assert!(matches!(evs[..], [EventKind::Rejected { reason: RejectReason::PostOnlyWouldCross, order_id: None, .. }]));
    assert_eq!(h.levels(Sell), before);
    assert!(h.levels(Buy).is_empty());
}

#[test]
fn post_only_that_does_not_cross_rests() {
    let mut h = H::new();
    h.limit(1, Sell, 100, 2);
    let id =
        accepted_id(&h.place(Place::limit(AccountId(2), h.inst, Buy, Ticks(99), Lots(1)).with_post_only()).unwrap());
    assert!(h.e.order(id).unwrap().post_only);
}

#[test]
fn post_only_with_ioc_is_refused() {
    let mut h = H::new();
    let p = Place::limit(AccountId(2), h.inst, Buy, Ticks(99), Lots(1)).with_post_only().with_tif(TimeInForce::Ioc);
    assert_eq!(h.place(p).unwrap_err().code(), "post_only_time_in_force");
}

#[test]
fn self_trade_is_allowed_without_stp() {
    let mut h = H::new();
    h.limit(7, Sell, 100, 2);
    let evs = h.place(Place::limit(AccountId(7), h.inst, Buy, Ticks(100), Lots(2))).unwrap();
    assert_eq!(trades(&evs).len(), 1);
}

#[test]
fn stp_cancel_taker_cancels_incoming_and_keeps_resting() {
    let mut h = H::new();
    let other = h.limit(1, Sell, 100, 1);
    let own = h.limit(7, Sell, 100, 5);
    let p = Place::limit(AccountId(7), h.inst, Buy, Ticks(100), Lots(4)).with_stp(SelfTradePrevention::CancelTaker);
    let evs = h.place(p).unwrap();
    let id = accepted_id(&evs);
    assert_eq!(trades(&evs), vec![(100, 1, other.0, id.0)]);
    assert_eq!(cancels(&evs), vec![(id.0, 3, CancelReason::SelfTradePrevention)]);
    assert_eq!(h.queue(Sell, 100), vec![own.0]);
    assert!(h.levels(Buy).is_empty());
}

#[test]
fn stp_cancel_maker_cancels_resting_and_keeps_matching() {
    let mut h = H::new();
    let own = h.limit(7, Sell, 100, 5);
    let other = h.limit(1, Sell, 100, 5);
    let p = Place::limit(AccountId(7), h.inst, Buy, Ticks(100), Lots(4)).with_stp(SelfTradePrevention::CancelMaker);
    let evs = h.place(p).unwrap();
    let id = accepted_id(&evs);
    assert_eq!(cancels(&evs), vec![(own.0, 5, CancelReason::SelfTradePrevention)]);
    assert_eq!(trades(&evs), vec![(100, 4, other.0, id.0)]);
    assert_eq!(h.levels(Sell), vec![(100, 1, 1)]);
}

#[test]
fn stp_cancel_both_cancels_resting_and_incoming() {
    let mut h = H::new();
    let own = h.limit(7, Sell, 100, 5);
    h.limit(1, Sell, 100, 5);
    let p = Place::limit(AccountId(7), h.inst, Buy, Ticks(100), Lots(4)).with_stp(SelfTradePrevention::CancelBoth);
    let evs = h.place(p).unwrap();
    let id = accepted_id(&evs);
    assert!(trades(&evs).is_empty());
    assert_eq!(
        cancels(&evs),
        vec![(own.0, 5, CancelReason::SelfTradePrevention), (id.0, 4, CancelReason::SelfTradePrevention)]
    );
    assert_eq!(h.levels(Sell), vec![(100, 5, 1)]);
}

#[test]
fn stp_decrement_reduces_both_without_a_trade() {
    let mut h = H::new();
    let own = h.limit(7, Sell, 100, 5);
    let p = Place::limit(AccountId(7), h.inst, Buy, Ticks(100), Lots(3)).with_stp(SelfTradePrevention::Decrement);
    let evs = h.place(p).unwrap();
    let id = accepted_id(&evs);
    assert!(trades(&evs).is_empty());
    assert!(evs.iter().any(
        |k| matches!(k, EventKind::Reduced { order_id, qty: Lots(3), remaining: Lots(2), .. } if *order_id == own)
    ));
    assert_eq!(cancels(&evs), vec![(id.0, 3, CancelReason::SelfTradePrevention)]);
    assert_eq!(h.levels(Sell), vec![(100, 2, 1)]);
    assert_eq!(h.e.order(own).unwrap().remaining, Lots(2));
}

#[test]
fn cancel_removes_order_and_empty_level() {
    let mut h = H::new();
    let id = h.limit(1, Buy, 99, 5);
    let evs = h.cancel(1, id).unwrap();
    assert_eq!(cancels(&evs), vec![(id.0, 5, CancelReason::User)]);
    assert!(h.levels(Buy).is_empty());
    assert_eq!(h.cancel(1, id).unwrap_err().code(), "unknown_order");
}

#[test]
fn cancel_of_another_accounts_order_is_refused_and_changes_nothing() {
    let mut h = H::new();
    let id = h.limit(1, Buy, 99, 5);
    let (hash, seq) = (h.e.state_hash(), h.e.last_seq());
    assert_eq!(h.cancel(2, id).unwrap_err().code(), "order_not_owned");
    assert_eq!((h.e.state_hash(), h.e.last_seq()), (hash, seq));
    assert_eq!(h.cancel(1, OrderId(999)).unwrap_err().code(), "unknown_order");
}

#[test]
fn mass_cancel_by_account_leaves_other_accounts() {
    let mut h = H::new();
    let a1 = h.limit(1, Buy, 99, 5);
    let b = h.limit(2, Buy, 99, 5);
    let a2 = h.limit(1, Sell, 105, 5);
    let evs = h.apply(CommandKind::MassCancel(MassCancel { account: Some(AccountId(1)), instrument: None })).unwrap();
    assert_eq!(cancels(&evs), vec![(a1.0, 5, CancelReason::MassCancel), (a2.0, 5, CancelReason::MassCancel)]);
    assert_eq!(h.queue(Buy, 99), vec![b.0]);
    let err = h.apply(CommandKind::MassCancel(MassCancel { account: None, instrument: None })).unwrap_err();
    assert_eq!(err.code(), "mass_cancel_needs_filter");
}

#[test]
fn mass_cancel_by_instrument_clears_only_that_book() {
    let mut h = H::new();
    h.apply(CommandKind::RegisterInstrument(InstrumentSpec::new("OTHER", d("1"), d("1")))).unwrap();
    h.limit(1, Buy, 99, 5);
    let other = h.place(Place::limit(AccountId(1), InstrumentId(1), Buy, Ticks(5), Lots(1))).unwrap();
    h.apply(CommandKind::MassCancel(MassCancel { account: None, instrument: Some(h.inst) })).unwrap();
    assert!(h.levels(Buy).is_empty());
    assert!(h.e.order(accepted_id(&other)).is_some());
}

#[test]
fn amend_quantity_down_keeps_time_priority() {
    let mut h = H::new();
    let a = h.limit(1, Buy, 99, 10);
    let b = h.limit(2, Buy, 99, 10);
    let evs = h.amend(1, a, None, Some(4), Some(0)).unwrap();
    assert!(matches!(evs[..], [EventKind::Amended { version: 1, remaining: Lots(4), priority_kept: true, .. }]));
    assert_eq!(h.queue(Buy, 99), vec![a.0, b.0]);
    assert_eq!(h.levels(Buy), vec![(99, 14, 2)]);
}

#[test]
fn amend_quantity_up_loses_time_priority() {
    let mut h = H::new();
    let a = h.limit(1, Buy, 99, 10);
    let b = h.limit(2, Buy, 99, 10);
    let evs = h.amend(1, a, None, Some(12), None).unwrap();
    assert!(matches!(evs[..], [EventKind::Amended { priority_kept: false, .. }]));
    assert_eq!(h.queue(Buy, 99), vec![b.0, a.0]);
    assert_eq!(h.levels(Buy), vec![(99, 22, 2)]);
}

#[test]
fn amend_price_loses_time_priority() {
    let mut h = H::new();
    let a = h.limit(1, Buy, 99, 10);
    let b = h.limit(2, Buy, 98, 10);
    h.amend(1, a, Some(98), None, None).unwrap();
    assert_eq!(h.queue(Buy, 98), vec![b.0, a.0]);
    assert_eq!(h.e.order(a).unwrap().version, 1);
}

#[test]
fn amend_that_crosses_trades_at_makers_prices() {
    let mut h = H::new();
    let s1 = h.limit(1, Sell, 101, 3);
    let s2 = h.limit(1, Sell, 102, 3);
    let bid = h.limit(2, Buy, 99, 10);
    let evs = h.amend(2, bid, Some(102), None, Some(0)).unwrap();
    assert_eq!(trades(&evs), vec![(101, 3, s1.0, bid.0), (102, 3, s2.0, bid.0)]);
    let o = h.e.order(bid).unwrap();
    assert_eq!((o.price.0, o.remaining.0, o.filled.0, o.version), (102, 4, 6, 1));
}

#[test]
fn amend_with_stale_version_is_refused_and_changes_nothing() {
    let mut h = H::new();
    let a = h.limit(1, Buy, 99, 10);
    h.amend(1, a, None, Some(8), Some(0)).unwrap();
    let hash = h.e.state_hash();
    let err = h.amend(1, a, None, Some(6), Some(0)).unwrap_err();
    assert_eq!(err.code(), "stale_version");
    assert_eq!(h.e.state_hash(), hash);
    h.amend(1, a, None, Some(6), Some(1)).unwrap();
}

#[test]
fn amend_total_at_or_below_filled_is_refused() {
    let mut h = H::new();
    let a = h.limit(1, Buy, 99, 10);
    h.limit(2, Sell, 99, 4);
    assert_eq!(h.amend(1, a, None, Some(4), None).unwrap_err().code(), "amend_qty_at_or_below_filled");
    assert_eq!(h.amend(1, a, None, Some(3), None).unwrap_err().code(), "amend_qty_at_or_below_filled");
    let evs = h.amend(1, a, None, Some(5), None).unwrap();
    assert!(matches!(evs[..], [EventKind::Amended { qty: Lots(5), remaining: Lots(1), .. }]));
    assert_eq!(h.amend(1, a, None, None, None).unwrap_err().code(), "nothing_to_amend");
}

#[test]
fn gtd_order_expires_at_its_deadline() {
    let mut h = H::new();
    let p = Place::limit(AccountId(1), h.inst, Buy, Ticks(99), Lots(5)).with_expire_at(Timestamp(5_000));
    let id = accepted_id(&h.place(p).unwrap());
    assert_eq!(h.e.next_deadline(), Some(Timestamp(5_000)));
    let mut out = Vec::new();
    h.e.on_time(Timestamp(4_999), &mut out).unwrap();
    assert!(out.is_empty());
    h.e.on_time(Timestamp(5_000), &mut out).unwrap();
    assert!(out.iter().any(|e| matches!(e.kind, EventKind::Expired { order_id, qty: Lots(5), .. } if order_id == id)));
    assert_eq!(h.e.next_deadline(), None);
    h.e.check_invariants().unwrap();
}

#[test]
fn expired_order_never_trades_even_before_on_time_is_called() {
    let mut h = H::new();
    let p = Place::limit(AccountId(1), h.inst, Sell, Ticks(100), Lots(5)).with_expire_at(Timestamp(5_000));
    let gtd = accepted_id(&h.place(p).unwrap());
    let later = h.limit(2, Sell, 101, 5);
    let evs =
        h.apply_at(5_000, CommandKind::Place(Place::limit(AccountId(3), h.inst, Buy, Ticks(101), Lots(5)))).unwrap();
    assert!(matches!(evs[0], EventKind::Expired { order_id, .. } if order_id == gtd));
    assert_eq!(trades(&evs).iter().map(|t| (t.0, t.2)).collect::<Vec<_>>(), vec![(101, later.0)]);
}

#[test]
fn gtd_needs_a_future_expire_at() {
    let mut h = H::new();
    let mut p = Place::limit(AccountId(1), h.inst, Buy, Ticks(99), Lots(5)).with_tif(TimeInForce::Gtd);
    assert_eq!(h.place(p).unwrap_err().code(), "expire_at_required");
    p.expire_at = Some(Timestamp(1));
    assert_eq!(h.place(p).unwrap_err().code(), "expire_at_not_in_future");
    let p = Place::limit(AccountId(1), h.inst, Buy, Ticks(99), Lots(5))
        .with_expire_at(Timestamp(1))
        .with_tif(TimeInForce::Gtc);
    assert_eq!(h.place(p).unwrap_err().code(), "expire_at_not_allowed");
}

#[test]
fn halted_instrument_rejects_places_and_amends_but_accepts_cancels() {
    let mut h = H::new();
    let a = h.limit(1, Buy, 99, 5);
    let b = h.limit(1, Buy, 98, 5);
    h.apply(CommandKind::SetTradingStatus(SetTradingStatus {
        instrument: h.inst,
        status: TradingStatus::Halted,
        cancel_resting: false,
    }))
    .unwrap();
    let evs = h.place(Place::limit(AccountId(2), h.inst, Sell, Ticks(99), Lots(1))).unwrap();
    assert!(matches!(evs[..], [EventKind::Rejected { reason: RejectReason::InstrumentHalted, .. }]));
    let evs = h.amend(1, a, Some(97), None, None).unwrap();
    assert!(matches!(evs[..], [EventKind::Rejected { reason: RejectReason::InstrumentHalted, .. }]));
    assert_eq!(h.e.order(a).unwrap().price, Ticks(99));
    assert_eq!(cancels(&h.cancel(1, b).unwrap()).len(), 1);
    h.apply(CommandKind::SetTradingStatus(SetTradingStatus {
        instrument: h.inst,
        status: TradingStatus::Open,
        cancel_resting: false,
    }))
    .unwrap();
    assert_eq!(trades(&h.place(Place::limit(AccountId(2), h.inst, Sell, Ticks(99), Lots(1))).unwrap()).len(), 1);
}

#[test]
fn closing_with_cancel_resting_cancels_every_order() {
    let mut h = H::new();
    h.limit(1, Buy, 99, 5);
    h.limit(2, Sell, 101, 5);
    let evs = h
        .apply(CommandKind::SetTradingStatus(SetTradingStatus {
            instrument: h.inst,
            status: TradingStatus::Closed,
            cancel_resting: true,
        }))
        .unwrap();
    assert_eq!(cancels(&evs).len(), 2);
    assert!(cancels(&evs).iter().all(|c| c.2 == CancelReason::Closed));
    assert_eq!(h.e.live_orders(), 0);
}

#[test]
fn bad_inputs_are_refused_with_stable_codes_and_change_nothing() {
    let mut h = H::new();
    h.limit(1, Buy, 99, 5);
    let hash = h.e.state_hash();
    let seq = h.e.last_seq();
    let i = h.inst;
    let cases: Vec<(Place, &str)> = vec![
        (Place::limit(AccountId(1), i, Buy, Ticks(99), Lots(0)), "invalid_quantity"),
        (Place::limit(AccountId(1), i, Buy, Ticks(99), Lots(-3)), "invalid_quantity"),
        (Place::limit(AccountId(1), i, Buy, Ticks(0), Lots(1)), "invalid_price"),
        (Place::limit(AccountId(1), i, Buy, Ticks(-5), Lots(1)), "invalid_price"),
        (Place::limit(AccountId(1), InstrumentId(42), Buy, Ticks(99), Lots(1)), "unknown_instrument"),
        (Place::limit(AccountId(1), i, Buy, Ticks(99), Lots(2_000_000_000_000)), "quantity_above_max"),
    ];
    for (p, code) in cases {
        assert_eq!(h.place(p).unwrap_err().code(), code, "{p:?}");
        assert_eq!((h.e.state_hash(), h.e.last_seq()), (hash, seq));
    }
    let err = h.apply_at(10, CommandKind::Place(Place::limit(AccountId(1), i, Buy, Ticks(99), Lots(1)))).unwrap_err();
    assert_eq!(err.code(), "time_went_backwards");
    assert_eq!((h.e.state_hash(), h.e.last_seq()), (hash, seq));
}

#[test]
fn off_tick_decimal_price_is_refused_at_the_boundary() {
    let h = H::new();
    let inst = h.e.instrument(h.inst).unwrap();
    assert_eq!(inst.price_to_ticks(d("10.005")).unwrap_err().code(), "off_tick");
    assert_eq!(inst.price_to_ticks(d("10.05")).unwrap(), Ticks(1005));
    assert_eq!(inst.qty_to_lots(d("1.5")).unwrap_err().code(), "off_lot");
}

#[test]
fn duplicate_live_client_order_id_is_refused_until_the_first_is_done() {
    let mut h = H::new();
    let cid = ClientOrderId::new("c-1").unwrap();
    let p = Place::limit(AccountId(1), h.inst, Buy, Ticks(99), Lots(5)).with_client_order_id(cid);
    let first = accepted_id(&h.place(p).unwrap());
    assert_eq!(h.e.order(first).unwrap().client_order_id, Some(cid));
    assert_eq!(h.place(p).unwrap_err().code(), "duplicate_client_order_id");
    // Another account may use the same client id.
    let mut other = p;
    other.account = AccountId(2);
    h.place(other).unwrap();
    h.cancel(1, first).unwrap();
    h.place(p).unwrap();
}

#[test]
fn quantity_bounds_of_the_instrument_are_enforced() {
    let mut h = H::new();
    let mut spec = InstrumentSpec::new("BOUNDED", d("1"), d("1"));
    spec.min_qty = Lots(10);
    spec.max_qty = Lots(100);
    h.apply(CommandKind::RegisterInstrument(spec)).unwrap();
    let i = InstrumentId(1);
    assert_eq!(
        h.place(Place::limit(AccountId(1), i, Buy, Ticks(5), Lots(9))).unwrap_err().code(),
        "quantity_below_min"
    );
    assert_eq!(
        h.place(Place::limit(AccountId(1), i, Buy, Ticks(5), Lots(101))).unwrap_err().code(),
        "quantity_above_max"
    );
    h.place(Place::limit(AccountId(1), i, Buy, Ticks(5), Lots(100))).unwrap();
}

#[test]
fn duplicate_symbol_and_bad_spec_are_refused() {
    let mut h = H::new();
    let err = h.apply(CommandKind::RegisterInstrument(InstrumentSpec::new("ACME", d("1"), d("1")))).unwrap_err();
    assert_eq!(err.code(), "duplicate_symbol");
    let err = h.apply(CommandKind::RegisterInstrument(InstrumentSpec::new("Z", d("0"), d("1")))).unwrap_err();
    assert_eq!(err.code(), "invalid_instrument_spec");
}

#[test]
fn order_capacity_is_a_typed_refusal() {
    let mut h = H::with_config(EngineConfig { max_orders: 2, ..EngineConfig::default() });
    h.limit(1, Buy, 99, 1);
    h.limit(1, Buy, 98, 1);
    let err = h.place(Place::limit(AccountId(1), h.inst, Buy, Ticks(97), Lots(1))).unwrap_err();
    assert_eq!(err.code(), "order_capacity_reached");
    // An IOC never rests, so it is still accepted.
    h.place(Place::limit(AccountId(1), h.inst, Sell, Ticks(99), Lots(1)).with_tif(TimeInForce::Ioc)).unwrap();
}

#[test]
fn events_carry_gap_free_sequence_and_the_command_correlation_id() {
    let mut h = H::new();
    h.limit(1, Sell, 100, 2);
    h.limit(1, Sell, 101, 2);
    h.place(Place::market(AccountId(2), h.inst, Buy, Lots(3))).unwrap();
    for (n, e) in h.events.iter().enumerate() {
        assert_eq!(e.seq, n as u64 + 1);
    }
    let last_corr = h.events.last().unwrap().correlation_id;
    assert!(h.events.iter().rev().take_while(|e| e.correlation_id == last_corr).count() >= 4);
    assert_eq!(h.e.last_seq(), h.events.len() as u64);
}

#[test]
fn market_data_reports_level_totals_and_top_of_book() {
    let mut h = H::new();
    h.limit(1, Buy, 99, 5);
    let md: Vec<_> = h.events.iter().map(|e| e.kind).filter(is_market_data).collect();
    assert_eq!(
        md,
        vec![
            EventKind::LevelChanged { instrument: h.inst, side: Buy, price: Ticks(99), qty: Lots(5), orders: 1 },
            EventKind::BboChanged {
                instrument: h.inst,
                bid: Some(LevelView { price: Ticks(99), qty: Lots(5), orders: 1 }),
                ask: None
            },
        ]
    );
    let n = h.events.len();
    h.place(Place::limit(AccountId(2), h.inst, Sell, Ticks(99), Lots(5))).unwrap();
    let md: Vec<_> = h.events[n..].iter().map(|e| e.kind).filter(is_market_data).collect();
    assert_eq!(
        md,
        vec![
            EventKind::LevelChanged { instrument: h.inst, side: Buy, price: Ticks(99), qty: Lots(0), orders: 0 },
            EventKind::BboChanged { instrument: h.inst, bid: None, ask: None },
        ]
    );
}

#[test]
fn depth_and_level_queries_read_the_book_best_first() {
    let mut h = H::new();
    h.limit(1, Buy, 97, 1);
    h.limit(1, Buy, 99, 2);
    h.limit(2, Buy, 99, 3);
    h.limit(1, Sell, 103, 4);
    h.limit(1, Sell, 102, 5);
    assert_eq!(h.levels(Buy), vec![(99, 5, 2), (97, 1, 1)]);
    assert_eq!(h.levels(Sell), vec![(102, 5, 1), (103, 4, 1)]);
    assert_eq!(h.e.depth(h.inst, Buy).take(1).count(), 1);
    let bbo = h.e.bbo(h.inst).unwrap();
    assert_eq!((bbo.bid.unwrap().price.0, bbo.ask.unwrap().price.0), (99, 102));
    let l3: Vec<_> = h.e.orders_at(h.inst, Buy, Ticks(99)).map(|o| (o.account.0, o.remaining.0)).collect();
    assert_eq!(l3, vec![(1, 2), (2, 3)]);
    assert_eq!(h.e.orders_at(h.inst, Buy, Ticks(50)).count(), 0);
}

fn script(e: &mut Engine, out: &mut Vec<Event>, from: u64, n: u64) {
    // A small deterministic command stream (LCG) touching every command kind.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ from;
    for k in from..from + n {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let r = x >> 33;
        let side = if r & 1 == 0 { Side::Buy } else { Side::Sell };
        let acct = AccountId(r % 5);
        let price = Ticks(95 + (r >> 3) as i64 % 10);
        let kind = match (r >> 8) % 6 {
            0 | 1 => {
                CommandKind::Place(Place::limit(acct, InstrumentId(0), side, price, Lots(1 + (r >> 12) as i64 % 9)))
            }
            2 => CommandKind::Place(
                Place::limit(acct, InstrumentId(0), side, price, Lots(3)).with_expire_at(Timestamp(k * 10 + 50)),
            ),
            3 => CommandKind::Cancel(Cancel { account: acct, order: OrderRef::Id(OrderId(1 + (r >> 16) % (k + 1))) }),
            4 => CommandKind::Amend(Amend {
                account: acct,
                order: OrderRef::Id(OrderId(1 + (r >> 16) % (k + 1))),
                new_price: Some(price),
                new_qty: None,
                expected_version: None,
                new_trigger: None,
                new_display: None,
            }),
            _ => CommandKind::Place(
                Place::market(acct, InstrumentId(0), side, Lots(4)).with_stp(SelfTradePrevention::CancelMaker),
            ),
        };
        let _ = e.apply(&Command { ts: Timestamp(k * 10), correlation_id: CorrelationId(k), kind }, out);
    }
}

fn fresh() -> (Engine, Vec<Event>) {
    let mut e = Engine::default();
    let mut out = Vec::new();
    e.apply(
        &Command {
            ts: Timestamp(0),
            correlation_id: CorrelationId(0),
            kind: CommandKind::RegisterInstrument(InstrumentSpec::new("ACME", d("0.01"), d("1"))),
        },
        &mut out,
    )
    .unwrap();
    (e, out)
}

#[test]
fn replaying_the_same_commands_gives_identical_events_and_state_hash() {
    let (mut a, mut ea) = fresh();
    let (mut b, mut eb) = fresh();
    script(&mut a, &mut ea, 1, 2_000);
    script(&mut b, &mut eb, 1, 2_000);
    assert_eq!(serde_json::to_string(&ea).unwrap(), serde_json::to_string(&eb).unwrap());
    assert_eq!(a.state_hash(), b.state_hash());
    a.check_invariants().unwrap();
    assert!(ea.iter().any(|e| matches!(e.kind, EventKind::Trade { .. })));
    assert!(ea.iter().any(|e| matches!(e.kind, EventKind::Expired { .. })));
}

#[test]
fn snapshot_restore_then_continue_equals_never_snapshotting() {
    let (mut a, mut ea) = fresh();
    let (mut b, mut eb) = fresh();
    script(&mut a, &mut ea, 1, 1_000);
    script(&mut b, &mut eb, 1, 1_000);
    let json = serde_json::to_string(&b.snapshot()).unwrap();
    let snap: EngineSnapshot = serde_json::from_str(&json).unwrap();
    let mut b = Engine::restore(&snap).unwrap();
    assert_eq!(a.state_hash(), b.state_hash());
    let (na, nb) = (ea.len(), eb.len());
    script(&mut a, &mut ea, 1_001, 1_000);
    script(&mut b, &mut eb, 1_001, 1_000);
    assert_eq!(ea[na..], eb[nb..]);
    assert_eq!(a.state_hash(), b.state_hash());
    b.check_invariants().unwrap();
}

#[test]
fn inconsistent_snapshot_is_refused() {
    let (mut a, mut ea) = fresh();
    script(&mut a, &mut ea, 1, 300);
    let mut snap = a.snapshot();
    assert!(!snap.orders.is_empty());
    snap.orders[0].instrument = InstrumentId(9);
    assert_eq!(Engine::restore(&snap).unwrap_err().code(), "snapshot_inconsistent");
    let mut snap = a.snapshot();
    snap.format_version = 99;
    assert_eq!(Engine::restore(&snap).unwrap_err().code(), "snapshot_version_unsupported");
}

#[test]
fn far_apart_prices_rest_match_and_cancel_in_price_order() {
    // Prices far outside the ladder's direct-mapped window use its hash index; once
    // the window is empty it moves to where trading is. Invariants run after every step.
    let mut h = H::new();
    let prices = [100, 50_000, 1, 9_000_000, (1 << 53) - 1, 101, 4_000_000, 2_500];
    let ids: Vec<OrderId> = prices.iter().map(|&p| h.limit(1, Sell, p, 2)).collect();
    let asks: Vec<i64> = h.levels(Sell).iter().map(|l| l.0).collect();
    let mut sorted = prices.to_vec();
    sorted.sort();
    assert_eq!(asks, sorted);
    let evs = h.place(Place::limit(AccountId(2), h.inst, Buy, Ticks(60_000), Lots(9))).unwrap();
    let t: Vec<i64> = trades(&evs).iter().map(|t| t.0).collect();
    assert_eq!(t, vec![1, 100, 101, 2_500, 50_000]);
    // 50,000 keeps one lot; cancel it and the three far levels.
    for k in [1, 3, 4, 6] {
        h.cancel(1, ids[k]).unwrap();
    }
    assert!(h.levels(Sell).is_empty());
    // The window re-centres far away; near prices then live in the hash index.
    h.limit(1, Sell, 7_000_000, 1);
    h.limit(1, Sell, 105, 1);
    h.limit(1, Buy, 104, 1);
    assert_eq!(h.levels(Sell).iter().map(|l| l.0).collect::<Vec<_>>(), vec![105, 7_000_000]);
    let evs = h.place(Place::market(AccountId(2), h.inst, Buy, Lots(2))).unwrap();
    assert_eq!(trades(&evs).iter().map(|t| t.0).collect::<Vec<_>>(), vec![105, 7_000_000]);
    assert_eq!(h.levels(Buy), vec![(104, 1, 1)]);
}

#[test]
fn heavy_cancelling_and_requeueing_keep_every_survivors_time_priority() {
    // Cancels in the middle of a long level and priority-losing amends re-link
    // orders; the survivors must keep their relative time priority throughout.
    let mut h = H::new();
    let ids: Vec<OrderId> = (0..120).map(|_| h.limit(1, Sell, 100, 1)).collect();
    let mut expected: Vec<u64> = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        if n % 6 != 0 {
            h.cancel(1, *id).unwrap();
        }
    }
    // Survivors: every sixth. Move two of them to the back (quantity up loses priority).
    let survivors: Vec<u64> = ids.iter().step_by(6).map(|id| id.0).collect();
    let (moved, kept): (Vec<u64>, Vec<u64>) = survivors.iter().partition(|&&id| id == ids[6].0 || id == ids[30].0);
    expected.extend(&kept);
    h.amend(1, ids[30], None, Some(2), None).unwrap();
    h.amend(1, ids[6], None, Some(2), None).unwrap();
    expected.extend([moved[1], moved[0]]);
    // More arrivals, half of them cancelled again.
    let late: Vec<u64> = (0..40).map(|_| h.limit(2, Sell, 100, 1).0).collect();
    for (n, id) in late.iter().enumerate() {
        if n % 2 == 1 {
            h.cancel(2, OrderId(*id)).unwrap();
        } else {
            expected.push(*id);
        }
    }
    assert_eq!(h.queue(Sell, 100), expected);
    let total: i64 = expected.len() as i64 + 2;
    assert_eq!(h.levels(Sell), vec![(100, total, expected.len() as u32)]);
    let evs = h.place(Place::market(AccountId(3), h.inst, Buy, Lots(total))).unwrap();
    let makers: Vec<u64> = trades(&evs).iter().map(|t| t.2).collect();
    assert_eq!(makers, expected);
    assert!(h.levels(Sell).is_empty());
}

/// Keeps the fills and counts everything it was handed.
#[derive(Default)]
struct FillsOnly {
    fills: Vec<Event>,
    handed: u64,
}

impl EventSink for FillsOnly {
    fn event(&mut self, event: Event) {
        self.handed += 1;
        if matches!(event.kind, EventKind::Trade { .. }) {
            self.fills.push(event);
        }
    }
}

#[test]
fn a_sink_that_keeps_only_fills_gets_the_same_fills_numbers_errors_and_state_as_a_vec() {
    // Both mixes (IOC crossings and market sweeps), with and without market
    // data; the sink goes through `&mut dyn EventSink` and through `apply_batch`
    // too. Every seventh resting order is made GTD, due a few hundred commands
    // later, and carries a client order id, so expiries (inside commands and
    // through `on_time`), client-id tables and their errors run as well.
    let mut workloads =
        [workload::exchange_core_mix(3, 20_000, 1_000, 50), workload::deep_book_mix(5, 20_000, 5_000, 300, 50)];
    for w in &mut workloads {
        for (n, c) in w.commands.iter_mut().enumerate() {
            if let CommandKind::Place(p) = &mut c.kind {
                if p.time_in_force == TimeInForce::Gtc && n % 7 == 0 {
                    p.time_in_force = TimeInForce::Gtd;
                    p.expire_at = Some(Timestamp(c.ts.0 + 300 + (n as u64 % 500)));
                    p.client_order_id = ClientOrderId::new(&format!("c-{}", n % 4_000)).ok();
                }
            }
        }
    }
    for w in &workloads {
        for market_data in [false, true] {
            let config = EngineConfig { market_data, ..EngineConfig::default() };
            let (mut a, mut b, mut c) = (Engine::new(config), Engine::new(config), Engine::new(config));
            let (mut all, mut errors_a, mut errors_b) = (Vec::new(), Vec::new(), Vec::new());
            let mut sink = FillsOnly::default();
            for (n, cmd) in w.commands.iter().enumerate() {
                if let Err(e) = a.apply(cmd, &mut all) {
                    errors_a.push((n, e));
                }
                let dyn_sink: &mut dyn EventSink = &mut sink;
                if let Err(e) = b.apply(cmd, dyn_sink) {
                    errors_b.push((n, e));
                }
                if n % 1_000 == 999 {
                    let now = Timestamp(cmd.ts.0 + 1);
                    assert_eq!(a.on_time(now, &mut all), b.on_time(now, &mut sink));
                }
            }
            let mut batched = FillsOnly::default();
            let mut errors_c = Vec::new();
            for (k, part) in w.commands.chunks(1_000).enumerate() {
                c.apply_batch(part, &mut batched, |n, e| errors_c.push((k * 1_000 + n, e)));
                // At the same points as above: after each whole thousand.
                if let (1_000, Some(last)) = (part.len(), part.last()) {
                    let _ = c.on_time(Timestamp(last.ts.0 + 1), &mut batched);
                }
            }
            let fills: Vec<Event> = all.iter().filter(|e| matches!(e.kind, EventKind::Trade { .. })).copied().collect();
            assert!(fills.len() > 100, "the mix trades ({} fills)", fills.len());
            let expired = all.iter().filter(|e| matches!(e.kind, EventKind::Expired { .. })).count();
            assert!(expired > 100, "GTD orders expire ({expired})");
            assert_eq!(sink.fills, fills, "same fills, same sequence numbers");
            assert_eq!(sink.handed, all.len() as u64, "every event is handed over");
            assert_eq!(errors_b, errors_a);
            assert_eq!((b.last_seq(), b.state_hash()), (a.last_seq(), a.state_hash()));
            assert_eq!(batched.fills, fills);
            assert_eq!(errors_c, errors_a);
            assert_eq!((c.last_seq(), c.state_hash()), (a.last_seq(), a.state_hash()));
            assert!(b.check_invariants().is_ok());
        }
    }
}

#[test]
fn a_batch_gives_the_same_events_errors_and_state_as_one_command_at_a_time() {
    // 20,000 resting orders: above the size where `apply_batch` starts its cache
    // hints, so every prefetch stage runs. Amends, bad ids, foreign accounts and
    // a timestamp going backwards are mixed in so that errors land mid-batch.
    let w = workload::deep_book_mix(7, 6_000, 20_000, 400, 40);
    let mut cmds = w.commands.clone();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut extra = Vec::new();
    for (n, c) in cmds.iter().enumerate().skip(w.measured_from) {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let r = x >> 33;
        let id = OrderId(1 + r % (n as u64 + 10));
        let kind = match r % 7 {
            0 => CommandKind::Amend(Amend {
                account: AccountId(r % 40),
                order: OrderRef::Id(id),
                new_price: Some(Ticks(1_000_000 + (r >> 8) as i64 % 801 - 400)),
                new_qty: None,
                expected_version: None,
                new_trigger: None,
                new_display: None,
            }),
            1 => CommandKind::Amend(Amend {
                account: AccountId(r % 40),
                order: OrderRef::Id(id),
                new_price: None,
                new_qty: Some(Lots(1 + (r >> 8) as i64 % 50)),
                expected_version: None,
                new_trigger: None,
                new_display: None,
            }),
            2 => CommandKind::Cancel(Cancel { account: AccountId(r % 40), order: OrderRef::Id(OrderId(u64::MAX - r)) }),
            3 => CommandKind::Cancel(Cancel { account: AccountId(r % 40), order: OrderRef::Id(id) }),
            _ => continue,
        };
        let ts = if r % 97 == 0 { Timestamp(0) } else { c.ts };
        extra.push((n, Command { ts, correlation_id: CorrelationId(u64::MAX), kind }));
    }
    for (k, (n, c)) in extra.into_iter().enumerate() {
        cmds.insert(n + k, c);
    }

    let mut one = Engine::new(EngineConfig { market_data: true, ..EngineConfig::default() });
    let (mut one_events, mut one_errors) = (Vec::new(), Vec::new());
    for (n, c) in cmds.iter().enumerate() {
        if let Err(e) = one.apply(c, &mut one_events) {
            one_errors.push((n, e));
        }
    }

    for chunk in [1, 3, 64, 1_000, cmds.len()] {
        let mut batched = Engine::new(EngineConfig { market_data: true, ..EngineConfig::default() });
        let (mut events, mut errors) = (Vec::new(), Vec::new());
        for (c, part) in cmds.chunks(chunk).enumerate() {
            batched.apply_batch(part, &mut events, |i, e| errors.push((c * chunk + i, e)));
        }
        assert_eq!(events, one_events, "batches of {chunk}");
        assert_eq!(errors, one_errors, "batches of {chunk}");
        assert_eq!(batched.state_hash(), one.state_hash());
        batched.check_invariants().unwrap();
    }
    assert!(one.live_orders() > 16_384);
    assert!(one_errors.len() > 100, "errors mid-batch: {}", one_errors.len());
    assert!(one_events.iter().any(|e| matches!(e.kind, EventKind::Amended { priority_kept: false, .. })));
    assert!(one_events.iter().any(|e| matches!(e.kind, EventKind::Trade { .. })));
}
