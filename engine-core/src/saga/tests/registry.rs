//! The saga registry: routing, deadlines, bounds, snapshots, escalation.

use super::*;

#[test]
fn registry_routes_by_correlation_id_and_wakes_due_sagas_in_order() {
    let mut reg = SagaRegistry::new(config());
    let mut out = Vec::new();
    reg.start_order(T0, SagaId(2), spec(), &mut out).unwrap();
    reg.start_deposit(
        Timestamp(1_050),
        SagaId(1),
        DepositSpec { account: AccountId(1), amount: Amount::from_minor(1) },
        &mut out,
    )
    .unwrap();
    assert_eq!(reg.start_order(T0, SagaId(2), spec(), &mut out).unwrap_err().code(), "duplicate_saga");
    assert_eq!(reg.next_deadline(), Some(Timestamp(1_100)));
    out.clear();
    assert_eq!(reg.on_time(Timestamp(1_150), &mut out), 2);
    let order: Vec<SagaId> = commands(&out).iter().map(|c| c.saga).collect();
    assert_eq!(order, vec![SagaId(2), SagaId(1)], "by deadline, then id");
    let err = reg.advance(T0, SagaId(1), SagaInput::Order(OrderInput::Timer), &mut out).unwrap_err();
    assert_eq!(err.code(), "wrong_saga_kind");
    assert_eq!(
        reg.advance(T0, SagaId(77), SagaInput::Order(OrderInput::Timer), &mut out).unwrap_err().code(),
        "unknown_saga"
    );
    reg.check_invariants().unwrap();
}

#[test]
fn registry_snapshot_round_trips_and_refuses_other_versions() {
    let mut reg = SagaRegistry::new(config());
    let mut out = Vec::new();
    reg.start_order(T0, SagaId(2), spec(), &mut out).unwrap();
    let json = serde_json::to_string(&reg).unwrap();
    let back: SagaRegistry = serde_json::from_str(&json).unwrap();
    assert_eq!(back, reg);
    back.check_invariants().unwrap();
    let current = format!("\"version\":{SAGA_STATE_VERSION}");
    assert!(json.contains(&current));
    let other = json.replacen(&current, "\"version\":99", 1);
    let err = serde_json::from_str::<SagaRegistry>(&other).unwrap_err();
    assert!(err.to_string().contains("unsupported saga state version 99"));
}

#[test]
fn registry_is_bounded() {
    let mut c = config();
    c.sagas_max = 1;
    let mut reg = SagaRegistry::new(c);
    let mut out = Vec::new();
    reg.start_order(T0, SagaId(1), spec(), &mut out).unwrap();
    let err = reg.start_order(T0, SagaId(2), spec(), &mut out).unwrap_err();
    assert_eq!(err.code(), "registry_full");
    assert_eq!(err.to_string(), "registry full: 1 sagas");
}

/// Bytes a live saga may take (docs/performance.md: 1 M live sagas ≤ 512 B
/// each). The `const` asserts beside the types bound their inline size; what
/// they cannot see is where the fills live.
const SAGA_BYTES_MAX: usize = 512;

/// Whether `fills`' records lie inside `owner`'s own bytes (not on the heap).
fn records_inline<T>(owner: &T, fills: &Fills) -> bool {
    let start = std::ptr::from_ref(owner) as usize;
    let end = start + std::mem::size_of_val(owner);
    let records = fills.records();
    let at = records.as_ptr() as usize;
    !records.is_empty() && start <= at && at + std::mem::size_of_val(records) <= end
}

fn fills_of(saga: &Saga) -> &Fills {
    match saga {
        Saga::Order(s) => match s.state() {
            OrderState::PartiallyFilled { fills } => fills,
            other => panic!("not partially filled: {other:?}"),
        },
        Saga::Deposit(_) => panic!("not an order saga"),
    }
}

