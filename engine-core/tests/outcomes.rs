//! What a command did, from its return value: `check` → `Checked`, `execute` →
//! `Outcome`, the same as `apply`; orders named by client order id; execution
//! reports that carry side, price, leaves and cumulative filled.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use brokerx_engine::*;
use rust_decimal::Decimal;

const ACME: InstrumentId = InstrumentId(0);

struct T {
    e: Engine,
    events: Vec<Event>,
    ts: u64,
}

impl T {
    fn new() -> T {
        let mut t = T { e: Engine::default(), events: Vec::new(), ts: 0 };
        let spec = InstrumentSpec::new("ACME", Decimal::new(1, 2), Decimal::ONE);
        t.run(CommandKind::RegisterInstrument(spec)).unwrap();
        t
    }

    fn cmd(&mut self, kind: CommandKind) -> Command {
        self.ts += 1;
        Command { ts: Timestamp(self.ts), correlation_id: CorrelationId(self.ts), kind }
    }

    fn run(&mut self, kind: CommandKind) -> Result<Outcome, CommandError> {
        let cmd = self.cmd(kind);
        self.events.clear();
        let r = self.e.apply(&cmd, &mut self.events);
        self.e.check_invariants().unwrap();
        r
    }

    fn limit(&mut self, account: u64, side: Side, price: i64, qty: i64) -> Outcome {
        self.run(CommandKind::Place(Place::limit(AccountId(account), ACME, side, Ticks(price), Lots(qty)))).unwrap()
    }

    fn trading_events(&self) -> Vec<EventKind> {
        self.events
            .iter()
            .map(|e| e.kind)
            .filter(|k| !matches!(k, EventKind::LevelChanged { .. } | EventKind::BboChanged { .. }))
            .collect()
    }
}

fn cid(s: &str) -> ClientOrderId {
    ClientOrderId::new(s).unwrap()
}

#[test]
fn a_place_reports_resting_filled_or_cancelled_with_its_leaves() {
    let mut t = T::new();
    let resting = t.limit(1, Side::Sell, 100, 5);
    assert_eq!(
        resting,
        Outcome::Placed { order_id: OrderId(1), status: OrderStatus::Resting, filled: Lots(0), leaves: Lots(5) }
    );
    let filled = t.limit(2, Side::Buy, 100, 2);
    assert_eq!(
        filled,
        Outcome::Placed { order_id: OrderId(2), status: OrderStatus::Filled, filled: Lots(2), leaves: Lots(0) }
    );
    let ioc = Place::limit(AccountId(2), ACME, Side::Buy, Ticks(100), Lots(7)).with_tif(TimeInForce::Ioc);
    assert_eq!(
        t.run(CommandKind::Place(ioc)).unwrap(),
        Outcome::Placed {
            order_id: OrderId(3),
            status: OrderStatus::Cancelled(CancelReason::IocRemainder),
            filled: Lots(3),
            leaves: Lots(4),
        }
    );
    let market = Place::market(AccountId(2), ACME, Side::Buy, Lots(1));
    assert_eq!(
        t.run(CommandKind::Place(market)).unwrap(),
        Outcome::Placed {
            order_id: OrderId(4),
            status: OrderStatus::Cancelled(CancelReason::NoLiquidity),
            filled: Lots(0),
            leaves: Lots(1),
        }
    );
}

