//! The record layout of `submitMany` / `submitRange` and its decoding: one
//! command from one record, or from a record and the extension record after it.
//!
//! | slot | place (op 1 limit, 2 market) | cancel (3) | amend qty (4), price (5), reduce (6) |
//! |---|---|---|---|
//! | 0 | op \| tif << 8 \| post_only << 16 \| stp << 17 \| ext << 20 | op \| ext << 20 | op \| ext << 20 |
//! | 1 | instrument id | – | – |
//! | 2 | account | account | account |
//! | 3 | side (0 buy, 1 sell) | order id | order id |
//! | 4 | price (ticks; limit) | – | new price (ticks; op 5) |
//! | 5 | quantity (lots) | – | new total quantity (lots; ops 4, 6) |
//!
//! Stops, orders by amount and trigger amends have their own ops; the side is
//! then in the head (`side << 24`), so slot 3 is free for the trigger or amount:
//!
//! | slot | stop-market (7) | stop-limit (8) | market by amount (9) | limit by amount (10) | amend trigger (11) |
//! |---|---|---|---|---|---|
//! | 0 | op \| tif << 8 \| stp << 17 \| ext << 20 \| side << 24 | same | same | same | op \| ext << 20 |
//! | 1 | instrument id | instrument id | instrument id | instrument id | – |
//! | 2 | account | account | account | account | account |
//! | 3 | trigger (ticks) | trigger (ticks) | amount (tick·lots) | amount (tick·lots) | order id |
//! | 4 | – | limit (ticks) | – | limit (ticks) | new trigger (ticks) |
//! | 5 | quantity (lots) | quantity (lots) | quantity (lots) | quantity (lots) | – |
//!
//! `tif`: 0 the default (as `place`: GTD with an expiry, else GTC for limits and
//! stops, IOC for markets; IOC for orders by amount), 1 GTC, 2 IOC, 3 FOK, 4 GTD.
//! `stp`: 0 none, 1 cancel_taker, 2 cancel_maker, 3 cancel_both, 4 decrement.
//!
//! `ext` (bit 20) says the next record is this command's **extension** (op 12),
//! for what a record has no slot for: a place's expiry and client order id, or
//! the client order id that names the order of a cancel or amend (instead of
//! slot 3's order id).
//!
//! | slot | extension (12) |
//! |---|---|
//! | 0 | 12 \| len << 8 \| client id bytes 32..36 << 16 |
//! | 1 | expire_at (ns since the epoch; 0 none; a place's only) |
//! | 2..=5 | client id bytes 0..32, 8 per slot, little-endian (`len` 0: none) |
//!
//! A head bit no op defines is refused (`invalid_argument`), never ignored; so
//! are a negative amount, order id or expiry, and an extension record that does
//! not follow a record announcing it. Values the core judges (a price of 0
//! ticks, an expiry in the past, a malformed client id) reach the core, which
//! refuses them with its own code, exactly as for one call each.

use brokerx_engine::{
    AccountId, Amend, Cancel, ClientOrderId, CommandKind, ConvertError, InstrumentId, Lots, Notional, OrderId,
    OrderRef, OrderType, Place, SelfTradePrevention, Side, Ticks, TimeInForce, Timestamp,
};

/// Slots per record.
pub const RECORD: usize = 6;
/// The op of an extension record.
pub const OP_EXT: i64 = 12;
/// The head bit that announces an extension record.
const EXT: i64 = 1 << 20;

/// Why a record encodes no command.
#[derive(Debug)]
pub enum Bad {
    /// The layout is broken (`invalid_argument`).
    Layout(&'static str),
    /// The client id is not one (the core's `client_order_id_invalid`).
    Convert(ConvertError),
}

impl From<&'static str> for Bad {
    fn from(why: &'static str) -> Self {
        Bad::Layout(why)
    }
}

type Decoded<T> = std::result::Result<T, Bad>;

/// Whether a record's head announces an extension record.
pub fn has_extension(head: i64) -> bool {
    head & 0xff != OP_EXT && head & EXT != 0
}

/// `tif` bits of a head: 0 is the op's default.
fn time_in_force(head: i64, default: TimeInForce) -> std::result::Result<TimeInForce, &'static str> {
    Ok(match (head >> 8) & 0xff {
        0 => default,
        1 => TimeInForce::Gtc,
        2 => TimeInForce::Ioc,
        3 => TimeInForce::Fok,
        4 => TimeInForce::Gtd,
        _ => return Err("time in force must be 0..=4"),
    })
}

fn stp(head: i64) -> std::result::Result<SelfTradePrevention, &'static str> {
    Ok(match (head >> 17) & 0b111 {
        0 => SelfTradePrevention::None,
        1 => SelfTradePrevention::CancelTaker,
        2 => SelfTradePrevention::CancelMaker,
        3 => SelfTradePrevention::CancelBoth,
        4 => SelfTradePrevention::Decrement,
        _ => return Err("stp must be 0..=4"),
    })
}

fn side_of(code: i64) -> std::result::Result<Side, &'static str> {
    match code {
        0 => Ok(Side::Buy),
        1 => Ok(Side::Sell),
        _ => Err("side must be 0 (buy) or 1 (sell)"),
    }
}

/// The head bits each op defines (op, tif, post-only, stp, ext, side); any other is refused.
fn head_mask(op: i64) -> i64 {
    let place = 0xff | 0xff << 8 | 0b111 << 17 | EXT;
    match op {
        1 | 2 => place | 1 << 16,
        7..=10 => place | 0xff << 24,
        3..=6 | 11 => 0xff | EXT,
        _ => 0xff,
    }
}

