//! What an order saga reacts to, and how: the commands it sends and the
//! replies and engine events it takes, state by state (deadlines are in
//! `timeouts.rs`).

use serde::{Deserialize, Serialize};

use super::fills::NewFill;
use super::{CloseReason, Closure, Fills, NotPlacedReason, OrderOutcome, OrderSaga, OrderState};
use crate::saga::{
    send, Action, Amount, ClientOrderId, CommandKind, HoldId, IdempotencyId, Lots, Outcome, RejectReason, Retry,
    SagaConfig, SagaError, Side, Step, Ticks, Timestamp, TradeId,
};

/// What an order saga reacts to: replies, engine events and timer firings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderInput {
    /// Begin: send the reservation.
    Start,
    /// Ledger: the hold exists.
    FundsReserved {
        /// Which hold.
        hold: HoldId,
    },
    /// Ledger: the hold was refused (no effect).
    FundsReservationFailed {
        /// Which hold.
        hold: HoldId,
        /// Ledger reason code.
        reason_code: u16,
    },
    /// Engine: the order rests or is matching.
    OrderAccepted {
        /// Which order.
        order: ClientOrderId,
    },
    /// Engine: a waiting stop order triggered (the engine's `Triggered` event)
    /// and now trades or rests as a limit order.
    OrderTriggered {
        /// Which order.
        order: ClientOrderId,
    },
    /// Engine: the order was rejected with the engine's `Rejected` event (no effect).
    OrderRejected {
        /// Which order.
        order: ClientOrderId,
        /// The engine's reason.
        reason: RejectReason,
    },
    /// Engine: the placement was refused as a command, with no event and no
    /// effect: a typed command error (unknown instrument, off-tick price, ...)
    /// or, answering a `PlaceOrder` or `CancelOrder`, an order id that was
    /// cancelled before it was ever placed. Same effect as `OrderRejected`.
    OrderRefused {
        /// Which order.
        order: ClientOrderId,
        /// The host's code for the refusal.
        reason_code: u16,
    },
    /// Engine: a trade.
    Fill {
        /// Which order.
        order: ClientOrderId,
        /// Trade id, unique per trade.
        trade: TradeId,
        /// Traded quantity.
        qty: Lots,
        /// Trade price.
        price: Ticks,
        /// The side that took liquidity, the engine trade's `aggressor`: it
        /// decides the fill's fee rate (taker if it is this order's side).
        aggressor: Side,
    },
    /// Engine: the order was cancelled with `remaining` lots unfilled.
    OrderCancelled {
        /// Which order.
        order: ClientOrderId,
        /// Unfilled lots.
        remaining: Lots,
    },
    /// Engine: the order expired with `remaining` lots unfilled.
    OrderExpired {
        /// Which order.
        order: ClientOrderId,
        /// Unfilled lots.
        remaining: Lots,
    },
    /// Ledger: the trade was settled.
    TradeSettled {
        /// Which trade.
        trade: TradeId,
    },
    /// Ledger: the settlement was refused with no effect.
    SettlementFailed {
        /// Which trade.
        trade: TradeId,
        /// Idempotency id of the refused command (stale replies are ignored).
        idempotency_id: IdempotencyId,
    },
    /// Ledger: the hold was voided.
    FundsReleased {
        /// Which hold.
        hold: HoldId,
    },
    /// A deadline may have passed.
    Timer,
}

impl OrderInput {
    pub(super) const fn name(&self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::FundsReserved { .. } => "funds_reserved",
            Self::FundsReservationFailed { .. } => "funds_reservation_failed",
            Self::OrderAccepted { .. } => "order_accepted",
            Self::OrderTriggered { .. } => "order_triggered",
            Self::OrderRejected { .. } => "order_rejected",
            Self::OrderRefused { .. } => "order_refused",
            Self::Fill { .. } => "fill",
            Self::OrderCancelled { .. } => "order_cancelled",
            Self::OrderExpired { .. } => "order_expired",
            Self::TradeSettled { .. } => "trade_settled",
            Self::SettlementFailed { .. } => "settlement_failed",
            Self::FundsReleased { .. } => "funds_released",
            Self::Timer => "timer",
        }
    }
}

impl OrderSaga {
    fn check_hold(&self, hold: HoldId) -> Result<(), SagaError> {
        if hold == self.hold() {
            Ok(())
        } else {
            Err(SagaError::ForeignReference { saga: self.id.0, reference: hold.0 })
        }
    }

    fn check_order(&self, order: ClientOrderId) -> Result<(), SagaError> {
        if order == self.order() {
            Ok(())
        } else {
            Err(SagaError::ForeignOrder { saga: self.id.0, order })
        }
    }

