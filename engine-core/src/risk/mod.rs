//! Pre-trade risk checks: pure functions from an order and a read-only view of
//! the world to either the holds the order needs or a typed refusal. Nothing is
//! mutated here; the Broker applies the outcome.
//!
//! Checks run in this order and the first failure wins (codes are stable):
//!
//! | # | code | context |
//! |---|------|---------|
//! | 1 | `instrument_halted` | instrument state halted (or the engine's status is not open) |
//! | 2 | `reduce_only` | instrument is reducing: only sells (which reduce a long position) are allowed |
//! | 3 | `account_disabled` | kill switch on for the account |
//! | 4 | `instrument_restricted` | the account may not trade this instrument |
//! | 5 | `quantity_below_min`, `quantity_above_max` | instrument min/max order qty |
//! | 6 | `order_qty_limit` | fat finger: max order qty (instrument, then account) |
//! | 7 | `no_reference_price` | collar on, no last trade, no mid, nothing configured, fail-closed |
//! | 8 | `price_outside_collar` | limit price further than ±collar from the reference |
//! | 9 | `order_notional_limit` | fat finger: max notional (instrument, then account) |
//! | 10 | `too_many_open_orders` | account's open orders at its maximum (orders that can rest) |
//! | 11 | `rate_limited` | submits+amends in the sliding window at the account's maximum |
//! | 12 | `insufficient_funds` | available balance (holds included) below the required hold |

use serde::{Deserialize, Serialize};

use brokerx_ledger::{Amount, AssetSpec};
use rust_decimal::Decimal;

use crate::error::ConvertError;
use crate::instrument::InstrumentSpec;
use crate::types::{Lots, Side, Ticks};

mod validate;
pub use validate::{RiskParamError, FEE_BPS_MAX};

/// An instrument's risk state (apart from the engine's trading status).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RiskState {
    #[default]
    Active,
    /// Only orders that reduce a position (sells, in a cash account) are accepted.
    Reducing,
    /// Everything but cancels is refused.
    Halted,
}

/// Per-instrument limits, in the engine's integers: lots, ticks, quote-asset
/// minor units. The `with_*` builders take decimals and convert them exactly on
/// the instrument's grid or the quote asset's scale, or refuse them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstrumentRisk {
    pub state: RiskState,
    pub max_order_qty: Option<Lots>,
    pub max_order_notional: Option<Amount>,
    /// Limit prices must lie within ±`collar_bps` of the reference; market orders
    /// get that bound as their protection price. `None` switches the collar off
    /// (then market buys need `reference_price` or a book to price their hold).
    pub collar_bps: Option<u32>,
    /// Used when there is no last trade and no two-sided book.
    pub reference_price: Option<Ticks>,
    /// With no reference at all: refuse (true) or skip the collar (false).
    pub fail_closed: bool,
    pub maker_fee_bps: u32,
    pub taker_fee_bps: u32,
}

impl Default for InstrumentRisk {
    fn default() -> Self {
        InstrumentRisk {
            state: RiskState::Active,
            max_order_qty: None,
            max_order_notional: None,
            collar_bps: Some(1_000),
            reference_price: None,
            fail_closed: true,
            maker_fee_bps: 0,
            taker_fee_bps: 0,
        }
    }
}

impl InstrumentRisk {
    /// The reference price used before there is a trade or a two-sided book.
    ///
    /// # Errors
    /// `invalid_price`, `off_tick` or `price_out_of_range` for the instrument.
    pub fn with_reference_price(mut self, instrument: &InstrumentSpec, price: Decimal) -> Result<Self, ConvertError> {
        self.reference_price = Some(instrument.price_to_ticks(price)?);
        Ok(self)
    }

    /// The fat-finger quantity limit.
    ///
    /// # Errors
    /// `invalid_quantity`, `off_lot` or `quantity_out_of_range` for the instrument.
    pub fn with_max_order_qty(mut self, instrument: &InstrumentSpec, qty: Decimal) -> Result<Self, ConvertError> {
        self.max_order_qty = Some(instrument.qty_to_lots(qty)?);
        Ok(self)
    }

