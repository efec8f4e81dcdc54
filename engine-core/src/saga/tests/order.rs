//! The order saga, rule by rule, and any input sequence against it.

use super::*;

#[test]
fn reply_for_another_order_is_a_foreign_reference() {
    let mut saga = working();
    let other = order_id(SagaId(43));
    let mut out = Vec::new();
    let err = saga.advance(&config(), T0, OrderInput::OrderAccepted { order: other }, &mut out).unwrap_err();
    assert_eq!(err, SagaError::ForeignOrder { saga: 42, order: other });
    assert_eq!(err.code(), "foreign_reference");
    assert_eq!(err.to_string(), "saga 42 got a reply for a foreign order 000000000000002b0200000000000000");
}

#[test]
fn filled_order_settles_each_trade_once_then_releases_the_rest() {
    let mut saga = working();
    let out = feed(&mut saga, 1_010, fill(2, 4, 90));
    assert_eq!(
        kinds(&out),
        vec![CommandKind::SettleTrade {
            hold: hold_id(SagaId(42)),
            trade: TradeId(2),
            qty: Lots(4),
            price: Ticks(90),
            amount: Amount::from_minor(360),
        }]
    );
    assert_eq!(saga.state().name(), "partially_filled");
    // The same trade again: acknowledged, nothing sent.
    assert!(feed(&mut saga, 1_011, fill(2, 4, 90)).is_empty());
    let out = feed(&mut saga, 1_012, fill(1, 6, 100));
    assert_eq!(commands(&out).len(), 1);
    assert_eq!(saga.state().name(), "settling");
    feed(&mut saga, 1_013, OrderInput::TradeSettled { trade: TradeId(2) });
    // Duplicate settlement reply: nothing happens.
    assert!(feed(&mut saga, 1_014, OrderInput::TradeSettled { trade: TradeId(2) }).is_empty());
    let out = feed(&mut saga, 1_015, OrderInput::TradeSettled { trade: TradeId(1) });
    assert_eq!(kinds(&out), vec![CommandKind::ReleaseFunds { hold: hold_id(SagaId(42)), account: AccountId(7) }]);
    let out = feed(&mut saga, 1_016, OrderInput::FundsReleased { hold: hold_id(SagaId(42)) });
    let expected =
        OrderOutcome::Closed { reason: CloseReason::Filled, filled: Lots(10), consumed: Amount::from_minor(960) };
    assert_eq!(out, vec![Action::Complete { saga: SagaId(42), outcome: Outcome::Order(expected) }]);
    assert_eq!(saga.state(), &OrderState::Settled { outcome: expected });
}

#[test]
fn finished_saga_refuses_input_with_a_typed_error() {
    let id = SagaId(1);
    let mut saga = OrderSaga::new(id, spec()).unwrap();
    feed(&mut saga, 1_000, OrderInput::Start);
    let out = feed(&mut saga, 1_001, OrderInput::FundsReservationFailed { hold: hold_id(id), reason_code: 3 });
    assert!(kinds(&out).is_empty(), "nothing held, nothing to release");
    assert_eq!(saga.state().name(), "compensated");
    let mut out = Vec::new();
    let err = saga.advance(&config(), T0, OrderInput::FundsReserved { hold: hold_id(id) }, &mut out).unwrap_err();
    assert_eq!(err.code(), "saga_finished");
    assert_eq!(err.to_string(), "saga 1 is finished (compensated)");
    assert!(out.is_empty());
}

#[test]
fn late_funds_reserved_while_working_sends_nothing() {
    let mut saga = working();
    assert!(feed(&mut saga, 2_000, OrderInput::FundsReserved { hold: hold_id(SagaId(42)) }).is_empty());
    assert!(feed(&mut saga, 2_000, OrderInput::OrderAccepted { order: order_id(SagaId(42)) }).is_empty());
}

