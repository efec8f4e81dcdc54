//! Which risk parameters an instrument may be given. The Broker refuses a
//! `RegisterMarket` or `SetInstrumentRisk` whose [`InstrumentRisk`] fails
//! [`InstrumentRisk::validate`], with a [`RiskParamError`] and no change, so no
//! binding needs its own rule (or a silent fallback) for them.
//!
//! Checked in this order, the first failure wins; every failure has the code
//! `invalid_instrument_risk`:
//!
//! | # | parameter | must be |
//! |---|---|---|
//! | 1 | `max_order_qty` | at least the instrument's `min_qty` (a smaller cap refuses every order; halt instead) |
//! | 2 | `max_order_notional` | > 0 (unset for no limit) |
//! | 3 | `collar_bps` | > 0 (unset switches the collar off) |
//! | 4 | `reference_price` | 1..=[`MAX_TICKS`] ticks |
//! | 5 | `maker_fee_bps`, `taker_fee_bps` | at most [`FEE_BPS_MAX`] (100 % of the notional) |

use thiserror::Error;

use super::InstrumentRisk;
use crate::instrument::{InstrumentSpec, MAX_TICKS};

/// The largest fee rate, in basis points: the whole notional.
pub const FEE_BPS_MAX: u32 = 10_000;

/// Why an [`InstrumentRisk`] is refused; [`code`](RiskParamError::code) is stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RiskParamError {
    #[error("max_order_qty of {max_order_qty} lots is below the instrument's min_qty of {min_qty} lots")]
    MaxOrderQtyBelowMin { max_order_qty: i64, min_qty: i64 },
    #[error("max_order_notional must be > 0 (leave it unset for no limit)")]
    MaxOrderNotionalZero,
    #[error("collar_bps must be > 0 (leave it unset to switch the collar off)")]
    CollarZero,
    #[error("reference_price of {ticks} ticks is outside 1..={MAX_TICKS}")]
    ReferencePriceOutOfRange { ticks: i64 },
    #[error("{which}_fee_bps of {bps} is above {FEE_BPS_MAX} (100 % of the notional)")]
    FeeAboveNotional { which: &'static str, bps: u32 },
}

impl RiskParamError {
    /// `invalid_instrument_risk` for every variant (the message says which parameter).
    pub fn code(&self) -> &'static str {
        "invalid_instrument_risk"
    }
}

impl InstrumentRisk {
    /// Checks the parameters against each other and the instrument they are for.
    ///
    /// # Errors
    /// The first failing check of the module's table as a [`RiskParamError`].
    pub fn validate(&self, spec: &InstrumentSpec) -> Result<(), RiskParamError> {
        if let Some(max) = self.max_order_qty {
            if max < spec.min_qty {
                return Err(RiskParamError::MaxOrderQtyBelowMin { max_order_qty: max.0, min_qty: spec.min_qty.0 });
            }
        }
        if self.max_order_notional.is_some_and(|n| n.is_zero()) {
            return Err(RiskParamError::MaxOrderNotionalZero);
        }
        if self.collar_bps == Some(0) {
            return Err(RiskParamError::CollarZero);
        }
        if let Some(p) = self.reference_price {
            if p.0 < 1 || p.0 > MAX_TICKS {
                return Err(RiskParamError::ReferencePriceOutOfRange { ticks: p.0 });
            }
        }
        for (which, bps) in [("maker", self.maker_fee_bps), ("taker", self.taker_fee_bps)] {
            if bps > FEE_BPS_MAX {
                return Err(RiskParamError::FeeAboveNotional { which, bps });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use brokerx_ledger::Amount;
    use rust_decimal::Decimal;

    use super::*;
    use crate::types::{Lots, Ticks};

    fn spec() -> InstrumentSpec {
        InstrumentSpec { min_qty: Lots(5), ..InstrumentSpec::new("X", Decimal::ONE, Decimal::ONE) }
    }
    fn err(r: InstrumentRisk) -> Option<RiskParamError> {
        r.validate(&spec()).err()
    }

    #[test]
    fn defaults_and_edge_values_are_accepted() {
        let d = InstrumentRisk::default();
        assert_eq!(d.validate(&spec()), Ok(()));
        let edge = InstrumentRisk {
            max_order_qty: Some(Lots(5)),
            max_order_notional: Some(Amount::from_minor(1)),
            collar_bps: Some(1),
            reference_price: Some(Ticks(MAX_TICKS)),
            maker_fee_bps: FEE_BPS_MAX,
            taker_fee_bps: FEE_BPS_MAX,
            ..d
        };
        assert_eq!(edge.validate(&spec()), Ok(()));
        assert_eq!(InstrumentRisk { collar_bps: None, reference_price: Some(Ticks(1)), ..d }.validate(&spec()), Ok(()));
    }

    #[test]
    fn each_invalid_parameter_is_refused_with_its_message() {
        let d = InstrumentRisk::default();
        let e = err(InstrumentRisk { max_order_qty: Some(Lots(4)), ..d });
        assert_eq!(e, Some(RiskParamError::MaxOrderQtyBelowMin { max_order_qty: 4, min_qty: 5 }));
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("max_order_qty of 4 lots is below the instrument's min_qty of 5 lots")
        );
        assert_eq!(
            err(InstrumentRisk { max_order_qty: Some(Lots(-1)), ..d }).map(|e| e.code()),
            Some("invalid_instrument_risk")
        );
        assert_eq!(
            err(InstrumentRisk { max_order_notional: Some(Amount::from_minor(0)), ..d }),
            Some(RiskParamError::MaxOrderNotionalZero)
        );
        assert_eq!(err(InstrumentRisk { collar_bps: Some(0), ..d }), Some(RiskParamError::CollarZero));
        for ticks in [0, -3, MAX_TICKS + 1] {
            let e = err(InstrumentRisk { reference_price: Some(Ticks(ticks)), ..d });
            assert_eq!(e, Some(RiskParamError::ReferencePriceOutOfRange { ticks }));
        }
        let e = err(InstrumentRisk { taker_fee_bps: 10_001, ..d });
        assert_eq!(e, Some(RiskParamError::FeeAboveNotional { which: "taker", bps: 10_001 }));
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some("taker_fee_bps of 10001 is above 10000 (100 % of the notional)")
        );
    }

    #[test]
    fn the_first_failing_check_wins() {
        let all_bad = InstrumentRisk {
            max_order_qty: Some(Lots(0)),
            max_order_notional: Some(Amount::from_minor(0)),
            collar_bps: Some(0),
            reference_price: Some(Ticks(0)),
            maker_fee_bps: u32::MAX,
            taker_fee_bps: u32::MAX,
            ..InstrumentRisk::default()
        };
        assert_eq!(err(all_bad), Some(RiskParamError::MaxOrderQtyBelowMin { max_order_qty: 0, min_qty: 5 }));
        let e = err(InstrumentRisk { max_order_qty: None, max_order_notional: None, collar_bps: None, ..all_bad });
        assert_eq!(e, Some(RiskParamError::ReferencePriceOutOfRange { ticks: 0 }));
        let fees_only =
            InstrumentRisk { maker_fee_bps: u32::MAX, taker_fee_bps: u32::MAX, ..InstrumentRisk::default() };
        assert_eq!(err(fees_only), Some(RiskParamError::FeeAboveNotional { which: "maker", bps: u32::MAX }));
    }
}
