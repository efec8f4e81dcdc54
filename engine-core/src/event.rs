//! Events: everything the engine says. Each carries a gap-free sequence number
//! (starting at 1), the command's timestamp and its correlation id.

use serde::{Deserialize, Serialize};

use crate::instrument::TradingStatus;
use crate::types::{
    AccountId, ClientOrderId, CorrelationId, InstrumentId, Lots, OrderId, Side, Ticks, TimeInForce, Timestamp, TradeId,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub ts: Timestamp,
    pub correlation_id: CorrelationId,
    pub kind: EventKind,
}

/// Where [`Engine::apply`](crate::Engine::apply) puts a command's events, one
/// call per event, in sequence order, as they happen.
///
/// `Vec<Event>` is the usual sink (reuse it: steady state allocates nothing). A
/// host that keeps only part of the stream (fills for a trade tape, or counts)
/// can pass its own sink instead: the events it ignores are then never built,
/// which is most of what an accepted order costs beyond the book work. The
/// sequence numbers stay gap-free either way: they count events emitted, not
/// events kept.
pub trait EventSink {
    fn event(&mut self, event: Event);
}

impl EventSink for Vec<Event> {
    #[inline]
    fn event(&mut self, event: Event) {
        self.push(event);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    InstrumentRegistered {
        instrument: InstrumentId,
    },
    TradingStatusChanged {
        instrument: InstrumentId,
        status: TradingStatus,
    },
    /// The order passed validation and got its id. `price` is `None` for market orders.
    Accepted {
        order_id: OrderId,
        account: AccountId,
        instrument: InstrumentId,
        side: Side,
        price: Option<Ticks>,
        qty: Lots,
        time_in_force: TimeInForce,
        client_order_id: Option<ClientOrderId>,
    },
    /// A stop order passed validation, got its id and waits outside the book
    /// (`limit` is `None` for a stop-market). It may trigger in the same command
    /// (its trigger was already reached by the last trade price). It carries no
    /// client order id (the placing command has it, and `Engine::order` shows
    /// it): with one, this variant would be the largest and make every event
    /// 8 bytes bigger, a cost each command would pay.
    StopAccepted {
        order_id: OrderId,
        account: AccountId,
        instrument: InstrumentId,
        side: Side,
        trigger: Ticks,
        limit: Option<Ticks>,
        qty: Lots,
        time_in_force: TimeInForce,
    },
    /// A waiting stop triggered: `last_price` (the last trade price of its
    /// instrument) reached `trigger`. The order keeps its id and now enters the
    /// book as a market order (`limit` None, IOC) or a limit order; the events
    /// that follow are those of a place after its `Accepted` (trades, rest or
    /// cancel of the remainder).
    Triggered {
        order_id: OrderId,
        account: AccountId,
        instrument: InstrumentId,
        side: Side,
        trigger: Ticks,
        last_price: Ticks,
        limit: Option<Ticks>,
        qty: Lots,
        time_in_force: TimeInForce,
    },
    /// This command fired `EngineConfig::max_triggers_per_command` stops on
    /// `instrument`; the stops still due stay waiting and fire at the instrument's
    /// next trade.
    TriggerLimitReached {
        instrument: InstrumentId,
        fired: u32,
    },
    /// A waiting stop was amended (`limit` None for a stop-market); it keeps
    /// waiting unless its new trigger is already reached (then `Triggered` follows).
    StopAmended {
        order_id: OrderId,
        account: AccountId,
        instrument: InstrumentId,
        side: Side,
        version: u32,
        trigger: Ticks,
        limit: Option<Ticks>,
        qty: Lots,
        /// False when the stop went to the back of its trigger queue (trigger or
        /// limit changed, or quantity increased).
        priority_kept: bool,
    },
    /// A refusal that is part of trading. `order_id` is set for amends of live orders.
    Rejected {
        account: AccountId,
        instrument: InstrumentId,
        order_id: Option<OrderId>,
        client_order_id: Option<ClientOrderId>,
        reason: RejectReason,
    },
    /// One maker fill: the taker traded `qty` at the maker's price.
    Trade {
        trade_id: TradeId,
        instrument: InstrumentId,
        price: Ticks,
        qty: Lots,
        aggressor: Side,
        maker_order_id: OrderId,
        maker_account: AccountId,
        maker_remaining: Lots,
        taker_order_id: OrderId,
        taker_account: AccountId,
        taker_remaining: Lots,
    },
    /// The order is done; `qty` is the quantity that will never trade (its leaves
    /// when it ended), `filled` what it traded in all. `price` is `None` for a
    /// market order.
    Cancelled {
        order_id: OrderId,
        account: AccountId,
        instrument: InstrumentId,
        side: Side,
        price: Option<Ticks>,
        qty: Lots,
        filled: Lots,
        reason: CancelReason,
    },
    /// Self-trade prevention (decrement) took `qty` off an order that stays live
    /// with `remaining` (its leaves) and `filled` so far.
    Reduced {
        order_id: OrderId,
        account: AccountId,
        instrument: InstrumentId,
        side: Side,
        price: Option<Ticks>,
        qty: Lots,
        remaining: Lots,
        filled: Lots,
        reason: CancelReason,
    },
    Amended {
        order_id: OrderId,
        account: AccountId,
        instrument: InstrumentId,
        side: Side,
        version: u32,
        price: Ticks,
        /// New total quantity (filled + remaining).
        qty: Lots,
        /// Leaves: what is still open after the amend, before any match it causes.
        remaining: Lots,
        filled: Lots,
        /// False when the order went to the back of the queue (price change or increase).
        priority_kept: bool,
    },
    /// An iceberg's shown slice was used up (by trades, or by self-trade
    /// prevention's decrement) and the next one is shown: `shown` lots at the
    /// back of its level (time priority lost), `hidden` still in reserve. Its
    /// leaves are `shown + hidden`; its fills so far, `filled`.
    Refreshed {
        order_id: OrderId,
        account: AccountId,
        instrument: InstrumentId,
        side: Side,
        price: Ticks,
        shown: Lots,
        hidden: Lots,
        filled: Lots,
    },
    /// A GTD order reached `expire_at`; `qty` (its leaves) never traded.
    Expired {
        order_id: OrderId,
        account: AccountId,
        instrument: InstrumentId,
        side: Side,
        price: Ticks,
        qty: Lots,
        filled: Lots,
    },
    /// L2: a price level's new total; `qty == 0 && orders == 0` means the level is gone.
    LevelChanged {
        instrument: InstrumentId,
        side: Side,
        price: Ticks,
        qty: Lots,
        orders: u32,
    },
    /// Top of book changed (price, total qty or order count of either best level).
    BboChanged {
        instrument: InstrumentId,
        bid: Option<LevelView>,
        ask: Option<LevelView>,
    },
}

/// One price level as seen from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LevelView {
    pub price: Ticks,
    pub qty: Lots,
    pub orders: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RejectReason {
    PostOnlyWouldCross,
    InstrumentHalted,
    InstrumentClosed,
}

impl RejectReason {
    pub fn code(self) -> &'static str {
        match self {
            RejectReason::PostOnlyWouldCross => "post_only_would_cross",
            RejectReason::InstrumentHalted => "instrument_halted",
            RejectReason::InstrumentClosed => "instrument_closed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CancelReason {
    User,
    IocRemainder,
    FokUnfillable,
    NoLiquidity,
    SelfTradePrevention,
    MassCancel,
    Halted,
    Closed,
    /// A triggered stop-limit would rest at a new price on a book side that
    /// holds `EngineConfig::max_levels_per_side` levels.
    LevelCapacity,
}

impl CancelReason {
    pub fn code(self) -> &'static str {
        match self {
            CancelReason::User => "user",
            CancelReason::IocRemainder => "ioc_remainder",
            CancelReason::FokUnfillable => "fok_unfillable",
            CancelReason::NoLiquidity => "no_liquidity",
            CancelReason::SelfTradePrevention => "stp",
            CancelReason::MassCancel => "mass_cancel",
            CancelReason::Halted => "halted",
            CancelReason::Closed => "closed",
            CancelReason::LevelCapacity => "level_capacity_reached",
        }
    }
}

// Every command emits events: their size is paid on each one.
const _: () = assert!(std::mem::size_of::<EventKind>() <= 88);