#[test]
fn refused_input_leaves_the_saga_unchanged() {
    let mut saga = working();
    feed(&mut saga, 1_010, fill(1, 4, 90));
    let before = saga.clone();
    let mut out = Vec::new();
    let cases = [
        (fill(2, 7, 90), "overfill"),
        (fill(1, 5, 90), "conflicting_fill"),
        (fill(3, 1, 101), "price_beyond_limit"),
        (OrderInput::FundsReleased { hold: HoldId(9) }, "foreign_reference"),
        (OrderInput::Start, ""),
    ];
    for (input, code) in cases {
        let r = saga.advance(&config(), Timestamp(1_020), input, &mut out);
        match r {
            Err(e) => assert_eq!(e.code(), code),
            Ok(()) => assert_eq!(code, ""),
        }
        assert_eq!(saga, before);
        assert!(out.is_empty());
    }
}

#[test]
fn reservation_timeout_redelivers_same_id_then_voids_the_hold() {
    let id = SagaId(3);
    let mut saga = OrderSaga::new(id, spec()).unwrap();
    let first = commands(&feed(&mut saga, 1_000, OrderInput::Start));
    assert_eq!(saga.next_deadline(), Some(Timestamp(1_100)));
    // Too early: nothing.
    assert!(feed(&mut saga, 1_050, OrderInput::Timer).is_empty());
    let second = commands(&feed(&mut saga, 1_100, OrderInput::Timer));
    assert_eq!(second[0].idempotency_id, first[0].idempotency_id);
    assert_eq!(second[0].delivery, 1);
    assert_eq!(saga.next_deadline(), Some(Timestamp(1_300)));
    feed(&mut saga, 1_300, OrderInput::Timer);
    let out = feed(&mut saga, 1_700, OrderInput::Timer);
    assert_eq!(kinds(&out), vec![CommandKind::ReleaseFunds { hold: hold_id(id), account: AccountId(7) }]);
    // The reservation reply arrives after all: ignored, the void stands.
    assert!(feed(&mut saga, 1_701, OrderInput::FundsReserved { hold: hold_id(id) }).is_empty());
    feed(&mut saga, 1_702, OrderInput::FundsReleased { hold: hold_id(id) });
    assert_eq!(
        saga.state(),
        &OrderState::Compensated { outcome: OrderOutcome::Rejected { reason: NotPlacedReason::ReservationTimedOut } }
    );
}

#[test]
fn engine_rejection_or_refusal_releases_the_funds_and_says_why() {
    let engine = (
        OrderInput::OrderRejected { order: order_id(SagaId(5)), reason: RejectReason::PostOnlyWouldCross },
        NotPlacedReason::Engine { reason: RejectReason::PostOnlyWouldCross },
    );
    let refused = (
        OrderInput::OrderRefused { order: order_id(SagaId(5)), reason_code: 9 },
        NotPlacedReason::EngineRefused { code: 9 },
    );
    for (input, reason) in [engine, refused] {
        let id = SagaId(5);
        let mut saga = OrderSaga::new(id, spec()).unwrap();
        feed(&mut saga, 1_000, OrderInput::Start);
        feed(&mut saga, 1_001, OrderInput::FundsReserved { hold: hold_id(id) });
        let out = feed(&mut saga, 1_002, input);
        assert_eq!(kinds(&out), vec![CommandKind::ReleaseFunds { hold: hold_id(id), account: AccountId(7) }]);
        let out = feed(&mut saga, 1_003, OrderInput::FundsReleased { hold: hold_id(id) });
        let outcome = OrderOutcome::Rejected { reason };
        assert_eq!(out, vec![Action::Complete { saga: id, outcome: Outcome::Order(outcome) }]);
    }
}

