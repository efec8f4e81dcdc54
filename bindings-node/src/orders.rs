//! Order commands from JavaScript arguments, resolved on an engine's instruments:
//! what `Engine` and `Broker` both take (place, cancel, amend, mass cancel,
//! trading status). Quantity is converted before price, as the core checks them.

use brokerx_engine::{
    AccountId, Amend, Cancel, ClientOrderId, CommandKind, Engine, Lots, MassCancel, OrderId, OrderRef, OrderType,
    Place, SelfTradePrevention, SetTradingStatus, Ticks, TimeInForce, Timestamp,
};
use napi::bindgen_prelude::Unknown;
use napi::ValueType;

use crate::args::{is_absent, string, u64_arg, with_str, Opts};
use crate::choices;
use crate::decimal::Kind;
use crate::errors::{convert, fail, from_napi, type_error, Fail, Res};

/// No core order type has both a trigger and an amount: the arguments name no
/// order, so they are refused before any value is converted (as in Python).
fn amount_with_trigger() -> Fail {
    fail("invalid_argument", "an order has either a trigger (a stop) or an amount, not both")
}

/// Only a limit order by quantity can be an iceberg (refused after the values
/// convert, as in Python).
fn display_needs_limit() -> Fail {
    fail("invalid_argument", "display makes an iceberg: a limit order with a price, no trigger and no amount")
}

/// A field this API spells otherwise: refused, never silently ignored.
fn misspelt(o: &Opts<'_>, key: &str, instead: &str) -> Res<()> {
    if o.get(key)?.is_some() {
        return Err(type_error(&o.name(key), format!("is not an option; the field is '{instead}'")));
    }
    Ok(())
}

/// `place(account, instrument, side, price | null, qty, options?)`. With
/// `options.trigger` a stop (a stop-limit at `price`, a stop-market for `null`);
/// with `options.amount` an order by quote amount (a limit-by-amount at `price`,
/// a market-by-amount for `null`); never both.
pub fn place(
    e: &Engine,
    account: &Unknown<'_>,
    instrument: &Unknown<'_>,
    side: &Unknown<'_>,
    price: &Unknown<'_>,
    qty: &Unknown<'_>,
    o: &Opts<'_>,
) -> Res<CommandKind> {
    let account = AccountId(u64_arg(account, "account")?);
    let inst = choices::instrument(e, instrument, "instrument")?;
    let side = with_str(side, "side", |s| choices::side(s, "side"))?;
    let (trigger, amount) = (o.get("trigger")?, o.get("amount")?);
    if trigger.is_some() && amount.is_some() {
        return Err(amount_with_trigger());
    }
    let display = o.get("display")?;
    // Quantity, then the limit, then the trigger or the amount, as the core checks them.
    let qty = crate::args::decimal(qty, Kind::Qty, "qty")?;
    let price = if is_absent(Some(price))? { None } else { Some(crate::args::decimal(price, Kind::Price, "price")?) };
    let trigger = trigger.map(|v| crate::args::decimal(&v, Kind::Price, &o.name("trigger"))).transpose()?;
    let amount = amount.map(|v| crate::args::decimal(&v, Kind::OrderAmount, &o.name("amount"))).transpose()?;
    let display = display.map(|v| crate::args::decimal(&v, Kind::Qty, &o.name("display"))).transpose()?;
    let expire_at = o.u64("expireAt")?;
    // The core's defaults (`Place::market`, `Place::market_by_amount` IOC: a
    // by-amount order never rests; `Place::stop_market` GTC), as in Python.
    let time_in_force = match o.string("timeInForce")? {
        Some(t) => choices::time_in_force(&t, &o.name("timeInForce"))?,
        None if amount.is_some() => TimeInForce::Ioc,
        None if expire_at.is_some() => TimeInForce::Gtd,
        None if price.is_none() && trigger.is_none() => TimeInForce::Ioc,
        None => TimeInForce::Gtc,
    };
    let stp = match o.string("stp")? {
        Some(s) => choices::stp(&s, &o.name("stp"))?,
        None => SelfTradePrevention::None,
    };
    let client_order_id = o.string("clientOrderId")?.map(|s| ClientOrderId::new(&s)).transpose().map_err(convert)?;
    let post_only = o.bool("postOnly")?.unwrap_or(false);
    let qty = inst.qty_to_lots(qty).map_err(convert)?;
    let limit = price.map(|p| inst.price_to_ticks(p)).transpose().map_err(convert)?;
    // A trigger or display ≤ 0 converts: the core refuses it with its own code.
    let trigger = trigger.map(|t| inst.trigger_to_ticks(t)).transpose().map_err(convert)?;
    let amount = amount.map(|a| inst.amount_to_notional(a)).transpose().map_err(convert)?;
    let display = display.map(|d| inst.display_to_lots(d)).transpose().map_err(convert)?;
    let order_type = match (trigger, amount, limit, display) {
        (None, None, Some(limit), Some(display)) => OrderType::Iceberg { limit, display },
        (_, _, _, Some(_)) => return Err(display_needs_limit()),
        (None, None, Some(limit), None) => OrderType::Limit(limit),
        (None, None, None, None) => OrderType::Market,
        (Some(trigger), None, Some(limit), None) => OrderType::StopLimit { trigger, limit },
        (Some(trigger), None, None, None) => OrderType::StopMarket { trigger },
        (None, Some(amount), Some(limit), None) => OrderType::LimitByAmount { limit, amount },
        (None, Some(amount), None, None) => OrderType::MarketByAmount { amount },
        (Some(_), Some(_), _, None) => return Err(amount_with_trigger()),
    };
    Ok(CommandKind::Place(Place {
        account,
        instrument: inst.id,
        side,
        order_type,
        qty,
        time_in_force,
        expire_at: expire_at.map(Timestamp),
        post_only,
        stp,
        client_order_id,
    }))
}

