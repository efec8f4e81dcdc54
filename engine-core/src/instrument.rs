//! Instruments: the tick and lot grid, quantity bounds and trading status.
//! This is the only place where `Decimal` prices and quantities become integer
//! ticks and lots (exactly, or a typed error) and back (always exactly).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::ConvertError;
use crate::types::{InstrumentId, Lots, Notional, Ticks};

/// Whether an instrument accepts new orders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TradingStatus {
    /// Places, amends and cancels are accepted.
    #[default]
    Open,
    /// Places and amends are rejected; cancels still work.
    Halted,
    /// As halted; the end of the session.
    Closed,
}

impl TradingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TradingStatus::Open => "open",
            TradingStatus::Halted => "halted",
            TradingStatus::Closed => "closed",
        }
    }
}

/// What a host supplies to register an instrument.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstrumentSpec {
    pub symbol: String,
    /// Smallest price increment, > 0.
    pub tick_size: Decimal,
    /// Smallest quantity increment, > 0.
    pub lot_size: Decimal,
    /// Smallest order quantity in lots (≥ 1).
    pub min_qty: Lots,
    /// Largest order quantity in lots.
    pub max_qty: Lots,
    pub status: TradingStatus,
}

impl InstrumentSpec {
    /// A spec with min 1 lot, max 10^12 lots, status open.
    pub fn new(symbol: impl Into<String>, tick_size: Decimal, lot_size: Decimal) -> Self {
        InstrumentSpec {
            symbol: symbol.into(),
            tick_size,
            lot_size,
            min_qty: Lots(1),
            max_qty: Lots(1_000_000_000_000),
            status: TradingStatus::Open,
        }
    }

    /// The checks `RegisterInstrument` runs on a spec, for a host that must know
    /// the grid is sound before converting decimals on it (e.g. risk limits).
    ///
    /// # Errors
    /// `invalid_instrument_spec`: empty or long symbol, tick or lot ≤ 0, or not
    /// 1 ≤ min_qty ≤ max_qty ≤ 2^53 lots.
    pub fn validate(&self) -> Result<(), crate::error::CommandError> {
        validate_spec(self)
    }
}

/// A registered instrument.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instrument {
    pub id: InstrumentId,
    pub spec: InstrumentSpec,
}

/// Largest price in ticks and quantity in lots the engine accepts. Keeps
/// `price × qty` (notional, in i128) and sums of quantities far from overflow.
pub const MAX_TICKS: i64 = 1 << 53;
pub const MAX_LOTS: i64 = 1 << 53;

impl InstrumentSpec {
    /// `price / tick_size`, exactly.
    ///
    /// # Errors
    /// `invalid_price` if price ≤ 0, `off_tick` if not a whole number of ticks,
    /// `price_out_of_range` if above [`MAX_TICKS`].
    pub fn price_to_ticks(&self, price: Decimal) -> Result<Ticks, ConvertError> {
        if price <= Decimal::ZERO {
            return Err(ConvertError::InvalidPrice { price });
        }
        let n = to_units(price, self.tick_size, MAX_TICKS).map_err(|e| e.into_price(price, self.tick_size))?;
        Ok(Ticks(n))
    }

    /// `qty / lot_size`, exactly.
    ///
    /// # Errors
    /// `invalid_quantity` if qty ≤ 0, `off_lot` if not a whole number of lots,
    /// `quantity_out_of_range` if above [`MAX_LOTS`].
    pub fn qty_to_lots(&self, qty: Decimal) -> Result<Lots, ConvertError> {
        if qty <= Decimal::ZERO {
            return Err(ConvertError::InvalidQuantity { qty });
        }
        let n = to_units(qty, self.lot_size, MAX_LOTS).map_err(|e| e.into_qty(qty, self.lot_size))?;
        Ok(Lots(n))
    }

    /// A stop's trigger, `trigger / tick_size`, exactly. Unlike
    /// [`price_to_ticks`](Self::price_to_ticks) a trigger ≤ 0 is not refused
    /// here: it converts to its (non-positive) ticks, which the engine refuses
    /// with the trigger's own code, `invalid_trigger_price`, in the order the
    /// engine checks a command. Every binding converts triggers with this.
    ///
    /// # Errors
    /// `off_tick` if not a whole number of ticks, `price_out_of_range` if its
    /// magnitude is above [`MAX_TICKS`].
    pub fn trigger_to_ticks(&self, trigger: Decimal) -> Result<Ticks, ConvertError> {
        let n = signed_units(trigger, self.tick_size, MAX_TICKS).map_err(|e| e.into_price(trigger, self.tick_size))?;
        Ok(Ticks(n))
    }

