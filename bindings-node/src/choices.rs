//! The string enums of the API (`'buy' | 'sell'`, time in force, STP, status)
//! and how an instrument is named (its id as a `number`, or its symbol).

use brokerx_engine::{Engine, Instrument, InstrumentId, SelfTradePrevention, Side, TimeInForce, TradingStatus};
use napi::bindgen_prelude::Unknown;
use napi::ValueType;

use crate::args::{string, u32_arg};
use crate::errors::{fail, from_napi, range_error, Res};

fn bad_choice(name: &str, got: &str, allowed: &str) -> crate::errors::Fail {
    range_error(name, format!("must be one of {allowed}, got {got:?}"))
}

pub fn side(s: &str, name: &str) -> Res<Side> {
    match s {
        "buy" => Ok(Side::Buy),
        "sell" => Ok(Side::Sell),
        _ => Err(bad_choice(name, s, "'buy', 'sell'")),
    }
}

pub fn time_in_force(s: &str, name: &str) -> Res<TimeInForce> {
    match s {
        "gtc" => Ok(TimeInForce::Gtc),
        "ioc" => Ok(TimeInForce::Ioc),
        "fok" => Ok(TimeInForce::Fok),
        "gtd" => Ok(TimeInForce::Gtd),
        _ => Err(bad_choice(name, s, "'gtc', 'ioc', 'fok', 'gtd'")),
    }
}

pub fn stp(s: &str, name: &str) -> Res<SelfTradePrevention> {
    match s {
        "none" => Ok(SelfTradePrevention::None),
        "cancel_taker" => Ok(SelfTradePrevention::CancelTaker),
        "cancel_maker" => Ok(SelfTradePrevention::CancelMaker),
        "cancel_both" => Ok(SelfTradePrevention::CancelBoth),
        "decrement" => Ok(SelfTradePrevention::Decrement),
        _ => Err(bad_choice(name, s, "'none', 'cancel_taker', 'cancel_maker', 'cancel_both', 'decrement'")),
    }
}

pub fn status(s: &str, name: &str) -> Res<TradingStatus> {
    match s {
        "open" => Ok(TradingStatus::Open),
        "halted" => Ok(TradingStatus::Halted),
        "closed" => Ok(TradingStatus::Closed),
        _ => Err(bad_choice(name, s, "'open', 'halted', 'closed'")),
    }
}

/// An instrument named by id (`number`) or symbol (`string`), as registered.
pub fn instrument<'e>(e: &'e Engine, v: &Unknown<'_>, name: &str) -> Res<&'e Instrument> {
    let found = match v.get_type().map_err(from_napi)? {
        ValueType::String => {
            let sym = string(v, name)?;
            e.instrument_by_symbol(&sym).ok_or_else(|| unknown(&sym))?
        }
        _ => {
            let id = u32_arg(v, name)?;
            e.instrument(InstrumentId(id)).ok_or_else(|| unknown(&id.to_string()))?
        }
    };
    Ok(found)
}

fn unknown(what: &str) -> crate::errors::Fail {
    fail("unknown_instrument", format!("unknown instrument {what}"))
}
