//! Unit tests of the saga state machines: one scenario per rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod deposit;
mod hold;
mod ids;
mod order;
mod registry;

use super::order::{hold_id, order_id, CloseReason};
use super::*;
use crate::risk::UnitScale;

const T0: Timestamp = Timestamp(1_000);

fn config() -> SagaConfig {
    SagaConfig {
        reply_timeout_ns: 100,
        backoff_factor: 2,
        backoff_max_ns: 1_000,
        forward_deliveries_max: 3,
        sagas_max: 16,
        escalate_after_deliveries: 6,
    }
}

fn spec() -> OrderSpec {
    OrderSpec::limit(AccountId(7), InstrumentId(1), Side::Buy, Lots(10), Ticks(100), Timestamp(1_000_000))
}

fn commands(actions: &[Action]) -> Vec<Command> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send(c) => Some(*c),
            _ => None,
        })
        .collect()
}

fn kinds(actions: &[Action]) -> Vec<CommandKind> {
    commands(actions).into_iter().map(|c| c.kind).collect()
}

fn feed(saga: &mut OrderSaga, now: u64, input: OrderInput) -> Vec<Action> {
    let mut out = Vec::new();
    saga.advance(&config(), Timestamp(now), input, &mut out).unwrap();
    out
}

/// A saga whose order the engine accepted.
fn working() -> OrderSaga {
    let id = SagaId(42);
    let mut saga = OrderSaga::new(id, spec()).unwrap();
    feed(&mut saga, 1_000, OrderInput::Start);
    feed(&mut saga, 1_001, OrderInput::FundsReserved { hold: hold_id(id) });
    feed(&mut saga, 1_002, OrderInput::OrderAccepted { order: order_id(id) });
    assert_eq!(saga.state().name(), "working");
    saga
}

/// A fill for the saga of [`working`], which took liquidity.
fn fill(trade: u64, qty: i64, price: i64) -> OrderInput {
    OrderInput::Fill {
        order: order_id(SagaId(42)),
        trade: TradeId(trade),
        qty: Lots(qty),
        price: Ticks(price),
        aggressor: Side::Buy,
    }
}