    /// An iceberg's display, `display / lot_size`, exactly. Unlike
    /// [`qty_to_lots`](Self::qty_to_lots) a display ≤ 0 is not refused here: it
    /// converts to its (non-positive) lots, which the engine refuses with the
    /// display's own code, `invalid_display`. Every binding converts displays with this.
    ///
    /// # Errors
    /// `off_lot` if not a whole number of lots, `quantity_out_of_range` if its
    /// magnitude is above [`MAX_LOTS`].
    pub fn display_to_lots(&self, display: Decimal) -> Result<Lots, ConvertError> {
        let n = signed_units(display, self.lot_size, MAX_LOTS).map_err(|e| e.into_qty(display, self.lot_size))?;
        Ok(Lots(n))
    }

    /// An order's quote amount in tick·lots, `amount / (tick_size × lot_size)`,
    /// exactly: what `Place::market_by_amount` spends ("buy 500.00 USD of ACME").
    ///
    /// For a Broker market the result is `Broker::notional_from_amount` of the
    /// same amount in quote minor units (a market's tick·lot is a whole number of
    /// quote minor units, so an amount with more decimals than the quote asset
    /// is off the grid here too).
    ///
    /// # Errors
    /// `invalid_amount` if amount ≤ 0 (the engine's code for 0 tick·lots),
    /// `amount_off_grid` if not a whole number of tick·lots,
    /// `amount_out_of_range` if that number does not fit a `u64` (or, for a grid
    /// whose tick·lot has more than 38 significant digits, if the exact quotient
    /// cannot be computed in 128 bits: refused, never rounded).
    pub fn amount_to_notional(&self, amount: Decimal) -> Result<Notional, ConvertError> {
        if amount <= Decimal::ZERO {
            return Err(ConvertError::InvalidAmount { amount });
        }
        tick_lots(amount, self.tick_size, self.lot_size).map(Notional).map_err(|e| match e {
            UnitsError::OffGrid => ConvertError::AmountOffGrid {
                amount,
                tick_lot: self.tick_size.checked_mul(self.lot_size).unwrap_or(Decimal::ZERO).normalize(),
            },
            UnitsError::OutOfRange => ConvertError::AmountOutOfRange { amount },
        })
    }

    /// Exact: ticks × tick_size. Saturates only outside the engine's own range.
    pub fn ticks_to_price(&self, ticks: Ticks) -> Decimal {
        Decimal::from(ticks.0).checked_mul(self.tick_size).unwrap_or(Decimal::MAX).normalize()
    }

    /// Exact: lots × lot_size.
    pub fn lots_to_qty(&self, lots: Lots) -> Decimal {
        Decimal::from(lots.0).checked_mul(self.lot_size).unwrap_or(Decimal::MAX).normalize()
    }
}

impl Instrument {
    /// `price / tick_size`, exactly; see [`InstrumentSpec::price_to_ticks`].
    ///
    /// # Errors
    /// `invalid_price`, `off_tick` or `price_out_of_range`.
    pub fn price_to_ticks(&self, price: Decimal) -> Result<Ticks, ConvertError> {
        self.spec.price_to_ticks(price)
    }

    /// `qty / lot_size`, exactly; see [`InstrumentSpec::qty_to_lots`].
    ///
    /// # Errors
    /// `invalid_quantity`, `off_lot` or `quantity_out_of_range`.
    pub fn qty_to_lots(&self, qty: Decimal) -> Result<Lots, ConvertError> {
        self.spec.qty_to_lots(qty)
    }

    /// A stop's trigger in ticks, exactly; see [`InstrumentSpec::trigger_to_ticks`].
    ///
    /// # Errors
    /// `off_tick` or `price_out_of_range`.
    pub fn trigger_to_ticks(&self, trigger: Decimal) -> Result<Ticks, ConvertError> {
        self.spec.trigger_to_ticks(trigger)
    }

    /// An iceberg's display in lots, exactly; see [`InstrumentSpec::display_to_lots`].
    ///
    /// # Errors
    /// `off_lot` or `quantity_out_of_range`.
    pub fn display_to_lots(&self, display: Decimal) -> Result<Lots, ConvertError> {
        self.spec.display_to_lots(display)
    }

