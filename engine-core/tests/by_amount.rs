//! Orders by quote amount ("buy 500.00 USD of ACME"): one test per rule in
//! docs/engine.md ("Orders by amount"). Amounts are in tick·lots here (tick 0.01,
//! lot 1: one tick·lot is one cent).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use brokerx_engine::*;
use common::*;

const A: u64 = 1; // liquidity
const B: u64 = 2; // buys by amount

/// Asks: 3 at 100, 2 at 101, 5 at 103.
fn book() -> H {
    let mut h = H::new();
    h.limit(A, Side::Sell, 100, 3);
    h.limit(A, Side::Sell, 101, 2);
    h.limit(A, Side::Sell, 103, 5);
    h
}

fn by_amount(h: &mut H, side: Side, amount: u64, qty: i64) -> Result<Vec<EventKind>, CommandError> {
    h.place(Place::market_by_amount(AccountId(B), h.inst, side, Notional(amount), Lots(qty)))
}

fn spent(evs: &[EventKind]) -> i64 {
    trades(evs).iter().map(|(p, q, _, _)| p * q).sum()
}

#[test]
fn fills_level_by_level_until_the_next_lot_would_exceed_the_amount() {
    let mut h = book();
    // 3×100 + 2×101 = 502; 600 − 502 = 98 buys no lot at 103.
    let evs = by_amount(&mut h, Side::Buy, 600, 1_000).unwrap();
    let id = accepted_id(&evs);
    assert_eq!(trades(&evs), vec![(100, 3, 1, id.0), (101, 2, 2, id.0)]);
    assert_eq!(spent(&evs), 502);
    assert_eq!(cancels(&evs), vec![(id.0, 995, CancelReason::NoLiquidity)], "the rest is cancelled");
    assert_eq!(h.levels(Side::Sell), vec![(103, 5, 1)]);
}

#[test]
fn lot_granularity_within_a_level() {
    let mut h = book();
    // 250 buys 2 at 100 (200); a third lot would cost 300.
    let evs = by_amount(&mut h, Side::Buy, 250, 1_000).unwrap();
    assert_eq!(trades(&evs).iter().map(|t| (t.0, t.1)).collect::<Vec<_>>(), vec![(100, 2)]);
    assert_eq!(h.levels(Side::Sell)[0], (100, 1, 1));
}

#[test]
fn the_quantity_caps_it_too() {
    let mut h = book();
    let evs = by_amount(&mut h, Side::Buy, 100_000, 4).unwrap();
    assert_eq!(trades(&evs).iter().map(|t| (t.0, t.1)).collect::<Vec<_>>(), vec![(100, 3), (101, 1)]);
    assert!(cancels(&evs).is_empty(), "filled in full: nothing left to cancel");
}

#[test]
fn a_sell_by_amount_stops_before_its_proceeds_pass_the_amount() {
    let mut h = H::new();
    h.limit(A, Side::Buy, 100, 3);
    h.limit(A, Side::Buy, 99, 5);
    // 3×100 = 300, then 2×99 = 198: 498 ≤ 500; a third lot at 99 would pass it.
    let evs = by_amount(&mut h, Side::Sell, 500, 100).unwrap();
    assert_eq!(trades(&evs).iter().map(|t| (t.0, t.1)).collect::<Vec<_>>(), vec![(100, 3), (99, 2)]);
}

#[test]
fn a_limit_by_amount_does_not_pass_its_limit() {
    let mut h = book();
    let p = Place {
        order_type: OrderType::LimitByAmount { limit: Ticks(100), amount: Notional(100_000) },
        ..Place::market_by_amount(AccountId(B), h.inst, Side::Buy, Notional(1), Lots(1_000))
    };
    let evs = h.place(p).unwrap();
    let id = accepted_id(&evs);
    assert_eq!(trades(&evs).iter().map(|t| (t.0, t.1)).collect::<Vec<_>>(), vec![(100, 3)]);
    assert_eq!(cancels(&evs), vec![(id.0, 997, CancelReason::IocRemainder)]);
}

#[test]
fn fok_by_amount_fills_all_of_its_quantity_within_the_amount_or_nothing() {
    let mut h = book();
    let fok = |amount, qty| Place {
        time_in_force: TimeInForce::Fok,
        ..Place::market_by_amount(AccountId(B), InstrumentId(0), Side::Buy, Notional(amount), Lots(qty))
    };
    // 4 lots cost 3×100 + 101 = 401.
    let evs = h.place(fok(400, 4)).unwrap();
    assert!(trades(&evs).is_empty());
    let id = accepted_id(&evs);
    assert_eq!(cancels(&evs), vec![(id.0, 4, CancelReason::FokUnfillable)]);
    assert_eq!(h.levels(Side::Sell), vec![(100, 3, 1), (101, 2, 1), (103, 5, 1)], "nothing traded");
    let evs = h.place(fok(401, 4)).unwrap();
    assert_eq!(spent(&evs), 401);
}

#[test]
fn bad_by_amount_orders_are_refused_and_change_nothing() {
    let mut h = book();
    let hash = h.e.state_hash();
    let base = Place::market_by_amount(AccountId(B), h.inst, Side::Buy, Notional(500), Lots(10));
    let cases = [
        (Place { order_type: OrderType::MarketByAmount { amount: Notional(0) }, ..base }, "invalid_amount"),
        (base.with_tif(TimeInForce::Gtc), "market_order_time_in_force"),
        (base.with_post_only(), "post_only_time_in_force"),
        (Place { expire_at: Some(Timestamp(h.ts + 100)), ..base }, "expire_at_not_allowed"),
        (Place { qty: Lots(0), ..base }, "invalid_quantity"),
        (
            Place { order_type: OrderType::LimitByAmount { limit: Ticks(0), amount: Notional(5) }, ..base },
            "invalid_price",
        ),
    ];
    for (p, code) in cases {
        assert_eq!(h.place(p).unwrap_err().code(), code, "{p:?}");
        assert_eq!(h.e.state_hash(), hash);
    }
}

#[test]
fn self_trade_prevention_applies_as_to_any_taker() {
    let mut h = book();
    h.limit(B, Side::Sell, 100, 1); // B's own, behind A's at 100
    let p = Place::market_by_amount(AccountId(B), h.inst, Side::Buy, Notional(1_000), Lots(100))
        .with_stp(SelfTradePrevention::CancelMaker);
    let evs = h.place(p).unwrap();
    // A's 3 at 100, B's own cancelled, A's 2 at 101; 1000 − 502 = 498 buys 4 at 103.
    assert_eq!(trades(&evs).iter().map(|t| (t.0, t.1)).collect::<Vec<_>>(), vec![(100, 3), (101, 2), (103, 4)]);
    assert!(cancels(&evs).iter().any(|c| c.2 == CancelReason::SelfTradePrevention));
}
