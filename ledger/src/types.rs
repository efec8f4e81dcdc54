//! The ledger's vocabulary of plain values: asset, owner, account and transfer
//! identifiers, amounts in minor units and timestamps.
//!
//! This is the only module of the ledger that touches [`rust_decimal::Decimal`]:
//! a decimal amount is converted to integer minor units of an asset exactly, or
//! the conversion is refused with a [`ConvertError`]. Nothing is ever rounded.
//! [`ConvertError`] and [`Timestamp`] are also the engine's (the bottom crate
//! defines them once).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The largest scale (decimal places) an asset may have; the same limit as
/// [`Decimal`]'s own scale.
pub const ASSET_SCALE_MAX: u8 = 28;

/// The largest mantissa a [`Decimal`] holds (2^96 − 1).
const DECIMAL_MANTISSA_MAX: u128 = (1u128 << 96) - 1;

/// Identifies an asset (a currency, a security, a product). `0` is reserved
/// and means "not set".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AssetId(pub u32);

/// Identifies the owner of accounts: a user, a store, a system role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OwnerId(pub u64);

/// An account is identified by who owns it and which asset it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AccountKey {
    /// Who owns the account.
    pub owner: OwnerId,
    /// Which asset the account holds.
    pub asset: AssetId,
}

impl AccountKey {
    /// "Not set": used by post/void transfers to take the account from the
    /// pending transfer they resolve. Asset `0` can never be created.
    pub const UNSET: AccountKey = AccountKey { owner: OwnerId(0), asset: AssetId(0) };

    /// Builds a key from raw owner and asset numbers.
    #[must_use]
    pub const fn new(owner: u64, asset: u32) -> Self {
        Self { owner: OwnerId(owner), asset: AssetId(asset) }
    }

    /// Whether this key is [`AccountKey::UNSET`].
    #[must_use]
    pub const fn is_unset(&self) -> bool {
        self.owner.0 == 0 && self.asset.0 == 0
    }
}

/// A caller-chosen, globally unique transfer identifier (TigerBeetle style).
/// Hosts derive it deterministically, e.g. from an `Idempotency-Key`.
/// `0` is reserved and refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TransferId(pub u128);