    /// The fat-finger notional limit, in the quote asset.
    ///
    /// # Errors
    /// `scale_exceeds_asset`, `negative_amount` or `amount_overflow` for the quote asset.
    pub fn with_max_order_notional(
        mut self,
        quote: &AssetSpec,
        notional: Decimal,
    ) -> Result<Self, brokerx_ledger::ConvertError> {
        self.max_order_notional = Some(quote.amount_from_decimal(notional)?);
        Ok(self)
    }
}

/// Per-account limits. `max_order_notional` is in the minor units of the quote
/// asset of the market the order is in (an account trading USD and BTC markets
/// meets the same number in cents and in satoshis; give accounts per-currency
/// limits by keeping them in one quote currency).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLimits {
    pub max_order_qty: Option<Lots>,
    pub max_order_notional: Option<Amount>,
    pub max_open_orders: Option<u32>,
    /// At most `max_commands` submits and amends in any `window_ns`.
    pub throttle: Option<Throttle>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throttle {
    pub max_commands: u32,
    pub window_ns: u64,
}

/// The name in a `key=value` fact of a refusal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RiskKey {
    #[default]
    Qty,
    Min,
    Max,
    Price,
    Low,
    High,
    Reference,
    Notional,
    Open,
    Commands,
    WindowNs,
    Required,
    Available,
}

impl RiskKey {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskKey::Qty => "qty",
            RiskKey::Min => "min",
            RiskKey::Max => "max",
            RiskKey::Price => "price",
            RiskKey::Low => "low",
            RiskKey::High => "high",
            RiskKey::Reference => "reference",
            RiskKey::Notional => "notional",
            RiskKey::Open => "open",
            RiskKey::Commands => "commands",
            RiskKey::WindowNs => "window_ns",
            RiskKey::Required => "required",
            RiskKey::Available => "available",
        }
    }

    fn parse(s: &str) -> RiskKey {
        match s {
            "min" => RiskKey::Min,
            "max" => RiskKey::Max,
            "price" => RiskKey::Price,
            "low" => RiskKey::Low,
            "high" => RiskKey::High,
            "reference" => RiskKey::Reference,
            "notional" => RiskKey::Notional,
            "open" => RiskKey::Open,
            "commands" => RiskKey::Commands,
            "window_ns" => RiskKey::WindowNs,
            "required" => RiskKey::Required,
            "available" => RiskKey::Available,
            _ => RiskKey::Qty,
        }
    }
}

/// Up to four `key=value` facts about a refusal; allocation-free.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskContext {
    pub len: u8,
    pub keys: [RiskKey; 4],
    pub values: [i128; 4],
}

impl RiskContext {
    pub fn with(mut self, key: &'static str, value: i128) -> Self {
        let key = RiskKey::parse(key);
        if let (Some(k), Some(v)) = (self.keys.get_mut(self.len as usize), self.values.get_mut(self.len as usize)) {
            *k = key;
            *v = value;
            self.len += 1;
        }
        self
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, i128)> + '_ {
        self.keys.iter().map(|k| k.as_str()).zip(self.values.iter().copied()).take(self.len as usize)
    }

    /// The facts with their typed keys.
    pub fn entries(&self) -> impl Iterator<Item = (RiskKey, i128)> + '_ {
        self.keys.iter().copied().zip(self.values.iter().copied()).take(self.len as usize)
    }

    /// The value of `key`, if the refusal carries it.
    pub fn get(&self, key: &str) -> Option<i128> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

impl std::fmt::Display for RiskContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{k}={v}")?;
        }
        Ok(())
    }
}

