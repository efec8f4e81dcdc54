//! The deposit saga, rule by rule, and any input sequence against it.

use super::*;

fn deposit() -> DepositSaga {
    DepositSaga::new(SagaId(9), DepositSpec { account: AccountId(3), amount: Amount::from_minor(5_000) }).unwrap()
}

fn dfeed(saga: &mut DepositSaga, now: u64, input: DepositInput) -> Vec<Action> {
    let mut out = Vec::new();
    saga.advance(&config(), Timestamp(now), input, &mut out).unwrap();
    out
}

#[test]
fn confirmed_deposit_is_credited_once() {
    let mut saga = deposit();
    let p = saga.payment();
    dfeed(&mut saga, 0, DepositInput::Start);
    let out = dfeed(&mut saga, 10, DepositInput::PaymentConfirmed { payment: p });
    assert!(matches!(kinds(&out)[..], [CommandKind::CreditAccount { .. }]));
    assert!(dfeed(&mut saga, 11, DepositInput::PaymentConfirmed { payment: p }).is_empty());
    let out = dfeed(&mut saga, 12, DepositInput::Credited { payment: p });
    assert!(matches!(out[..], [Action::Complete { .. }]));
    assert_eq!(saga.state(), &DepositState::Credited);
}

#[test]
fn deposit_timeout_backs_off_exponentially_then_cancels() {
    let mut saga = deposit();
    let p = saga.payment();
    dfeed(&mut saga, 0, DepositInput::Start);
    let mut deadlines = vec![saga.next_deadline().unwrap().0];
    for _ in 0..2 {
        let at = saga.next_deadline().unwrap().0;
        let out = dfeed(&mut saga, at, DepositInput::Timer);
        assert!(matches!(kinds(&out)[..], [CommandKind::RequestPayment { .. }]));
        deadlines.push(saga.next_deadline().unwrap().0);
    }
    assert_eq!(deadlines, vec![100, 300, 700]);
    let out = dfeed(&mut saga, 700, DepositInput::Timer);
    assert_eq!(kinds(&out), vec![CommandKind::CancelPayment { payment: p }]);
    // The provider had collected the money after all: it is credited.
    let out = dfeed(&mut saga, 710, DepositInput::PaymentConfirmed { payment: p });
    assert!(matches!(kinds(&out)[..], [CommandKind::CreditAccount { .. }]));
}

#[test]
fn failed_payment_ends_the_deposit_without_credit() {
    let mut saga = deposit();
    let p = saga.payment();
    dfeed(&mut saga, 0, DepositInput::Start);
    let out = dfeed(&mut saga, 5, DepositInput::PaymentFailed { payment: p, reason_code: 51 });
    assert!(kinds(&out).is_empty());
    let mut sink = Vec::new();
    let err = saga.advance(&config(), Timestamp(6), DepositInput::Credited { payment: p }, &mut sink).unwrap_err();
    assert_eq!(err.code(), "saga_finished");
}

mod random_deposit_inputs {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn deposit_saga_credits_at_most_once_and_refusals_change_nothing(
            inputs in proptest::collection::vec((0_u64..400, 0_u8..7), 1..60)
        ) {
            let mut saga = deposit();
            let p = saga.payment();
            let mut credits_started = 0;
            let mut now = 0;
            for (dt, k) in inputs {
                now += dt;
                let input = match k {
                    0 => DepositInput::Start,
                    1 => DepositInput::PaymentConfirmed { payment: p },
                    2 => DepositInput::PaymentFailed { payment: p, reason_code: 1 },
                    3 => DepositInput::PaymentCancelled { payment: p },
                    4 => DepositInput::Credited { payment: p },
                    5 => DepositInput::PaymentConfirmed { payment: PaymentId(3) },
                    _ => DepositInput::Timer,
                };
                let before = saga.clone();
                let mut out = Vec::new();
                match saga.advance(&config(), Timestamp(now), input, &mut out) {
                    Err(_) => {
                        prop_assert_eq!(&saga, &before);
                        prop_assert!(out.is_empty());
                    }
                    Ok(()) => {
                        credits_started += commands(&out)
                            .iter()
                            .filter(|c| matches!(c.kind, CommandKind::CreditAccount { .. }) && c.delivery == 0)
                            .count();
                    }
                }
                prop_assert!(credits_started <= 1);
                let json = serde_json::to_string(&saga).unwrap();
                let back: DepositSaga = serde_json::from_str(&json).unwrap();
                prop_assert_eq!(&back, &saga);
            }
        }
    }
}
