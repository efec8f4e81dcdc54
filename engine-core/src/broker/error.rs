//! Errors of commands the Broker cannot evaluate.

use brokerx_ledger::{Amount, AssetId, LedgerError};
use thiserror::Error;

use crate::error::CommandError;
use crate::risk::RiskParamError;
use crate::types::{AccountId, Timestamp};

#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BrokerError {
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error("ledger: {0}")]
    Ledger(LedgerError),
    #[error("timestamp {ts} is before the broker's time {now}")]
    TimeWentBackwards { ts: Timestamp, now: Timestamp },
    #[error("unknown asset {asset:?}")]
    UnknownAsset { asset: AssetId },
    #[error("account {account} is reserved for the broker's own books")]
    ReservedAccount { account: AccountId },
    #[error("amount must be > 0")]
    InvalidAmount,
    #[error("amount {amount} minor units is not a whole number of tick-lots ({per_tick_lot} minor units each)")]
    AmountOffGrid { amount: Amount, per_tick_lot: u128 },
    #[error("idempotency key {key:#x} was used with a different request")]
    IdempotencyConflict { key: u128 },
    #[error("invalid market: {why}")]
    InvalidMarket { why: &'static str },
    #[error("invalid instrument risk: {0}")]
    InvalidRisk(#[from] RiskParamError),
    #[error("snapshot is inconsistent: {why}")]
    Snapshot { why: String },
}

impl BrokerError {
    pub fn code(&self) -> &'static str {
        match self {
            BrokerError::Command(e) => e.code(),
            BrokerError::Ledger(e) => e.code(),
            BrokerError::TimeWentBackwards { .. } => "time_went_backwards",
            BrokerError::UnknownAsset { .. } => "unknown_asset",
            BrokerError::ReservedAccount { .. } => "reserved_account",
            BrokerError::InvalidAmount => "invalid_amount",
            BrokerError::AmountOffGrid { .. } => "amount_off_grid",
            BrokerError::IdempotencyConflict { .. } => "idempotency_conflict",
            BrokerError::InvalidMarket { .. } => "invalid_market",
            BrokerError::InvalidRisk(e) => e.code(),
            BrokerError::Snapshot { .. } => "snapshot_inconsistent",
        }
    }
}
