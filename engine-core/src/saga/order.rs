//! The order saga: reserve funds in the ledger service, place the order in the
//! engine service, settle every trade against the hold, release what is left.
//!
//! ```text
//! Requested ──Start──▶ ReservingFunds ──FundsReserved──▶ PlacingOrder ──OrderAccepted──▶ Working
//!                        │  │timeout×N                     │  │timeout×N                  │ Fill
//!        FundsReservation│  └──────────▶ Releasing ◀───────┘  └──▶ Cancelling              ▼
//!              Failed    ▼                 ▲  OrderRejected          ▲ good_till   PartiallyFilled
//!                  Compensated             │                         └──────────────────┤
//!                                          │                                            │ last fill /
//!                                      Settling ◀── OrderCancelled / OrderExpired ──────┘ closure
//!                                          │ all fills known and settled
//!                                          ▼
//!                                      Releasing ──FundsReleased──▶ Settled (filled) | Compensated
//! ```
//!
//! Invariants:
//! - a trade is settled under exactly one idempotency id per attempt, and a
//!   trade id is recorded once (`fills` is sorted by trade id, duplicates are
//!   acknowledged without action);
//! - `filled ≤ qty`, and once the closure is known, `filled ≤ qty − remaining`;
//! - funds are released exactly once per saga, only after every known trade is
//!   settled and the order is closed, so a settlement never races the release;
//! - the hold is sized as the Broker sizes it ([`OrderSpec::hold_amount`]:
//!   `risk::buy_hold` at the limit for a buy, the base units for a sell), each
//!   fill consumes what the Broker's settlement takes from a hold (notional
//!   plus the fee rounded on the order's running total, `risk::fee_step`), and
//!   every fill is within the limit, so settlements never exceed the hold.

use serde::{Deserialize, Serialize};

use super::{
    atomic_step, send, AccountId, Action, Amount, ClientOrderId, CommandKind, HoldId, IdempotencyId, InstrumentId,
    Lots, Outcome, RejectReason, Retry, SagaConfig, SagaError, SagaId, Side, Step, Ticks, Timestamp, TradeId,
    ATTEMPT_MAX,
};

use crate::risk::{self, InstrumentRisk, UnitScale};

/// Which fill prices an order's limit allows, by side.
impl Side {
    fn within_limit(self, price: Ticks, limit: Ticks) -> bool {
        match self {
            Self::Buy => price <= limit,
            Self::Sell => price >= limit,
        }
    }
}

/// What the order saga was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSpec {
    /// Owner of the order and of the funds.
    pub account: AccountId,
    /// Where to trade.
    pub instrument: InstrumentId,
    /// Buy or sell.
    pub side: Side,
    /// Order quantity, > 0.
    pub qty: Lots,
    /// Limit price, > 0.
    pub limit_price: Ticks,
    /// The instrument's units in ledger minor units (the Broker's market scale),
    /// both > 0.
    pub scale: UnitScale,
    /// Fee rate of a fill that adds liquidity (the instrument's `maker_fee_bps`).
    pub maker_fee_bps: u32,
    /// Fee rate of a fill that takes liquidity (the instrument's `taker_fee_bps`).
    pub taker_fee_bps: u32,
    /// When the saga cancels a still-working order.
    pub good_till: Timestamp,
}

impl OrderSpec {
    /// Checks quantities, price and scale, and that the hold fits a `u128`.
    ///
    /// # Errors
    /// [`SagaError::InvalidValue`] for a non-positive quantity or price, a zero
    /// scale, or a hold that overflows.
    pub fn validate(&self) -> Result<(), SagaError> {
        if self.qty.0 <= 0 || u32::try_from(self.qty.0).is_err() {
            return Err(SagaError::InvalidValue { field: "qty_lots", value: i128::from(self.qty.0) });
        }
        if self.limit_price.0 <= 0 {
            return Err(SagaError::InvalidValue { field: "limit_price_ticks", value: i128::from(self.limit_price.0) });
        }
        if self.scale.base_per_lot == 0 {
            return Err(SagaError::InvalidValue { field: "base_per_lot", value: 0 });
        }
        if self.scale.quote_per_tick_lot == 0 {
            return Err(SagaError::InvalidValue { field: "quote_per_tick_lot", value: 0 });
        }
        self.hold_amount().ok_or(SagaError::InvalidValue { field: "hold", value: i128::from(self.qty.0) })?;
        Ok(())
    }

    /// The hold the saga reserves, the Broker's for the same order: a buy holds
    /// [`risk::buy_hold`] at its limit (notional plus the fee at the larger of
    /// the two rates, rounded up), a sell its base units. `None` on overflow.
    #[must_use]
    pub fn hold_amount(&self) -> Option<Amount> {
        let minor = match self.side {
            Side::Buy => risk::buy_hold(&self.scale, &self.fee_rates(), self.limit_price, self.qty)?,
            Side::Sell => self.scale.base(self.qty)?,
        };
        Some(Amount::from_minor(minor))
    }

    /// The instrument risk the hold functions read: only its fee rates matter.
    fn fee_rates(&self) -> InstrumentRisk {
        InstrumentRisk {
            maker_fee_bps: self.maker_fee_bps,
            taker_fee_bps: self.taker_fee_bps,
            ..InstrumentRisk::default()
        }
    }

    /// The fee rate of a fill: the taker's when this order was the aggressor.
    fn fill_fee_bps(&self, aggressor: Side) -> u32 {
        if aggressor == self.side {
            self.taker_fee_bps
        } else {
            self.maker_fee_bps
        }
    }

    /// `(what a fill takes from the hold, the order's exact fees after it)`,
    /// as the Broker settles it: a buy pays the notional plus its fee, rounded
    /// once on the running total `accrued` ([`risk::fee_step`]); a sell
    /// delivers its base units (its fee comes out of the proceeds, not the
    /// hold). `None` on overflow.
    fn fill_consumes(&self, record: &FillRecord, accrued: u128) -> Option<(u128, u128)> {
        match self.side {
            Side::Buy => {
                let notional = self.scale.notional(record.price, record.qty)?;
                let (fee, after) = risk::fee_step(accrued, notional, self.fill_fee_bps(record.aggressor));
                Some((notional.checked_add(fee)?, after))
            }
            Side::Sell => Some((self.scale.base(record.qty)?, accrued)),
        }
    }
}