#[test]
fn a_trading_refusal_is_an_outcome_and_an_event_and_takes_no_id() {
    let mut t = T::new();
    t.limit(1, Side::Sell, 100, 5);
    let post = Place::limit(AccountId(2), ACME, Side::Buy, Ticks(100), Lots(1)).with_post_only();
    let out = t.run(CommandKind::Place(post)).unwrap();
    assert_eq!(out, Outcome::Rejected { order_id: None, reason: RejectReason::PostOnlyWouldCross });
    assert!(out.is_rejected());
    assert!(matches!(t.trading_events()[..], [EventKind::Rejected { reason: RejectReason::PostOnlyWouldCross, .. }]));
    // The next accepted order gets id 2: the refused one took none.
    assert_eq!(t.limit(2, Side::Buy, 99, 1).order_id(), Some(OrderId(2)));
    let halt = SetTradingStatus { instrument: ACME, status: TradingStatus::Halted, cancel_resting: true };
    assert_eq!(
        t.run(CommandKind::SetTradingStatus(halt)).unwrap(),
        Outcome::TradingStatusSet { instrument: ACME, cancelled: 2 }
    );
    let out = t.run(CommandKind::Place(Place::limit(AccountId(2), ACME, Side::Buy, Ticks(99), Lots(1)))).unwrap();
    assert_eq!(out, Outcome::Rejected { order_id: None, reason: RejectReason::InstrumentHalted });
}

#[test]
fn cancel_amend_and_expiry_reports_carry_side_price_leaves_and_filled() {
    let mut t = T::new();
    t.limit(1, Side::Sell, 100, 10);
    t.limit(2, Side::Buy, 100, 4);
    let amend = Amend::new(AccountId(1), OrderId(1)).with_price(Ticks(101));
    assert_eq!(
        t.run(CommandKind::Amend(amend)).unwrap(),
        Outcome::Amended {
            order_id: OrderId(1),
            version: 1,
            price: Ticks(101),
            filled: Lots(4),
            leaves: Lots(6),
            priority_kept: false,
            status: OrderStatus::Resting,
        }
    );
    assert!(t.trading_events().contains(&EventKind::Amended {
        order_id: OrderId(1),
        account: AccountId(1),
        instrument: ACME,
        side: Side::Sell,
        version: 1,
        price: Ticks(101),
        qty: Lots(10),
        remaining: Lots(6),
        filled: Lots(4),
        priority_kept: false,
    }));
    assert_eq!(
        t.run(CommandKind::Cancel(Cancel::new(AccountId(1), OrderId(1)))).unwrap(),
        Outcome::Cancelled { order_id: OrderId(1), leaves: Lots(6), filled: Lots(4) }
    );
    assert_eq!(
        t.trading_events(),
        vec![EventKind::Cancelled {
            order_id: OrderId(1),
            account: AccountId(1),
            instrument: ACME,
            side: Side::Sell,
            price: Some(Ticks(101)),
            qty: Lots(6),
            filled: Lots(4),
            reason: CancelReason::User,
        }]
    );

    // A GTD order partly filled, then expired by time alone.
    let gtd = Place::limit(AccountId(3), ACME, Side::Buy, Ticks(98), Lots(5)).with_expire_at(Timestamp(t.ts + 10));
    let gtd_id = t.run(CommandKind::Place(gtd)).unwrap().order_id().unwrap();
    t.limit(4, Side::Sell, 98, 2);
    t.events.clear();
    let out = t.e.on_time(Timestamp(t.ts + 20), &mut t.events).unwrap();
    assert_eq!(out, Outcome::TimePassed { now: Timestamp(t.ts + 20), expired: 1 });
    assert!(t.trading_events().contains(&EventKind::Expired {
        order_id: gtd_id,
        account: AccountId(3),
        instrument: ACME,
        side: Side::Buy,
        price: Ticks(98),
        qty: Lots(3),
        filled: Lots(2),
    }));
}

#[test]
fn an_amend_that_crosses_and_fills_reports_filled() {
    let mut t = T::new();
    t.limit(1, Side::Sell, 101, 3);
    t.limit(2, Side::Buy, 100, 3);
    let out = t.run(CommandKind::Amend(Amend::new(AccountId(2), OrderId(2)).with_price(Ticks(101)))).unwrap();
    assert_eq!(
        out,
        Outcome::Amended {
            order_id: OrderId(2),
            version: 1,
            price: Ticks(101),
            filled: Lots(3),
            leaves: Lots(3),
            priority_kept: false,
            status: OrderStatus::Filled,
        }
    );
    assert!(t.e.order(OrderId(2)).is_none());
}

