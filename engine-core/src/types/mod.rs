//! Integer domain types: prices in ticks, quantities in lots, time in nanoseconds,
//! and the ids the engine hands out. `rust_decimal::Decimal` never enters the core;
//! the only conversions to and from it live in [`crate::instrument::Instrument`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// A price in whole ticks of its instrument. Always > 0 for a priced order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ticks(pub i64);

/// A quantity in whole lots of its instrument. Always > 0 for an order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Lots(pub i64);

/// A quote amount in the engine's own units: price in ticks × quantity in lots
/// (tick·lots). One tick·lot is `quote_per_tick_lot` quote minor units of the
/// Broker's market (`Broker::notional_from_amount` converts, exactly).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Notional(pub u64);

/// Host-supplied time in nanoseconds since the Unix epoch. The engine never reads a clock.
/// Defined once, in the ledger, and shared by the engine, the Broker and the sagas.
pub use brokerx_ledger::Timestamp;

/// Engine-assigned order id: a dense sequence starting at 1, never reused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OrderId(pub u64);

/// The host's account (client) id. Opaque to the engine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AccountId(pub u64);

/// Dense instrument index assigned at registration (0, 1, 2, ...).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct InstrumentId(pub u32);

/// Engine-assigned trade id: a dense sequence starting at 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TradeId(pub u64);

/// Host-supplied opaque id repeated on every event a command produces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CorrelationId(pub u64);

macro_rules! display_inner {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    )*};
}
display_inner!(Ticks, Lots, OrderId, AccountId, InstrumentId, TradeId, CorrelationId);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    #[inline]
    pub fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimeInForce {
    /// Good till cancelled: the remainder rests.
    Gtc,
    /// Immediate or cancel: fill what crosses now, cancel the rest.
    Ioc,
    /// Fill or kill: fill the whole quantity now or nothing at all.
    Fok,
    /// Good till date: rests until `expire_at`, then expires.
    Gtd,
}

impl TimeInForce {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeInForce::Gtc => "gtc",
            TimeInForce::Ioc => "ioc",
            TimeInForce::Fok => "fok",
            TimeInForce::Gtd => "gtd",
        }
    }
}

/// What happens when an order would trade against another order of the same account.
/// The incoming (taker) order's mode decides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SelfTradePrevention {
    /// Self-trades are allowed.
    #[default]
    None,
    /// Cancel the rest of the incoming order; the resting order stays.
    CancelTaker,
    /// Cancel the resting order and keep matching.
    CancelMaker,
    /// Cancel both.
    CancelBoth,
    /// Reduce both by the smaller quantity without a trade; whichever reaches zero is cancelled.
    Decrement,
}

impl SelfTradePrevention {
    pub fn as_str(self) -> &'static str {
        match self {
            SelfTradePrevention::None => "none",
            SelfTradePrevention::CancelTaker => "cancel_taker",
            SelfTradePrevention::CancelMaker => "cancel_maker",
            SelfTradePrevention::CancelBoth => "cancel_both",
            SelfTradePrevention::Decrement => "decrement",
        }
    }
}

/// Limit, market, or a stop that waits outside the book until a trade prints at
/// or through its `trigger` (buy stops: a trade at or above it; sell stops: at or
/// below), then enters the book as a market order (IOC) or a limit order at `limit`
/// with the stop's time in force. The rules are in `docs/engine.md` ("Stops").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderType {
    Limit(Ticks),
    Market,
    /// Waits; when triggered, a market order (IOC).
    StopMarket {
        trigger: Ticks,
    },
    /// Waits; when triggered, a limit order at `limit` with the stop's time in force.
    StopLimit {
        trigger: Ticks,
        limit: Ticks,
    },
    /// Spends at most `amount` ("buy 500.00 USD of ACME"): fills level by level
    /// at the makers' prices, a lot at a time, until the next lot would cost
    /// more than what is left, or `qty` lots are filled. IOC (the rest is
    /// cancelled) or FOK (all `qty` within `amount`, or nothing).
    MarketByAmount {
        amount: Notional,
    },
    /// The same, at `limit` or better (what the Broker's protected
    /// market-by-amount order is).
    LimitByAmount {
        limit: Ticks,
        amount: Notional,
    },
    /// A limit order that shows at most `display` lots in the book (L2 and L3)
    /// and keeps the rest hidden. When the shown slice is filled, the next
    /// slice (`display` lots, or what is left) is shown at the back of its
    /// level: it loses time priority, like a new order. GTC or GTD; as a
    /// taker it trades its whole quantity.
    Iceberg {
        limit: Ticks,
        display: Lots,
    },
}

