//! Decimal text → `rust_decimal::Decimal`, exactly, or a typed refusal; and back.
//!
//! Accepts what a decimal library prints: `100.50`, `-3`, `1E+3`, `5e-7`, `-0`.
//! Never rounds: NaN, Infinity and text that is not a number are
//! `invalid_decimal`; a well-formed value that `rust_decimal` cannot hold exactly
//! is refused with the code that says why (`off_tick` / `off_lot` for more
//! decimal places than any grid, `price_out_of_range` / `quantity_out_of_range`
//! for too many digits) — the same codes, for the same inputs, as the Python binding.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::errors::{fail, Fail};

/// What a decimal stands for, so a refusal carries the right code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Price,
    Qty,
    /// A money amount (ledger and risk): its out-of-range code is the ledger's.
    Amount,
    /// An order's quote amount (`amount` of a place; tick·lots in the core): its
    /// codes are the core's `amount_to_notional` ones.
    OrderAmount,
}

impl Kind {
    fn off_grid(self) -> &'static str {
        match self {
            Kind::Price => "off_tick",
            Kind::Qty => "off_lot",
            Kind::Amount => "scale_exceeds_asset",
            Kind::OrderAmount => "amount_off_grid",
        }
    }
    fn out_of_range(self) -> &'static str {
        match self {
            Kind::Price => "price_out_of_range",
            Kind::Qty => "quantity_out_of_range",
            Kind::Amount => "amount_overflow",
            Kind::OrderAmount => "amount_out_of_range",
        }
    }
}

/// Parses decimal text exactly.
pub fn parse(s: &str, kind: Kind) -> Result<Decimal, Fail> {
    if let Ok(d) = Decimal::from_str_exact(s) {
        return Ok(d);
    }
    let negative = s.starts_with('-');
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("nan") || lower.starts_with("snan") || lower.starts_with("inf") {
        return Err(fail("invalid_decimal", format!("{s:?} is not a finite number")));
    }
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => match t.get(i + 1..).and_then(|e| e.parse::<i64>().ok()) {
            Some(e) => (t.get(..i).unwrap_or(""), e),
            None => return Err(not_a_number(s)),
        },
        None => (t, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_only = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty()) || !digits_only(int_part) || !digits_only(frac_part) {
        return Err(not_a_number(s));
    }
    // Well formed, but not held exactly as written: drop what does not change the
    // value (leading zeros, trailing fractional zeros), retry in plain notation.
    let frac = frac_part.trim_end_matches('0');
    let joined = format!("{}{frac}", int_part.trim_start_matches('0'));
    let digits = joined.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(Decimal::ZERO);
    }
    let scale = (frac.len() as i64).saturating_sub(exp);
    let sign = if negative { "-" } else { "" };
    let n = digits.len() as i64;
    let plain = if (0..=28).contains(&scale) {
        if scale == 0 {
            Some(format!("{sign}{digits}"))
        } else if n > scale {
            let (a, b) = digits.split_at((n - scale) as usize);
            Some(format!("{sign}{a}.{b}"))
        } else {
            Some(format!("{sign}0.{}{digits}", "0".repeat((scale - n) as usize)))
        }
    } else if scale < 0 && n.saturating_sub(scale) <= 29 {
        Some(format!("{sign}{digits}{}", "0".repeat(scale.unsigned_abs() as usize)))
    } else {
        None
    };
    if let Some(d) = plain.as_deref().and_then(|p| Decimal::from_str_exact(p).or_else(|_| Decimal::from_str(p)).ok()) {
        return Ok(d);
    }
    if scale > 28 {
        Err(fail(kind.off_grid(), format!("{s} has more decimal places than any tick, lot or asset scale")))
    } else {
        Err(fail(kind.out_of_range(), format!("{s} is outside the engine's range")))
    }
}

fn not_a_number(s: &str) -> Fail {
    fail("invalid_decimal", format!("{s:?} is not a decimal number"))
}
