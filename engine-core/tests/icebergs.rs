//! Iceberg orders: one test per rule in docs/engine.md ("Icebergs"). The
//! reference-model proptest (tests/model.rs) places and amends icebergs on
//! random streams; these pin each rule to exact events.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use brokerx_engine::*;
use common::*;

const A: u64 = 1; // the iceberg
const B: u64 = 2; // resting beside it
const T: u64 = 3; // takers

fn iceberg(h: &mut H, side: Side, price: i64, qty: i64, display: i64) -> OrderId {
    let evs = h.place(Place::iceberg(AccountId(A), h.inst, side, Ticks(price), Lots(qty), Lots(display))).unwrap();
    accepted_id(&evs)
}

fn refreshes(evs: &[EventKind]) -> Vec<(u64, i64, i64, i64)> {
    evs.iter()
        .filter_map(|k| match k {
            EventKind::Refreshed { order_id, shown, hidden, filled, .. } => {
                Some((order_id.0, shown.0, hidden.0, filled.0))
            }
            _ => None,
        })
        .collect()
}

fn sell(h: &mut H, qty: i64) -> Vec<EventKind> {
    h.place(Place::market(AccountId(T), h.inst, Side::Sell, Lots(qty))).unwrap()
}

#[test]
fn only_the_display_is_in_l2_and_l3_and_the_owner_sees_the_whole_order() {
    let mut h = H::new();
    let id = iceberg(&mut h, Side::Buy, 100, 10, 3);
    assert_eq!(h.levels(Side::Buy), vec![(100, 3, 1)]);
    let l3: Vec<_> = h.e.orders_at(h.inst, Side::Buy, Ticks(100)).collect();
    assert_eq!((l3[0].remaining, l3[0].qty, l3[0].display), (Lots(3), Lots(3), None), "L3 shows the slice only");
    let own = h.e.order(id).unwrap();
    assert_eq!((own.remaining, own.qty, own.display), (Lots(10), Lots(10), Some(Lots(3))));
    h.e.check_invariants().unwrap();
}

#[test]
fn a_used_up_slice_refreshes_at_the_back_of_its_level_and_the_taker_reaches_it() {
    let mut h = H::new();
    let ice = iceberg(&mut h, Side::Buy, 100, 10, 3);
    let other = h.limit(B, Side::Buy, 100, 2);
    // 6 lots: 3 from the iceberg's slice, 2 from B (now ahead of the new slice), 1 from the new slice.
    let evs = sell(&mut h, 6);
    let t = accepted_id(&evs).0;
    assert_eq!(trades(&evs), vec![(100, 3, ice.0, t), (100, 2, other.0, t), (100, 1, ice.0, t)]);
    assert_eq!(refreshes(&evs), vec![(ice.0, 3, 4, 3)], "the next slice: 3 shown, 4 hidden, 3 filled");
    // Fills report the whole order's leaves.
    let maker_remaining: Vec<i64> = evs
        .iter()
        .filter_map(|k| match k {
            EventKind::Trade { maker_order_id, maker_remaining, .. } if *maker_order_id == ice => {
                Some(maker_remaining.0)
            }
            _ => None,
        })
        .collect();
    assert_eq!(maker_remaining, vec![7, 6]);
    assert_eq!(h.levels(Side::Buy), vec![(100, 2, 1)]);
    assert_eq!(h.e.order(ice).unwrap().remaining, Lots(6));
    h.e.check_invariants().unwrap();
}

#[test]
fn a_refresh_loses_time_priority_to_orders_already_queued() {
    let mut h = H::new();
    let ice = iceberg(&mut h, Side::Buy, 100, 6, 2);
    let other = h.limit(B, Side::Buy, 100, 5);
    sell(&mut h, 2);
    assert_eq!(h.queue(Side::Buy, 100), vec![other.0, ice.0], "the new slice queues behind B");
}

#[test]
fn the_last_slice_is_what_is_left_and_then_the_order_is_done() {
    let mut h = H::new();
    let ice = iceberg(&mut h, Side::Buy, 100, 7, 3);
    let evs = sell(&mut h, 7);
    assert_eq!(refreshes(&evs), vec![(ice.0, 3, 1, 3), (ice.0, 1, 0, 6)]);
    assert!(h.e.order(ice).is_none(), "filled in full");
    assert!(h.levels(Side::Buy).is_empty());
    h.e.check_invariants().unwrap();
}

#[test]
fn an_iceberg_taker_trades_its_whole_quantity_then_rests_one_slice() {
    let mut h = H::new();
    h.limit(B, Side::Sell, 100, 4);
    let evs = h.place(Place::iceberg(AccountId(A), h.inst, Side::Buy, Ticks(100), Lots(10), Lots(2))).unwrap();
    assert_eq!(trades(&evs).iter().map(|t| t.1).sum::<i64>(), 4);
    assert_eq!(h.levels(Side::Buy), vec![(100, 2, 1)]);
    assert_eq!(h.e.order(accepted_id(&evs)).unwrap().remaining, Lots(6));
}

