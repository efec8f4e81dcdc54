//! Stop-market and stop-limit orders: one test per rule in docs/engine.md ("Stops").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use brokerx_engine::*;
use common::*;

const A: u64 = 1; // liquidity
const B: u64 = 2; // takers
const S: u64 = 3; // stops

fn stop_id(evs: &[EventKind]) -> OrderId {
    evs.iter()
        .find_map(|k| match k {
            EventKind::StopAccepted { order_id, .. } => Some(*order_id),
            _ => None,
        })
        .expect("stop accepted")
}

fn triggered(evs: &[EventKind]) -> Vec<u64> {
    evs.iter()
        .filter_map(|k| match k {
            EventKind::Triggered { order_id, .. } => Some(order_id.0),
            _ => None,
        })
        .collect()
}

fn buy_stop(h: &mut H, trigger: i64, qty: i64) -> OrderId {
    let p = Place::stop_market(AccountId(S), h.inst, Side::Buy, Ticks(trigger), Lots(qty));
    stop_id(&h.place(p).unwrap())
}

fn sell_stop(h: &mut H, trigger: i64, qty: i64) -> OrderId {
    let p = Place::stop_market(AccountId(S), h.inst, Side::Sell, Ticks(trigger), Lots(qty));
    stop_id(&h.place(p).unwrap())
}

fn amend_trigger(h: &mut H, id: OrderId, trigger: i64) -> Result<Vec<EventKind>, CommandError> {
    h.apply(CommandKind::Amend(Amend::new(AccountId(S), id).with_trigger(Ticks(trigger))))
}

#[test]
fn a_waiting_stop_is_invisible_in_the_book_and_visible_in_status() {
    let mut h = H::new();
    h.limit(A, Side::Sell, 100, 10);
    h.limit(B, Side::Buy, 100, 1); // last trade 100
    let bbo = h.e.bbo(h.inst);
    let id = buy_stop(&mut h, 105, 5);
    assert_eq!(h.e.bbo(h.inst), bbo);
    assert_eq!(h.levels(Side::Buy), vec![]);
    let view = h.e.order(id).unwrap();
    assert_eq!((view.trigger, view.price, view.remaining), (Some(Ticks(105)), Ticks(105), Lots(5)));
    assert_eq!(h.e.live_orders(), 2);
    assert_eq!(h.e.stops(h.inst, Side::Buy).map(|o| o.order_id).collect::<Vec<_>>(), vec![id]);
    assert_eq!(h.e.last_price(h.inst), Some(Ticks(100)));
}

#[test]
fn a_buy_stop_triggers_on_a_trade_at_or_above_its_trigger_only() {
    let mut h = H::new();
    h.limit(A, Side::Sell, 100, 10);
    h.limit(A, Side::Sell, 101, 10);
    h.limit(B, Side::Buy, 100, 1); // last 100
    let id = buy_stop(&mut h, 101, 5);
    let evs = h.place(Place::limit(AccountId(B), h.inst, Side::Buy, Ticks(100), Lots(9))).unwrap();
    assert!(triggered(&evs).is_empty(), "a trade at 100 is below a buy trigger of 101");
    let evs = h.place(Place::limit(AccountId(B), h.inst, Side::Buy, Ticks(101), Lots(1))).unwrap();
    assert_eq!(triggered(&evs), vec![id.0]);
    // The stop keeps its id and buys 5 at 101 after the command's own trade.
    let t = trades(&evs);
    assert_eq!(t.len(), 2);
    assert_eq!((t[1].0, t[1].1, t[1].3), (101, 5, id.0));
    assert!(h.e.order(id).is_none());
}

#[test]
fn a_sell_stop_triggers_on_a_trade_at_or_below_its_trigger_only() {
    let mut h = H::new();
    h.limit(A, Side::Buy, 100, 10);
    h.limit(A, Side::Buy, 99, 10);
    h.limit(B, Side::Sell, 100, 1); // last 100
    let id = sell_stop(&mut h, 99, 3);
    let evs = h.place(Place::limit(AccountId(B), h.inst, Side::Sell, Ticks(100), Lots(9))).unwrap();
    assert!(triggered(&evs).is_empty());
    let evs = h.place(Place::limit(AccountId(B), h.inst, Side::Sell, Ticks(99), Lots(1))).unwrap();
    assert_eq!(triggered(&evs), vec![id.0]);
    let t = trades(&evs);
    assert_eq!((t[1].0, t[1].1, t[1].3), (99, 3, id.0));
}

#[test]
fn with_no_trade_yet_a_stop_waits_whatever_its_trigger() {
    let mut h = H::new();
    let b = buy_stop(&mut h, 1, 1);
    let s = sell_stop(&mut h, 1_000_000, 1);
    assert!(h.e.order(b).is_some() && h.e.order(s).is_some());
}

