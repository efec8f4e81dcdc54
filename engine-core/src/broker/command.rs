//! The Broker's command vocabulary.

use brokerx_ledger::{Amount, AssetId, AssetSpec, ConvertError, LedgerConfig};
use rust_decimal::Decimal;
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
    /// In the asset's minor units, > 0.
    pub amount: Amount,
    pub key: u128,
}

impl Funds {
    pub fn new(account: AccountId, asset: AssetId, amount: Amount, key: u128) -> Self {
        Funds { account, asset, amount, key }
    }

    /// Funds of a decimal amount of `asset`, exact at its scale (`12.34` USD at
    /// scale 2 is 1234 cents) or refused (`scale_exceeds_asset`, `negative_amount`,
    /// `amount_overflow`) — never rounded.
    pub fn from_decimal(
        asset: &AssetSpec,
        account: AccountId,
        amount: Decimal,
        key: u128,
    ) -> Result<Self, ConvertError> {
        Ok(Funds { account, asset: asset.id, amount: asset.amount_from_decimal(amount)?, key })
    }
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
        /// A client wallet may not be brought past this by deposits (minor units).
        wallet_max_balance: Option<Amount>,
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
