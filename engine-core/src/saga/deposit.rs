//! The deposit saga: collect money through an external payment provider, then
//! credit it to a ledger account.
//!
//! ```text
//! Initiated ──Start──▶ PaymentRequested ──PaymentConfirmed──▶ Crediting ──Credited──▶ Credited
//!                        │   │ timeout: redeliver with backoff     ▲
//!         PaymentFailed  │   │ ×forward_deliveries_max             │ PaymentConfirmed
//!                        ▼   ▼                                     │ (collected before the cancel)
//!                     Failed ◀──PaymentCancelled── CancellingPayment
//! ```
//!
//! Invariants:
//! - money is credited only after the provider confirmed it, and exactly once
//!   (one `CreditAccount` idempotency id per saga);
//! - a payment request that timed out is cancelled before the saga fails, and
//!   a confirmation that wins the race against the cancel is still credited,
//!   so collected money is never dropped;
//! - `Crediting` and `CancellingPayment` redeliver until acknowledged.

use serde::{Deserialize, Serialize};

use super::{
    atomic_step, send, AccountId, Action, Amount, CommandKind, IdempotencyId, Outcome, PaymentId, Retry, SagaConfig,
    SagaError, SagaId, Step, Timestamp,
};

/// What the deposit saga was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositSpec {
    /// Beneficiary.
    pub account: AccountId,
    /// Money to collect and credit, > 0.
    pub amount: Amount,
}

/// Why a deposit failed (nothing was collected or credited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DepositFailure {
    /// The provider refused the payment (its reason code).
    PaymentFailed {
        /// Provider reason code.
        code: u16,
    },
    /// The provider never answered; the request was cancelled.
    TimedOut,
}

/// How a deposit saga ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DepositOutcome {
    /// Collected and credited.
    Credited {
        /// How much.
        amount: Amount,
    },
    /// Nothing collected, nothing credited.
    Failed {
        /// Why.
        reason: DepositFailure,
    },
}

/// Where a deposit saga is. Each variant holds only what is valid in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DepositState {
    /// Created, nothing sent.
    Initiated,
    /// `RequestPayment` sent; redelivered with exponential backoff.
    PaymentRequested {
        /// The request in flight.
        retry: Retry,
    },
    /// Compensating a timed-out request: `CancelPayment` sent.
    CancellingPayment {
        /// The cancellation in flight (redelivered until acknowledged).
        retry: Retry,
    },
    /// Collected; `CreditAccount` sent (redelivered until acknowledged).
    Crediting {
        /// The credit in flight.
        retry: Retry,
    },
    /// Terminal: collected and credited.
    Credited,
    /// Terminal: nothing collected.
    Failed {
        /// Why.
        reason: DepositFailure,
    },
}

impl DepositState {
    /// Stable name, used in errors and docs.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Initiated => "initiated",
            Self::PaymentRequested { .. } => "payment_requested",
            Self::CancellingPayment { .. } => "cancelling_payment",
            Self::Crediting { .. } => "crediting",
            Self::Credited => "credited",
            Self::Failed { .. } => "failed",
        }
    }
}

/// What a deposit saga reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DepositInput {
    /// Begin: request the payment.
    Start,
    /// Provider: the money was collected.
    PaymentConfirmed {
        /// Which payment.
        payment: PaymentId,
    },
    /// Provider: the payment was refused (nothing collected).
    PaymentFailed {
        /// Which payment.
        payment: PaymentId,
        /// Provider reason code.
        reason_code: u16,
    },
    /// Provider: the request is cancelled and will never be collected.
    PaymentCancelled {
        /// Which payment.
        payment: PaymentId,
    },
    /// Ledger: the account was credited.
    Credited {
        /// Which payment.
        payment: PaymentId,
    },
    /// A deadline may have passed.
    Timer,
}

impl DepositInput {
    const fn name(&self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::PaymentConfirmed { .. } => "payment_confirmed",
            Self::PaymentFailed { .. } => "payment_failed",
            Self::PaymentCancelled { .. } => "payment_cancelled",
            Self::Credited { .. } => "credited",
            Self::Timer => "timer",
        }
    }

    const fn payment(&self) -> Option<PaymentId> {
        match *self {
            Self::PaymentConfirmed { payment }
            | Self::PaymentFailed { payment, .. }
            | Self::PaymentCancelled { payment }
            | Self::Credited { payment } => Some(payment),
            Self::Start | Self::Timer => None,
        }
    }
}