    /// Validates references shared by all states before any state logic runs.
    fn check_references(&self, input: &OrderInput) -> Result<(), SagaError> {
        match *input {
            OrderInput::FundsReserved { hold }
            | OrderInput::FundsReservationFailed { hold, .. }
            | OrderInput::FundsReleased { hold } => self.check_hold(hold),
            OrderInput::OrderAccepted { order }
            | OrderInput::OrderTriggered { order }
            | OrderInput::OrderRejected { order, .. }
            | OrderInput::OrderRefused { order, .. }
            | OrderInput::Fill { order, .. }
            | OrderInput::OrderCancelled { order, .. }
            | OrderInput::OrderExpired { order, .. } => self.check_order(order),
            OrderInput::SettlementFailed { idempotency_id, .. } => {
                if idempotency_id.saga() == self.id {
                    Ok(())
                } else {
                    Err(SagaError::ForeignReference { saga: self.id.0, reference: idempotency_id.0 })
                }
            }
            OrderInput::Start | OrderInput::TradeSettled { .. } | OrderInput::Timer => Ok(()),
        }
    }

    pub(super) fn send_reserve(&self, retry: &Retry, out: &mut Vec<Action>) {
        send(
            out,
            self.id,
            Step::ReserveFunds,
            0,
            retry,
            CommandKind::ReserveFunds {
                hold: self.hold(),
                account: self.spec.account,
                // Validated in `new`; a snapshot edited by hand reserves the impossible.
                amount: self.spec.hold_amount().unwrap_or(Amount::MAX),
            },
        );
    }

    pub(super) fn send_place(&self, retry: &Retry, out: &mut Vec<Action>) {
        send(
            out,
            self.id,
            Step::PlaceOrder,
            0,
            retry,
            CommandKind::PlaceOrder {
                order: self.order(),
                account: self.spec.account,
                instrument: self.spec.instrument,
                side: self.spec.side,
                qty: self.spec.qty,
                limit_price: self.spec.limit_price,
                trigger: self.spec.trigger,
            },
        );
    }

    pub(super) fn send_cancel(&self, retry: &Retry, out: &mut Vec<Action>) {
        send(out, self.id, Step::CancelOrder, 0, retry, CommandKind::CancelOrder { order: self.order() });
    }

    pub(super) fn send_release(&self, retry: &Retry, out: &mut Vec<Action>) {
        send(
            out,
            self.id,
            Step::ReleaseFunds,
            0,
            retry,
            CommandKind::ReleaseFunds { hold: self.hold(), account: self.spec.account },
        );
    }

    pub(super) fn send_query(&self, retry: &Retry, out: &mut Vec<Action>) {
        send(out, self.id, Step::QueryOrder, 0, retry, CommandKind::QueryOrder { order: self.order() });
    }

