//! The hold behind each live order, and how a fill settles against it.

use brokerx_ledger::{AccountKey, Amount, Transfer, TransferId};
use serde::{Deserialize, Serialize};

use super::accounts::{ORDER_HOLD, TRADE_SETTLEMENT};
use super::event::PostingKind;
use super::{Broker, Out};
use crate::risk::InstrumentRisk;
use crate::types::{AccountId, InstrumentId, Lots, Side, Ticks, TradeId};

/// The hold behind one live order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct OrderFunds {
    pub(super) account: AccountId,
    pub(super) instrument: InstrumentId,
    pub(super) side: Side,
    pub(super) hold_id: TransferId,
    pub(super) hold: u128,
    /// Price the hold was sized at (buys).
    pub(super) hold_price: Ticks,
    pub(super) remaining: Lots,
    /// The market's fee rates when the order was accepted. The order pays these
    /// for its whole life, amends included: its hold was sized for them, and a
    /// raise charged to a resting buy would overdraw it.
    pub(super) fees: OrderFees,
    /// The order's exact fees so far, in ten-thousandths of a quote minor unit:
    /// fees are rounded once on this running total ([`risk::fee_step`]).
    pub(super) fee_accrued: u128,
    /// What the hold is for, where it sizes differently from a plain order's.
    #[serde(default)]
    pub(super) kind: HoldKind,
}

/// What an order's hold is for. A waiting stop-limit is held at its limit; a
/// stop-market enters the engine as an IOC stop-limit at its protection price
/// (the collar around its trigger), so its trades never cost more than its
/// hold. A by-amount buy holds at most its amount plus the fee on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(super) enum HoldKind {
    /// A limit or market order, or a stop that has triggered.
    #[default]
    Order,
    StopLimit,
    /// Its engine limit is the Broker's protection price, not the client's.
    StopMarket,
    /// Spends at most its amount: what is left of the hold after a fill covers
    /// the rest (the engine stops before the amount is exceeded).
    ByAmount,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct OrderFees {
    pub(super) maker_bps: u32,
    pub(super) taker_bps: u32,
}

impl OrderFees {
    pub(super) fn of(risk: &InstrumentRisk) -> Self {
        OrderFees { maker_bps: risk.maker_fee_bps, taker_bps: risk.taker_fee_bps }
    }

    /// `risk` with these rates in place of its own: what the order's hold is sized by.
    pub(super) fn applied_to(self, risk: &InstrumentRisk) -> InstrumentRisk {
        InstrumentRisk { maker_fee_bps: self.maker_bps, taker_fee_bps: self.taker_bps, ..*risk }
    }

    /// The rate for the order's side of a trade.
    pub(super) fn rate(self, is_taker: bool) -> u32 {
        if is_taker {
            self.taker_bps
        } else {
            self.maker_bps
        }
    }
}

/// One side of a fill against its order's hold: settle `pays` from it, and
/// either close it (the order is done; the rest of the hold is released) or
/// keep it pending, under the same id, at `keeps`. Keeping it is a resize to
/// `pays + keeps` when the hold is not already that, then a `post_part` of
/// `pays`: a buy's hold shrinks by more than it pays when it fills below its
/// limit or at the lower fee rate.
pub(super) struct HoldLeg {
    pub(super) hold_id: TransferId,
    pub(super) pays: u128,
    pub(super) keeps: Option<u128>,
    /// The hold's new amount when it must be resized first.
    pub(super) resize_to: Option<u128>,
    pub(super) debit: AccountKey,
    pub(super) credit: AccountKey,
}

impl HoldLeg {
    pub(super) fn new(f: &OrderFunds, pays: u128, keeps: Option<u128>, debit: AccountKey, credit: AccountKey) -> Self {
        let resize_to = keeps.map(|k| pays + k).filter(|&to| to != f.hold);
        HoldLeg { hold_id: f.hold_id, pays, keeps, resize_to, debit, credit }
    }

    /// Transfer ids for (the resize, the post), taken in batch order.
    pub(super) fn ids(&self, broker: &mut Broker) -> (Option<TransferId>, TransferId) {
        let resize = self.resize_to.map(|_| broker.next_id());
        (resize, broker.next_id())
    }

    /// Adds the leg's transfers (each names both accounts, as `on_hold` would) to the batch.
    #[inline(always)]
    pub(super) fn settle(
        &self,
        (resize_id, post_id): (Option<TransferId>, TransferId),
        data: u128,
        trade_id: TradeId,
        batch: &mut Vec<Transfer>,
        o: &mut Out<'_>,
    ) {
        let accounts = |t: Transfer| Transfer { debit_account: self.debit, credit_account: self.credit, ..t };
        if let (Some(id), Some(to)) = (resize_id, self.resize_to) {
            let resize = Transfer::resize(id, self.hold_id, Amount::from_minor(to), ORDER_HOLD);
            o.settlement(batch, accounts(resize).with_user_data(data), PostingKind::Resize, trade_id);
        }
        let code = TRADE_SETTLEMENT;
        let amount = Amount::from_minor(self.pays);
        let (post, kind) = match self.keeps {
            Some(_) => (Transfer::post_part(post_id, self.hold_id, amount, code), PostingKind::PostPart),
            None => (Transfer::post(post_id, self.hold_id, amount, code), PostingKind::Post),
        };
        o.settlement(batch, accounts(post).with_user_data(data), kind, trade_id);
    }
}