#[test]
fn several_stops_fire_lowest_buy_trigger_first_then_time() {
    let mut h = H::new();
    for px in [100, 101, 102, 103] {
        h.limit(A, Side::Sell, px, 1);
    }
    h.limit(A, Side::Sell, 110, 100);
    let a = buy_stop(&mut h, 102, 1);
    let b = buy_stop(&mut h, 101, 1);
    let c = buy_stop(&mut h, 101, 1);
    let far = buy_stop(&mut h, 104, 1);
    let evs = h.place(Place::limit(AccountId(B), h.inst, Side::Buy, Ticks(103), Lots(4))).unwrap();
    // The sweep traded 100..103: the stops at 101, 101, 102 fire in that order;
    // their trades at 110 reach the one at 104 (a cascade).
    assert_eq!(triggered(&evs), vec![b.0, c.0, a.0, far.0]);
    // Every event carries the sweeping command's correlation id.
    let corr = h.events.last().unwrap().correlation_id;
    assert!(h.events.iter().rev().take(evs.len()).all(|e| e.correlation_id == corr));
}

#[test]
fn sell_stops_fire_highest_trigger_first() {
    let mut h = H::new();
    for px in [103, 102, 101, 100] {
        h.limit(A, Side::Buy, px, 1);
    }
    h.limit(A, Side::Buy, 90, 100);
    let a = sell_stop(&mut h, 101, 1);
    let b = sell_stop(&mut h, 102, 1);
    let c = sell_stop(&mut h, 102, 1);
    let evs = h.place(Place::limit(AccountId(B), h.inst, Side::Sell, Ticks(100), Lots(4))).unwrap();
    assert_eq!(triggered(&evs), vec![b.0, c.0, a.0]);
}

#[test]
fn a_cascade_runs_to_completion_within_the_command() {
    let mut h = H::new();
    h.limit(A, Side::Sell, 101, 1);
    h.limit(A, Side::Sell, 105, 1);
    h.limit(A, Side::Sell, 110, 5);
    let first = buy_stop(&mut h, 101, 1);
    let second = buy_stop(&mut h, 105, 1);
    let evs = h.place(Place::limit(AccountId(B), h.inst, Side::Buy, Ticks(101), Lots(1))).unwrap();
    assert_eq!(triggered(&evs), vec![first.0, second.0]);
    assert_eq!(trades(&evs).iter().map(|t| t.0).collect::<Vec<_>>(), vec![101, 105, 110]);
    assert_eq!(h.e.last_price(h.inst), Some(Ticks(110)));
}

#[test]
fn the_cascade_limit_stops_firing_and_the_rest_fire_at_the_next_trade() {
    let mut h = H::with_config(EngineConfig { max_triggers_per_command: 1, ..EngineConfig::default() });
    h.limit(A, Side::Sell, 101, 1);
    h.limit(A, Side::Sell, 105, 1);
    h.limit(A, Side::Sell, 110, 5);
    let first = buy_stop(&mut h, 101, 1);
    let second = buy_stop(&mut h, 105, 1);
    let evs = h.place(Place::limit(AccountId(B), h.inst, Side::Buy, Ticks(101), Lots(1))).unwrap();
    assert_eq!(triggered(&evs), vec![first.0]);
    assert!(evs.contains(&EventKind::TriggerLimitReached { instrument: h.inst, fired: 1 }));
    assert!(h.e.order(second).is_some(), "still waiting");
    // The next trade, at any price, fires it.
    h.limit(A, Side::Buy, 50, 1);
    let evs = h.place(Place::limit(AccountId(B), h.inst, Side::Sell, Ticks(50), Lots(1))).unwrap();
    assert_eq!(triggered(&evs), vec![second.0]);
    assert_eq!(trades(&evs).last().unwrap().0, 110);
}

#[test]
fn a_stop_already_reached_at_entry_triggers_at_once() {
    let mut h = H::new();
    h.limit(A, Side::Sell, 100, 10);
    h.limit(B, Side::Buy, 100, 1); // last 100
    let evs = h.place(Place::stop_market(AccountId(S), h.inst, Side::Buy, Ticks(100), Lots(2))).unwrap();
    let id = stop_id(&evs);
    assert_eq!(triggered(&evs), vec![id.0]);
    assert_eq!(trades(&evs)[0].1, 2);
    // A sell stop at or above the last price is reached too.
    h.limit(A, Side::Buy, 99, 5);
    let cmd = Command {
        ts: Timestamp(h.ts + 1),
        correlation_id: CorrelationId(999),
        kind: CommandKind::Place(Place::stop_market(AccountId(S), h.inst, Side::Sell, Ticks(100), Lots(5))),
    };
    h.ts += 1;
    let outcome = h.e.apply(&cmd, &mut h.events).unwrap();
    assert!(matches!(outcome, Outcome::Placed { status: OrderStatus::Filled, filled: Lots(5), .. }));
    h.e.check_invariants().unwrap();
    // One not reached waits, and says so.
    let cmd = Command {
        ts: Timestamp(h.ts + 1),
        correlation_id: CorrelationId(1000),
        kind: CommandKind::Place(Place::stop_market(AccountId(S), h.inst, Side::Sell, Ticks(90), Lots(5))),
    };
    let outcome = h.e.apply(&cmd, &mut h.events).unwrap();
    assert!(matches!(outcome, Outcome::Placed { status: OrderStatus::Waiting, filled: Lots(0), leaves: Lots(5), .. }));
}

