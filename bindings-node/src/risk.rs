//! Risk settings from JavaScript: an instrument's (`InstrumentRiskInput`, prices
//! and quantities as decimal strings on the instrument's grid, notional in the
//! quote asset) and an account's limits (lots and minor units, as in Python).
//! The core validates them (`InstrumentRisk::validate`, run by the Broker).

use brokerx_engine::risk::{AccountLimits, InstrumentRisk, RiskState, Throttle};
use brokerx_engine::{Instrument, Lots};
use brokerx_ledger::Amount;

use crate::args::Opts;
use crate::decimal::Kind;
use crate::errors::{convert, fail, range_error, Res};

/// The risk object's decimals, before they meet a grid.
pub struct RiskInput {
    state: RiskState,
    max_order_qty: Option<rust_decimal::Decimal>,
    max_order_notional: Option<rust_decimal::Decimal>,
    collar_bps: Option<u32>,
    reference_price: Option<rust_decimal::Decimal>,
    fail_closed: bool,
    maker_fee_bps: u32,
    taker_fee_bps: u32,
}

impl RiskInput {
    /// Reads `{ state, maxOrderQty, maxOrderNotional, collarBps, referencePrice,
    /// failClosed, makerFeeBps, takerFeeBps }`; omitted fields take the core's defaults.
    /// `collarBps: null` switches the collar off.
    pub fn read(o: &Opts<'_>) -> Res<Self> {
        let d = InstrumentRisk::default();
        let state = match o.string("state")?.as_deref() {
            None | Some("active") => RiskState::Active,
            Some("reducing") => RiskState::Reducing,
            Some("halted") => RiskState::Halted,
            Some(other) => {
                return Err(range_error(
                    &o.name("state"),
                    format!("must be 'active', 'reducing' or 'halted', got {other:?}"),
                ))
            }
        };
        let collar_given_null = o.has_null("collarBps")?;
        Ok(RiskInput {
            state,
            max_order_qty: o.decimal("maxOrderQty", Kind::Qty)?,
            max_order_notional: o.decimal("maxOrderNotional", Kind::Amount)?,
            collar_bps: if collar_given_null { None } else { o.u32("collarBps")?.or(d.collar_bps) },
            reference_price: o.decimal("referencePrice", Kind::Price)?,
            fail_closed: o.bool("failClosed")?.unwrap_or(d.fail_closed),
            maker_fee_bps: o.u32("makerFeeBps")?.unwrap_or(d.maker_fee_bps),
            taker_fee_bps: o.u32("takerFeeBps")?.unwrap_or(d.taker_fee_bps),
        })
    }

    /// On the instrument's grid and the quote asset's scale, exactly or refused.
    pub fn resolve(&self, grid: &Instrument, quote_scale: u8) -> Res<InstrumentRisk> {
        Ok(InstrumentRisk {
            state: self.state,
            max_order_qty: self.max_order_qty.map(|q| grid.qty_to_lots(q)).transpose().map_err(convert)?,
            max_order_notional: self
                .max_order_notional
                .map(|d| Amount::from_decimal(d, quote_scale))
                .transpose()
                .map_err(|e| fail(e.code(), e.to_string()))?,
            collar_bps: self.collar_bps,
            reference_price: self.reference_price.map(|p| grid.price_to_ticks(p)).transpose().map_err(convert)?,
            fail_closed: self.fail_closed,
            maker_fee_bps: self.maker_fee_bps,
            taker_fee_bps: self.taker_fee_bps,
        })
    }
}

/// `{ maxOrderQty (lots), maxOrderNotional (quote minor units), maxOpenOrders,
/// throttle: { maxCommands, windowNs } }`.
pub fn account_limits(o: &Opts<'_>) -> Res<AccountLimits> {
    let throttle = match o.get("throttle")? {
        Some(v) => {
            let t = Opts::new(Some(v), "limits.throttle")?;
            let need = |key: &str, v: Option<u64>| v.ok_or_else(|| range_error(&t.name(key), "is required"));
            Some(Throttle {
                max_commands: u32::try_from(need("maxCommands", t.u64("maxCommands")?)?)
                    .map_err(|_| range_error(&t.name("maxCommands"), "must be below 2^32"))?,
                window_ns: need("windowNs", t.u64("windowNs")?)?,
            })
        }
        None => None,
    };
    Ok(AccountLimits {
        max_order_qty: o
            .u64("maxOrderQty")?
            .map(|n| i64::try_from(n).map(Lots).map_err(|_| range_error(&o.name("maxOrderQty"), "must be below 2^63")))
            .transpose()?,
        max_order_notional: o.u128("maxOrderNotional")?.map(Amount::from_minor),
        max_open_orders: o.u32("maxOpenOrders")?,
        throttle,
    })
}