/// Why an order saga ended without placing its order (so without trading):
/// the funds were never held, or the engine did not take the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotPlacedReason {
    /// The ledger refused the hold (its reason code).
    Funds {
        /// Ledger reason code.
        code: u16,
    },
    /// The ledger did not answer the reservation in time.
    ReservationTimedOut,
    /// The engine rejected the order ([`OrderInput::OrderRejected`]), for
    /// the reason of its `Rejected` event.
    Engine {
        /// The engine's reason.
        reason: RejectReason,
    },
    /// The engine refused the placement as a command ([`OrderInput::OrderRefused`]).
    EngineRefused {
        /// The host's code for the refusal.
        code: u16,
    },
}

/// Why the order stopped working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CloseReason {
    /// Fully filled.
    Filled,
    /// The engine cancelled it on its own (user cancel, IOC remainder, ...).
    CancelledByEngine,
    /// The engine expired it.
    ExpiredByEngine,
    /// `good_till` passed and the saga cancelled it.
    GoodTillReached,
    /// The engine never acknowledged the placement; the saga cancelled it.
    PlacementTimedOut,
}

/// How an order saga ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderOutcome {
    /// Never traded; funds (if any were held) released.
    Rejected {
        /// Why.
        reason: NotPlacedReason,
    },
    /// Traded `filled` lots (possibly zero), all settled, the rest released.
    Closed {
        /// Why it stopped working.
        reason: CloseReason,
        /// Lots filled and settled.
        filled: Lots,
        /// Hold consumed by settlements.
        consumed: Amount,
    },
}

/// One trade of the order, recorded once per trade id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillRecord {
    /// Engine trade id.
    pub trade: TradeId,
    /// Quantity.
    pub qty: Lots,
    /// Price.
    pub price: Ticks,
    /// The side that took liquidity (the engine trade's `aggressor`): this
    /// order's side means it paid the taker fee, the other side the maker fee.
    pub aggressor: Side,
    /// Arrival number of this fill (0-based); the step sequence of its settlement.
    pub sequence: u32,
    /// `None` once settled; else the settlement in flight.
    pub settlement: Option<Retry>,
}

/// The fills of a placed order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "FillsRepr", into = "FillsRepr")]
pub struct Fills {
    /// Sorted by trade id; at most `qty` entries since every fill is ≥ 1 lot.
    records: FillList,
    /// Sum of `records[..].qty`.
    filled: Lots,
}

/// Fill records, the first one inline: most orders fill once, and a first fill
/// then allocates nothing (with a million live sagas, one allocation per
/// first fill was a page fault in 1.5 % of fill steps as the heap grew).
/// Never `Many` with fewer than two records, so equal lists compare equal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum FillList {
    #[default]
    Empty,
    One(FillRecord),
    Many(Vec<FillRecord>),
}

impl FillList {
    fn as_slice(&self) -> &[FillRecord] {
        match self {
            FillList::Empty => &[],
            FillList::One(r) => std::slice::from_ref(r),
            FillList::Many(v) => v,
        }
    }

    fn as_mut_slice(&mut self) -> &mut [FillRecord] {
        match self {
            FillList::Empty => &mut [],
            FillList::One(r) => std::slice::from_mut(r),
            FillList::Many(v) => v,
        }
    }

    fn len(&self) -> usize {
        self.as_slice().len()
    }

    fn is_empty(&self) -> bool {
        matches!(self, FillList::Empty)
    }

    /// Inserts at `at` (clamped to the length).
    fn insert(&mut self, at: usize, record: FillRecord) {
        match self {
            FillList::Empty => *self = FillList::One(record),
            FillList::One(first) => {
                // Tight at first, so a saga with two fills does not carry room for four (memory budget).
                let mut v = Vec::with_capacity(2);
                v.push(*first);
                v.insert(at.min(1), record);
                *self = FillList::Many(v);
            }
            FillList::Many(v) => {
                if v.len() < 4 {
                    v.reserve_exact(1);
                }
                v.insert(at.min(v.len()), record);
            }
        }
    }
}

impl From<Vec<FillRecord>> for FillList {
    fn from(mut v: Vec<FillRecord>) -> Self {
        match v.len() {
            0 => FillList::Empty,
            1 => v.pop().map_or(FillList::Empty, FillList::One),
            _ => FillList::Many(v),
        }
    }
}

/// The serialized form of [`Fills`], unchanged from when the records were a
/// plain vector.
#[derive(Serialize, Deserialize)]
struct FillsRepr {
    records: Vec<FillRecord>,
    filled: Lots,
}

impl From<FillsRepr> for Fills {
    fn from(r: FillsRepr) -> Self {
        Fills { records: r.records.into(), filled: r.filled }
    }
}

impl From<Fills> for FillsRepr {
    fn from(f: Fills) -> Self {
        let records = match f.records {
            FillList::Empty => Vec::new(),
            FillList::One(r) => vec![r],
            FillList::Many(v) => v,
        };
        FillsRepr { records, filled: f.filled }
    }
}

impl Fills {
    /// Lots filled so far.
    #[must_use]
    pub fn filled(&self) -> Lots {
        self.filled
    }

    /// The fills, sorted by trade id.
    #[must_use]
    pub fn records(&self) -> &[FillRecord] {
        self.records.as_slice()
    }

    fn all_settled(&self) -> bool {
        self.records().iter().all(|r| r.settlement.is_none())
    }

    /// The order's exact fees (ten-thousandths of a minor unit, as
    /// [`risk::fee_step`] counts them) over the fills that arrived before
    /// `sequence`: the running total a fill's fee is rounded on.
    fn accrued_before(&self, spec: &OrderSpec, sequence: u32) -> u128 {
        self.records()
            .iter()
            .filter(|r| r.sequence < sequence)
            .fold(0, |accrued, r| spec.fill_consumes(r, accrued).map_or(accrued, |(_, after)| after))
    }

    /// What `record` takes from the hold: the amount of its `SettleTrade`.
    fn settlement_amount(&self, spec: &OrderSpec, record: &FillRecord) -> Amount {
        let accrued = self.accrued_before(spec, record.sequence);
        // Cannot overflow: every fill is within the limit and the sum of
        // quantities is ≤ qty, whose hold at the limit was checked.
        Amount::from_minor(spec.fill_consumes(record, accrued).map_or(u128::MAX, |(amount, _)| amount))
    }