#[test]
fn a_triggered_stop_limit_rests_its_remainder_at_its_limit() {
    let mut h = H::new();
    h.limit(A, Side::Sell, 101, 1);
    h.limit(A, Side::Sell, 102, 2);
    h.limit(A, Side::Sell, 104, 2);
    let p = Place::stop_limit(AccountId(S), h.inst, Side::Buy, Ticks(101), Ticks(102), Lots(5));
    let id = stop_id(&h.place(p).unwrap());
    assert_eq!(h.e.order(id).unwrap().price, Ticks(102));
    let evs = h.place(Place::limit(AccountId(B), h.inst, Side::Buy, Ticks(101), Lots(1))).unwrap();
    assert_eq!(triggered(&evs), vec![id.0]);
    assert_eq!(h.levels(Side::Buy), vec![(102, 3, 1)]);
    let view = h.e.order(id).unwrap();
    assert_eq!((view.trigger, view.filled, view.remaining), (None, Lots(2), Lots(3)));
}

#[test]
fn a_triggered_stop_market_with_no_liquidity_is_cancelled() {
    let mut h = H::new();
    h.limit(A, Side::Buy, 100, 1);
    let id = sell_stop(&mut h, 100, 4);
    let evs = h.place(Place::limit(AccountId(B), h.inst, Side::Sell, Ticks(100), Lots(1))).unwrap();
    assert_eq!(triggered(&evs), vec![id.0]);
    assert_eq!(cancels(&evs), vec![(id.0, 4, CancelReason::NoLiquidity)]);
    assert_eq!(h.e.live_orders(), 0);
}

#[test]
fn stops_are_validated_with_typed_errors() {
    let mut h = H::new();
    let code = |h: &mut H, p: Place| h.place(p).unwrap_err().code();
    let (acc, inst) = (AccountId(S), h.inst);
    assert_eq!(code(&mut h, Place::stop_market(acc, inst, Side::Buy, Ticks(0), Lots(1))), "invalid_trigger_price");
    assert_eq!(
        code(&mut h, Place::stop_limit(acc, inst, Side::Buy, Ticks(0), Ticks(0), Lots(1))),
        "invalid_price",
        "the limit is checked before the trigger"
    );
    assert_eq!(
        code(&mut h, Place::stop_market(acc, inst, Side::Buy, Ticks(5), Lots(1)).with_tif(TimeInForce::Ioc)),
        "stop_market_time_in_force"
    );
    assert_eq!(
        code(&mut h, Place::stop_limit(acc, inst, Side::Buy, Ticks(5), Ticks(6), Lots(1)).with_post_only()),
        "post_only_stop"
    );
    let hash = h.e.state_hash();
    let lim = h.limit(A, Side::Sell, 100, 1);
    assert_eq!(amend_trigger(&mut h, lim, 5).unwrap_err().code(), "order_not_owned");
    let e = h.apply(CommandKind::Amend(Amend::new(AccountId(A), lim).with_trigger(Ticks(5)))).unwrap_err();
    assert_eq!(e.code(), "not_a_stop");
    let id = buy_stop(&mut h, 200, 1);
    let e = h.apply(CommandKind::Amend(Amend::new(AccountId(S), id).with_price(Ticks(5)))).unwrap_err();
    assert_eq!(e.code(), "stop_market_has_no_limit");
    assert_eq!(amend_trigger(&mut h, id, 0).unwrap_err().code(), "invalid_trigger_price");
    assert_ne!(hash, h.e.state_hash());
}