/// A refusal with its stable code and context.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskReject {
    pub code: RiskCode,
    pub context: RiskContext,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RiskCode {
    InstrumentHalted,
    ReduceOnly,
    AccountDisabled,
    InstrumentRestricted,
    QuantityBelowMin,
    QuantityAboveMax,
    OrderQtyLimit,
    NoReferencePrice,
    PriceOutsideCollar,
    OrderNotionalLimit,
    TooManyOpenOrders,
    RateLimited,
    InsufficientFunds,
}

impl RiskCode {
    pub fn code(self) -> &'static str {
        match self {
            RiskCode::InstrumentHalted => "instrument_halted",
            RiskCode::ReduceOnly => "reduce_only",
            RiskCode::AccountDisabled => "account_disabled",
            RiskCode::InstrumentRestricted => "instrument_restricted",
            RiskCode::QuantityBelowMin => "quantity_below_min",
            RiskCode::QuantityAboveMax => "quantity_above_max",
            RiskCode::OrderQtyLimit => "order_qty_limit",
            RiskCode::NoReferencePrice => "no_reference_price",
            RiskCode::PriceOutsideCollar => "price_outside_collar",
            RiskCode::OrderNotionalLimit => "order_notional_limit",
            RiskCode::TooManyOpenOrders => "too_many_open_orders",
            RiskCode::RateLimited => "rate_limited",
            RiskCode::InsufficientFunds => "insufficient_funds",
        }
    }
}

fn reject(code: RiskCode, context: RiskContext) -> RiskReject {
    RiskReject { code, context }
}

/// How an instrument's integer units map to ledger minor units, fixed at
/// registration (exact, or the market is refused).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitScale {
    /// Base-asset minor units per lot.
    pub base_per_lot: u128,
    /// Quote-asset minor units per (tick × lot).
    pub quote_per_tick_lot: u128,
}

impl UnitScale {
    /// Quote minor units of `qty` at `price` (checked).
    pub fn notional(&self, price: Ticks, qty: Lots) -> Option<u128> {
        let p = u128::try_from(price.0).ok()?;
        let q = u128::try_from(qty.0).ok()?;
        p.checked_mul(q)?.checked_mul(self.quote_per_tick_lot)
    }

    pub fn base(&self, qty: Lots) -> Option<u128> {
        u128::try_from(qty.0).ok()?.checked_mul(self.base_per_lot)
    }
}

/// Fee in quote minor units, rounded up (never in the payer's favour by a fraction).
pub fn fee(notional: u128, bps: u32) -> u128 {
    fee_step(0, notional, bps).0
}

/// An order's fees are rounded once, on its running total, not fill by fill:
/// `accrued` is the exact fee so far in ten-thousandths of a minor unit (the sum
/// of notional × bps), and a fill's fee is the rounded-up new total less the
/// rounded-up old one. Returns (the fill's fee, the new `accrued`). Rounding each
/// fill up on its own would charge an order, over several fills, up to a unit per
/// fill more than the fee its hold was sized for.
pub fn fee_step(accrued: u128, notional: u128, bps: u32) -> (u128, u128) {
    let after = accrued.saturating_add(notional.saturating_mul(u128::from(bps)));
    (round_up_units(after) - round_up_units(accrued), after)
}

/// Ten-thousandths of a minor unit, rounded up to whole minor units.
fn round_up_units(x: u128) -> u128 {
    // Same result through 64-bit division when it fits: a u128 division is a
    // library call of ~50 cycles, on every buy hold and every fill.
    if let Ok(n) = u64::try_from(x) {
        return u128::from(n / 10_000 + u64::from(n % 10_000 != 0));
    }
    x / 10_000 + u128::from(x % 10_000 != 0)
}

/// What a new buy must hold: the notional at the worst price, plus the larger fee.
pub fn buy_hold(scale: &UnitScale, risk: &InstrumentRisk, price: Ticks, qty: Lots) -> Option<u128> {
    buy_hold_after(scale, risk, price, qty, 0)
}

