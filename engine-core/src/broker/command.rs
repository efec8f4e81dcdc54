//! The Broker's command vocabulary.

use brokerx_ledger::{AssetId, AssetSpec, LedgerConfig};
use serde::{Deserialize, Serialize};

use crate::command::{Amend, Cancel, MassCancel, Place, SetTradingStatus};
use crate::engine::EngineConfig;
use crate::instrument::InstrumentSpec;
use crate::risk::{AccountLimits, InstrumentRisk};
use crate::types::{AccountId, CorrelationId, InstrumentId, Timestamp};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerConfig {
    pub engine: EngineConfig,
    pub ledger: LedgerConfig,
}

/// A market: an engine instrument plus the assets it exchanges and its risk limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketSpec {
    pub instrument: InstrumentSpec,
    /// What is bought (shares, coins).
    pub base: AssetId,
    /// What it is paid with (cash).
    pub quote: AssetId,
    pub risk: InstrumentRisk,
}

/// A deposit or withdrawal, idempotent by `key` (e.g. a UUID from an
/// `Idempotency-Key` header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funds {
    pub account: AccountId,
    pub asset: AssetId,
    /// Minor units, > 0.
    pub amount: u128,
    pub key: u128,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerCommand {
    pub ts: Timestamp,
    pub correlation_id: CorrelationId,
    pub kind: BrokerCommandKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BrokerCommandKind {
    CreateAsset {
        spec: AssetSpec,
        wallet_max_balance: Option<u128>,
    },
    RegisterMarket(MarketSpec),
    Deposit(Funds),
    Withdraw(Funds),
    Place(Place),
    Cancel(Cancel),
    Amend(Amend),
    MassCancel(MassCancel),
    SetTradingStatus(SetTradingStatus),
    SetInstrumentRisk {
        instrument: InstrumentId,
        risk: InstrumentRisk,
    },
    SetAccountLimits {
        account: AccountId,
        limits: AccountLimits,
    },
    /// The kill switch: disabling refuses new orders and amends and cancels every open order.
    SetAccountEnabled {
        account: AccountId,
        enabled: bool,
    },
    RestrictInstrument {
        account: AccountId,
        instrument: InstrumentId,
        restricted: bool,
    },
    ExpireDue,
}
