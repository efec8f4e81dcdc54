//! A risk refusal as the Broker reports it. The risk module works in integers
//! (lots, ticks, minor units); the caller gave decimals, so the facts of a
//! refusal are turned back into the caller's units: prices and quantities at the
//! instrument's precision (`101.00` for a 0.01 tick), amounts at the asset's scale, counts as counts.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::instrument::Instrument;
use crate::risk::{RiskCode, RiskKey, RiskReject};

/// Why the Broker's pre-trade risk refused a place or an amend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRejection {
    pub code: RiskCode,
    pub context: RejectContext,
}

/// Up to four `key=value` facts of a refusal, in the caller's units;
/// allocation-free. `required=2020.00 available=5.00` for a cash hold in USD.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectContext {
    len: u8,
    keys: [RiskKey; 4],
    values: [Decimal; 4],
}

impl RejectContext {
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, Decimal)> + '_ {
        self.keys.iter().map(|k| k.as_str()).zip(self.values.iter().copied()).take(usize::from(self.len))
    }

    /// The value of `key`, if the refusal carries it.
    pub fn get(&self, key: &str) -> Option<Decimal> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Display for RejectContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{k}={v}")?;
        }
        Ok(())
    }
}

/// What a fact's integer counts.
enum Unit {
    Lots,
    Ticks,
    /// Minor units of the market's quote asset (notional).
    Quote,
    /// Minor units of the asset the order holds (quote for a buy, base for a sell).
    Held,
    Count,
}

/// The unit of `key` in a refusal with `code`: `max` is lots for a quantity
/// limit, quote money for a notional limit, a count for the order and rate limits.
fn unit(code: RiskCode, key: RiskKey) -> Unit {
    match key {
        RiskKey::Qty | RiskKey::Min => Unit::Lots,
        RiskKey::Max => match code {
            RiskCode::OrderNotionalLimit => Unit::Quote,
            RiskCode::TooManyOpenOrders | RiskCode::RateLimited => Unit::Count,
            _ => Unit::Lots,
        },
        RiskKey::Price | RiskKey::Low | RiskKey::High | RiskKey::Reference => Unit::Ticks,
        RiskKey::Notional => Unit::Quote,
        RiskKey::Required | RiskKey::Available => Unit::Held,
        RiskKey::Open | RiskKey::Commands | RiskKey::WindowNs => Unit::Count,
    }
}

/// `minor` units of an asset with `scale` decimals, exactly; a value beyond a
/// decimal's 96 bits (never a real balance) saturates.
fn minor_to_decimal(minor: i128, scale: u8) -> Decimal {
    Decimal::try_from_i128_with_scale(minor, u32::from(scale)).unwrap_or(if minor < 0 {
        Decimal::MIN
    } else {
        Decimal::MAX
    })
}

/// The scales the facts of one refusal are read in.
pub(super) struct Units<'a> {
    pub(super) instrument: &'a Instrument,
    pub(super) quote_scale: u8,
    pub(super) held_scale: u8,
}

impl OrderRejection {
    pub(super) fn new(reject: &RiskReject, units: &Units<'_>) -> Self {
        let mut context = RejectContext::default();
        for (i, (key, value)) in reject.context.entries().enumerate() {
            let decimal = match unit(reject.code, key) {
                Unit::Lots => {
                    let mut q = units.instrument.lots_to_qty(crate::types::Lots(saturate_i64(value)));
                    q.rescale(units.instrument.spec.lot_size.scale());
                    q
                }
                Unit::Ticks => {
                    let mut p = units.instrument.ticks_to_price(crate::types::Ticks(saturate_i64(value)));
                    p.rescale(units.instrument.spec.tick_size.scale());
                    p
                }
                Unit::Quote => minor_to_decimal(value, units.quote_scale),
                Unit::Held => minor_to_decimal(value, units.held_scale),
                Unit::Count => Decimal::from(saturate_i64(value)),
            };
            context.keys[i] = key;
            context.values[i] = decimal;
            context.len += 1;
        }
        OrderRejection { code: reject.code, context }
    }
}

fn saturate_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}