/// Payment reference of a saga: the idempotency id of its payment request.
#[must_use]
pub fn payment_id(saga: SagaId) -> PaymentId {
    PaymentId(IdempotencyId::derive(saga, Step::RequestPayment, 0, 0).0)
}

/// One deposit's journey through the payment provider and the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositSaga {
    id: SagaId,
    spec: DepositSpec,
    state: DepositState,
}

const _: () = assert!(std::mem::size_of::<DepositSaga>() <= 512);

impl DepositSaga {
    /// A saga in `Initiated`; call `advance(.., DepositInput::Start, ..)` to begin.
    ///
    /// # Errors
    /// [`SagaError::InvalidValue`] for a zero amount.
    pub fn new(id: SagaId, spec: DepositSpec) -> Result<Self, SagaError> {
        if spec.amount.is_zero() {
            return Err(SagaError::InvalidValue { field: "amount", value: 0 });
        }
        Ok(Self { id, spec, state: DepositState::Initiated })
    }

    /// Correlation id.
    #[must_use]
    pub fn id(&self) -> SagaId {
        self.id
    }

    /// What was asked.
    #[must_use]
    pub fn spec(&self) -> &DepositSpec {
        &self.spec
    }

    /// Where the saga is.
    #[must_use]
    pub fn state(&self) -> &DepositState {
        &self.state
    }

    /// The payment reference this saga uses at the provider.
    #[must_use]
    pub fn payment(&self) -> PaymentId {
        payment_id(self.id)
    }