#[test]
fn cancel_and_expiry_report_the_whole_leaves() {
    let mut h = H::new();
    let ice = iceberg(&mut h, Side::Buy, 100, 10, 3);
    sell(&mut h, 1);
    let evs = h.cancel(A, ice).unwrap();
    assert_eq!(cancels(&evs), vec![(ice.0, 9, CancelReason::User)]);
    let gtd = Place::iceberg(AccountId(A), h.inst, Side::Sell, Ticks(110), Lots(8), Lots(2))
        .with_expire_at(Timestamp(h.ts + 5));
    let id = accepted_id(&h.place(gtd).unwrap());
    let evs = h.apply_at(h.ts + 10, CommandKind::ExpireDue).unwrap();
    assert!(evs.iter().any(|k| matches!(k, EventKind::Expired { order_id, qty: Lots(8), .. } if *order_id == id)));
    h.e.check_invariants().unwrap();
}

#[test]
fn fok_counts_the_reserve() {
    let mut h = H::new();
    iceberg(&mut h, Side::Sell, 100, 10, 2);
    let fok = Place::limit(AccountId(T), h.inst, Side::Buy, Ticks(100), Lots(9)).with_tif(TimeInForce::Fok);
    let evs = h.place(fok).unwrap();
    assert_eq!(trades(&evs).iter().map(|t| t.1).sum::<i64>(), 9, "9 of the 10 lots, most of them hidden");
    let fok = Place::limit(AccountId(T), h.inst, Side::Buy, Ticks(100), Lots(2)).with_tif(TimeInForce::Fok);
    let evs = h.place(fok).unwrap();
    assert_eq!(cancels(&evs)[0].2, CancelReason::FokUnfillable, "1 lot left");
}

#[test]
fn amends_keep_priority_when_nothing_more_shows_and_lose_it_otherwise() {
    let mut h = H::new();
    let ice = iceberg(&mut h, Side::Buy, 100, 10, 4);
    let other = h.limit(B, Side::Buy, 100, 1);
    // Down to 6 in total: the reserve shrinks first; the slice stays, and its place.
    let evs = h.apply(CommandKind::Amend(Amend::new(AccountId(A), ice).with_qty(Lots(6)))).unwrap();
    assert!(evs.iter().any(|k| matches!(k, EventKind::Amended { remaining: Lots(6), priority_kept: true, .. })));
    assert_eq!(h.levels(Side::Buy), vec![(100, 5, 2)]);
    // A smaller display shows less now, in place.
    h.apply(CommandKind::Amend(Amend::new(AccountId(A), ice).with_display(Lots(2)))).unwrap();
    assert_eq!(h.levels(Side::Buy), vec![(100, 3, 2)]);
    assert_eq!(h.queue(Side::Buy, 100), vec![ice.0, other.0]);
    // More quantity: to the back, one slice shown.
    let evs = h.apply(CommandKind::Amend(Amend::new(AccountId(A), ice).with_qty(Lots(9)))).unwrap();
    assert!(evs.iter().any(|k| matches!(k, EventKind::Amended { remaining: Lots(9), priority_kept: false, .. })));
    assert_eq!(h.queue(Side::Buy, 100), vec![other.0, ice.0]);
    assert_eq!(h.levels(Side::Buy), vec![(100, 3, 2)]);
    assert_eq!(h.e.order(ice).unwrap().display, Some(Lots(2)));
    h.e.check_invariants().unwrap();
}

#[test]
fn bad_icebergs_are_typed_errors_and_change_nothing() {
    let mut h = H::new();
    let plain = h.limit(B, Side::Buy, 99, 1);
    let before = h.e.state_hash();
    let place =
        |qty, display| Place::iceberg(AccountId(A), InstrumentId(0), Side::Buy, Ticks(100), Lots(qty), Lots(display));
    assert_eq!(h.place(place(5, 0)).unwrap_err().code(), "invalid_display");
    assert_eq!(h.place(place(5, 6)).unwrap_err().code(), "invalid_display");
    assert_eq!(h.place(place(5, 2).with_tif(TimeInForce::Ioc)).unwrap_err().code(), "iceberg_time_in_force");
    let not_ice = Amend::new(AccountId(B), plain).with_display(Lots(1));
    assert_eq!(h.apply(CommandKind::Amend(not_ice)).unwrap_err().code(), "not_an_iceberg");
    assert_eq!(h.e.state_hash(), before);
}

#[test]
fn snapshots_keep_the_reserve() {
    let mut h = H::new();
    iceberg(&mut h, Side::Buy, 100, 10, 3);
    sell(&mut h, 4);
    let snap = h.e.snapshot();
    let back = Engine::restore(&snap).unwrap();
    assert_eq!(back.state_hash(), h.e.state_hash());
    let json = serde_json::to_string(&snap).unwrap();
    let again = Engine::restore(&serde_json::from_str(&json).unwrap()).unwrap();
    assert_eq!(again.state_hash(), h.e.state_hash());
}