impl OrderType {
    /// The trigger of a stop; `None` for a limit or market order.
    pub fn trigger(self) -> Option<Ticks> {
        match self {
            OrderType::StopMarket { trigger } | OrderType::StopLimit { trigger, .. } => Some(trigger),
            OrderType::Limit(_)
            | OrderType::Market
            | OrderType::MarketByAmount { .. }
            | OrderType::LimitByAmount { .. }
            | OrderType::Iceberg { .. } => None,
        }
    }

    /// The limit price: of a limit order or a stop-limit; `None` for market and stop-market.
    pub fn limit(self) -> Option<Ticks> {
        match self {
            OrderType::Limit(px)
            | OrderType::StopLimit { limit: px, .. }
            | OrderType::LimitByAmount { limit: px, .. }
            | OrderType::Iceberg { limit: px, .. } => Some(px),
            OrderType::Market | OrderType::StopMarket { .. } | OrderType::MarketByAmount { .. } => None,
        }
    }

    /// The most a by-amount order may spend; `None` for the other types.
    pub fn amount(self) -> Option<Notional> {
        match self {
            OrderType::MarketByAmount { amount } | OrderType::LimitByAmount { amount, .. } => Some(amount),
            _ => None,
        }
    }

    /// The most an iceberg shows; `None` for the other types.
    pub fn display(self) -> Option<Lots> {
        match self {
            OrderType::Iceberg { display, .. } => Some(display),
            _ => None,
        }
    }
}

/// A client's own order id, up to [`ClientOrderId::MAX_LEN`] printable ASCII bytes
/// (a hyphenated UUID fits). Stored inline so commands stay `Copy` and allocation-free.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientOrderId {
    len: u8,
    bytes: [u8; ClientOrderId::MAX_LEN],
}

impl ClientOrderId {
    pub const MAX_LEN: usize = 36;

    /// # Errors
    /// `client_order_id_invalid` when empty, longer than 36 bytes, or not printable ASCII.
    pub fn new(s: &str) -> Result<Self, crate::error::ConvertError> {
        let b = s.as_bytes();
        if b.is_empty() || b.len() > Self::MAX_LEN || !b.iter().all(|c| (0x21..=0x7e).contains(c)) {
            return Err(crate::error::ConvertError::ClientOrderIdInvalid { len: b.len() });
        }
        let mut bytes = [0u8; Self::MAX_LEN];
        bytes[..b.len()].copy_from_slice(b);
        Ok(ClientOrderId { len: b.len() as u8, bytes })
    }

    /// `id` as 32 lowercase hex digits: an infallible client order id for
    /// hosts whose ids are 128-bit numbers (the order saga's placement ids).
    pub fn from_u128_hex(id: u128) -> Self {
        let mut bytes = [0u8; Self::MAX_LEN];
        for (i, digit) in bytes.iter_mut().take(32).enumerate() {
            // Masked to 4 bits, so the cast is exact.
            let nibble = ((id >> (124 - 4 * i)) & 0xf) as u8;
            *digit = if nibble < 10 { b'0' + nibble } else { b'a' + nibble - 10 };
        }
        ClientOrderId { len: 32, bytes }
    }

    pub fn as_str(&self) -> &str {
        // Constructed only from validated ASCII, so this never fails; fall back to "" defensively.
        std::str::from_utf8(self.bytes.get(..self.len as usize).unwrap_or(&[])).unwrap_or("")
    }
}

impl fmt::Debug for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientOrderId({:?})", self.as_str())
    }
}

impl fmt::Display for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ClientOrderId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ClientOrderId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        ClientOrderId::new(&s).map_err(serde::de::Error::custom)
    }
}