#[test]
fn orders_are_cancelled_and_amended_by_client_order_id_within_their_account() {
    let mut t = T::new();
    let p = Place::limit(AccountId(7), ACME, Side::Buy, Ticks(100), Lots(5)).with_client_order_id(cid("ord-1"));
    let id = t.run(CommandKind::Place(p)).unwrap().order_id().unwrap();
    assert_eq!(t.e.order_by_client_id(AccountId(7), cid("ord-1")), t.e.order(id));
    assert!(t.e.order_by_client_id(AccountId(8), cid("ord-1")).is_none());

    // Another account cannot reach it by the same client id.
    let theirs = Cancel::new(AccountId(8), cid("ord-1"));
    let err = t.run(CommandKind::Cancel(theirs)).unwrap_err();
    assert_eq!(err.code(), "unknown_client_order_id");
    assert!(t.events.is_empty());

    let amend = Amend::new(AccountId(7), cid("ord-1")).with_qty(Lots(3)).expecting_version(0);
    let out = t.run(CommandKind::Amend(amend)).unwrap();
    assert_eq!(out.order_id(), Some(id));
    assert!(matches!(out, Outcome::Amended { version: 1, leaves: Lots(3), priority_kept: true, .. }));

    let stale = Amend::new(AccountId(7), cid("ord-1")).with_qty(Lots(2)).expecting_version(0);
    assert_eq!(t.run(CommandKind::Amend(stale)).unwrap_err().code(), "stale_version");

    let out = t.run(CommandKind::Cancel(Cancel::new(AccountId(7), cid("ord-1")))).unwrap();
    assert_eq!(out, Outcome::Cancelled { order_id: id, leaves: Lots(3), filled: Lots(0) });
    // Gone: the client id names nothing now, and may be used again.
    let again = t.run(CommandKind::Cancel(Cancel::new(AccountId(7), cid("ord-1")))).unwrap_err();
    assert_eq!(again.code(), "unknown_client_order_id");
    assert!(t.e.order_by_client_id(AccountId(7), cid("ord-1")).is_none());
    let p = Place::limit(AccountId(7), ACME, Side::Buy, Ticks(100), Lots(1)).with_client_order_id(cid("ord-1"));
    assert!(matches!(t.run(CommandKind::Place(p)).unwrap(), Outcome::Placed { status: OrderStatus::Resting, .. }));
}

#[test]
fn check_then_execute_gives_what_apply_gives() {
    let script = |t: &mut T| {
        vec![
            t.cmd(CommandKind::Place(Place::limit(AccountId(1), ACME, Side::Sell, Ticks(100), Lots(5)))),
            t.cmd(CommandKind::Place(Place::limit(AccountId(2), ACME, Side::Buy, Ticks(100), Lots(2)))),
            t.cmd(CommandKind::Amend(Amend::new(AccountId(1), OrderId(1)).with_qty(Lots(4)))),
            t.cmd(CommandKind::Place(Place::market(AccountId(3), ACME, Side::Buy, Lots(9)))),
            t.cmd(CommandKind::Cancel(Cancel::new(AccountId(1), OrderId(1)))),
            t.cmd(CommandKind::Place(Place::limit(AccountId(2), ACME, Side::Buy, Ticks(99), Lots(2)))),
            t.cmd(CommandKind::MassCancel(MassCancel { account: Some(AccountId(2)), instrument: None })),
        ]
    };
    let (mut a, mut b) = (T::new(), T::new());
    let (cmds_a, cmds_b) = (script(&mut a), script(&mut b));
    for (ca, cb) in cmds_a.iter().zip(&cmds_b) {
        let (mut ea, mut eb) = (Vec::new(), Vec::new());
        let applied = a.e.apply(ca, &mut ea);
        let checked = match b.e.check(cb) {
            Ok(c) => c,
            Err(e) => {
                assert_eq!(applied, Err(e), "check refuses what apply refuses");
                continue;
            }
        };
        let named = checked.order_id();
        let executed = b.e.execute(&checked, &mut eb);
        assert_eq!(applied, executed);
        if matches!(cb.kind, CommandKind::Place(_) | CommandKind::Amend(_) | CommandKind::Cancel(_)) {
            assert_eq!(named, executed.unwrap().order_id(), "the checked order is the one the outcome names");
        }
        assert_eq!(ea, eb);
        assert_eq!(a.e.state_hash(), b.e.state_hash());
    }
}