#[test]
fn placement_timeout_cancels_the_order_before_releasing_funds() {
    let id = SagaId(4);
    let mut saga = OrderSaga::new(id, spec()).unwrap();
    feed(&mut saga, 1_000, OrderInput::Start);
    feed(&mut saga, 1_000, OrderInput::FundsReserved { hold: hold_id(id) });
    feed(&mut saga, 1_100, OrderInput::Timer);
    feed(&mut saga, 1_300, OrderInput::Timer);
    let out = feed(&mut saga, 1_700, OrderInput::Timer);
    assert_eq!(kinds(&out), vec![CommandKind::CancelOrder { order: order_id(id) }]);
    // Compensation redelivered until acknowledged, with the same id.
    let again = feed(&mut saga, 1_800, OrderInput::Timer);
    assert_eq!(commands(&again)[0].idempotency_id, commands(&out)[0].idempotency_id);
    let out = feed(&mut saga, 1_900, OrderInput::OrderCancelled { order: order_id(id), remaining: Lots(10) });
    assert!(matches!(kinds(&out)[..], [CommandKind::ReleaseFunds { .. }]));
}

#[test]
fn closure_before_its_fills_waits_for_them_and_queries_the_engine() {
    let mut saga = working();
    let out = feed(&mut saga, 2_000, OrderInput::OrderCancelled { order: order_id(SagaId(42)), remaining: Lots(7) });
    assert!(kinds(&out).is_empty(), "3 lots still unaccounted for");
    assert_eq!(saga.state().name(), "settling");
    let out = feed(&mut saga, 2_100, OrderInput::Timer);
    assert_eq!(kinds(&out), vec![CommandKind::QueryOrder { order: order_id(SagaId(42)) }]);
    // Too many lots for the closure: refused.
    let mut sink = Vec::new();
    let err = saga.advance(&config(), Timestamp(2_101), fill(9, 4, 100), &mut sink).unwrap_err();
    assert_eq!(err.code(), "overfill");
    feed(&mut saga, 2_102, fill(9, 3, 100));
    let out = feed(&mut saga, 2_103, OrderInput::TradeSettled { trade: TradeId(9) });
    assert!(matches!(kinds(&out)[..], [CommandKind::ReleaseFunds { .. }]));
    feed(&mut saga, 2_104, OrderInput::FundsReleased { hold: hold_id(SagaId(42)) });
    assert_eq!(
        saga.state(),
        &OrderState::Compensated {
            outcome: OrderOutcome::Closed {
                reason: CloseReason::CancelledByEngine,
                filled: Lots(3),
                consumed: Amount::from_minor(300),
            }
        }
    );
}

#[test]
fn good_till_cancels_a_working_order() {
    let mut saga = working();
    assert_eq!(saga.next_deadline(), Some(Timestamp(1_000_000)));
    let out = feed(&mut saga, 1_000_000, OrderInput::Timer);
    assert_eq!(kinds(&out), vec![CommandKind::CancelOrder { order: order_id(SagaId(42)) }]);
    // A fill racing the cancel is still settled.
    let out = feed(&mut saga, 1_000_001, fill(5, 2, 100));
    assert!(matches!(kinds(&out)[..], [CommandKind::SettleTrade { .. }]));
}

#[test]
fn settlement_failure_retries_with_a_new_attempt_and_ignores_stale_failures() {
    let mut saga = working();
    let out = feed(&mut saga, 1_010, fill(1, 10, 100));
    let first = commands(&out)[0].idempotency_id;
    let failed = OrderInput::SettlementFailed { trade: TradeId(1), idempotency_id: first };
    // Nothing sent now; only the timer for the new attempt.
    assert_eq!(feed(&mut saga, 1_020, failed), vec![Action::ScheduleTimer { saga: SagaId(42), at: Timestamp(1_120) }]);
    // A duplicate of the same failure does not bump the attempt twice.
    feed(&mut saga, 1_021, failed);
    let out = feed(&mut saga, 1_120, OrderInput::Timer);
    let second = commands(&out)[0].idempotency_id;
    assert_eq!(second, IdempotencyId::derive(saga.id(), Step::SettleTrade, 0, 1));
}