/// Nanoseconds since an epoch chosen by the host (the Unix epoch for the
/// engine and the Broker). The ledger and the engine never read a clock; time
/// only moves when the host passes a later value in. The one timestamp type of
/// the workspace: `brokerx_engine::Timestamp` is this type. Serialized as a
/// bare `u64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// Nanoseconds in one day, for daily limits.
    pub const NANOS_PER_DAY: u64 = 86_400_000_000_000;

    /// The UTC day number (days since the epoch) this timestamp falls in.
    #[must_use]
    pub const fn day(self) -> u64 {
        self.0 / Self::NANOS_PER_DAY
    }

    /// `self + delta_ns`, saturating at the far future rather than wrapping.
    #[must_use]
    pub const fn saturating_add_ns(self, delta_ns: u64) -> Self {
        Self(self.0.saturating_add(delta_ns))
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

/// An amount of an asset in integer minor units (cents for USD at scale 2,
/// satoshis for BTC at scale 8, units for shares at scale 0).
///
/// Never negative: direction is given by the debit and credit accounts of a
/// transfer. The ledger keeps every per-asset total at or below
/// [`Amount::MAX`] (`i128::MAX`), so every balance also fits an `i128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Amount(u128);

impl Amount {
    /// No amount.
    pub const ZERO: Amount = Amount(0);
    /// The largest amount any per-asset total (and so any balance) may reach.
    pub const MAX: Amount = Amount(i128::MAX.unsigned_abs());

    /// An amount of `minor_units`; any `u128` is representable, though the
    /// ledger refuses transfers that would push totals past [`Amount::MAX`].
    #[must_use]
    pub const fn from_minor(minor_units: u128) -> Self {
        Self(minor_units)
    }

    /// The amount in minor units.
    #[must_use]
    pub const fn minor(self) -> u128 {
        self.0
    }

    /// Whether the amount is zero.
    #[must_use]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Sum, or `None` on `u128` overflow.
    #[must_use]
    pub const fn checked_add(self, other: Amount) -> Option<Amount> {
        match self.0.checked_add(other.0) {
            Some(v) => Some(Amount(v)),
            None => None,
        }
    }

    /// Difference, or `None` if `other` is larger.
    #[must_use]
    pub const fn checked_sub(self, other: Amount) -> Option<Amount> {
        match self.0.checked_sub(other.0) {
            Some(v) => Some(Amount(v)),
            None => None,
        }
    }

    /// Converts a decimal amount of an asset with `scale` decimal places to
    /// minor units, exactly.
    ///
    /// `1.5` at scale 2 is `150`; `1.500` at scale 2 is also `150` (trailing
    /// zeros are fine); `1.505` at scale 2 is refused.
    ///
    /// # Errors
    /// - [`ConvertError::NegativeAmount`] for a value below zero;
    /// - [`ConvertError::ScaleExceedsAsset`] if the value has more significant
    ///   decimal places than `scale`;
    /// - [`ConvertError::AmountOverflow`] if the result in minor units does
    ///   not fit a decimal's 96-bit mantissa (so it could not be reported
    ///   back exactly);
    /// - [`ConvertError::ScaleTooLarge`] if `scale` exceeds [`ASSET_SCALE_MAX`].
    pub fn from_decimal(value: Decimal, scale: u8) -> Result<Amount, ConvertError> {
        if scale > ASSET_SCALE_MAX {
            return Err(ConvertError::ScaleTooLarge { scale });
        }
        if value.is_sign_negative() && !value.is_zero() {
            return Err(ConvertError::NegativeAmount { value });
        }
        let normalized = value.normalize();
        let value_scale = normalized.scale();
        if value_scale > u32::from(scale) {
            return Err(ConvertError::ScaleExceedsAsset { value, asset_scale: scale });
        }
        let mantissa = normalized.mantissa().unsigned_abs();
        let shift = u32::from(scale) - value_scale;
        let factor = 10u128.checked_pow(shift).ok_or(ConvertError::AmountOverflow { value })?;
        // Also refuse what could not be turned back into a decimal (a
        // 96-bit mantissa), so every accepted amount can be reported.
        let minor = mantissa
            .checked_mul(factor)
            .filter(|m| *m <= DECIMAL_MANTISSA_MAX)
            .ok_or(ConvertError::AmountOverflow { value })?;
        Ok(Amount(minor))
    }

    /// Converts minor units back to a decimal with exactly `scale` decimal
    /// places (`150` at scale 2 is `1.50`).
    ///
    /// # Errors
    /// - [`ConvertError::AmountOverflow`] if the amount does not fit a
    ///   [`Decimal`] (96-bit mantissa);
    /// - [`ConvertError::ScaleTooLarge`] if `scale` exceeds [`ASSET_SCALE_MAX`].
    pub fn to_decimal(self, scale: u8) -> Result<Decimal, ConvertError> {
        if scale > ASSET_SCALE_MAX {
            return Err(ConvertError::ScaleTooLarge { scale });
        }
        let signed = i128::try_from(self.0).map_err(|_| ConvertError::MinorUnitsOverflow { minor_units: self.0 })?;
        Decimal::try_from_i128_with_scale(signed, u32::from(scale))
            .map_err(|_| ConvertError::MinorUnitsOverflow { minor_units: self.0 })
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a value at the Decimal (or string) boundary could not be converted to
/// the integers inside: an amount to an asset's minor units or back, and, for
/// the engine, a price or quantity to its instrument's ticks or lots, an
/// order's quote amount to tick·lots, or a client order id. The workspace's
/// one conversion error: the engine re-exports it as
/// `brokerx_engine::ConvertError`. Every variant has a stable
/// [`code`](ConvertError::code) that the bindings expose.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// The value has more decimal places than the asset's scale.
    #[error("amount {value} has more decimal places than the asset scale {asset_scale}")]
    ScaleExceedsAsset {
        /// The refused value.
        value: Decimal,
        /// The asset's scale.
        asset_scale: u8,
    },
    /// The value is below zero.
    #[error("amount {value} is negative")]
    NegativeAmount {
        /// The refused value.
        value: Decimal,
    },
    /// The value in minor units exceeds [`Amount::MAX`].
    #[error("amount {value} overflows the ledger's amount range")]
    AmountOverflow {
        /// The refused value.
        value: Decimal,
    },
    /// The minor units do not fit a decimal.
    #[error("{minor_units} minor units do not fit a decimal")]
    MinorUnitsOverflow {
        /// The refused amount.
        minor_units: u128,
    },
    /// The scale is larger than [`ASSET_SCALE_MAX`].
    #[error("scale {scale} exceeds the maximum of 28")]
    ScaleTooLarge {
        /// The refused scale.
        scale: u8,
    },
    /// A price that is zero or negative.
    #[error("price must be > 0, got {price}")]
    InvalidPrice {
        /// The refused price.
        price: Decimal,
    },
    /// A quantity that is zero or negative.
    #[error("quantity must be > 0, got {qty}")]
    InvalidQuantity {
        /// The refused quantity.
        qty: Decimal,
    },
    /// A price that is not a whole number of the instrument's ticks.
    #[error("price {price} is not a multiple of tick size {tick_size}")]
    OffTick {
        /// The refused price.
        price: Decimal,
        /// The instrument's tick size.
        tick_size: Decimal,
    },
    /// A quantity that is not a whole number of the instrument's lots.
    #[error("quantity {qty} is not a multiple of lot size {lot_size}")]
    OffLot {
        /// The refused quantity.
        qty: Decimal,
        /// The instrument's lot size.
        lot_size: Decimal,
    },
    /// A price whose tick count does not fit the engine's range.
    #[error("price {price} is outside the engine's range")]
    PriceOutOfRange {
        /// The refused price.
        price: Decimal,
    },
    /// A quantity whose lot count does not fit the engine's range.
    #[error("quantity {qty} is outside the engine's range")]
    QuantityOutOfRange {
        /// The refused quantity.
        qty: Decimal,
    },
    /// An order's quote amount that is zero or negative.
    #[error("amount must be > 0, got {amount}")]
    InvalidAmount {
        /// The refused amount.
        amount: Decimal,
    },
    /// An order's quote amount that is not a whole number of its instrument's
    /// tick·lots (`tick_size × lot_size`).
    #[error("amount {amount} is not a multiple of tick size × lot size {tick_lot}")]
    AmountOffGrid {
        /// The refused amount.
        amount: Decimal,
        /// One tick·lot of the instrument, in quote.
        tick_lot: Decimal,
    },
    /// An order's quote amount whose tick·lot count does not fit the engine's
    /// range (`u64`).
    #[error("amount {amount} is outside the engine's range")]
    AmountOutOfRange {
        /// The refused amount.
        amount: Decimal,
    },
    /// A client order id that is empty, too long or not printable ASCII.
    #[error("client order id must be 1..=36 printable ASCII bytes, got {len} bytes")]
    ClientOrderIdInvalid {
        /// Its length in bytes.
        len: usize,
    },
}

impl ConvertError {
    /// A stable, machine-readable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::ScaleExceedsAsset { .. } => "scale_exceeds_asset",
            Self::NegativeAmount { .. } => "negative_amount",
            Self::AmountOverflow { .. } | Self::MinorUnitsOverflow { .. } => "amount_overflow",
            Self::ScaleTooLarge { .. } => "scale_too_large",
            Self::InvalidPrice { .. } => "invalid_price",
            Self::InvalidQuantity { .. } => "invalid_quantity",
            Self::OffTick { .. } => "off_tick",
            Self::OffLot { .. } => "off_lot",
            Self::PriceOutOfRange { .. } => "price_out_of_range",
            Self::QuantityOutOfRange { .. } => "quantity_out_of_range",
            Self::InvalidAmount { .. } => "invalid_amount",
            Self::AmountOffGrid { .. } => "amount_off_grid",
            Self::AmountOutOfRange { .. } => "amount_out_of_range",
            Self::ClientOrderIdInvalid { .. } => "client_order_id_invalid",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn decimal_with_asset_scale_converts_exactly() {
        assert_eq!(Amount::from_decimal(dec("1.5"), 2).unwrap().minor(), 150);
        assert_eq!(Amount::from_decimal(dec("1.500"), 2).unwrap().minor(), 150);
        assert_eq!(Amount::from_decimal(dec("0"), 8).unwrap().minor(), 0);
        assert_eq!(Amount::from_decimal(dec("-0"), 8).unwrap().minor(), 0);
        assert_eq!(Amount::from_decimal(dec("42"), 0).unwrap().minor(), 42);
    }

    #[test]
    fn decimal_with_too_many_places_is_refused_not_rounded() {
        let err = Amount::from_decimal(dec("1.505"), 2).unwrap_err();
        assert_eq!(err.code(), "scale_exceeds_asset");
        assert_eq!(Amount::from_decimal(dec("0.5"), 0).unwrap_err().code(), "scale_exceeds_asset");
    }

    #[test]
    fn negative_decimal_is_refused() {
        assert_eq!(Amount::from_decimal(dec("-0.01"), 2).unwrap_err().code(), "negative_amount");
    }

    #[test]
    fn decimal_too_large_for_scale_overflows() {
        let big = Decimal::MAX;
        assert_eq!(Amount::from_decimal(big, 28).unwrap_err().code(), "amount_overflow");
        assert_eq!(Amount::from_decimal(dec("1"), 29).unwrap_err().code(), "scale_too_large");
    }

    proptest::proptest! {
        #[test]
        fn decimal_round_trips_through_minor_units(
            mantissa in 0i64..=i64::MAX,
            value_scale in 0u32..=12,
            asset_scale in 0u8..=18,
        ) {
            let value = Decimal::new(mantissa, value_scale);
            match Amount::from_decimal(value, asset_scale) {
                Ok(minor) => {
                    let back = minor.to_decimal(asset_scale).unwrap();
                    proptest::prop_assert_eq!(back, value);
                    proptest::prop_assert_eq!(back.scale(), u32::from(asset_scale));
                }
                Err(ConvertError::ScaleExceedsAsset { .. }) => {
                    // Refused only when the value really has more places.
                    proptest::prop_assert!(value.normalize().scale() > u32::from(asset_scale));
                }
                Err(ConvertError::AmountOverflow { .. }) => {
                    // Refused only when the minor units pass 96 bits.
                    let shift = u32::from(asset_scale) - value.normalize().scale();
                    let minor = u128::try_from(value.normalize().mantissa()).unwrap()
                        .checked_mul(10u128.pow(shift));
                    proptest::prop_assert!(minor.is_none_or(|m| m >= 1u128 << 96));
                }
                Err(e) => proptest::prop_assert!(false, "unexpected {e}"),
            }
        }

        #[test]
        fn minor_units_round_trip_through_decimal(minor in 0u64..=u64::MAX, scale in 0u8..=8) {
            let amount = Amount::from_minor(u128::from(minor));
            let d = amount.to_decimal(scale).unwrap();
            proptest::prop_assert_eq!(Amount::from_decimal(d, scale).unwrap(), amount);
        }
    }

    #[test]
    fn minor_units_round_trip_to_decimal() {
        let d = Amount::from_minor(150).to_decimal(2).unwrap();
        assert_eq!(d.to_string(), "1.50");
        assert_eq!(Amount::MAX.to_decimal(2).unwrap_err().code(), "amount_overflow");
    }
}