#[test]
fn a_checked_place_knows_its_order_id_and_an_amend_its_order() {
    let mut t = T::new();
    t.limit(1, Side::Sell, 100, 5);
    t.limit(2, Side::Buy, 100, 2);
    let place = t.cmd(CommandKind::Place(Place::limit(AccountId(3), ACME, Side::Buy, Ticks(90), Lots(1))));
    let checked = t.e.check(&place).unwrap();
    assert_eq!(checked.order_id(), Some(OrderId(3)));
    assert_eq!(t.e.execute(&checked, &mut t.events).unwrap().order_id(), Some(OrderId(3)));
    // A token runs once: running it made it stale, and a second run changes nothing.
    let (hash, seen) = (t.e.state_hash(), t.events.len());
    assert_eq!(t.e.execute(&checked, &mut t.events).unwrap_err().code(), "stale_check");
    assert_eq!((t.e.state_hash(), t.events.len()), (hash, seen));

    let amend = t.cmd(CommandKind::Amend(Amend::new(AccountId(1), OrderId(1)).with_price(Ticks(105))));
    let named = t.e.check(&amend).unwrap().named_order().unwrap();
    assert_eq!(
        named,
        NamedOrder {
            order_id: OrderId(1),
            account: AccountId(1),
            instrument: ACME,
            side: Side::Sell,
            price: Ticks(100),
            leaves: Lots(3),
            filled: Lots(2),
            version: 0,
            waiting: false,
        }
    );
}

#[test]
fn a_stale_check_is_refused_and_changes_nothing() {
    let mut t = T::new();
    t.limit(1, Side::Sell, 100, 5);
    let first = t.cmd(CommandKind::Place(Place::limit(AccountId(2), ACME, Side::Buy, Ticks(100), Lots(5))));
    let checked = t.e.check(&first).unwrap();
    // Another command runs in between: the check no longer holds.
    t.limit(3, Side::Buy, 100, 5);
    let hash = t.e.state_hash();
    let mut events = Vec::new();
    let err = t.e.execute(&checked, &mut events).unwrap_err();
    assert_eq!(err.code(), "stale_check");
    assert!(events.is_empty());
    assert_eq!(t.e.state_hash(), hash);
}

#[test]
fn expiring_due_orders_between_check_and_execute_keeps_the_check() {
    let mut t = T::new();
    let gtd = Place::limit(AccountId(1), ACME, Side::Sell, Ticks(100), Lots(5)).with_expire_at(Timestamp(t.ts + 3));
    t.run(CommandKind::Place(gtd)).unwrap();
    t.ts += 5;
    let buy = t.cmd(CommandKind::Place(Place::limit(AccountId(2), ACME, Side::Buy, Ticks(100), Lots(5))));
    let checked = t.e.check(&buy).unwrap();
    let mut events = Vec::new();
    let expired = t.e.on_time(buy.ts, &mut events).unwrap();
    assert_eq!(expired, Outcome::TimePassed { now: buy.ts, expired: 1 });
    let out = t.e.execute(&checked, &mut events).unwrap();
    // The seller expired first, so the buy rests instead of trading.
    assert_eq!(
        out,
        Outcome::Placed { order_id: OrderId(2), status: OrderStatus::Resting, filled: Lots(0), leaves: Lots(5) }
    );
    // A later time, though, makes the check stale.
    let late = t.cmd(CommandKind::Place(Place::limit(AccountId(2), ACME, Side::Buy, Ticks(99), Lots(1))));
    let checked = t.e.check(&late).unwrap();
    t.e.on_time(Timestamp(late.ts.0 + 1), &mut events).unwrap();
    assert_eq!(t.e.execute(&checked, &mut events).unwrap_err().code(), "stale_check");
}