/// What a buy that has already accrued `accrued` in fees (see [`fee_step`]) must
/// hold for `qty` more: the notional at the worst price plus the most its fees can
/// still come to.
pub fn buy_hold_after(
    scale: &UnitScale,
    risk: &InstrumentRisk,
    price: Ticks,
    qty: Lots,
    accrued: u128,
) -> Option<u128> {
    buy_hold_of_notional(risk, scale.notional(price, qty)?, accrued)
}

/// What a buy must hold for `notional` more of quote: the notional plus the most
/// its fees can still come to (see [`buy_hold_after`]).
pub fn buy_hold_of_notional(risk: &InstrumentRisk, notional: u128, accrued: u128) -> Option<u128> {
    notional.checked_add(fee_step(accrued, notional, risk.maker_fee_bps.max(risk.taker_fee_bps)).0)
}

/// The order as risk sees it.
#[derive(Clone, Copy, Debug)]
pub struct OrderIntent {
    pub side: Side,
    /// `None` for market orders.
    pub limit: Option<Ticks>,
    /// A stop's trigger: the stop is checked as if the market stood there (the
    /// collar's reference is the trigger, not today's price), since that is
    /// where it will enter the book.
    pub trigger: Option<Ticks>,
    /// A by-amount order's most it may spend, in quote minor units before fees:
    /// it caps the notional the limits see and a buy's hold.
    pub amount: Option<u128>,
    pub qty: Lots,
    /// True for amends (they count against the throttle but not open orders).
    pub is_amend: bool,
    /// False for IOC/FOK and market orders: they never rest, so they never add an open order.
    pub may_rest: bool,
    /// For amends: the hold the order already has (it is given back first).
    pub existing_hold: u128,
    /// For amends of partly filled buys: the fees accrued so far (see [`fee_step`]).
    pub accrued_fee: u128,
}

/// Everything the checks read.
#[derive(Clone, Copy, Debug)]
pub struct RiskView<'a> {
    pub instrument_open: bool,
    pub risk: &'a InstrumentRisk,
    pub min_qty: Lots,
    pub max_qty: Lots,
    pub scale: &'a UnitScale,
    pub account_enabled: bool,
    pub restricted: bool,
    pub limits: &'a AccountLimits,
    pub open_orders: u32,
    /// Submits/amends already inside the throttle window (including none older).
    pub recent_commands: u32,
    pub last_trade: Option<Ticks>,
    pub best_bid: Option<Ticks>,
    pub best_ask: Option<Ticks>,
    /// Available balance of the asset the order must hold (quote for buys, base for sells).
    pub available: i128,
}

/// What an accepted order must hold, and at which price a market order is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Approval {
    /// Amount to hold in the quote (buy) or base (sell) asset.
    pub hold: u128,
    /// The price the hold was computed at (limit, or the market order's protection).
    pub hold_price: Option<Ticks>,
}

/// Runs every check in the documented order.
///
/// # Errors
/// The first failing check as a [`RiskReject`].
pub fn check(o: &OrderIntent, v: &RiskView<'_>) -> Result<Approval, RiskReject> {
    let approval = check_before_funds(o, v)?;
    check_funds(o, &approval, v.available)?;
    Ok(approval)
}

