//! Icebergs through the Broker: the hold covers the whole order (shown and
//! hidden), refreshes never touch funds, each fill settles once, and a cancel
//! releases what the whole order still holds. The harness checks the Broker's
//! invariants after every command.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use brokerx_engine::broker::*;
use brokerx_engine::*;
use common::broker::*;

const BUYER: u64 = 1;
const SELLER: u64 = 2;

#[test]
fn an_iceberg_buy_holds_its_whole_quantity_and_settles_fill_by_fill() {
    let mut h = B::new();
    h.deposit(BUYER, USD, 1_000_000, 1); // 10,000.00
    h.deposit(SELLER, ACME, 100, 2);
    let evs = h.place(Place::iceberg(AccountId(BUYER), M, Side::Buy, Ticks(10_000), Lots(10), Lots(3)));
    let ice = order_id(&evs);
    // 10 × 100.00 held, though only 3 show.
    assert_eq!(h.cash(BUYER), (1_000_000, 900_000));
    assert_eq!(h.b.engine().depth(M, Side::Buy).map(|l| l.qty.0).collect::<Vec<_>>(), vec![3]);

    // A sell of 5 takes the slice and 2 of the next one.
    let evs = h.place(Place::market(AccountId(SELLER), M, Side::Sell, Lots(5)));
    let refreshed = evs.iter().filter(|e| matches!(e, BrokerEventKind::Order(EventKind::Refreshed { .. }))).count();
    assert_eq!(refreshed, 1);
    assert_eq!(h.cash(BUYER), (1_000_000 - 50_000, 900_000), "paid 500.00 out of the hold");
    assert_eq!(h.shares(BUYER), (5, 5));

    // Cancel: the 5 lots left release 500.00.
    h.run(BrokerCommandKind::Cancel(Cancel::new(AccountId(BUYER), ice))).unwrap();
    assert_eq!(h.cash(BUYER), (950_000, 950_000));
}

#[test]
fn an_iceberg_is_checked_like_a_limit_order() {
    let mut h = B::new();
    h.deposit(BUYER, USD, 50_000, 1); // 500.00: not enough for 10 × 100.00
    let evs = h.place(Place::iceberg(AccountId(BUYER), M, Side::Buy, Ticks(10_000), Lots(10), Lots(1)));
    assert_eq!(rejected(&evs), Some("insufficient_funds"), "the hidden part needs funds too");
    assert_eq!(h.cash(BUYER), (50_000, 50_000));
}
