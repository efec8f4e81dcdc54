//! Stops through the Broker: funds are held when a stop is accepted (a stop-limit
//! at its limit, a stop-market at the collar around its trigger), a trigger never
//! lacks funds, and every way a stop ends gives its hold back. The harness checks
//! the Broker's invariants (hold = worst case of what rests or waits) after
//! every command.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use brokerx_engine::broker::*;
use brokerx_engine::*;
use common::broker::*;

const BUYER: u64 = 1;
const SELLER: u64 = 2;
const PRINTER: u64 = 3;

/// A market with a last trade at 100.00 (collar ±20 %), asks from SELLER at
/// 101.00 and 102.00 (5 shares each), and cash and shares for everyone.
fn market() -> B {
    let mut h = B::new();
    for (a, key) in [(BUYER, 1), (SELLER, 2), (PRINTER, 3)] {
        h.deposit(a, USD, 100_000_000, key);
        h.deposit(a, ACME, 1_000, 100 + key);
    }
    h.limit(SELLER, Side::Sell, 10_000, 1);
    h.limit(PRINTER, Side::Buy, 10_000, 1);
    h.limit(SELLER, Side::Sell, 10_100, 5);
    h.limit(SELLER, Side::Sell, 10_200, 5);
    h
}

fn stop_accepted(evs: &[BrokerEventKind]) -> (OrderId, Option<Ticks>, TimeInForce) {
    evs.iter()
        .find_map(|e| match e {
            BrokerEventKind::Order(EventKind::StopAccepted { order_id, limit, time_in_force, .. }) => {
                Some((*order_id, *limit, *time_in_force))
            }
            _ => None,
        })
        .expect("stop accepted")
}

fn triggered(evs: &[BrokerEventKind]) -> Vec<OrderId> {
    evs.iter()
        .filter_map(|e| match e {
            BrokerEventKind::Order(EventKind::Triggered { order_id, .. }) => Some(*order_id),
            _ => None,
        })
        .collect()
}

fn bought(evs: &[BrokerEventKind], taker: OrderId) -> Vec<(i64, i64)> {
    evs.iter()
        .filter_map(|e| match e {
            BrokerEventKind::Order(EventKind::Trade { taker_order_id, price, qty, .. }) if *taker_order_id == taker => {
                Some((price.0, qty.0))
            }
            _ => None,
        })
        .collect()
}

fn held(h: &B, order: OrderId) -> Option<u128> {
    h.b.hold_of(order).map(|(_, a)| a.minor())
}

/// A trade at 101.00 between PRINTER and SELLER: the last price becomes 101.00.
fn print_at_101(h: &mut B) -> Vec<BrokerEventKind> {
    h.limit(PRINTER, Side::Buy, 10_100, 1)
}

#[test]
fn a_stop_limit_buy_holds_at_its_limit_waits_outside_the_book_and_settles_when_triggered() {
    let mut h = market();
    let (cash, _) = h.cash(BUYER);
    let bbo = h.b.engine().bbo(M);
    let evs = h.place(Place::stop_limit(AccountId(BUYER), M, Side::Buy, Ticks(10_100), Ticks(10_200), Lots(6)));
    let (id, limit, _) = stop_accepted(&evs);
    assert_eq!(limit, Some(Ticks(10_200)));
    assert_eq!(held(&h, id), Some(6 * 10_200));
    assert_eq!(h.cash(BUYER), (cash, cash - 6 * 10_200));
    assert_eq!(h.b.engine().bbo(M), bbo, "a waiting stop is not in the book");
    assert!(triggered(&evs).is_empty());

    let evs = print_at_101(&mut h);
    assert_eq!(triggered(&evs), vec![id]);
    // 4 left at 101.00, then 2 of the 102.00 level.
    assert_eq!(bought(&evs, id), vec![(10_100, 4), (10_200, 2)]);
    assert_eq!(held(&h, id), None, "filled in full: the hold is closed");
    let paid = 4 * 10_100 + 2 * 10_200;
    assert_eq!(h.cash(BUYER), (cash - paid, cash - paid));
    assert_eq!(h.shares(BUYER).0, 1_006);
}

#[test]
fn a_stop_market_buy_is_held_and_protected_at_the_collar_around_its_trigger() {
    let mut h = market();
    let (cash, _) = h.cash(BUYER);
    // Trigger 101.00, collar ±20 %: protected at 121.20, whatever today's price.
    let evs = h.place(Place::stop_market(AccountId(BUYER), M, Side::Buy, Ticks(10_100), Lots(3)));
    let (id, limit, tif) = stop_accepted(&evs);
    assert_eq!((limit, tif), (Some(Ticks(12_120)), TimeInForce::Ioc));
    assert_eq!(held(&h, id), Some(3 * 12_120));
    let evs = print_at_101(&mut h);
    assert_eq!(triggered(&evs), vec![id]);
    assert_eq!(bought(&evs, id), vec![(10_100, 3)]);
    assert_eq!(held(&h, id), None);
    assert_eq!(h.cash(BUYER).1, cash - 3 * 10_100, "the unspent protection is released");
}

