//! What an order saga is asked to do, its validation, and the hold it sizes
//! and consumes with the Broker's functions ([`crate::risk`]).

use serde::{Deserialize, Serialize};

use super::FillRecord;
use crate::risk::{self, InstrumentRisk, UnitScale};
use crate::saga::{AccountId, Amount, InstrumentId, Lots, SagaError, Side, Ticks, Timestamp};

/// Which fill prices an order's limit allows, by side.
impl Side {
    pub(super) fn within_limit(self, price: Ticks, limit: Ticks) -> bool {
        match self {
            Self::Buy => price <= limit,
            Self::Sell => price >= limit,
        }
    }
}

/// What the order saga was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSpec {
    /// Owner of the order and of the funds.
    pub account: AccountId,
    /// Where to trade.
    pub instrument: InstrumentId,
    /// Buy or sell.
    pub side: Side,
    /// Order quantity, > 0.
    pub qty: Lots,
    /// Limit price, > 0.
    pub limit_price: Ticks,
    /// The instrument's units in ledger minor units (the Broker's market scale),
    /// both > 0.
    pub scale: UnitScale,
    /// Fee rate of a fill that adds liquidity (the instrument's `maker_fee_bps`).
    pub maker_fee_bps: u32,
    /// Fee rate of a fill that takes liquidity (the instrument's `taker_fee_bps`).
    pub taker_fee_bps: u32,
    /// When the saga cancels a still-working order.
    pub good_till: Timestamp,
    /// A stop-limit order's trigger: it waits outside the book until a trade
    /// reaches it, then trades at `limit_price` or better. The hold is sized at
    /// the limit, as the Broker's. (A stop-market has no price to size a hold
    /// at without the Broker's collar, so the saga takes stop-limits only.)
    #[serde(default)]
    pub trigger: Option<Ticks>,
}

impl OrderSpec {
    /// A limit order at unit scale (a lot is one base minor unit, a tick × lot
    /// one quote minor unit) with no fees; set `scale` and the fee rates to the
    /// market's for a real one.
    #[must_use]
    pub const fn limit(
        account: AccountId,
        instrument: InstrumentId,
        side: Side,
        qty: Lots,
        limit_price: Ticks,
        good_till: Timestamp,
    ) -> Self {
        OrderSpec {
            account,
            instrument,
            side,
            qty,
            limit_price,
            scale: UnitScale { base_per_lot: 1, quote_per_tick_lot: 1 },
            maker_fee_bps: 0,
            taker_fee_bps: 0,
            good_till,
            trigger: None,
        }
    }

    /// This order as a stop-limit that waits for `trigger`.
    #[must_use]
    pub const fn with_trigger(mut self, trigger: Ticks) -> Self {
        self.trigger = Some(trigger);
        self
    }

    /// Checks quantities, price and scale, and that the hold fits a `u128`.
    ///
    /// # Errors
    /// [`SagaError::InvalidValue`] for a non-positive quantity or price, a zero
    /// scale, or a hold that overflows.
    pub fn validate(&self) -> Result<(), SagaError> {
        if self.qty.0 <= 0 || u32::try_from(self.qty.0).is_err() {
            return Err(SagaError::InvalidValue { field: "qty_lots", value: i128::from(self.qty.0) });
        }
        if self.limit_price.0 <= 0 {
            return Err(SagaError::InvalidValue { field: "limit_price_ticks", value: i128::from(self.limit_price.0) });
        }
        if let Some(t) = self.trigger.filter(|t| t.0 <= 0) {
            return Err(SagaError::InvalidValue { field: "trigger_ticks", value: i128::from(t.0) });
        }
        if self.scale.base_per_lot == 0 {
            return Err(SagaError::InvalidValue { field: "base_per_lot", value: 0 });
        }
        if self.scale.quote_per_tick_lot == 0 {
            return Err(SagaError::InvalidValue { field: "quote_per_tick_lot", value: 0 });
        }
        self.hold_amount().ok_or(SagaError::InvalidValue { field: "hold", value: i128::from(self.qty.0) })?;
        Ok(())
    }

    /// The hold the saga reserves, the Broker's for the same order: a buy holds
    /// [`risk::buy_hold`] at its limit (notional plus the fee at the larger of
    /// the two rates, rounded up), a sell its base units. `None` on overflow.
    #[must_use]
    pub fn hold_amount(&self) -> Option<Amount> {
        let minor = match self.side {
            Side::Buy => risk::buy_hold(&self.scale, &self.fee_rates(), self.limit_price, self.qty)?,
            Side::Sell => self.scale.base(self.qty)?,
        };
        Some(Amount::from_minor(minor))
    }

    /// The instrument risk the hold functions read: only its fee rates matter.
    fn fee_rates(&self) -> InstrumentRisk {
        InstrumentRisk {
            maker_fee_bps: self.maker_fee_bps,
            taker_fee_bps: self.taker_fee_bps,
            ..InstrumentRisk::default()
        }
    }

    /// The fee rate of a fill: the taker's when this order was the aggressor.
    fn fill_fee_bps(&self, aggressor: Side) -> u32 {
        if aggressor == self.side {
            self.taker_fee_bps
        } else {
            self.maker_fee_bps
        }
    }

    /// `(what a fill takes from the hold, the order's exact fees after it)`,
    /// as the Broker settles it: a buy pays the notional plus its fee, rounded
    /// once on the running total `accrued` ([`risk::fee_step`]); a sell
    /// delivers its base units (its fee comes out of the proceeds, not the
    /// hold). `None` on overflow.
    pub(super) fn fill_consumes(&self, record: &FillRecord, accrued: u128) -> Option<(u128, u128)> {
        match self.side {
            Side::Buy => {
                let notional = self.scale.notional(record.price, record.qty)?;
                let (fee, after) = risk::fee_step(accrued, notional, self.fill_fee_bps(record.aggressor));
                Some((notional.checked_add(fee)?, after))
            }
            Side::Sell => Some((self.scale.base(record.qty)?, accrued)),
        }
    }
}