    /// What the fills took from the hold, the sum of their settlement amounts.
    fn consumed(&self, spec: &OrderSpec) -> Amount {
        let minor =
            self.records().iter().map(|r| self.settlement_amount(spec, r).minor()).fold(0_u128, u128::saturating_add);
        Amount::from_minor(minor)
    }

    fn next_deadline(&self) -> Option<Timestamp> {
        self.records().iter().filter_map(|r| r.settlement.map(|s| s.deadline)).min()
    }

    /// Most redeliveries of any settlement in flight.
    fn redeliveries(&self) -> u32 {
        self.records().iter().filter_map(|r| r.settlement.map(|s| s.delivery)).max().unwrap_or(0)
    }

    /// Validates a fill; `Ok(None)` for a duplicate, `Ok(Some(index))` for
    /// where to insert a new one.
    fn check(
        &self,
        saga: SagaId,
        spec: &OrderSpec,
        fill: &NewFill,
        qty_open: Lots,
    ) -> Result<Option<usize>, SagaError> {
        let NewFill { trade, qty, price, aggressor } = *fill;
        let records = self.records();
        match records.binary_search_by_key(&trade, |r| r.trade) {
            Ok(i) => {
                let same = records.get(i).is_some_and(|r| r.qty == qty && r.price == price && r.aggressor == aggressor);
                if same {
                    Ok(None)
                } else {
                    Err(SagaError::ConflictingFill { saga: saga.0, trade: trade.0 })
                }
            }
            Err(i) => {
                if qty.0 <= 0 {
                    return Err(SagaError::InvalidValue { field: "fill_qty_lots", value: i128::from(qty.0) });
                }
                if price.0 <= 0 {
                    return Err(SagaError::InvalidValue { field: "fill_price_ticks", value: i128::from(price.0) });
                }
                if !spec.side.within_limit(price, spec.limit_price) {
                    return Err(SagaError::PriceBeyondLimit {
                        saga: saga.0,
                        price_ticks: price.0,
                        limit_ticks: spec.limit_price.0,
                    });
                }
                if qty.0 > qty_open.0.saturating_sub(self.filled.0) {
                    return Err(SagaError::Overfill {
                        saga: saga.0,
                        filled_lots: self.filled.0,
                        extra_lots: qty.0,
                        qty_lots: qty_open.0,
                    });
                }
                Ok(Some(i))
            }
        }
    }

    /// Records a checked new fill and sends its settlement.
    #[allow(clippy::too_many_arguments)]
    fn insert(
        &mut self,
        config: &SagaConfig,
        now: Timestamp,
        saga: SagaId,
        spec: &OrderSpec,
        at: usize,
        fill: NewFill,
        out: &mut Vec<Action>,
    ) {
        let NewFill { trade, qty, price, aggressor } = fill;
        // `check` bounded the count by qty ≤ u32::MAX lots.
        let sequence = u32::try_from(self.records.len()).unwrap_or(u32::MAX);
        let settlement = Retry::first(config, now);
        let record = FillRecord { trade, qty, price, aggressor, sequence, settlement: Some(settlement) };
        send_settlement(out, saga, &record, self.settlement_amount(spec, &record), &settlement);
        self.records.insert(at, record);
        self.filled = Lots(self.filled.0.saturating_add(qty.0));
    }

    /// `Ok(true)` if the reply changed something.
    fn settled(&mut self, trade: TradeId) -> bool {
        let records = self.records.as_mut_slice();
        match records.binary_search_by_key(&trade, |r| r.trade) {
            Ok(i) => match records.get_mut(i) {
                Some(r) => r.settlement.take().is_some(),
                None => false,
            },
            Err(_) => false,
        }
    }

    fn settlement_failed(
        &mut self,
        config: &SagaConfig,
        now: Timestamp,
        saga: SagaId,
        trade: TradeId,
        failed: IdempotencyId,
    ) {
        let records = self.records.as_mut_slice();
        if let Ok(i) = records.binary_search_by_key(&trade, |r| r.trade) {
            if let Some(r) = records.get_mut(i) {
                if let Some(s) = r.settlement.as_mut() {
                    let current = IdempotencyId::derive(saga, Step::SettleTrade, r.sequence, s.attempt);
                    if current == failed && s.attempt < ATTEMPT_MAX {
                        // Definitively no effect: a new attempt, sent at the deadline.
                        s.attempt += 1;
                        s.delivery = 0;
                        s.deadline = config.deadline(now, 0);
                    }
                }
            }
        }
    }

    /// Redelivers every settlement whose deadline passed.
    fn redeliver_due(
        &mut self,
        config: &SagaConfig,
        now: Timestamp,
        saga: SagaId,
        spec: &OrderSpec,
        out: &mut Vec<Action>,
    ) {
        for i in 0..self.records.len() {
            let Some(record) = self.records.as_slice().get(i).copied() else { continue };
            let Some(s) = record.settlement.filter(|s| s.due(now)) else { continue };
            let next = s.redelivered(config, now);
            send_settlement(out, saga, &record, self.settlement_amount(spec, &record), &next);
            if let Some(r) = self.records.as_mut_slice().get_mut(i) {
                r.settlement = Some(next);
            }
        }
    }
}

/// A fill the engine reports, before it is checked and recorded.
#[derive(Debug, Clone, Copy)]
struct NewFill {
    trade: TradeId,
    qty: Lots,
    price: Ticks,
    aggressor: Side,
}

fn send_settlement(out: &mut Vec<Action>, saga: SagaId, record: &FillRecord, amount: Amount, retry: &Retry) {
    send(
        out,
        saga,
        Step::SettleTrade,
        record.sequence,
        retry,
        CommandKind::SettleTrade {
            hold: hold_id(saga),
            trade: record.trade,
            qty: record.qty,
            price: record.price,
            amount,
        },
    );
}

/// How the order stopped working, once the engine said so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// Why.
    pub reason: CloseReason,
    /// Unfilled quantity at closure.
    pub remaining: Lots,
}