#[test]
fn a_stop_market_remainder_without_liquidity_is_cancelled_and_released() {
    let mut h = market();
    let evs = h.place(Place::stop_market(AccountId(BUYER), M, Side::Buy, Ticks(10_100), Lots(20)));
    let (id, _, _) = stop_accepted(&evs);
    assert_eq!(held(&h, id), Some(20 * 12_120));
    let (cash, _) = h.cash(BUYER);
    let evs = print_at_101(&mut h);
    assert_eq!(triggered(&evs), vec![id]);
    assert_eq!(bought(&evs, id), vec![(10_100, 4), (10_200, 5)]);
    assert!(evs.iter().any(|e| matches!(
        e,
        BrokerEventKind::Order(EventKind::Cancelled { order_id, qty: Lots(11), reason: CancelReason::IocRemainder, .. })
            if *order_id == id
    )));
    assert_eq!(held(&h, id), None);
    let paid = 4 * 10_100 + 5 * 10_200;
    assert_eq!(h.cash(BUYER), (cash - paid, cash - paid));
}

#[test]
fn a_stop_sell_holds_its_shares() {
    let mut h = market();
    let evs = h.place(Place::stop_limit(AccountId(SELLER), M, Side::Sell, Ticks(9_000), Ticks(8_900), Lots(7)));
    let (id, _, _) = stop_accepted(&evs);
    assert_eq!(held(&h, id), Some(7));
    let (shares, available) = h.shares(SELLER);
    assert_eq!(available, shares - 7 - 10, "7 for the stop, 10 for the resting asks");
}

#[test]
fn a_stop_the_client_cannot_fund_is_refused_and_holds_nothing() {
    let mut h = market();
    h.deposit(9, USD, 100_000, 9);
    let evs = h.place(Place::stop_limit(AccountId(9), M, Side::Buy, Ticks(10_100), Ticks(10_200), Lots(10)));
    assert_eq!(rejected(&evs), Some("insufficient_funds"));
    assert!(!evs.iter().any(|e| matches!(e, BrokerEventKind::Order(EventKind::StopAccepted { .. }))));
    assert_eq!(h.cash(9), (100_000, 100_000));
}

#[test]
fn a_stop_limit_is_collared_around_its_trigger_not_todays_price() {
    let mut h = market();
    // Last 100.00, collar ±20 %: a stop-loss far below today is fine if its limit
    // is near its trigger …
    let evs = h.place(Place::stop_limit(AccountId(SELLER), M, Side::Sell, Ticks(7_000), Ticks(6_900), Lots(1)));
    stop_accepted(&evs);
    // … and refused if its limit is far from its trigger.
    let evs = h.place(Place::stop_limit(AccountId(SELLER), M, Side::Sell, Ticks(7_000), Ticks(5_000), Lots(1)));
    assert_eq!(rejected(&evs), Some("price_outside_collar"));
}

#[test]
fn cancel_and_expiry_of_a_waiting_stop_release_its_hold() {
    let mut h = market();
    let (cash, _) = h.cash(BUYER);
    let evs = h.place(Place::stop_limit(AccountId(BUYER), M, Side::Buy, Ticks(10_500), Ticks(10_600), Lots(2)));
    let (a, _, _) = stop_accepted(&evs);
    h.run(BrokerCommandKind::Cancel(Cancel { account: AccountId(BUYER), order: a.into() })).unwrap();
    assert_eq!(held(&h, a), None);
    assert_eq!(h.cash(BUYER), (cash, cash));

    let expire_at = Timestamp(h.ts + 50);
    let p = Place::stop_market(AccountId(BUYER), M, Side::Buy, Ticks(10_500), Lots(2)).with_expire_at(expire_at);
    let (b, limit, tif) = stop_accepted(&h.place(p));
    assert_eq!((limit, tif), (Some(Ticks(12_600)), TimeInForce::Ioc), "its deadline bounds the wait");
    assert_eq!(h.b.engine().order(b).and_then(|o| o.expire_at), Some(expire_at));
    assert!(h.cash(BUYER).1 < cash);
    h.ts = expire_at.0;
    let evs = h.run(BrokerCommandKind::ExpireDue).unwrap();
    assert!(evs
        .iter()
        .any(|e| matches!(e, BrokerEventKind::Order(EventKind::Expired { order_id, .. }) if *order_id == b)));
    assert_eq!(held(&h, b), None);
    assert_eq!(h.cash(BUYER), (cash, cash));
}