#[test]
fn a_saga_with_one_fill_fits_the_budget_with_nothing_on_the_heap() {
    // Most orders fill once: a registry entry (as the map stores it) with one
    // fill must hold that fill inline and fit the budget whole, and keep doing
    // so after a serde round trip (a restart restores sagas from snapshots).
    let mut saga = working();
    feed(&mut saga, 1_010, fill(2, 4, 90));
    let entry = (SagaId(42), Saga::Order(saga));
    assert!(std::mem::size_of_val(&entry) <= SAGA_BYTES_MAX, "{} B", std::mem::size_of_val(&entry));
    assert_eq!(fills_of(&entry.1).records().len(), 1);
    assert!(records_inline(&entry, fills_of(&entry.1)), "a first fill allocated");
    let restored: (SagaId, Saga) = serde_json::from_str(&serde_json::to_string(&entry).unwrap()).unwrap();
    assert_eq!(restored, entry);
    assert!(records_inline(&restored, fills_of(&restored.1)), "a first fill allocated after a round trip");
    // A second fill does go to the heap: the check above can tell the two apart.
    let Saga::Order(mut saga) = entry.1 else { unreachable!() };
    feed(&mut saga, 1_011, fill(3, 1, 90));
    let entry = (SagaId(42), Saga::Order(saga));
    assert_eq!(fills_of(&entry.1).records().len(), 2);
    assert!(!records_inline(&entry, fills_of(&entry.1)));
}

#[test]
fn registry_lists_overdue_sagas_and_prunes_finished_ones() {
    let mut reg = SagaRegistry::new(config());
    let mut out = Vec::new();
    reg.start_order(T0, SagaId(1), spec(), &mut out).unwrap();
    reg.start_order(Timestamp(2_000), SagaId(2), spec(), &mut out).unwrap();
    // Saga 1 waits until 1_100, saga 2 until 2_100.
    assert_eq!(reg.overdue(Timestamp(1_600), 500), vec![SagaId(1)]);
    assert_eq!(reg.overdue(Timestamp(2_600), 500), vec![SagaId(1), SagaId(2)]);
    assert_eq!(reg.remove_finished(SagaId(1)).unwrap_err().code(), "unexpected_input");
    reg.advance(
        T0,
        SagaId(1),
        SagaInput::Order(OrderInput::FundsReservationFailed { hold: hold_id(SagaId(1)), reason_code: 1 }),
        &mut out,
    )
    .unwrap();
    assert_eq!(reg.live(), 1);
    assert!(reg.remove_finished(SagaId(1)).is_ok());
    assert_eq!(reg.next_deadline(), Some(Timestamp(2_100)));
    reg.check_invariants().unwrap();
}

#[test]
fn unanswered_compensation_is_handed_to_an_operator_once_and_listed_until_answered() {
    // The provider never answers: the payment request is abandoned after three
    // deliveries, then CancelPayment is redelivered without limit. Its sixth
    // delivery escalates, once; the saga keeps retrying and stays listed.
    let mut reg = SagaRegistry::new(config());
    let id = SagaId(9);
    let mut out = Vec::new();
    reg.start_deposit(T0, id, DepositSpec { account: AccountId(1), amount: Amount::from_minor(500) }, &mut out)
        .unwrap();
    let mut escalations = Vec::new();
    let mut now = T0.0;
    for _ in 0..40 {
        now += 1_000;
        out.clear();
        reg.on_time(Timestamp(now), &mut out);
        for a in &out {
            if let Action::Escalate { saga, command } = a {
                escalations.push((*saga, *command));
            }
        }
        reg.check_invariants().unwrap();
    }
    assert_eq!(escalations.len(), 1, "escalated once: {escalations:?}");
    let (saga, command) = escalations[0];
    assert_eq!(saga, id);
    assert_eq!(command.delivery + 1, config().escalate_after_deliveries);
    assert!(matches!(command.kind, CommandKind::CancelPayment { .. }), "{command:?}");
    let stuck = reg.stuck();
    assert_eq!(stuck.len(), 1);
    assert_eq!(stuck[0].0, id);
    assert!(stuck[0].1 > config().escalate_after_deliveries, "still retrying: {stuck:?}");
    // The operator fixes the provider; its reply ends the saga and the listing.
    out.clear();
    reg.advance(
        Timestamp(now),
        id,
        SagaInput::Deposit(DepositInput::PaymentCancelled { payment: payment_id(id) }),
        &mut out,
    )
    .unwrap();
    assert!(reg.get(id).unwrap().is_finished());
    assert!(reg.stuck().is_empty());
    // Escalation off: nothing is pushed or listed.
    let mut off = config();
    off.escalate_after_deliveries = 0;
    let mut reg = SagaRegistry::new(off);
    reg.start_deposit(T0, id, DepositSpec { account: AccountId(1), amount: Amount::from_minor(500) }, &mut out)
        .unwrap();
    out.clear();
    for k in 1..40 {
        reg.on_time(Timestamp(T0.0 + k * 1_000), &mut out);
    }
    assert!(!out.iter().any(|a| matches!(a, Action::Escalate { .. })));
    assert!(reg.stuck().is_empty());
}
