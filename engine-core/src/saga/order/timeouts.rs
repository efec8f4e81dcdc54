//! When an order saga needs time, and what it does when a deadline passes:
//! redeliver with backoff, give up a forward step and compensate, cancel at
//! `good_till`.

use super::{CloseReason, Fills, NotPlacedReason, OrderOutcome, OrderSaga, OrderState};
use crate::saga::{Action, SagaConfig, Timestamp};

impl OrderSaga {
    /// When the saga next needs a `Timer` input; `None` when not waiting on time
    /// (`Requested` and terminal states).
    #[must_use]
    pub fn next_deadline(&self) -> Option<Timestamp> {
        match &self.state {
            OrderState::Requested | OrderState::Settled { .. } | OrderState::Compensated { .. } => None,
            OrderState::ReservingFunds { retry }
            | OrderState::PlacingOrder { retry }
            | OrderState::Cancelling { retry, .. }
            | OrderState::Releasing { retry, .. } => Some(retry.deadline),
            OrderState::Working | OrderState::Waiting => Some(self.spec.good_till),
            OrderState::PartiallyFilled { fills } => {
                Some(fills.next_deadline().map_or(self.spec.good_till, |d| d.min(self.spec.good_till)))
            }
            OrderState::Settling { closure, fills, query } => {
                let missing = fills.filled.0 < self.spec.qty.0.saturating_sub(closure.remaining.0);
                let settle = fills.next_deadline();
                match (missing, settle) {
                    (true, Some(d)) => Some(d.min(query.deadline)),
                    (true, None) => Some(query.deadline),
                    (false, d) => d,
                }
            }
        }
    }

    /// Most redeliveries (0 = first delivery) of any command this saga waits on.
    #[must_use]
    pub fn redeliveries(&self) -> u32 {
        match &self.state {
            OrderState::Requested
            | OrderState::Working
            | OrderState::Waiting
            | OrderState::Settled { .. }
            | OrderState::Compensated { .. } => 0,
            OrderState::ReservingFunds { retry }
            | OrderState::PlacingOrder { retry }
            | OrderState::Releasing { retry, .. } => retry.delivery,
            OrderState::PartiallyFilled { fills } => fills.redeliveries(),
            OrderState::Cancelling { fills, retry, .. } => fills.redeliveries().max(retry.delivery),
            OrderState::Settling { fills, query, .. } => fills.redeliveries().max(query.delivery),
        }
    }

    /// A `Timer` input: redeliver what is due, give up a forward step after
    /// `forward_deliveries_max` deliveries, cancel at `good_till`. `step` has
    /// already refused it in `Requested` and the terminal states.
    pub(super) fn on_timer(&mut self, config: &SagaConfig, now: Timestamp, out: &mut Vec<Action>) {
        let id = self.id;
        let spec = self.spec;
        match &mut self.state {
            OrderState::ReservingFunds { retry } => {
                if retry.due(now) {
                    if retry.delivery.saturating_add(1) < config.forward_deliveries_max {
                        let next = retry.redelivered(config, now);
                        *retry = next;
                        self.send_reserve(&next, out);
                    } else {
                        // In doubt: void the client-assigned hold; the ledger
                        // refuses the reservation if it arrives later.
                        let outcome = OrderOutcome::Rejected { reason: NotPlacedReason::ReservationTimedOut };
                        self.release(config, now, outcome, out);
                    }
                }
            }
            OrderState::PlacingOrder { retry } => {
                if retry.due(now) {
                    if retry.delivery.saturating_add(1) < config.forward_deliveries_max {
                        let next = retry.redelivered(config, now);
                        *retry = next;
                        self.send_place(&next, out);
                    } else {
                        // In doubt: cancel the client-assigned order first,
                        // then (after its closure) release the funds.
                        self.cancel(config, now, CloseReason::PlacementTimedOut, Fills::default(), out);
                    }
                }
            }
            OrderState::Working | OrderState::Waiting => {
                if now >= spec.good_till {
                    self.cancel(config, now, CloseReason::GoodTillReached, Fills::default(), out);
                }
            }
            OrderState::PartiallyFilled { fills } => {
                fills.redeliver_due(config, now, id, &spec, out);
                if now >= spec.good_till {
                    let fills = std::mem::take(fills);
                    self.cancel(config, now, CloseReason::GoodTillReached, fills, out);
                }
            }
            OrderState::Cancelling { fills, retry, .. } => {
                fills.redeliver_due(config, now, id, &spec, out);
                if retry.due(now) {
                    let next = retry.redelivered(config, now);
                    *retry = next;
                    self.send_cancel(&next, out);
                }
            }
            OrderState::Settling { fills, closure, query } => {
                fills.redeliver_due(config, now, id, &spec, out);
                let missing = fills.filled.0 < spec.qty.0.saturating_sub(closure.remaining.0);
                if missing && query.due(now) {
                    let next = query.redelivered(config, now);
                    *query = next;
                    self.send_query(&next, out);
                }
            }
            OrderState::Releasing { retry, .. } => {
                if retry.due(now) {
                    let next = retry.redelivered(config, now);
                    *retry = next;
                    self.send_release(&next, out);
                }
            }
            OrderState::Requested | OrderState::Settled { .. } | OrderState::Compensated { .. } => {}
        }
    }
}