/// Where an order saga is. Each variant holds only what is valid in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderState {
    /// Created, nothing sent yet.
    Requested,
    /// `ReserveFunds` sent; no compensation registered yet (but the hold id is
    /// client-assigned, so it can be voided if the reply never comes).
    ReservingFunds {
        /// The reservation in flight.
        retry: Retry,
    },
    /// Funds held (compensation registered: release); `PlaceOrder` sent.
    PlacingOrder {
        /// The placement in flight.
        retry: Retry,
    },
    /// The engine accepted the order; nothing filled yet.
    /// Compensations registered: cancel order, then release funds.
    Working,
    /// Some lots filled; their settlements are in flight or done.
    PartiallyFilled {
        /// Fills so far.
        fills: Fills,
    },
    /// Compensating: `CancelOrder` sent, waiting for the closure.
    Cancelling {
        /// Why the saga cancels.
        reason: CloseReason,
        /// Fills so far (more may still arrive).
        fills: Fills,
        /// The cancellation in flight (redelivered until acknowledged).
        retry: Retry,
    },
    /// The order is closed; waiting for missing fills and for every settlement.
    Settling {
        /// How it closed.
        closure: Closure,
        /// Fills so far.
        fills: Fills,
        /// When to ask the engine to re-send missing fills.
        query: Retry,
    },
    /// Compensating: `ReleaseFunds` sent, waiting for the ledger.
    Releasing {
        /// How the saga will end.
        outcome: OrderOutcome,
        /// The release in flight (redelivered until acknowledged).
        retry: Retry,
    },
    /// Terminal: fully filled, every trade settled, the rest released.
    Settled {
        /// Result.
        outcome: OrderOutcome,
    },
    /// Terminal: rejected, cancelled or expired; trades settled, funds released.
    Compensated {
        /// Result.
        outcome: OrderOutcome,
    },
}

impl OrderState {
    /// Stable name, used in errors and docs.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::ReservingFunds { .. } => "reserving_funds",
            Self::PlacingOrder { .. } => "placing_order",
            Self::Working => "working",
            Self::PartiallyFilled { .. } => "partially_filled",
            Self::Cancelling { .. } => "cancelling",
            Self::Settling { .. } => "settling",
            Self::Releasing { .. } => "releasing",
            Self::Settled { .. } => "settled",
            Self::Compensated { .. } => "compensated",
        }
    }
}

/// What an order saga reacts to: replies, engine events and timer firings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderInput {
    /// Begin: send the reservation.
    Start,
    /// Ledger: the hold exists.
    FundsReserved {
        /// Which hold.
        hold: HoldId,
    },
    /// Ledger: the hold was refused (no effect).
    FundsReservationFailed {
        /// Which hold.
        hold: HoldId,
        /// Ledger reason code.
        reason_code: u16,
    },
    /// Engine: the order rests or is matching.
    OrderAccepted {
        /// Which order.
        order: ClientOrderId,
    },
    /// Engine: the order was rejected with the engine's `Rejected` event (no effect).
    OrderRejected {
        /// Which order.
        order: ClientOrderId,
        /// The engine's reason.
        reason: RejectReason,
    },
    /// Engine: the placement was refused as a command, with no event and no
    /// effect: a typed command error (unknown instrument, off-tick price, ...)
    /// or, answering a `PlaceOrder` or `CancelOrder`, an order id that was
    /// cancelled before it was ever placed. Same effect as `OrderRejected`.
    OrderRefused {
        /// Which order.
        order: ClientOrderId,
        /// The host's code for the refusal.
        reason_code: u16,
    },
    /// Engine: a trade.
    Fill {
        /// Which order.
        order: ClientOrderId,
        /// Trade id, unique per trade.
        trade: TradeId,
        /// Traded quantity.
        qty: Lots,
        /// Trade price.
        price: Ticks,
        /// The side that took liquidity, the engine trade's `aggressor`: it
        /// decides the fill's fee rate (taker if it is this order's side).
        aggressor: Side,
    },
    /// Engine: the order was cancelled with `remaining` lots unfilled.
    OrderCancelled {
        /// Which order.
        order: ClientOrderId,
        /// Unfilled lots.
        remaining: Lots,
    },
    /// Engine: the order expired with `remaining` lots unfilled.
    OrderExpired {
        /// Which order.
        order: ClientOrderId,
        /// Unfilled lots.
        remaining: Lots,
    },
    /// Ledger: the trade was settled.
    TradeSettled {
        /// Which trade.
        trade: TradeId,
    },
    /// Ledger: the settlement was refused with no effect.
    SettlementFailed {
        /// Which trade.
        trade: TradeId,
        /// Idempotency id of the refused command (stale replies are ignored).
        idempotency_id: IdempotencyId,
    },
    /// Ledger: the hold was voided.
    FundsReleased {
        /// Which hold.
        hold: HoldId,
    },
    /// A deadline may have passed.
    Timer,
}

impl OrderInput {
    const fn name(&self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::FundsReserved { .. } => "funds_reserved",
            Self::FundsReservationFailed { .. } => "funds_reservation_failed",
            Self::OrderAccepted { .. } => "order_accepted",
            Self::OrderRejected { .. } => "order_rejected",
            Self::OrderRefused { .. } => "order_refused",
            Self::Fill { .. } => "fill",
            Self::OrderCancelled { .. } => "order_cancelled",
            Self::OrderExpired { .. } => "order_expired",
            Self::TradeSettled { .. } => "trade_settled",
            Self::SettlementFailed { .. } => "settlement_failed",
            Self::FundsReleased { .. } => "funds_released",
            Self::Timer => "timer",
        }
    }
}

/// Hold id of a saga: the idempotency id of its (only) reservation.
#[must_use]
pub fn hold_id(saga: SagaId) -> HoldId {
    HoldId(IdempotencyId::derive(saga, Step::ReserveFunds, 0, 0).0)
}

/// Client order id of a saga, the engine's [`ClientOrderId`]: the idempotency id
/// of the saga's (only) `PlaceOrder` command as 32 lowercase hex digits, most
/// significant first, i.e. `format!("{:032x}", IdempotencyId::derive(saga,
/// Step::PlaceOrder, 0, 0).0)`: saga 1 places `00000000000000010200000000000000`.
/// A host sends it to the engine or Broker as it is; being derived, it lets a
/// compensation cancel an order whose acceptance reply was lost.
#[must_use]
pub fn order_id(saga: SagaId) -> ClientOrderId {
    let id = IdempotencyId::derive(saga, Step::PlaceOrder, 0, 0).0;
    let mut digits = [0_u8; 32];
    for (i, digit) in digits.iter_mut().enumerate() {
        // Masked to 4 bits, so the cast is exact.
        let nibble = ((id >> (124 - 4 * i)) & 0xf) as u8;
        *digit = if nibble < 10 { b'0' + nibble } else { b'a' + nibble - 10 };
    }
    match std::str::from_utf8(&digits).ok().and_then(|s| ClientOrderId::new(s).ok()) {
        Some(order) => order,
        // 32 printable ASCII bytes always make a client order id (at most 36);
        // `order_id_is_32_lowercase_hex_digits_of_the_placement_id` checks it.
        None => unreachable!("32 hex digits are a valid client order id"),
    }
}

