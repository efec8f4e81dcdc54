//! A registered market: its assets, unit scale, risk parameters and last trade.

use brokerx_ledger::{AssetId, TransferCode};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::accounts::{ORDER_HOLD, TRADE_SETTLEMENT};
use super::command::MarketSpec;
use super::error::BrokerError;
use super::Broker;
use crate::risk::{InstrumentRisk, UnitScale};
use crate::types::{InstrumentId, Ticks};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Market {
    pub(super) base: AssetId,
    pub(super) quote: AssetId,
    pub(super) scale: UnitScale,
    pub(super) risk: InstrumentRisk,
    pub(super) last_trade: Option<Ticks>,
}

/// Exact `value × 10^scale` as an integer, or None.
pub(super) fn minor_units(value: Decimal, scale: u8) -> Option<u128> {
    let v = value.checked_mul(Decimal::from(10u64.checked_pow(u32::from(scale))?))?.normalize();
    if v.scale() != 0 || v <= Decimal::ZERO {
        return None;
    }
    u128::try_from(v.mantissa()).ok()
}

impl Broker {
    /// A matched trade is final, so nothing in the ledger's policy may refuse the
    /// transfers that settle it: per-transfer or daily limits on settlement and fee
    /// transfers, daily limits on holds (a partial fill may resize a buy's hold), or
    /// default wallet max balances (proceeds credit wallets).
    pub(super) fn policy_could_refuse_settlement(&self, m: &MarketSpec) -> bool {
        let policy = &self.ledger.config().policy;
        let settles = [TRADE_SETTLEMENT, TransferCode::FEE];
        let ours = |a: AssetId| a == m.base || a == m.quote;
        policy.transfer_limits.iter().any(|l| ours(l.asset) && settles.contains(&l.code))
            || policy.daily_limits.iter().any(|l| ours(l.asset) && (settles.contains(&l.code) || l.code == ORDER_HOLD))
            || policy.wallet_limits.iter().any(|l| ours(l.asset))
    }

    pub(super) fn scale_of(&self, m: &MarketSpec) -> Result<UnitScale, BrokerError> {
        let base = self.ledger.asset(m.base).ok_or(BrokerError::UnknownAsset { asset: m.base })?;
        let quote = self.ledger.asset(m.quote).ok_or(BrokerError::UnknownAsset { asset: m.quote })?;
        let base_per_lot = minor_units(m.instrument.lot_size, base.scale)
            .ok_or(BrokerError::InvalidMarket { why: "lot size is not a whole number of base minor units" })?;
        let tick_lot = m.instrument.tick_size.checked_mul(m.instrument.lot_size);
        let quote_per_tick_lot = tick_lot
            .and_then(|v| minor_units(v, quote.scale))
            .ok_or(BrokerError::InvalidMarket { why: "tick × lot is not a whole number of quote minor units" })?;
        Ok(UnitScale { base_per_lot, quote_per_tick_lot })
    }

    pub(super) fn market(&self, i: InstrumentId) -> Option<Market> {
        self.markets.get(i.0 as usize).copied()
    }
}