#[test]
fn a_waiting_stop_amends_with_versions_and_cancels_by_client_id() {
    let mut h = H::new();
    h.limit(A, Side::Sell, 100, 10);
    h.limit(B, Side::Buy, 100, 1); // last 100
    let cid = ClientOrderId::new("stop-1").unwrap();
    let p =
        Place::stop_limit(AccountId(S), h.inst, Side::Buy, Ticks(105), Ticks(106), Lots(5)).with_client_order_id(cid);
    let id = stop_id(&h.place(p).unwrap());
    let other = buy_stop(&mut h, 105, 1);
    let amend = Amend::new(AccountId(S), id).with_qty(Lots(3)).expecting_version(0);
    let evs = h.apply(CommandKind::Amend(amend)).unwrap();
    assert!(matches!(evs[0], EventKind::StopAmended { version: 1, priority_kept: true, qty: Lots(3), .. }));
    let stale = Amend::new(AccountId(S), id).with_qty(Lots(2)).expecting_version(0);
    assert_eq!(h.apply(CommandKind::Amend(stale)).unwrap_err().code(), "stale_version");
    // A new limit loses queue priority: it now fires after `other`.
    let evs = h.apply(CommandKind::Amend(Amend::new(AccountId(S), id).with_price(Ticks(107)))).unwrap();
    assert!(matches!(evs[0], EventKind::StopAmended { version: 2, priority_kept: false, .. }));
    let order: Vec<_> = h.e.stops(h.inst, Side::Buy).map(|o| o.order_id).collect();
    assert_eq!(order, vec![other, id]);
    // A trigger amended to at or below the last price triggers at once.
    let evs = amend_trigger(&mut h, other, 100).unwrap();
    assert_eq!(triggered(&evs), vec![other.0]);
    // Cancel by client order id.
    let evs = h.apply(CommandKind::Cancel(Cancel::new(AccountId(S), cid))).unwrap();
    assert_eq!(cancels(&evs), vec![(id.0, 3, CancelReason::User)]);
    assert!(h.e.stops(h.inst, Side::Buy).next().is_none());
}

#[test]
fn mass_cancel_and_expiry_reach_waiting_stops_and_halts_do_not() {
    let mut h = H::new();
    let gtd = Place::stop_market(AccountId(S), h.inst, Side::Sell, Ticks(50), Lots(2)).with_expire_at(Timestamp(5_000));
    let gtd = stop_id(&h.place(gtd).unwrap());
    let keep = buy_stop(&mut h, 200, 1);
    let halt = SetTradingStatus { instrument: h.inst, status: TradingStatus::Halted, cancel_resting: true };
    let evs = h.apply(CommandKind::SetTradingStatus(halt)).unwrap();
    assert!(cancels(&evs).is_empty(), "a halt leaves stops waiting");
    assert_eq!(h.e.next_deadline(), Some(Timestamp(5_000)));
    h.ts = 4_999;
    let evs = h.apply(CommandKind::ExpireDue).unwrap();
    assert!(
        matches!(evs[..], [EventKind::Expired { order_id, price: Ticks(50), qty: Lots(2), .. }] if order_id == gtd)
    );
    let m = MassCancel { account: Some(AccountId(S)), instrument: None };
    let evs = h.apply(CommandKind::MassCancel(m)).unwrap();
    assert_eq!(cancels(&evs), vec![(keep.0, 1, CancelReason::MassCancel)]);
    assert_eq!(h.e.live_orders(), 0);
}

#[test]
fn snapshots_and_hashes_carry_waiting_stops() {
    let mut h = H::with_config(EngineConfig { max_triggers_per_command: 1, ..EngineConfig::default() });
    h.limit(A, Side::Sell, 101, 1);
    h.limit(A, Side::Sell, 105, 1);
    h.limit(A, Side::Sell, 110, 5);
    buy_stop(&mut h, 101, 1);
    buy_stop(&mut h, 105, 1);
    sell_stop(&mut h, 90, 1);
    h.place(Place::stop_limit(AccountId(S), h.inst, Side::Buy, Ticks(120), Ticks(121), Lots(2))).unwrap();
    h.place(Place::limit(AccountId(B), h.inst, Side::Buy, Ticks(101), Lots(1))).unwrap(); // fires 1, carries
    let snap = h.e.snapshot();
    let json = serde_json::to_string(&snap).unwrap();
    let back: EngineSnapshot = serde_json::from_str(&json).unwrap();
    let mut r = Engine::restore(&back).unwrap();
    assert_eq!(r.state_hash(), h.e.state_hash());
    assert_eq!(r.snapshot(), snap);
    // Same future: the next trade fires the carried stop in both.
    let next = Command {
        ts: Timestamp(h.ts + 1),
        correlation_id: CorrelationId(77),
        kind: CommandKind::Place(Place::market(AccountId(B), h.inst, Side::Buy, Lots(1))),
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    h.e.apply(&next, &mut a).unwrap();
    r.apply(&next, &mut b).unwrap();
    assert_eq!(a, b);
    assert!(!triggered(&a.iter().map(|e| e.kind).collect::<Vec<_>>()).is_empty());
    assert_eq!(r.state_hash(), h.e.state_hash());
    r.check_invariants().unwrap();
}