#[test]
fn amending_a_stop_market_trigger_moves_its_protection_and_its_hold() {
    let mut h = market();
    let evs = h.place(Place::stop_market(AccountId(BUYER), M, Side::Buy, Ticks(10_500), Lots(2)));
    let (id, _, _) = stop_accepted(&evs);
    assert_eq!(held(&h, id), Some(2 * 12_600));
    let evs = h.run(BrokerCommandKind::Amend(Amend::new(AccountId(BUYER), id).with_trigger(Ticks(11_000)))).unwrap();
    assert!(evs.iter().any(|e| matches!(
        e,
        BrokerEventKind::Order(EventKind::StopAmended { trigger: Ticks(11_000), limit: Some(Ticks(13_200)), .. })
    )));
    assert_eq!(held(&h, id), Some(2 * 13_200));
    // Less quantity: the hold shrinks with it.
    h.run(BrokerCommandKind::Amend(Amend::new(AccountId(BUYER), id).with_qty(Lots(1)))).unwrap();
    assert_eq!(held(&h, id), Some(13_200));
}

#[test]
fn a_stop_market_has_no_limit_to_amend() {
    let mut h = market();
    let (id, _, _) =
        stop_accepted(&h.place(Place::stop_market(AccountId(BUYER), M, Side::Buy, Ticks(10_500), Lots(2))));
    let before = h.b.state_hash();
    let err = h.run(BrokerCommandKind::Amend(Amend::new(AccountId(BUYER), id).with_price(Ticks(10_600)))).unwrap_err();
    assert_eq!(err.code(), "stop_market_has_no_limit");
    assert_eq!(h.b.state_hash(), before, "nothing changed");
}

#[test]
fn amending_a_stop_limit_resizes_its_hold_to_the_new_limit() {
    let mut h = market();
    let p = Place::stop_limit(AccountId(BUYER), M, Side::Buy, Ticks(10_500), Ticks(10_600), Lots(2));
    let (id, _, _) = stop_accepted(&h.place(p));
    h.run(BrokerCommandKind::Amend(Amend::new(AccountId(BUYER), id).with_price(Ticks(10_700)))).unwrap();
    assert_eq!(held(&h, id), Some(2 * 10_700));
    // A limit outside the collar around the trigger is refused; the hold stays.
    let evs = h.run(BrokerCommandKind::Amend(Amend::new(AccountId(BUYER), id).with_price(Ticks(13_000)))).unwrap();
    assert_eq!(rejected(&evs), Some("price_outside_collar"));
    assert_eq!(held(&h, id), Some(2 * 10_700));
}

#[test]
fn a_waiting_stop_counts_as_an_open_order() {
    let mut h = market();
    let limits = risk::AccountLimits { max_open_orders: Some(1), ..risk::AccountLimits::default() };
    h.run(BrokerCommandKind::SetAccountLimits { account: AccountId(BUYER), limits }).unwrap();
    stop_accepted(&h.place(Place::stop_limit(AccountId(BUYER), M, Side::Buy, Ticks(10_500), Ticks(10_600), Lots(1))));
    let evs = h.limit(BUYER, Side::Buy, 9_000, 1);
    assert_eq!(rejected(&evs), Some("too_many_open_orders"));
}

#[test]
fn a_cascade_of_stops_settles_every_fill_and_a_snapshot_replays_it() {
    let mut h = market();
    let mut ids = Vec::new();
    for (trigger, qty) in [(10_100, 2), (10_100, 3), (10_200, 1)] {
        let p = Place::stop_market(AccountId(BUYER), M, Side::Buy, Ticks(trigger), Lots(qty));
        ids.push(stop_accepted(&h.place(p)).0);
    }
    let snapshot = h.b.snapshot();
    let mut restored = Broker::restore(&snapshot).unwrap();
    assert_eq!(restored.state_hash(), h.b.state_hash());

    let evs = print_at_101(&mut h);
    assert_eq!(triggered(&evs), ids, "trigger price, then time; the 102.00 stop by the cascade");
    for id in &ids {
        assert_eq!(held(&h, *id), None);
    }
    let mut replayed = Vec::new();
    let cmd = BrokerCommand {
        ts: Timestamp(h.ts),
        correlation_id: CorrelationId(h.corr),
        kind: BrokerCommandKind::Place(Place::limit(AccountId(PRINTER), M, Side::Buy, Ticks(10_100), Lots(1))),
    };
    restored.apply(&cmd, &mut replayed).unwrap();
    assert_eq!(replayed.iter().map(|e| e.kind).collect::<Vec<_>>(), evs);
    assert_eq!(restored.state_hash(), h.b.state_hash());
}