    /// An order's quote amount in tick·lots, exactly; see
    /// [`InstrumentSpec::amount_to_notional`].
    ///
    /// # Errors
    /// `invalid_amount`, `amount_off_grid` or `amount_out_of_range`.
    pub fn amount_to_notional(&self, amount: Decimal) -> Result<Notional, ConvertError> {
        self.spec.amount_to_notional(amount)
    }

    /// Exact: ticks × tick_size.
    pub fn ticks_to_price(&self, ticks: Ticks) -> Decimal {
        self.spec.ticks_to_price(ticks)
    }

    /// Exact: lots × lot_size.
    pub fn lots_to_qty(&self, lots: Lots) -> Decimal {
        self.spec.lots_to_qty(lots)
    }
}

enum UnitsError {
    OffGrid,
    OutOfRange,
}

impl UnitsError {
    fn into_price(self, price: Decimal, tick_size: Decimal) -> ConvertError {
        match self {
            UnitsError::OffGrid => ConvertError::OffTick { price, tick_size },
            UnitsError::OutOfRange => ConvertError::PriceOutOfRange { price },
        }
    }
    fn into_qty(self, qty: Decimal, lot_size: Decimal) -> ConvertError {
        match self {
            UnitsError::OffGrid => ConvertError::OffLot { qty, lot_size },
            UnitsError::OutOfRange => ConvertError::QuantityOutOfRange { qty },
        }
    }
}

/// `value / step` as an integer in 1..=max, only when `step` divides `value` exactly.
fn to_units(value: Decimal, step: Decimal, max: i64) -> Result<i64, UnitsError> {
    let rem = value.checked_rem(step).ok_or(UnitsError::OutOfRange)?;
    if !rem.is_zero() {
        return Err(UnitsError::OffGrid);
    }
    let q = value.checked_div(step).ok_or(UnitsError::OutOfRange)?;
    // Exact division of a multiple yields an integer value, possibly with trailing zeros.
    let q = q.normalize();
    if q.scale() != 0 {
        return Err(UnitsError::OffGrid);
    }
    let n = i64::try_from(q.mantissa()).map_err(|_| UnitsError::OutOfRange)?;
    if n < 1 || n > max {
        return Err(UnitsError::OutOfRange);
    }
    Ok(n)
}

/// `value / step` as a signed integer with magnitude ≤ max: zero and negative
/// values convert too (the engine's validation judges them, with the field's code).
fn signed_units(value: Decimal, step: Decimal, max: i64) -> Result<i64, UnitsError> {
    if value.is_zero() {
        Ok(0)
    } else if value.is_sign_negative() {
        to_units(-value, step, max).map(|n| -n)
    } else {
        to_units(value, step, max)
    }
}

/// `amount / (tick × lot)` as an integer in 1..=u64::MAX, only when it is exact.
/// Worked in integers (mantissas and powers of ten), since a `Decimal` product
/// `tick × lot` would round once its scale passed 28.
fn tick_lots(amount: Decimal, tick: Decimal, lot: Decimal) -> Result<u64, UnitsError> {
    if tick <= Decimal::ZERO || lot <= Decimal::ZERO {
        return Err(UnitsError::OutOfRange);
    }
    let (a, t, l) = (amount.normalize(), tick.normalize(), lot.normalize());
    let a_mantissa = a.mantissa().unsigned_abs();
    // tick × lot = step × 10^-step_scale, exactly.
    let step = t.mantissa().unsigned_abs().checked_mul(l.mantissa().unsigned_abs()).ok_or(UnitsError::OutOfRange)?;
    let step_scale = t.scale() + l.scale();
    let (num, den) = if step_scale >= a.scale() {
        let f = 10u128.checked_pow(step_scale - a.scale()).ok_or(UnitsError::OutOfRange)?;
        (a_mantissa.checked_mul(f).ok_or(UnitsError::OutOfRange)?, step)
    } else {
        // A denominator past 128 bits is larger than any amount: less than one tick·lot.
        let f = 10u128.checked_pow(a.scale() - step_scale).ok_or(UnitsError::OffGrid)?;
        (a_mantissa, step.checked_mul(f).ok_or(UnitsError::OffGrid)?)
    };
    if num % den != 0 {
        return Err(UnitsError::OffGrid);
    }
    u64::try_from(num / den).map_err(|_| UnitsError::OutOfRange)
}

