//! Idempotency ids, client order ids and the retry policy.

use super::*;

#[test]
fn idempotency_id_packs_saga_step_sequence_and_attempt_injectively() {
    let a = IdempotencyId::derive(SagaId(5), Step::SettleTrade, 3, 1);
    assert_eq!(a.saga(), SagaId(5));
    assert_eq!(a.0, (5_u128 << 64) | (3_u128 << 56) | (3_u128 << 24) | 1);
    let others = [
        IdempotencyId::derive(SagaId(6), Step::SettleTrade, 3, 1),
        IdempotencyId::derive(SagaId(5), Step::ReleaseFunds, 3, 1),
        IdempotencyId::derive(SagaId(5), Step::SettleTrade, 4, 1),
        IdempotencyId::derive(SagaId(5), Step::SettleTrade, 3, 2),
    ];
    assert!(others.iter().all(|o| *o != a));
}

#[test]
fn order_id_is_32_lowercase_hex_digits_of_the_placement_id() {
    for saga in [0, 1, 42, 0xdead_beef, u64::MAX - 1, u64::MAX] {
        let placement = IdempotencyId::derive(SagaId(saga), Step::PlaceOrder, 0, 0);
        let order = order_id(SagaId(saga));
        assert_eq!(order.as_str(), format!("{:032x}", placement.0));
        // The engine's own validation accepts it as it is.
        assert_eq!(ClientOrderId::new(order.as_str()).unwrap(), order);
    }
    assert_eq!(order_id(SagaId(1)).as_str(), "00000000000000010200000000000000");
    assert_ne!(order_id(SagaId(1)), order_id(SagaId(2)));
}

#[test]
fn backoff_grows_by_integer_factor_and_is_capped() {
    let c = config();
    assert_eq!(c.backoff_ns(0), 100);
    assert_eq!(c.backoff_ns(1), 200);
    assert_eq!(c.backoff_ns(3), 800);
    assert_eq!(c.backoff_ns(4), 1_000);
    assert_eq!(c.backoff_ns(200), 1_000);
}