    /// `true` in `Credited` and `Failed`.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        matches!(self.state, DepositState::Credited | DepositState::Failed { .. })
    }

    /// When the saga next needs a `Timer` input.
    #[must_use]
    pub fn next_deadline(&self) -> Option<Timestamp> {
        match self.state {
            DepositState::PaymentRequested { retry }
            | DepositState::CancellingPayment { retry }
            | DepositState::Crediting { retry } => Some(retry.deadline),
            DepositState::Initiated | DepositState::Credited | DepositState::Failed { .. } => None,
        }
    }

    /// Redeliveries (0 = first delivery) of the command this saga waits on.
    #[must_use]
    pub fn redeliveries(&self) -> u32 {
        match self.state {
            DepositState::PaymentRequested { retry }
            | DepositState::CancellingPayment { retry }
            | DepositState::Crediting { retry } => retry.delivery,
            DepositState::Initiated | DepositState::Credited | DepositState::Failed { .. } => 0,
        }
    }

    /// Feeds one input; pushes the resulting actions onto `out`. Duplicate and
    /// late replies are acknowledged with `Ok(())` and no action.
    ///
    /// # Errors
    /// [`SagaError::Finished`] in a terminal state, [`SagaError::ForeignReference`]
    /// for another saga's payment, [`SagaError::UnexpectedInput`] for an input
    /// that contradicts the state (e.g. `PaymentFailed` after `PaymentConfirmed`).
    /// On error the saga is unchanged and nothing is pushed.
    pub fn advance(
        &mut self,
        config: &SagaConfig,
        now: Timestamp,
        input: DepositInput,
        out: &mut Vec<Action>,
    ) -> Result<(), SagaError> {
        let id = self.id;
        atomic_step(self, id, out, Self::next_deadline, |s, out| s.step(config, now, input, out))
    }

    fn unexpected(&self, input: &DepositInput) -> SagaError {
        SagaError::UnexpectedInput { saga: self.id.0, input: input.name(), state: self.state.name() }
    }

    fn send_request(&self, retry: &Retry, out: &mut Vec<Action>) {
        send(
            out,
            self.id,
            Step::RequestPayment,
            0,
            retry,
            CommandKind::RequestPayment {
                payment: self.payment(),
                account: self.spec.account,
                amount: self.spec.amount,
            },
        );
    }

    fn send_cancel(&self, retry: &Retry, out: &mut Vec<Action>) {
        send(out, self.id, Step::CancelPayment, 0, retry, CommandKind::CancelPayment { payment: self.payment() });
    }

    fn send_credit(&self, retry: &Retry, out: &mut Vec<Action>) {
        send(
            out,
            self.id,
            Step::CreditAccount,
            0,
            retry,
            CommandKind::CreditAccount {
                payment: self.payment(),
                account: self.spec.account,
                amount: self.spec.amount,
            },
        );
    }

    fn finish(&mut self, outcome: DepositOutcome, out: &mut Vec<Action>) {
        self.state = match outcome {
            DepositOutcome::Credited { .. } => DepositState::Credited,
            DepositOutcome::Failed { reason } => DepositState::Failed { reason },
        };
        out.push(Action::Complete { saga: self.id, outcome: Outcome::Deposit(outcome) });
    }

    fn credit(&mut self, config: &SagaConfig, now: Timestamp, out: &mut Vec<Action>) {
        let retry = Retry::first(config, now);
        self.send_credit(&retry, out);
        self.state = DepositState::Crediting { retry };
    }

    fn step(
        &mut self,
        config: &SagaConfig,
        now: Timestamp,
        input: DepositInput,
        out: &mut Vec<Action>,
    ) -> Result<(), SagaError> {
        if self.is_finished() {
            return Err(SagaError::Finished { saga: self.id.0, state: self.state.name() });
        }
        if let Some(payment) = input.payment() {
            if payment != self.payment() {
                return Err(SagaError::ForeignReference { saga: self.id.0, reference: payment.0 });
            }
        }
        match (self.state, input) {
            (DepositState::Initiated, DepositInput::Start) => {
                let retry = Retry::first(config, now);
                self.send_request(&retry, out);
                self.state = DepositState::PaymentRequested { retry };
            }
            (DepositState::Initiated, _) => return Err(self.unexpected(&input)),
            (_, DepositInput::Start) => {}

            (DepositState::PaymentRequested { .. }, DepositInput::PaymentConfirmed { .. }) => {
                self.credit(config, now, out);
            }
            (DepositState::PaymentRequested { .. }, DepositInput::PaymentFailed { reason_code, .. }) => {
                let reason = DepositFailure::PaymentFailed { code: reason_code };
                self.finish(DepositOutcome::Failed { reason }, out);
            }
            (DepositState::PaymentRequested { retry }, DepositInput::Timer) => {
                if retry.due(now) {
                    if retry.delivery.saturating_add(1) < config.forward_deliveries_max {
                        let next = retry.redelivered(config, now);
                        self.send_request(&next, out);
                        self.state = DepositState::PaymentRequested { retry: next };
                    } else {
                        let retry = Retry::first(config, now);
                        self.send_cancel(&retry, out);
                        self.state = DepositState::CancellingPayment { retry };
                    }
                }
            }
            (DepositState::PaymentRequested { .. }, _) => return Err(self.unexpected(&input)),

            (DepositState::CancellingPayment { .. }, DepositInput::PaymentConfirmed { .. }) => {
                // Collected before the cancel reached the provider: credit it.
                self.credit(config, now, out);
            }
            (
                DepositState::CancellingPayment { .. },
                DepositInput::PaymentCancelled { .. } | DepositInput::PaymentFailed { .. },
            ) => {
                let reason = DepositFailure::TimedOut;
                self.finish(DepositOutcome::Failed { reason }, out);
            }
            (DepositState::CancellingPayment { retry }, DepositInput::Timer) => {
                if retry.due(now) {
                    let next = retry.redelivered(config, now);
                    self.send_cancel(&next, out);
                    self.state = DepositState::CancellingPayment { retry: next };
                }
            }
            (DepositState::CancellingPayment { .. }, _) => return Err(self.unexpected(&input)),

            (DepositState::Crediting { .. }, DepositInput::PaymentConfirmed { .. }) => {}
            (DepositState::Crediting { .. }, DepositInput::Credited { .. }) => {
                let amount = self.spec.amount;
                self.finish(DepositOutcome::Credited { amount }, out);
            }
            (DepositState::Crediting { retry }, DepositInput::Timer) => {
                if retry.due(now) {
                    let next = retry.redelivered(config, now);
                    self.send_credit(&next, out);
                    self.state = DepositState::Crediting { retry: next };
                }
            }
            (DepositState::Crediting { .. }, _) => return Err(self.unexpected(&input)),

            (DepositState::Credited | DepositState::Failed { .. }, _) => {
                return Err(SagaError::Finished { saga: self.id.0, state: self.state.name() })
            }
        }
        Ok(())
    }
}
