//! The fills of a placed order: each trade recorded once, its settlement
//! sent, redelivered and acknowledged.

use serde::{Deserialize, Serialize};

use super::{hold_id, OrderSpec};
use crate::saga::{
    send, Action, Amount, CommandKind, IdempotencyId, Lots, Retry, SagaConfig, SagaError, SagaId, Side, Step, Ticks,
    Timestamp, TradeId, ATTEMPT_MAX,
};

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
    pub(super) records: FillList,
    /// Sum of `records[..].qty`.
    pub(super) filled: Lots,
}

/// Fill records, the first one inline: most orders fill once, and a first fill
/// then allocates nothing (with a million live sagas, one allocation per
/// first fill was a page fault in 1.5 % of fill steps as the heap grew).
/// Never `Many` with fewer than two records, so equal lists compare equal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) enum FillList {
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

    pub(super) fn is_empty(&self) -> bool {
        matches!(self, FillList::Empty)
    }

    /// Inserts at `at` (clamped to the length).
    pub(super) fn insert(&mut self, at: usize, record: FillRecord) {
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

    pub(super) fn all_settled(&self) -> bool {
        self.records().iter().all(|r| r.settlement.is_none())
    }

    /// The order's exact fees (ten-thousandths of a minor unit, as
    /// [`risk::fee_step`] counts them) over the fills that arrived before
    /// `sequence`: the running total a fill's fee is rounded on.
    pub(super) fn accrued_before(&self, spec: &OrderSpec, sequence: u32) -> u128 {
        self.records()
            .iter()
            .filter(|r| r.sequence < sequence)
            .fold(0, |accrued, r| spec.fill_consumes(r, accrued).map_or(accrued, |(_, after)| after))
    }

    /// What `record` takes from the hold: the amount of its `SettleTrade`.
    pub(super) fn settlement_amount(&self, spec: &OrderSpec, record: &FillRecord) -> Amount {
        let accrued = self.accrued_before(spec, record.sequence);
        // Cannot overflow: every fill is within the limit and the sum of
        // quantities is ≤ qty, whose hold at the limit was checked.
        Amount::from_minor(spec.fill_consumes(record, accrued).map_or(u128::MAX, |(amount, _)| amount))
    }

    /// What the fills took from the hold, the sum of their settlement amounts.
    pub(super) fn consumed(&self, spec: &OrderSpec) -> Amount {
        let minor =
            self.records().iter().map(|r| self.settlement_amount(spec, r).minor()).fold(0_u128, u128::saturating_add);
        Amount::from_minor(minor)
    }

    pub(super) fn next_deadline(&self) -> Option<Timestamp> {
        self.records().iter().filter_map(|r| r.settlement.map(|s| s.deadline)).min()
    }

    /// Most redeliveries of any settlement in flight.
    pub(super) fn redeliveries(&self) -> u32 {
        self.records().iter().filter_map(|r| r.settlement.map(|s| s.delivery)).max().unwrap_or(0)
    }

    /// Validates a fill; `Ok(None)` for a duplicate, `Ok(Some(index))` for
    /// where to insert a new one.
    pub(super) fn check(
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
    pub(super) fn insert(
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
    pub(super) fn settled(&mut self, trade: TradeId) -> bool {
        let records = self.records.as_mut_slice();
        match records.binary_search_by_key(&trade, |r| r.trade) {
            Ok(i) => match records.get_mut(i) {
                Some(r) => r.settlement.take().is_some(),
                None => false,
            },
            Err(_) => false,
        }
    }

    pub(super) fn settlement_failed(
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
    pub(super) fn redeliver_due(
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
pub(super) struct NewFill {
    pub(super) trade: TradeId,
    pub(super) qty: Lots,
    pub(super) price: Ticks,
    pub(super) aggressor: Side,
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