/// Every check but the last one, buying power: what the order must hold. Does not
/// read `v.available`, so a host can look the balance up only when
/// [`check_funds`] needs it.
///
/// # Errors
/// The first failing check as a [`RiskReject`].
pub fn check_before_funds(o: &OrderIntent, v: &RiskView<'_>) -> Result<Approval, RiskReject> {
    let ctx = RiskContext::default();
    if !v.instrument_open || v.risk.state == RiskState::Halted {
        return Err(reject(RiskCode::InstrumentHalted, ctx));
    }
    if v.risk.state == RiskState::Reducing && o.side == Side::Buy {
        return Err(reject(RiskCode::ReduceOnly, ctx));
    }
    if !v.account_enabled {
        return Err(reject(RiskCode::AccountDisabled, ctx));
    }
    if v.restricted {
        return Err(reject(RiskCode::InstrumentRestricted, ctx));
    }
    if o.qty < v.min_qty {
        return Err(reject(
            RiskCode::QuantityBelowMin,
            ctx.with("qty", o.qty.0.into()).with("min", v.min_qty.0.into()),
        ));
    }
    if o.qty > v.max_qty {
        return Err(reject(
            RiskCode::QuantityAboveMax,
            ctx.with("qty", o.qty.0.into()).with("max", v.max_qty.0.into()),
        ));
    }
    // Instrument limit first, then the account's (plain ifs: this runs on every order).
    for max in [v.risk.max_order_qty, v.limits.max_order_qty] {
        match max {
            Some(max) if o.qty > max => {
                return Err(reject(RiskCode::OrderQtyLimit, ctx.with("qty", o.qty.0.into()).with("max", max.0.into())))
            }
            _ => {}
        }
    }

    // Reference: last trade, else mid, else configured.
    let mid = match (v.best_bid, v.best_ask) {
        (Some(b), Some(a)) => Some(Ticks(b.0 + (a.0 - b.0) / 2)),
        _ => None,
    };
    let reference = o.trigger.or(v.last_trade).or(mid).or(v.risk.reference_price);
    let mut hold_price = o.limit;
    if let Some(bps) = v.risk.collar_bps {
        match reference {
            None if v.risk.fail_closed => return Err(reject(RiskCode::NoReferencePrice, ctx)),
            None => {}
            Some(r) => {
                // 64-bit when it fits (a 128-bit division is a library call).
                let band = match r.0.checked_mul(i64::from(bps)) {
                    Some(x) => x / 10_000,
                    None => i64::try_from(i128::from(r.0) * i128::from(bps) / 10_000).unwrap_or(i64::MAX),
                };
                let (lo, hi) = (Ticks(r.0.saturating_sub(band).max(1)), Ticks(r.0.saturating_add(band)));
                match o.limit {
                    Some(p) if p < lo || p > hi => {
                        return Err(reject(
                            RiskCode::PriceOutsideCollar,
                            ctx.with("price", p.0.into())
                                .with("low", lo.0.into())
                                .with("high", hi.0.into())
                                .with("reference", r.0.into()),
                        ))
                    }
                    Some(_) => {}
                    // Market orders trade no worse than the collar.
                    None => hold_price = Some(if o.side == Side::Buy { hi } else { lo }),
                }
            }
        }
    }
    if hold_price.is_none() && o.side == Side::Buy {
        // No collar: price a market buy's hold at the worst visible price (a buy
        // by amount is held at its amount when there is none).
        hold_price = reference.or(v.best_ask);
        if hold_price.is_none() && o.amount.is_none() {
            return Err(reject(RiskCode::NoReferencePrice, ctx));
        }
    }
    let notional = match (hold_price.and_then(|p| v.scale.notional(p, o.qty)), o.amount) {
        (Some(n), Some(a)) => n.min(a),
        (None, Some(a)) => a,
        (n, None) => n.unwrap_or(0),
    };
    for max in [v.risk.max_order_notional, v.limits.max_order_notional] {
        match max {
            Some(max) if notional > max.minor() => {
                return Err(reject(
                    RiskCode::OrderNotionalLimit,
                    ctx.with("notional", notional as i128).with("max", max.minor() as i128),
                ))
            }
            _ => {}
        }
    }
    if let Some(max) = v.limits.max_open_orders {
        if !o.is_amend && o.may_rest && v.open_orders >= max {
            return Err(reject(
                RiskCode::TooManyOpenOrders,
                ctx.with("open", v.open_orders.into()).with("max", max.into()),
            ));
        }
    }
    if let Some(t) = v.limits.throttle {
        if v.recent_commands >= t.max_commands {
            return Err(reject(
                RiskCode::RateLimited,
                ctx.with("commands", v.recent_commands.into())
                    .with("max", t.max_commands.into())
                    .with("window_ns", t.window_ns.into()),
            ));
        }
    }
    let hold = match (o.side, o.amount) {
        (Side::Buy, None) => hold_price.and_then(|p| buy_hold_after(v.scale, v.risk, p, o.qty, o.accrued_fee)),
        // At most the amount, and no more than its quantity at the worst price.
        (Side::Buy, Some(_)) => buy_hold_of_notional(v.risk, notional, o.accrued_fee),
        (Side::Sell, _) => v.scale.base(o.qty),
    }
    .unwrap_or(u128::MAX);
    Ok(Approval { hold, hold_price })
}