/// One order's journey through the ledger and the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSaga {
    id: SagaId,
    spec: OrderSpec,
    state: OrderState,
}

const _: () = assert!(std::mem::size_of::<OrderSaga>() <= 512);

impl OrderSaga {
    /// A saga in `Requested`; call `advance(.., OrderInput::Start, ..)` to begin.
    ///
    /// # Errors
    /// See [`OrderSpec::validate`].
    pub fn new(id: SagaId, spec: OrderSpec) -> Result<Self, SagaError> {
        spec.validate()?;
        Ok(Self { id, spec, state: OrderState::Requested })
    }

    /// Correlation id.
    #[must_use]
    pub fn id(&self) -> SagaId {
        self.id
    }

    /// What was asked.
    #[must_use]
    pub fn spec(&self) -> &OrderSpec {
        &self.spec
    }

    /// Where the saga is.
    #[must_use]
    pub fn state(&self) -> &OrderState {
        &self.state
    }

    /// The hold this saga reserves (client-assigned).
    #[must_use]
    pub fn hold(&self) -> HoldId {
        hold_id(self.id)
    }

    /// The order this saga places (client-assigned).
    #[must_use]
    pub fn order(&self) -> ClientOrderId {
        order_id(self.id)
    }

    /// `true` in `Settled` and `Compensated`.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        matches!(self.state, OrderState::Settled { .. } | OrderState::Compensated { .. })
    }

    /// When the saga next needs a `Timer` input; `None` when not waiting on time
    /// (`Requested` and terminal states).
    #[must_use]
    pub fn next_deadline(&self) -> Option<Timestamp> {
        match &self.state {
            OrderState::Requested | OrderState::Settled { .. } | OrderState::Compensated { .. } => None,
            OrderState::ReservingFunds { retry }
            | OrderState::PlacingOrder { retry }
            | OrderState::Cancelling { retry, .. }
            | OrderState::Releasing { retry, .. } => Some(retry.deadline),
            OrderState::Working => Some(self.spec.good_till),
            OrderState::PartiallyFilled { fills } => {
                Some(fills.next_deadline().map_or(self.spec.good_till, |d| d.min(self.spec.good_till)))
            }
            OrderState::Settling { closure, fills, query } => {
                let missing = fills.filled.0 < self.spec.qty.0.saturating_sub(closure.remaining.0);
                let settle = fills.next_deadline();
                match (missing, settle) {
                    (true, Some(d)) => Some(d.min(query.deadline)),
                    (true, None) => Some(query.deadline),
                    (false, d) => d,
                }
            }
        }
    }

    /// Most redeliveries (0 = first delivery) of any command this saga waits on.
    #[must_use]
    pub fn redeliveries(&self) -> u32 {
        match &self.state {
            OrderState::Requested
            | OrderState::Working
            | OrderState::Settled { .. }
            | OrderState::Compensated { .. } => 0,
            OrderState::ReservingFunds { retry }
            | OrderState::PlacingOrder { retry }
            | OrderState::Releasing { retry, .. } => retry.delivery,
            OrderState::PartiallyFilled { fills } => fills.redeliveries(),
            OrderState::Cancelling { fills, retry, .. } => fills.redeliveries().max(retry.delivery),
            OrderState::Settling { fills, query, .. } => fills.redeliveries().max(query.delivery),
        }
    }

    /// Feeds one input; pushes the resulting actions onto `out`.
    ///
    /// Duplicate and late replies (a second `FundsReserved`, a fill whose trade
    /// id was seen, a settlement reply for a settled trade) are acknowledged
    /// with `Ok(())` and no action.
    ///
    /// # Errors
    /// [`SagaError::Finished`] in a terminal state; [`SagaError::UnexpectedInput`],
    /// [`SagaError::ForeignReference`], [`SagaError::ConflictingFill`],
    /// [`SagaError::Overfill`], [`SagaError::PriceBeyondLimit`],
    /// [`SagaError::InvalidValue`] for inputs that contradict the saga. On
    /// error the saga is unchanged and nothing is pushed.
    pub fn advance(
        &mut self,
        config: &SagaConfig,
        now: Timestamp,
        input: OrderInput,
        out: &mut Vec<Action>,
    ) -> Result<(), SagaError> {
        let id = self.id;
        atomic_step(self, id, out, Self::next_deadline, |s, out| s.step(config, now, input, out))
    }

    fn unexpected(&self, input: &OrderInput) -> SagaError {
        SagaError::UnexpectedInput { saga: self.id.0, input: input.name(), state: self.state.name() }
    }

    fn check_hold(&self, hold: HoldId) -> Result<(), SagaError> {
        if hold == self.hold() {
            Ok(())
        } else {
            Err(SagaError::ForeignReference { saga: self.id.0, reference: hold.0 })
        }
    }

    fn check_order(&self, order: ClientOrderId) -> Result<(), SagaError> {
        if order == self.order() {
            Ok(())
        } else {
            Err(SagaError::ForeignOrder { saga: self.id.0, order })
        }
    }

    /// Validates references shared by all states before any state logic runs.
    fn check_references(&self, input: &OrderInput) -> Result<(), SagaError> {
        match *input {
            OrderInput::FundsReserved { hold }
            | OrderInput::FundsReservationFailed { hold, .. }
            | OrderInput::FundsReleased { hold } => self.check_hold(hold),
            OrderInput::OrderAccepted { order }
            | OrderInput::OrderRejected { order, .. }
            | OrderInput::OrderRefused { order, .. }
            | OrderInput::Fill { order, .. }
            | OrderInput::OrderCancelled { order, .. }
            | OrderInput::OrderExpired { order, .. } => self.check_order(order),
            OrderInput::SettlementFailed { idempotency_id, .. } => {
                if idempotency_id.saga() == self.id {
                    Ok(())
                } else {
                    Err(SagaError::ForeignReference { saga: self.id.0, reference: idempotency_id.0 })
                }
            }
            OrderInput::Start | OrderInput::TradeSettled { .. } | OrderInput::Timer => Ok(()),
        }
    }

    fn send_reserve(&self, retry: &Retry, out: &mut Vec<Action>) {
        send(
            out,
            self.id,
            Step::ReserveFunds,
            0,
            retry,
            CommandKind::ReserveFunds {
                hold: self.hold(),
                account: self.spec.account,
                // Validated in `new`; a snapshot edited by hand reserves the impossible.
                amount: self.spec.hold_amount().unwrap_or(Amount::MAX),
            },
        );
    }

    fn send_place(&self, retry: &Retry, out: &mut Vec<Action>) {
        send(
            out,
            self.id,
            Step::PlaceOrder,
            0,
            retry,
            CommandKind::PlaceOrder {
                order: self.order(),
                account: self.spec.account,
                instrument: self.spec.instrument,
                side: self.spec.side,
                qty: self.spec.qty,
                limit_price: self.spec.limit_price,
            },
        );
    }

    fn send_cancel(&self, retry: &Retry, out: &mut Vec<Action>) {
        send(out, self.id, Step::CancelOrder, 0, retry, CommandKind::CancelOrder { order: self.order() });
    }

    fn send_release(&self, retry: &Retry, out: &mut Vec<Action>) {
        send(
            out,
            self.id,
            Step::ReleaseFunds,
            0,
            retry,
            CommandKind::ReleaseFunds { hold: self.hold(), account: self.spec.account },
        );
    }

    fn send_query(&self, retry: &Retry, out: &mut Vec<Action>) {
        send(out, self.id, Step::QueryOrder, 0, retry, CommandKind::QueryOrder { order: self.order() });
    }

    /// Enters `Releasing`: the last compensation, always after the order is
    /// closed and its trades settled.
    fn release(&mut self, config: &SagaConfig, now: Timestamp, outcome: OrderOutcome, out: &mut Vec<Action>) {
        let retry = Retry::first(config, now);
        self.send_release(&retry, out);
        self.state = OrderState::Releasing { outcome, retry };
    }

    /// Enters `Cancelling` with the fills known so far.
    fn cancel(
        &mut self,
        config: &SagaConfig,
        now: Timestamp,
        reason: CloseReason,
        fills: Fills,
        out: &mut Vec<Action>,
    ) {
        let retry = Retry::first(config, now);
        self.send_cancel(&retry, out);
        self.state = OrderState::Cancelling { reason, fills, retry };
    }

    /// Enters `Settling` (or straight on to `Releasing` when nothing is missing).
    fn close(&mut self, config: &SagaConfig, now: Timestamp, closure: Closure, fills: Fills, out: &mut Vec<Action>) {
        // Nothing left unfilled means filled, however the saga learned of it
        // (e.g. a cancel answered after the last fill whose event was lost).
        let closure = if closure.remaining.0 == 0 {
            Closure { reason: CloseReason::Filled, remaining: closure.remaining }
        } else {
            closure
        };
        self.state = OrderState::Settling { closure, fills, query: Retry::first(config, now) };
        self.release_if_settled(config, now, out);
    }

    fn release_if_settled(&mut self, config: &SagaConfig, now: Timestamp, out: &mut Vec<Action>) {
        let outcome = match &self.state {
            OrderState::Settling { closure, fills, .. }
                if fills.filled.0 == self.spec.qty.0.saturating_sub(closure.remaining.0) && fills.all_settled() =>
            {
                OrderOutcome::Closed {
                    reason: closure.reason,
                    filled: fills.filled,
                    consumed: fills.consumed(&self.spec),
                }
            }
            _ => return,
        };
        self.release(config, now, outcome, out);
    }

    /// Checks a closure against the fills: `filled + remaining ≤ qty`.
    fn check_closure(&self, filled: Lots, remaining: Lots) -> Result<(), SagaError> {
        if remaining.0 < 0 {
            return Err(SagaError::InvalidValue { field: "remaining_lots", value: i128::from(remaining.0) });
        }
        if filled.0.saturating_add(remaining.0) > self.spec.qty.0 {
            return Err(SagaError::Overfill {
                saga: self.id.0,
                filled_lots: filled.0,
                extra_lots: remaining.0,
                qty_lots: self.spec.qty.0,
            });
        }
        Ok(())
    }

    #[allow(clippy::too_many_lines)]
    fn step(
        &mut self,
        config: &SagaConfig,
        now: Timestamp,
        input: OrderInput,
        out: &mut Vec<Action>,
    ) -> Result<(), SagaError> {
        if self.is_finished() {
            return Err(SagaError::Finished { saga: self.id.0, state: self.state.name() });
        }
        self.check_references(&input)?;
        let id = self.id;
        let spec = self.spec;
        // Each arm validates first and mutates after.
        match (&mut self.state, input) {
            (OrderState::Requested, OrderInput::Start) => {
                let retry = Retry::first(config, now);
                self.send_reserve(&retry, out);
                self.state = OrderState::ReservingFunds { retry };
            }
            (OrderState::Requested, _) => return Err(self.unexpected(&input)),
            (_, OrderInput::Start) => {} // duplicate start

            // ---- reserving funds -------------------------------------------------
            (OrderState::ReservingFunds { .. }, OrderInput::FundsReserved { .. }) => {
                let retry = Retry::first(config, now);
                self.send_place(&retry, out);
                self.state = OrderState::PlacingOrder { retry };
            }
            (OrderState::ReservingFunds { .. }, OrderInput::FundsReservationFailed { reason_code, .. }) => {
                let outcome = OrderOutcome::Rejected { reason: NotPlacedReason::Funds { code: reason_code } };
                self.state = OrderState::Compensated { outcome };
                out.push(Action::Complete { saga: id, outcome: Outcome::Order(outcome) });
            }
            (OrderState::ReservingFunds { retry }, OrderInput::Timer) => {
                if retry.due(now) {
                    if retry.delivery.saturating_add(1) < config.forward_deliveries_max {
                        let next = retry.redelivered(config, now);
                        *retry = next;
                        self.send_reserve(&next, out);
                    } else {
                        // In doubt: void the client-assigned hold; the ledger
                        // refuses the reservation if it arrives later.
                        let outcome = OrderOutcome::Rejected { reason: NotPlacedReason::ReservationTimedOut };
                        self.release(config, now, outcome, out);
                    }
                }
            }
            (OrderState::ReservingFunds { .. }, _) => return Err(self.unexpected(&input)),

            // ---- placing the order -----------------------------------------------
            (OrderState::PlacingOrder { .. }, OrderInput::FundsReserved { .. }) => {} // duplicate
            (OrderState::PlacingOrder { .. }, OrderInput::OrderAccepted { .. }) => {
                self.state = OrderState::Working;
            }
            (OrderState::PlacingOrder { .. }, OrderInput::OrderRejected { reason, .. }) => {
                let outcome = OrderOutcome::Rejected { reason: NotPlacedReason::Engine { reason } };
                self.release(config, now, outcome, out);
            }
            (OrderState::PlacingOrder { .. }, OrderInput::OrderRefused { reason_code, .. }) => {
                let outcome = OrderOutcome::Rejected { reason: NotPlacedReason::EngineRefused { code: reason_code } };
                self.release(config, now, outcome, out);
            }
            (OrderState::PlacingOrder { .. }, OrderInput::Fill { trade, qty, price, aggressor, .. }) => {
                // The acceptance is implied (it was lost or reordered).
                let mut fills = Fills::default();
                let at = fills.check(id, &spec, &NewFill { trade, qty, price, aggressor }, spec.qty)?;
                if let Some(at) = at {
                    fills.insert(config, now, id, &spec, at, NewFill { trade, qty, price, aggressor }, out);
                }
                self.after_fill(config, now, fills, out);
            }
            (
                OrderState::PlacingOrder { .. },
                OrderInput::OrderCancelled { remaining, .. } | OrderInput::OrderExpired { remaining, .. },
            ) => {
                let fills = Fills::default();
                self.check_closure(fills.filled, remaining)?;
                let reason = if matches!(input, OrderInput::OrderExpired { .. }) {
                    CloseReason::ExpiredByEngine
                } else {
                    CloseReason::CancelledByEngine
                };
                self.close(config, now, Closure { reason, remaining }, fills, out);
            }
            (OrderState::PlacingOrder { retry }, OrderInput::Timer) => {
                if retry.due(now) {
                    if retry.delivery.saturating_add(1) < config.forward_deliveries_max {
                        let next = retry.redelivered(config, now);
                        *retry = next;
                        self.send_place(&next, out);
                    } else {
                        // In doubt: cancel the client-assigned order first,
                        // then (after its closure) release the funds.
                        self.cancel(config, now, CloseReason::PlacementTimedOut, Fills::default(), out);
                    }
                }
            }
            (OrderState::PlacingOrder { .. }, _) => return Err(self.unexpected(&input)),

            // ---- working / partially filled ----------------------------------------
            (
                OrderState::Working | OrderState::PartiallyFilled { .. },
                OrderInput::FundsReserved { .. } | OrderInput::OrderAccepted { .. },
            ) => {} // duplicates
            (OrderState::Working, OrderInput::Fill { trade, qty, price, aggressor, .. }) => {
                let mut fills = Fills::default();
                let at = fills.check(id, &spec, &NewFill { trade, qty, price, aggressor }, spec.qty)?;
                if let Some(at) = at {
                    fills.insert(config, now, id, &spec, at, NewFill { trade, qty, price, aggressor }, out);
                }
                self.after_fill(config, now, fills, out);
            }
            (OrderState::PartiallyFilled { fills }, OrderInput::Fill { trade, qty, price, aggressor, .. }) => {
                if let Some(at) = fills.check(id, &spec, &NewFill { trade, qty, price, aggressor }, spec.qty)? {
                    fills.insert(config, now, id, &spec, at, NewFill { trade, qty, price, aggressor }, out);
                    let fills = std::mem::take(fills);
                    self.after_fill(config, now, fills, out);
                }
            }
            (
                OrderState::Working | OrderState::PartiallyFilled { .. },
                OrderInput::OrderCancelled { remaining, .. } | OrderInput::OrderExpired { remaining, .. },
            ) => {
                let filled = match &self.state {
                    OrderState::PartiallyFilled { fills } => fills.filled,
                    _ => Lots(0),
                };
                self.check_closure(filled, remaining)?;
                let fills = match &mut self.state {
                    OrderState::PartiallyFilled { fills } => std::mem::take(fills),
                    _ => Fills::default(),
                };
                let reason = if matches!(input, OrderInput::OrderExpired { .. }) {
                    CloseReason::ExpiredByEngine
                } else {
                    CloseReason::CancelledByEngine
                };
                self.close(config, now, Closure { reason, remaining }, fills, out);
            }
            (OrderState::PartiallyFilled { fills }, OrderInput::TradeSettled { trade }) => {
                fills.settled(trade);
            }
            (OrderState::PartiallyFilled { fills }, OrderInput::SettlementFailed { trade, idempotency_id }) => {
                fills.settlement_failed(config, now, id, trade, idempotency_id)
            }
            (OrderState::Working, OrderInput::Timer) => {
                if now >= spec.good_till {
                    self.cancel(config, now, CloseReason::GoodTillReached, Fills::default(), out);
                }
            }
            (OrderState::PartiallyFilled { fills }, OrderInput::Timer) => {
                fills.redeliver_due(config, now, id, &spec, out);
                if now >= spec.good_till {
                    let fills = std::mem::take(fills);
                    self.cancel(config, now, CloseReason::GoodTillReached, fills, out);
                }
            }
            (OrderState::Working | OrderState::PartiallyFilled { .. }, _) => return Err(self.unexpected(&input)),

            // ---- cancelling (compensation) ----------------------------------------
            (OrderState::Cancelling { .. }, OrderInput::FundsReserved { .. } | OrderInput::OrderAccepted { .. }) => {}
            (OrderState::Cancelling { fills, .. }, OrderInput::Fill { trade, qty, price, aggressor, .. }) => {
                if let Some(at) = fills.check(id, &spec, &NewFill { trade, qty, price, aggressor }, spec.qty)? {
                    fills.insert(config, now, id, &spec, at, NewFill { trade, qty, price, aggressor }, out);
                }
            }
            (
                OrderState::Cancelling { fills, reason, .. },
                OrderInput::OrderRejected { .. } | OrderInput::OrderRefused { .. },
            ) => {
                // The placement never took effect: nothing to wait for.
                if !fills.records.is_empty() {
                    return Err(self.unexpected(&input));
                }
                let closure = Closure { reason: *reason, remaining: spec.qty };
                let fills = std::mem::take(fills);
                self.close(config, now, closure, fills, out);
            }
            (
                OrderState::Cancelling { fills, reason, .. },
                OrderInput::OrderCancelled { remaining, .. } | OrderInput::OrderExpired { remaining, .. },
            ) => {
                let reason = *reason;
                let filled = fills.filled;
                self.check_closure(filled, remaining)?;
                let fills = match &mut self.state {
                    OrderState::Cancelling { fills, .. } => std::mem::take(fills),
                    _ => Fills::default(),
                };
                self.close(config, now, Closure { reason, remaining }, fills, out);
            }
            (OrderState::Cancelling { fills, .. }, OrderInput::TradeSettled { trade }) => {
                fills.settled(trade);
            }
            (OrderState::Cancelling { fills, .. }, OrderInput::SettlementFailed { trade, idempotency_id }) => {
                fills.settlement_failed(config, now, id, trade, idempotency_id)
            }
            (OrderState::Cancelling { fills, retry, .. }, OrderInput::Timer) => {
                fills.redeliver_due(config, now, id, &spec, out);
                if retry.due(now) {
                    let next = retry.redelivered(config, now);
                    *retry = next;
                    self.send_cancel(&next, out);
                }
            }
            (OrderState::Cancelling { .. }, _) => return Err(self.unexpected(&input)),

            // ---- settling ----------------------------------------------------------
            (
                OrderState::Settling { .. },
                OrderInput::FundsReserved { .. }
                | OrderInput::OrderAccepted { .. }
                | OrderInput::OrderRejected { .. }
                | OrderInput::OrderRefused { .. },
            ) => {}
            (OrderState::Settling { fills, closure, .. }, OrderInput::Fill { trade, qty, price, aggressor, .. }) => {
                let qty_open = Lots(spec.qty.0.saturating_sub(closure.remaining.0));
                if let Some(at) = fills.check(id, &spec, &NewFill { trade, qty, price, aggressor }, qty_open)? {
                    fills.insert(config, now, id, &spec, at, NewFill { trade, qty, price, aggressor }, out);
                }
            }
            (
                OrderState::Settling { closure, .. },
                OrderInput::OrderCancelled { remaining, .. } | OrderInput::OrderExpired { remaining, .. },
            ) => {
                if remaining != closure.remaining {
                    return Err(self.unexpected(&input));
                }
            }
            (OrderState::Settling { fills, .. }, OrderInput::TradeSettled { trade }) => {
                fills.settled(trade);
                self.release_if_settled(config, now, out);
            }
            (OrderState::Settling { fills, .. }, OrderInput::SettlementFailed { trade, idempotency_id }) => {
                fills.settlement_failed(config, now, id, trade, idempotency_id)
            }
            (OrderState::Settling { fills, closure, query }, OrderInput::Timer) => {
                fills.redeliver_due(config, now, id, &spec, out);
                let missing = fills.filled.0 < spec.qty.0.saturating_sub(closure.remaining.0);
                if missing && query.due(now) {
                    let next = query.redelivered(config, now);
                    *query = next;
                    self.send_query(&next, out);
                }
            }
            (OrderState::Settling { .. }, _) => return Err(self.unexpected(&input)),

            // ---- releasing (compensation) ------------------------------------------
            (OrderState::Releasing { outcome, .. }, OrderInput::FundsReleased { .. }) => {
                let outcome = *outcome;
                self.state = match outcome {
                    OrderOutcome::Closed { reason: CloseReason::Filled, .. } => OrderState::Settled { outcome },
                    _ => OrderState::Compensated { outcome },
                };
                out.push(Action::Complete { saga: id, outcome: Outcome::Order(outcome) });
            }
            (OrderState::Releasing { retry, .. }, OrderInput::Timer) => {
                if retry.due(now) {
                    let next = retry.redelivered(config, now);
                    *retry = next;
                    self.send_release(&next, out);
                }
            }
            // Everything before the release is finished business: late replies,
            // duplicated fills and closures are acknowledged without action.
            (OrderState::Releasing { .. }, _) => {}

            (OrderState::Settled { .. } | OrderState::Compensated { .. }, _) => {
                return Err(SagaError::Finished { saga: id.0, state: self.state.name() })
            }
        }
        Ok(())
    }

    /// After a new fill in `Working`/`PlacingOrder`/`PartiallyFilled`.
    fn after_fill(&mut self, config: &SagaConfig, now: Timestamp, fills: Fills, out: &mut Vec<Action>) {
        if fills.filled == self.spec.qty {
            let closure = Closure { reason: CloseReason::Filled, remaining: Lots(0) };
            self.close(config, now, closure, fills, out);
        } else if fills.records.is_empty() {
            self.state = OrderState::Working;
        } else {
            self.state = OrderState::PartiallyFilled { fills };
        }
    }
}

#[cfg(test)]
mod fill_list_tests {
    use super::*;

    fn record(trade: u64) -> FillRecord {
        FillRecord {
            trade: TradeId(trade),
            qty: Lots(1),
            price: Ticks(10),
            aggressor: Side::Buy,
            sequence: 0,
            settlement: None,
        }
    }

    #[test]
    fn fills_serialize_as_a_plain_record_vector_whatever_their_storage() {
        for n in 0..4u64 {
            let mut fills = Fills::default();
            // Inserted newest first, so every insert after the first goes to the front.
            for t in (0..n).rev() {
                fills.records.insert(0, record(t));
                fills.filled = Lots(fills.filled.0 + 1);
            }
            let expected: Vec<FillRecord> = (0..n).map(record).collect();
            assert_eq!(fills.records(), expected.as_slice());
            let json = serde_json::to_value(&fills).unwrap();
            let plain = serde_json::json!({ "records": expected, "filled": Lots(n as i64) });
            assert_eq!(json, plain);
            let back: Fills = serde_json::from_value(json).unwrap();
            assert_eq!(back, fills);
        }
    }
}