/// An order named by the engine's id (`bigint`) or the client's id (`string`).
pub fn order_ref(v: &Unknown<'_>, name: &str) -> Res<OrderRef> {
    match v.get_type().map_err(from_napi)? {
        ValueType::String => Ok(OrderRef::Client(ClientOrderId::new(&string(v, name)?).map_err(convert)?)),
        _ => Ok(OrderRef::Id(OrderId(u64_arg(v, name)?))),
    }
}

pub fn cancel(account: &Unknown<'_>, order: &Unknown<'_>) -> Res<CommandKind> {
    let account = AccountId(u64_arg(account, "account")?);
    Ok(CommandKind::Cancel(Cancel { account, order: order_ref(order, "order")? }))
}

/// `amend(account, order, { price?, qty?, trigger?, display?, expectedVersion? }, options?)`,
/// the order named by the engine's id (`bigint`) or the account's client order
/// id (`string`): the order's instrument gives the grid (for a waiting
/// stop-limit `price` is its limit; `trigger` applies to waiting stops only,
/// `not_a_stop` otherwise). For an order the engine does not know any value will
/// do: the core refuses it with `unknown_order` / `unknown_client_order_id`.
pub fn amend(e: &Engine, account: &Unknown<'_>, order: &Unknown<'_>, change: &Opts<'_>) -> Res<CommandKind> {
    let account = AccountId(u64_arg(account, "account")?);
    let order = order_ref(order, "order")?;
    misspelt(change, "newTrigger", "trigger")?;
    misspelt(change, "newPrice", "price")?;
    misspelt(change, "newQty", "qty")?;
    misspelt(change, "newDisplay", "display")?;
    let qty = change.decimal("qty", Kind::Qty)?;
    let price = change.decimal("price", Kind::Price)?;
    let trigger = change.decimal("trigger", Kind::Price)?;
    let display = change.decimal("display", Kind::Qty)?;
    let expected_version = change.u32("expectedVersion")?;
    let named = match order {
        OrderRef::Id(id) => e.order(id),
        OrderRef::Client(c) => e.order_by_client_id(account, c),
    };
    let (new_qty, new_price, new_trigger, new_display) = match named.and_then(|o| e.instrument(o.instrument)) {
        Some(i) => (
            qty.map(|q| i.qty_to_lots(q)).transpose().map_err(convert)?,
            price.map(|p| i.price_to_ticks(p)).transpose().map_err(convert)?,
            trigger.map(|t| i.trigger_to_ticks(t)).transpose().map_err(convert)?,
            display.map(|d| i.display_to_lots(d)).transpose().map_err(convert)?,
        ),
        None => (qty.map(|_| Lots(1)), price.map(|_| Ticks(1)), trigger.map(|_| Ticks(1)), display.map(|_| Lots(1))),
    };
    Ok(CommandKind::Amend(Amend { account, order, new_price, new_qty, expected_version, new_trigger, new_display }))
}

pub fn mass_cancel(e: &Engine, o: &Opts<'_>) -> Res<CommandKind> {
    let account = o.u64("account")?.map(AccountId);
    let instrument = match o.get("instrument")? {
        Some(v) => Some(choices::instrument(e, &v, &o.name("instrument"))?.id),
        None => None,
    };
    Ok(CommandKind::MassCancel(MassCancel { account, instrument }))
}

pub fn set_status(e: &Engine, instrument: &Unknown<'_>, status: &Unknown<'_>, o: &Opts<'_>) -> Res<CommandKind> {
    let instrument = choices::instrument(e, instrument, "instrument")?.id;
    let status = choices::status(&string(status, "status")?, "status")?;
    Ok(CommandKind::SetTradingStatus(SetTradingStatus {
        instrument,
        status,
        cancel_resting: o.bool("cancelResting")?.unwrap_or(false),
    }))
}