/// Validates a spec's grid: tick and lot > 0, 1 ≤ min ≤ max ≤ MAX_LOTS, symbol non-empty.
pub(crate) fn validate_spec(spec: &InstrumentSpec) -> Result<(), crate::error::CommandError> {
    use crate::error::CommandError;
    if spec.symbol.is_empty() || spec.symbol.len() > 32 {
        return Err(CommandError::InvalidInstrumentSpec { why: "symbol must be 1..=32 bytes" });
    }
    if spec.tick_size <= Decimal::ZERO {
        return Err(CommandError::InvalidInstrumentSpec { why: "tick_size must be > 0" });
    }
    if spec.lot_size <= Decimal::ZERO {
        return Err(CommandError::InvalidInstrumentSpec { why: "lot_size must be > 0" });
    }
    if spec.min_qty.0 < 1 || spec.max_qty < spec.min_qty || spec.max_qty.0 > MAX_LOTS {
        return Err(CommandError::InvalidInstrumentSpec { why: "need 1 <= min_qty <= max_qty <= 2^53 lots" });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn inst(tick: &str, lot: &str) -> Instrument {
        Instrument {
            id: InstrumentId(0),
            spec: InstrumentSpec::new("X", Decimal::from_str(tick).unwrap(), Decimal::from_str(lot).unwrap()),
        }
    }
    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn on_tick_price_converts_exactly() {
        let i = inst("0.05", "1");
        assert_eq!(i.price_to_ticks(d("100.05")).unwrap(), Ticks(2001));
        assert_eq!(i.price_to_ticks(d("100.0500")).unwrap(), Ticks(2001));
        assert_eq!(i.ticks_to_price(Ticks(2001)), d("100.05"));
    }

    #[test]
    fn off_tick_price_is_rejected_not_rounded() {
        let i = inst("0.05", "1");
        assert_eq!(i.price_to_ticks(d("100.03")).unwrap_err().code(), "off_tick");
        assert_eq!(i.price_to_ticks(d("100.051")).unwrap_err().code(), "off_tick");
    }

    #[test]
    fn non_positive_price_and_qty_are_rejected() {
        let i = inst("0.01", "0.001");
        assert_eq!(i.price_to_ticks(d("0")).unwrap_err().code(), "invalid_price");
        assert_eq!(i.price_to_ticks(d("-1")).unwrap_err().code(), "invalid_price");
        assert_eq!(i.qty_to_lots(d("0")).unwrap_err().code(), "invalid_quantity");
        assert_eq!(i.qty_to_lots(d("-0.001")).unwrap_err().code(), "invalid_quantity");
    }

    #[test]
    fn triggers_and_displays_convert_signed_and_leave_their_sign_to_the_engine() {
        let i = inst("0.01", "0.001");
        assert_eq!(i.trigger_to_ticks(d("0")).unwrap(), Ticks(0));
        assert_eq!(i.trigger_to_ticks(d("-0.00")).unwrap(), Ticks(0));
        assert_eq!(i.trigger_to_ticks(d("-1.05")).unwrap(), Ticks(-105));
        assert_eq!(i.trigger_to_ticks(d("100.05")).unwrap(), Ticks(10_005));
        assert_eq!(i.trigger_to_ticks(d("-1.005")).unwrap_err().code(), "off_tick");
        assert_eq!(i.trigger_to_ticks(Decimal::MIN).unwrap_err().code(), "price_out_of_range");
        assert_eq!(i.display_to_lots(d("0")).unwrap(), Lots(0));
        assert_eq!(i.display_to_lots(d("-0.002")).unwrap(), Lots(-2));
        assert_eq!(i.display_to_lots(d("1.5")).unwrap(), Lots(1500));
        assert_eq!(i.display_to_lots(d("0.0005")).unwrap_err().code(), "off_lot");
        assert_eq!(i.display_to_lots(d("1e20")).unwrap_err().code(), "quantity_out_of_range");
    }

    #[test]
    fn off_lot_and_huge_values_are_rejected() {
        let i = inst("0.01", "0.001");
        assert_eq!(i.qty_to_lots(d("1.0005")).unwrap_err().code(), "off_lot");
        assert_eq!(i.qty_to_lots(d("1.5")).unwrap(), Lots(1500));
        assert_eq!(i.price_to_ticks(Decimal::MAX).unwrap_err().code(), "price_out_of_range");
        assert_eq!(i.qty_to_lots(d("1e20")).unwrap_err().code(), "quantity_out_of_range");
    }

    #[test]
    fn amount_converts_to_tick_lots_exactly() {
        let i = inst("0.01", "1");
        assert_eq!(i.amount_to_notional(d("500.00")).unwrap(), Notional(50_000));
        assert_eq!(i.amount_to_notional(d("0.01")).unwrap(), Notional(1));
        // tick 0.05 × lot 10 = 0.5 per tick·lot; the product is not a tick or a lot.
        let i = inst("0.05", "10");
        assert_eq!(i.amount_to_notional(d("500")).unwrap(), Notional(1_000));
        assert_eq!(i.amount_to_notional(d("0.5000")).unwrap(), Notional(1));
        assert_eq!(i.amount_to_notional(d("5E+2")).unwrap(), Notional(1_000));
        // A grid finer than a Decimal's 28 places: tick·lot = 10^-40, still exact.
        let i = inst("0.00000000000000000001", "0.00000000000000000001");
        assert_eq!(i.amount_to_notional(d("0.0000000000000000000000000001")).unwrap(), Notional(1_000_000_000_000));
    }

    #[test]
    fn off_grid_amount_is_refused_not_rounded() {
        let i = inst("0.05", "10");
        let err = i.amount_to_notional(d("500.25")).unwrap_err();
        assert_eq!(err.code(), "amount_off_grid");
        assert_eq!(err, ConvertError::AmountOffGrid { amount: d("500.25"), tick_lot: d("0.5") });
        assert_eq!(inst("0.01", "1").amount_to_notional(d("500.001")).unwrap_err().code(), "amount_off_grid");
        // Less than one tick·lot.
        assert_eq!(
            inst("1", "1").amount_to_notional(d("0.0000000000000000000000000001")).unwrap_err().code(),
            "amount_off_grid"
        );
    }

    #[test]
    fn non_positive_and_huge_amounts_are_refused() {
        let i = inst("0.01", "1");
        assert_eq!(i.amount_to_notional(d("0")).unwrap_err().code(), "invalid_amount");
        assert_eq!(i.amount_to_notional(d("-0")).unwrap_err().code(), "invalid_amount");
        assert_eq!(i.amount_to_notional(d("-5.00")).unwrap_err().code(), "invalid_amount");
        // u64::MAX tick·lots is the largest; one more is out of range.
        assert_eq!(i.amount_to_notional(d("184467440737095516.15")).unwrap(), Notional(u64::MAX));
        assert_eq!(i.amount_to_notional(d("184467440737095516.16")).unwrap_err().code(), "amount_out_of_range");
        assert_eq!(i.amount_to_notional(Decimal::MAX).unwrap_err().code(), "amount_out_of_range");
    }

    proptest! {
        #[test]
        fn amount_round_trips_through_tick_lots(n in 1u64..=u64::MAX, tick_mantissa in 1i64..10_000, tick_scale in 0u32..8, lot_scale in 0u32..4) {
            let (tick, lot) = (Decimal::new(tick_mantissa, tick_scale), Decimal::new(1, lot_scale));
            let i = Instrument { id: InstrumentId(0), spec: InstrumentSpec::new("X", tick, lot) };
            if let Some(amount) = Decimal::from(n).checked_mul(tick).and_then(|x| x.checked_mul(lot)) {
                prop_assert_eq!(i.amount_to_notional(amount).unwrap(), Notional(n));
            }
        }

        #[test]
        fn ticks_round_trip_through_decimal(t in 1i64..MAX_TICKS, tick_mantissa in 1i64..10_000, tick_scale in 0u32..8) {
            let i = Instrument { id: InstrumentId(0), spec: InstrumentSpec::new("X", Decimal::new(tick_mantissa, tick_scale), Decimal::ONE) };
            let p = i.ticks_to_price(Ticks(t));
            prop_assert_eq!(i.price_to_ticks(p).unwrap(), Ticks(t));
        }

        #[test]
        fn lots_round_trip_through_decimal(l in 1i64..MAX_LOTS, lot_scale in 0u32..8) {
            let i = Instrument { id: InstrumentId(0), spec: InstrumentSpec::new("X", Decimal::ONE, Decimal::new(1, lot_scale)) };
            let q = i.lots_to_qty(Lots(l));
            prop_assert_eq!(i.qty_to_lots(q).unwrap(), Lots(l));
        }
    }
}