/// The last check, buying power: the approved hold against the available balance
/// plus the hold the order already has (amends give theirs back first).
///
/// # Errors
/// `insufficient_funds` with `required` and `available`.
pub fn check_funds(o: &OrderIntent, a: &Approval, available: i128) -> Result<(), RiskReject> {
    let need = i128::try_from(a.hold).unwrap_or(i128::MAX);
    let have = available.saturating_add(i128::try_from(o.existing_hold).unwrap_or(0));
    if need > have {
        let ctx = RiskContext::default().with("required", need).with("available", have);
        return Err(reject(RiskCode::InsufficientFunds, ctx));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view<'a>(risk: &'a InstrumentRisk, limits: &'a AccountLimits, scale: &'a UnitScale) -> RiskView<'a> {
        RiskView {
            instrument_open: true,
            risk,
            min_qty: Lots(1),
            max_qty: Lots(1_000_000),
            scale,
            account_enabled: true,
            restricted: false,
            limits,
            open_orders: 0,
            recent_commands: 0,
            last_trade: Some(Ticks(10_000)),
            best_bid: None,
            best_ask: None,
            available: 1_000_000_000,
        }
    }
    const SCALE: UnitScale = UnitScale { base_per_lot: 1, quote_per_tick_lot: 1 };
    fn buy(p: i64, q: i64) -> OrderIntent {
        OrderIntent {
            side: Side::Buy,
            limit: Some(Ticks(p)),
            trigger: None,
            amount: None,
            qty: Lots(q),
            is_amend: false,
            may_rest: true,
            existing_hold: 0,
            accrued_fee: 0,
        }
    }
    fn code(r: Result<Approval, RiskReject>) -> &'static str {
        r.err().map_or("ok", |e| e.code.code())
    }

    #[test]
    fn fees_round_once_on_the_running_total() {
        // 10.001 + 10.001 + 10.001 cents of fee: 11, 10 and 10, i.e. 31 as for one fill.
        let (a, acc) = fee_step(0, 10_001, 10);
        let (b, acc) = fee_step(acc, 10_001, 10);
        let (c, _) = fee_step(acc, 10_001, 10);
        assert_eq!((a, b, c), (11, 10, 10));
        // Any split, any mix of two rates: never more than one rounding above exact,
        // and never more than the hold's fee at the larger rate.
        let mut seed = 7u64;
        for _ in 0..2_000 {
            let (mut acc, mut paid, mut exact, mut total) = (0u128, 0u128, 0u128, 0u128);
            for _ in 0..1 + seed % 6 {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let n = u128::from(seed >> 40) % 50_000 + 1;
                let bps = if seed & 1 == 0 { 7 } else { 13 };
                let (f, next) = fee_step(acc, n, bps);
                acc = next;
                paid += f;
                exact += n * u128::from(bps);
                total += n;
            }
            assert_eq!(paid, exact.div_ceil(10_000));
            assert!(paid <= fee(total, 13));
        }
    }

    #[test]
    fn buy_holds_notional_plus_the_larger_fee_rounded_up() {
        let risk = InstrumentRisk { maker_fee_bps: 10, taker_fee_bps: 25, ..InstrumentRisk::default() };
        let limits = AccountLimits::default();
        let a = check(&buy(10_000, 3), &view(&risk, &limits, &SCALE)).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(a.hold, 30_000 + 75);
        assert_eq!(fee(1, 1), 1);
        assert_eq!(fee(20_000, 5), 10);
    }

    #[test]
    fn funds_check_split_off_gives_the_same_answer_and_context() {
        let risk = InstrumentRisk::default();
        let limits = AccountLimits::default();
        let mut v = view(&risk, &limits, &SCALE);
        v.available = 10_999;
        let amend = OrderIntent { existing_hold: 500, ..buy(11_000, 1) };
        // Every check but funds passes whatever the balance.
        let a = check_before_funds(&amend, &RiskView { available: 0, ..v }).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(a.hold, 11_000);
        assert_eq!(check_funds(&amend, &a, v.available), Ok(()));
        assert_eq!(check(&amend, &v), Ok(a));
        let e = check_funds(&buy(11_000, 1), &a, v.available).err().unwrap_or_else(|| panic!("must fail"));
        assert_eq!(e.code.code(), "insufficient_funds");
        assert_eq!((e.context.get("required"), e.context.get("available")), (Some(11_000), Some(10_999)));
        assert_eq!(check(&buy(11_000, 1), &v), Err(e));
    }

    #[test]
    fn fee_is_the_same_on_both_sides_of_the_64_bit_fast_path() {
        let wide = |n: u128, bps: u32| {
            let num = n.saturating_mul(u128::from(bps));
            num / 10_000 + u128::from(num % 10_000 != 0)
        };
        let edge = u128::from(u64::MAX);
        for n in
            [0, 1, 9_999, 10_000, 10_001, edge / 7, edge / 3 - 1, edge / 3, edge / 3 + 1, edge, edge + 1, u128::MAX]
        {
            for bps in [0, 1, 2, 3, 25, 10_000, u32::MAX] {
                assert_eq!(fee(n, bps), wide(n, bps), "fee({n}, {bps})");
            }
        }
    }

    #[test]
    fn each_check_has_its_own_code_in_documented_order() {
        let mut risk = InstrumentRisk::default();
        let mut limits = AccountLimits::default();
        let mut v = view(&risk, &limits, &SCALE);
        v.instrument_open = false;
        v.account_enabled = false;
        assert_eq!(code(check(&buy(10_000, 1), &v)), "instrument_halted");
        v.instrument_open = true;
        assert_eq!(code(check(&buy(10_000, 1), &v)), "account_disabled");
        v.account_enabled = true;
        v.restricted = true;
        assert_eq!(code(check(&buy(10_000, 1), &v)), "instrument_restricted");
        v.restricted = false;
        assert_eq!(code(check(&buy(10_000, 0), &v)), "quantity_below_min");
        assert_eq!(code(check(&buy(12_000, 1), &v)), "price_outside_collar");
        assert_eq!(code(check(&buy(11_000, 1), &v)), "ok");
        v.available = 10_999;
        assert_eq!(code(check(&buy(11_000, 1), &v)), "insufficient_funds");
        risk.state = RiskState::Reducing;
        risk.max_order_qty = Some(Lots(5));
        limits.max_open_orders = Some(2);
        limits.throttle = Some(Throttle { max_commands: 3, window_ns: 1_000 });
        let mut v = view(&risk, &limits, &SCALE);
        assert_eq!(code(check(&buy(10_000, 1), &v)), "reduce_only");
        let sell = |q| OrderIntent {
            side: Side::Sell,
            limit: Some(Ticks(10_000)),
            trigger: None,
            amount: None,
            qty: Lots(q),
            is_amend: false,
            may_rest: true,
            existing_hold: 0,
            accrued_fee: 0,
        };
        assert_eq!(code(check(&sell(6), &v)), "order_qty_limit");
        v.open_orders = 2;
        assert_eq!(code(check(&sell(1), &v)), "too_many_open_orders");
        v.open_orders = 0;
        v.recent_commands = 3;
        assert_eq!(code(check(&sell(1), &v)), "rate_limited");
        v.recent_commands = 0;
        v.available = 0;
        assert_eq!(code(check(&sell(1), &v)), "insufficient_funds");
    }

    #[test]
    fn no_reference_fails_closed_or_skips_the_collar() {
        let mut risk = InstrumentRisk::default();
        let limits = AccountLimits::default();
        let mut v = view(&risk, &limits, &SCALE);
        v.last_trade = None;
        assert_eq!(code(check(&buy(10_000, 1), &v)), "no_reference_price");
        v.best_bid = Some(Ticks(9_000));
        v.best_ask = Some(Ticks(9_100));
        assert_eq!(code(check(&buy(9_900, 1), &v)), "ok"); // mid 9050, band ±905
        assert_eq!(code(check(&buy(10_000, 1), &v)), "price_outside_collar");
        risk.fail_closed = false;
        let mut v = view(&risk, &limits, &SCALE);
        v.last_trade = None;
        assert_eq!(code(check(&buy(99_999, 1), &v)), "ok");
    }

    #[test]
    fn market_buy_is_held_at_its_protection_price() {
        let risk = InstrumentRisk { collar_bps: Some(500), ..InstrumentRisk::default() };
        let limits = AccountLimits::default();
        let v = view(&risk, &limits, &SCALE);
        let o = OrderIntent {
            side: Side::Buy,
            limit: None,
            trigger: None,
            amount: None,
            qty: Lots(2),
            is_amend: false,
            may_rest: false,
            existing_hold: 0,
            accrued_fee: 0,
        };
        let a = check(&o, &v).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((a.hold_price, a.hold), (Some(Ticks(10_500)), 21_000));
    }

    #[test]
    fn a_stop_is_checked_as_if_the_market_stood_at_its_trigger() {
        // Last trade 10,000, collar ±5 %: a stop-market buy triggering at 12,000
        // is protected (and held) at 12,600, not 10,500.
        let risk = InstrumentRisk { collar_bps: Some(500), ..InstrumentRisk::default() };
        let limits = AccountLimits::default();
        let v = view(&risk, &limits, &SCALE);
        let stop_market = OrderIntent { limit: None, trigger: Some(Ticks(12_000)), may_rest: true, ..buy(0, 2) };
        let a = check(&stop_market, &v).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((a.hold_price, a.hold), (Some(Ticks(12_600)), 25_200));
        // A stop-limit's limit must lie within the collar around its trigger …
        let far_from_today = OrderIntent { trigger: Some(Ticks(12_000)), ..buy(12_100, 1) };
        assert_eq!(check(&far_from_today, &v).map(|a| a.hold_price), Ok(Some(Ticks(12_100))));
        // … not around today's price, and not outside the band around the trigger.
        assert_eq!(code(check(&buy(12_100, 1), &v)), "price_outside_collar");
        let outside = OrderIntent { trigger: Some(Ticks(12_000)), ..buy(13_000, 1) };
        assert_eq!(code(check(&outside, &v)), "price_outside_collar");
    }

    #[test]
    fn notional_limits_apply_per_instrument_and_per_account() {
        let risk = InstrumentRisk { max_order_notional: Some(Amount::from_minor(50_000)), ..InstrumentRisk::default() };
        let limits = AccountLimits { max_order_notional: Some(Amount::from_minor(20_000)), ..AccountLimits::default() };
        let v = view(&risk, &limits, &SCALE);
        assert_eq!(code(check(&buy(10_000, 6), &v)), "order_notional_limit");
        assert_eq!(code(check(&buy(10_000, 3), &v)), "order_notional_limit");
        assert_eq!(code(check(&buy(10_000, 2), &v)), "ok");
    }
}