#[test]
fn accepted_order_schedules_its_good_till_timer() {
    let id = SagaId(42);
    let mut saga = OrderSaga::new(id, spec()).unwrap();
    feed(&mut saga, 1_000, OrderInput::Start);
    feed(&mut saga, 1_001, OrderInput::FundsReserved { hold: hold_id(id) });
    let out = feed(&mut saga, 1_002, OrderInput::OrderAccepted { order: order_id(id) });
    assert_eq!(out, vec![Action::ScheduleTimer { saga: id, at: Timestamp(1_000_000) }]);
}

mod random_inputs {
    //! Any sequence of inputs, valid or not: no panic, errors change nothing,
    //! funds are released under one idempotency id at most once per step
    //! entry, each trade is settled under one step sequence, and the saga
    //! survives a serde round trip at every step.
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn input() -> impl Strategy<Value = (u64, OrderInput)> {
        let id = SagaId(42);
        let hold = prop_oneof![Just(hold_id(id)), Just(HoldId(1))];
        let order = prop_oneof![4 => Just(order_id(id)), 1 => Just(ClientOrderId::new("1").unwrap())];
        let input = prop_oneof![
            Just(OrderInput::Start),
            hold.clone().prop_map(|hold| OrderInput::FundsReserved { hold }),
            hold.clone().prop_map(|hold| OrderInput::FundsReservationFailed { hold, reason_code: 1 }),
            order.clone().prop_map(|order| OrderInput::OrderAccepted { order }),
            order.clone().prop_map(|order| OrderInput::OrderTriggered { order }),
            order.clone().prop_map(|order| OrderInput::OrderRejected { order, reason: RejectReason::InstrumentHalted }),
            order.clone().prop_map(|order| OrderInput::OrderRefused { order, reason_code: 2 }),
            (order.clone(), 1_u64..6, 0_i64..5, 0_i64..120, any::<bool>()).prop_map(|(order, t, q, p, buy)| {
                let aggressor = if buy { Side::Buy } else { Side::Sell };
                OrderInput::Fill { order, trade: TradeId(t), qty: Lots(q), price: Ticks(p), aggressor }
            }),
            (order.clone(), -1_i64..12).prop_map(|(order, r)| OrderInput::OrderCancelled { order, remaining: Lots(r) }),
            (order, -1_i64..12).prop_map(|(order, r)| OrderInput::OrderExpired { order, remaining: Lots(r) }),
            (1_u64..6).prop_map(|t| OrderInput::TradeSettled { trade: TradeId(t) }),
            (1_u64..6, 0_u32..3).prop_map(|(t, a)| OrderInput::SettlementFailed {
                trade: TradeId(t),
                idempotency_id: IdempotencyId::derive(SagaId(42), Step::SettleTrade, (t % 3) as u32, a),
            }),
            hold.prop_map(|hold| OrderInput::FundsReleased { hold }),
            Just(OrderInput::Timer),
        ];
        (0_u64..400, input)
    }

    proptest! {
        #[test]
        fn order_saga_never_panics_and_refusals_change_nothing(
            inputs in proptest::collection::vec(input(), 1..80)
        ) {
            let mut saga = OrderSaga::new(SagaId(42), spec()).unwrap();
            let mut now = 1_000;
            let mut settle_sequence: BTreeMap<TradeId, u32> = BTreeMap::new();
            let mut releases_started = 0;
            for (dt, input) in inputs {
                now += dt;
                let before = saga.clone();
                let mut out = Vec::new();
                match saga.advance(&config(), Timestamp(now), input, &mut out) {
                    Err(_) => {
                        prop_assert_eq!(&saga, &before);
                        prop_assert!(out.is_empty());
                    }
                    Ok(()) => {
                        for c in commands(&out) {
                            match c.kind {
                                CommandKind::SettleTrade { trade, .. } => {
                                    let seq = ((c.idempotency_id.0 >> 24) & 0xFFFF_FFFF) as u32;
                                    let first = *settle_sequence.entry(trade).or_insert(seq);
                                    prop_assert_eq!(first, seq, "trade settled under two steps");
                                }
                                CommandKind::ReleaseFunds { .. } if c.delivery == 0 => {
                                    releases_started += 1;
                                }
                                _ => {}
                            }
                        }
                    }
                }
                prop_assert!(releases_started <= 1, "release entered twice");
                let json = serde_json::to_string(&saga).unwrap();
                let back: OrderSaga = serde_json::from_str(&json).unwrap();
                prop_assert_eq!(&back, &saga);
                if let OrderState::PartiallyFilled { fills }
                | OrderState::Cancelling { fills, .. }
                | OrderState::Settling { fills, .. } = saga.state()
                {
                    prop_assert!(fills.filled() <= spec().qty);
                    let sum: i64 = fills.records().iter().map(|r| r.qty.0).sum();
                    prop_assert_eq!(sum, fills.filled().0);
                    prop_assert!(fills.records().windows(2).all(|w| w[0].trade < w[1].trade));
                }
            }
        }
    }
}