    #[allow(clippy::too_many_lines)]
    pub(super) fn step(
        &mut self,
        config: &SagaConfig,
        now: Timestamp,
        input: OrderInput,
        out: &mut Vec<Action>,
    ) -> Result<(), SagaError> {
        if self.is_finished() {
            return Err(SagaError::Finished { saga: self.id.0, state: self.state.name() });
        }
        self.check_references(&input)?;
        // A trigger ends a stop's wait; anywhere else it says no more than a
        // duplicate acceptance would (it was redelivered or reordered).
        let input = match (&self.state, input) {
            (OrderState::Waiting | OrderState::PlacingOrder { .. }, OrderInput::OrderTriggered { .. }) => {
                self.state = OrderState::Working;
                return Ok(());
            }
            (_, OrderInput::OrderTriggered { order }) => OrderInput::OrderAccepted { order },
            (_, input) => input,
        };
        let id = self.id;
        let spec = self.spec;
        // Each arm validates first and mutates after.
        match (&mut self.state, input) {
            (OrderState::Requested, OrderInput::Start) => {
                let retry = Retry::first(config, now);
                self.send_reserve(&retry, out);
                self.state = OrderState::ReservingFunds { retry };
            }
            (OrderState::Requested, _) => return Err(self.unexpected(&input)),
            (_, OrderInput::Start) => {} // duplicate start
            // Deadlines, state by state, in `timeouts.rs`.
            (_, OrderInput::Timer) => self.on_timer(config, now, out),

            // ---- reserving funds -------------------------------------------------
            (OrderState::ReservingFunds { .. }, OrderInput::FundsReserved { .. }) => {
                let retry = Retry::first(config, now);
                self.send_place(&retry, out);
                self.state = OrderState::PlacingOrder { retry };
            }
            (OrderState::ReservingFunds { .. }, OrderInput::FundsReservationFailed { reason_code, .. }) => {
                let outcome = OrderOutcome::Rejected { reason: NotPlacedReason::Funds { code: reason_code } };
                self.state = OrderState::Compensated { outcome };
                out.push(Action::Complete { saga: id, outcome: Outcome::Order(outcome) });
            }
            (OrderState::ReservingFunds { .. }, _) => return Err(self.unexpected(&input)),

            // ---- placing the order -----------------------------------------------
            (OrderState::PlacingOrder { .. }, OrderInput::FundsReserved { .. }) => {} // duplicate
            (OrderState::PlacingOrder { .. }, OrderInput::OrderAccepted { .. }) => {
                // A stop waits for its trigger first.
                self.state = if spec.trigger.is_some() { OrderState::Waiting } else { OrderState::Working };
            }
            (OrderState::PlacingOrder { .. }, OrderInput::OrderRejected { reason, .. }) => {
                let outcome = OrderOutcome::Rejected { reason: NotPlacedReason::Engine { reason } };
                self.release(config, now, outcome, out);
            }
            (OrderState::PlacingOrder { .. }, OrderInput::OrderRefused { reason_code, .. }) => {
                let outcome = OrderOutcome::Rejected { reason: NotPlacedReason::EngineRefused { code: reason_code } };
                self.release(config, now, outcome, out);
            }
            (OrderState::PlacingOrder { .. }, OrderInput::Fill { trade, qty, price, aggressor, .. }) => {
                // The acceptance is implied (it was lost or reordered).
                let mut fills = Fills::default();
                let at = fills.check(id, &spec, &NewFill { trade, qty, price, aggressor }, spec.qty)?;
                if let Some(at) = at {
                    fills.insert(config, now, id, &spec, at, NewFill { trade, qty, price, aggressor }, out);
                }
                self.after_fill(config, now, fills, out);
            }
            (
                OrderState::PlacingOrder { .. },
                OrderInput::OrderCancelled { remaining, .. } | OrderInput::OrderExpired { remaining, .. },
            ) => {
                let fills = Fills::default();
                self.check_closure(fills.filled, remaining)?;
                let reason = if matches!(input, OrderInput::OrderExpired { .. }) {
                    CloseReason::ExpiredByEngine
                } else {
                    CloseReason::CancelledByEngine
                };
                self.close(config, now, Closure { reason, remaining }, fills, out);
            }
            (OrderState::PlacingOrder { .. }, _) => return Err(self.unexpected(&input)),

            // ---- working / partially filled ----------------------------------------
            (
                OrderState::Working | OrderState::Waiting | OrderState::PartiallyFilled { .. },
                OrderInput::FundsReserved { .. } | OrderInput::OrderAccepted { .. },
            ) => {} // duplicates
            // A fill of a waiting stop implies its trigger (lost or reordered).
            (OrderState::Working | OrderState::Waiting, OrderInput::Fill { trade, qty, price, aggressor, .. }) => {
                let mut fills = Fills::default();
                let at = fills.check(id, &spec, &NewFill { trade, qty, price, aggressor }, spec.qty)?;
                if let Some(at) = at {
                    fills.insert(config, now, id, &spec, at, NewFill { trade, qty, price, aggressor }, out);
                }
                self.after_fill(config, now, fills, out);
            }
            (OrderState::PartiallyFilled { fills }, OrderInput::Fill { trade, qty, price, aggressor, .. }) => {
                if let Some(at) = fills.check(id, &spec, &NewFill { trade, qty, price, aggressor }, spec.qty)? {
                    fills.insert(config, now, id, &spec, at, NewFill { trade, qty, price, aggressor }, out);
                    let fills = std::mem::take(fills);
                    self.after_fill(config, now, fills, out);
                }
            }
            (
                OrderState::Working | OrderState::Waiting | OrderState::PartiallyFilled { .. },
                OrderInput::OrderCancelled { remaining, .. } | OrderInput::OrderExpired { remaining, .. },
            ) => {
                let filled = match &self.state {
                    OrderState::PartiallyFilled { fills } => fills.filled,
                    _ => Lots(0),
                };
                self.check_closure(filled, remaining)?;
                let fills = match &mut self.state {
                    OrderState::PartiallyFilled { fills } => std::mem::take(fills),
                    _ => Fills::default(),
                };
                let reason = if matches!(input, OrderInput::OrderExpired { .. }) {
                    CloseReason::ExpiredByEngine
                } else {
                    CloseReason::CancelledByEngine
                };
                self.close(config, now, Closure { reason, remaining }, fills, out);
            }
            (OrderState::PartiallyFilled { fills }, OrderInput::TradeSettled { trade }) => {
                fills.settled(trade);
            }
            (OrderState::PartiallyFilled { fills }, OrderInput::SettlementFailed { trade, idempotency_id }) => {
                fills.settlement_failed(config, now, id, trade, idempotency_id)
            }
            (OrderState::Working | OrderState::Waiting | OrderState::PartiallyFilled { .. }, _) => {
                return Err(self.unexpected(&input))
            }

            // ---- cancelling (compensation) ----------------------------------------
            (OrderState::Cancelling { .. }, OrderInput::FundsReserved { .. } | OrderInput::OrderAccepted { .. }) => {}
            (OrderState::Cancelling { fills, .. }, OrderInput::Fill { trade, qty, price, aggressor, .. }) => {
                if let Some(at) = fills.check(id, &spec, &NewFill { trade, qty, price, aggressor }, spec.qty)? {
                    fills.insert(config, now, id, &spec, at, NewFill { trade, qty, price, aggressor }, out);
                }
            }
            (
                OrderState::Cancelling { fills, reason, .. },
                OrderInput::OrderRejected { .. } | OrderInput::OrderRefused { .. },
            ) => {
                // The placement never took effect: nothing to wait for.
                if !fills.records.is_empty() {
                    return Err(self.unexpected(&input));
                }
                let closure = Closure { reason: *reason, remaining: spec.qty };
                let fills = std::mem::take(fills);
                self.close(config, now, closure, fills, out);
            }
            (
                OrderState::Cancelling { fills, reason, .. },
                OrderInput::OrderCancelled { remaining, .. } | OrderInput::OrderExpired { remaining, .. },
            ) => {
                let reason = *reason;
                let filled = fills.filled;
                self.check_closure(filled, remaining)?;
                let fills = match &mut self.state {
                    OrderState::Cancelling { fills, .. } => std::mem::take(fills),
                    _ => Fills::default(),
                };
                self.close(config, now, Closure { reason, remaining }, fills, out);
            }
            (OrderState::Cancelling { fills, .. }, OrderInput::TradeSettled { trade }) => {
                fills.settled(trade);
            }
            (OrderState::Cancelling { fills, .. }, OrderInput::SettlementFailed { trade, idempotency_id }) => {
                fills.settlement_failed(config, now, id, trade, idempotency_id)
            }
            (OrderState::Cancelling { .. }, _) => return Err(self.unexpected(&input)),

            // ---- settling ----------------------------------------------------------
            (
                OrderState::Settling { .. },
                OrderInput::FundsReserved { .. }
                | OrderInput::OrderAccepted { .. }
                | OrderInput::OrderRejected { .. }
                | OrderInput::OrderRefused { .. },
            ) => {}
            (OrderState::Settling { fills, closure, .. }, OrderInput::Fill { trade, qty, price, aggressor, .. }) => {
                let qty_open = Lots(spec.qty.0.saturating_sub(closure.remaining.0));
                if let Some(at) = fills.check(id, &spec, &NewFill { trade, qty, price, aggressor }, qty_open)? {
                    fills.insert(config, now, id, &spec, at, NewFill { trade, qty, price, aggressor }, out);
                }
            }
            (
                OrderState::Settling { closure, .. },
                OrderInput::OrderCancelled { remaining, .. } | OrderInput::OrderExpired { remaining, .. },
            ) => {
                if remaining != closure.remaining {
                    return Err(self.unexpected(&input));
                }
            }
            (OrderState::Settling { fills, .. }, OrderInput::TradeSettled { trade }) => {
                fills.settled(trade);
                self.release_if_settled(config, now, out);
            }
            (OrderState::Settling { fills, .. }, OrderInput::SettlementFailed { trade, idempotency_id }) => {
                fills.settlement_failed(config, now, id, trade, idempotency_id)
            }
            (OrderState::Settling { .. }, _) => return Err(self.unexpected(&input)),

            // ---- releasing (compensation) ------------------------------------------
            (OrderState::Releasing { outcome, .. }, OrderInput::FundsReleased { .. }) => {
                let outcome = *outcome;
                self.state = match outcome {
                    OrderOutcome::Closed { reason: CloseReason::Filled, .. } => OrderState::Settled { outcome },
                    _ => OrderState::Compensated { outcome },
                };
                out.push(Action::Complete { saga: id, outcome: Outcome::Order(outcome) });
            }
            // Everything before the release is finished business: late replies,
            // duplicated fills and closures are acknowledged without action.
            (OrderState::Releasing { .. }, _) => {}

            (OrderState::Settled { .. } | OrderState::Compensated { .. }, _) => {
                return Err(SagaError::Finished { saga: id.0, state: self.state.name() })
            }
        }
        Ok(())
    }

    /// After a new fill in `Working`/`PlacingOrder`/`PartiallyFilled`.
    pub(super) fn after_fill(&mut self, config: &SagaConfig, now: Timestamp, fills: Fills, out: &mut Vec<Action>) {
        if fills.filled == self.spec.qty {
            let closure = Closure { reason: CloseReason::Filled, remaining: Lots(0) };
            self.close(config, now, closure, fills, out);
        } else if fills.records.is_empty() {
            self.state = OrderState::Working;
        } else {
            self.state = OrderState::PartiallyFilled { fills };
        }
    }
}