/// What an extension record carries.
#[derive(Default)]
pub struct Extension {
    expire_at: Option<Timestamp>,
    client_order_id: Option<ClientOrderId>,
}

impl Extension {
    /// Decodes an extension record.
    pub fn decode(r: &[i64]) -> Decoded<Self> {
        let [head, expire_at, ..] = *r else { return Err("short record".into()) };
        if head & 0xff != OP_EXT {
            return Err("the record announces an extension record, the next record is not one".into());
        }
        if head >> 48 != 0 {
            return Err("the extension's head sets bits it does not define".into());
        }
        let len = ((head >> 8) & 0xff) as usize;
        if len > ClientOrderId::MAX_LEN {
            return Err("a client order id is at most 36 bytes".into());
        }
        let mut bytes = [0u8; 40];
        for (chunk, slot) in bytes.chunks_exact_mut(8).zip(r.iter().skip(2).take(4)) {
            chunk.copy_from_slice(&slot.to_le_bytes());
        }
        if let Some(tail) = bytes.get_mut(32..36) {
            tail.copy_from_slice(&(((head >> 16) & 0xffff_ffff) as u32).to_le_bytes());
        }
        if bytes.iter().skip(len).any(|b| *b != 0) {
            return Err("the client order id has bytes past its length".into());
        }
        let client_order_id = match len {
            0 => None,
            n => {
                let text = std::str::from_utf8(bytes.get(..n).unwrap_or_default())
                    .map_err(|_| ConvertError::ClientOrderIdInvalid { len: n });
                Some(text.and_then(ClientOrderId::new).map_err(Bad::Convert)?)
            }
        };
        let expire_at = match expire_at {
            0 => None,
            t => Some(Timestamp(u64::try_from(t).map_err(|_| "negative expiry")?)),
        };
        Ok(Extension { expire_at, client_order_id })
    }
}

/// The command a record (with its extension, if it announces one) encodes.
pub fn decode(r: &[i64], ext: Option<Extension>) -> Decoded<CommandKind> {
    let [head, instrument, account, third, price, qty] = *r else { return Err("short record".into()) };
    let op = head & 0xff;
    if op == OP_EXT {
        return Err("an extension record that follows no record announcing it".into());
    }
    if head & !head_mask(op) != 0 {
        return Err("the head sets bits its op does not define".into());
    }
    let ext = ext.unwrap_or_default();
    let account = AccountId(u64::try_from(account).map_err(|_| "negative account")?);
    let order = || -> Decoded<OrderRef> {
        if ext.expire_at.is_some() {
            return Err("only a place's extension carries an expiry".into());
        }
        match ext.client_order_id {
            Some(c) => Ok(OrderRef::Client(c)),
            None => Ok(OrderRef::Id(OrderId(u64::try_from(third).map_err(|_| "negative order id")?))),
        }
    };
    let instrument = || u32::try_from(instrument).map(InstrumentId).map_err(|_| "instrument id out of range");
    // The defaults of `place`: GTD with an expiry, else the op's own.
    let tif = |default| time_in_force(head, if ext.expire_at.is_some() { TimeInForce::Gtd } else { default });
    let place = |order_type, side, time_in_force, post_only| -> Decoded<CommandKind> {
        Ok(CommandKind::Place(Place {
            account,
            instrument: instrument()?,
            side,
            order_type,
            qty: Lots(qty),
            time_in_force,
            expire_at: ext.expire_at,
            post_only,
            stp: stp(head)?,
            client_order_id: ext.client_order_id,
        }))
    };
    let amend = |new_price, new_qty, new_trigger| -> Decoded<CommandKind> {
        Ok(CommandKind::Amend(Amend {
            account,
            order: order()?,
            new_price,
            new_qty,
            expected_version: None,
            new_trigger,
            new_display: None,
        }))
    };
    match op {
        1 | 2 => {
            let market = op == 2;
            let tif = tif(if market { TimeInForce::Ioc } else { TimeInForce::Gtc })?;
            let order_type = if market { OrderType::Market } else { OrderType::Limit(Ticks(price)) };
            place(order_type, side_of(third)?, tif, (head >> 16) & 1 == 1)
        }
        3 => Ok(CommandKind::Cancel(Cancel { account, order: order()? })),
        4 | 6 => amend(None, Some(Lots(qty)), None),
        5 => amend(Some(Ticks(price)), None, None),
        7..=10 => {
            let side = side_of((head >> 24) & 0xff)?;
            let amount = || u64::try_from(third).map(Notional).map_err(|_| "negative amount");
            let order_type = match op {
                7 => OrderType::StopMarket { trigger: Ticks(third) },
                8 => OrderType::StopLimit { trigger: Ticks(third), limit: Ticks(price) },
                9 => OrderType::MarketByAmount { amount: amount()? },
                _ => OrderType::LimitByAmount { limit: Ticks(price), amount: amount()? },
            };
            // An order by amount never rests: IOC by default, with an expiry too.
            let tif = if op >= 9 { time_in_force(head, TimeInForce::Ioc)? } else { tif(TimeInForce::Gtc)? };
            place(order_type, side, tif, false)
        }
        11 => amend(None, None, Some(Ticks(price))),
        _ => Err("unknown op".into()),
    }
}