/// A stop-limit saga whose order the engine accepted: it waits.
fn waiting() -> OrderSaga {
    let id = SagaId(42);
    let mut saga = OrderSaga::new(id, spec().with_trigger(Ticks(95))).unwrap();
    feed(&mut saga, 1_000, OrderInput::Start);
    let out = feed(&mut saga, 1_001, OrderInput::FundsReserved { hold: hold_id(id) });
    assert!(kinds(&out).iter().any(|k| matches!(k, CommandKind::PlaceOrder { trigger: Some(Ticks(95)), .. })));
    feed(&mut saga, 1_002, OrderInput::OrderAccepted { order: order_id(id) });
    saga
}

#[test]
fn a_stop_limit_saga_waits_for_its_trigger_then_works() {
    let mut saga = waiting();
    assert_eq!(saga.state().name(), "waiting");
    // Held at its limit, as the Broker holds a stop-limit.
    assert_eq!(saga.spec().hold_amount(), spec().hold_amount());
    assert!(feed(&mut saga, 1_010, OrderInput::OrderTriggered { order: order_id(SagaId(42)) }).is_empty());
    assert_eq!(saga.state().name(), "working");
    // A redelivered trigger changes nothing.
    assert!(feed(&mut saga, 1_011, OrderInput::OrderTriggered { order: order_id(SagaId(42)) }).is_empty());
    feed(&mut saga, 1_020, fill(1, 4, 100));
    assert_eq!(saga.state().name(), "partially_filled");
    feed(&mut saga, 1_021, OrderInput::OrderTriggered { order: order_id(SagaId(42)) });
    assert_eq!(saga.state().name(), "partially_filled");
}

#[test]
fn a_fill_of_a_waiting_stop_implies_its_trigger() {
    let mut saga = waiting();
    feed(&mut saga, 1_020, fill(1, 10, 100));
    assert_ne!(saga.state().name(), "waiting");
    assert_ne!(saga.state().name(), "working");
}

#[test]
fn a_waiting_stop_is_cancelled_at_good_till_and_its_funds_released() {
    let mut saga = waiting();
    let out = feed(&mut saga, 1_000_000, OrderInput::Timer);
    assert!(kinds(&out).iter().any(|k| matches!(k, CommandKind::CancelOrder { .. })));
    assert_eq!(saga.state().name(), "cancelling");
    let out =
        feed(&mut saga, 1_000_001, OrderInput::OrderCancelled { order: order_id(SagaId(42)), remaining: Lots(10) });
    assert!(kinds(&out).iter().any(|k| matches!(k, CommandKind::ReleaseFunds { .. })));
}

#[test]
fn a_stop_trigger_must_be_a_positive_price() {
    let err = OrderSaga::new(SagaId(1), spec().with_trigger(Ticks(0))).unwrap_err();
    assert!(matches!(err, SagaError::InvalidValue { field: "trigger_ticks", .. }), "{err:?}");
}
