//! Ledger submission and trade settlement.

use brokerx_ledger::{Amount, Transfer, TransferCode, TransferStatus};

use super::accounts::{system, wallet, ESCROW_OWNER, FEES_OWNER, TRADE_SETTLEMENT};
use super::event::{BrokerEventKind, Posting, PostingKind};
use super::order_funds::{HoldKind, HoldLeg, OrderFunds};
use super::{Broker, Out};
use crate::risk::{self};
use crate::types::{InstrumentId, Lots, OrderId, Side, Ticks, TradeId};

impl Broker {
    /// Submits one transfer; on success emits its posting.
    pub(super) fn submit_one(
        &mut self,
        t: Transfer,
        order_id: Option<OrderId>,
        trade_id: Option<TradeId>,
        kind: PostingKind,
        o: &mut Out<'_>,
    ) -> TransferStatus {
        let status = self.ledger.submit_one(self.now, &t).unwrap_or(TransferStatus::LinkedEventFailed);
        if status == TransferStatus::Ok {
            o.emit(BrokerEventKind::Posting(self.posting(&t, kind, order_id, trade_id)));
        }
        status
    }

    /// Submits `self.batch`, the linked chain that settles a trade: applied
    /// whole or not at all. Returns the first non-ok status, or ok; the
    /// ledger's `submit_chain` works it out without a results vector.
    pub(super) fn submit_settlement(&mut self) -> TransferStatus {
        self.ledger.submit_chain(self.now, &self.batch).unwrap_or(TransferStatus::LinkedEventFailed)
    }

    /// The posting event of a transfer the ledger just applied.
    pub(super) fn posting(
        &self,
        t: &Transfer,
        kind: PostingKind,
        order_id: Option<OrderId>,
        trade_id: Option<TradeId>,
    ) -> Posting {
        // Post, void and resize may leave the accounts to the hold; the Broker
        // names them, so the lookup is only a fallback. An applied transfer names
        // only existing accounts, whose asset is never 0, so asset 0 alone means
        // unset: half the loads and compares of `is_unset`.
        let (debit, credit) = if t.debit_account.asset.0 == 0 || t.credit_account.asset.0 == 0 {
            match self.ledger.transfer(t.id) {
                Some(rec) => (rec.transfer.debit_account, rec.transfer.credit_account),
                None => (t.debit_account, t.credit_account),
            }
        } else {
            (t.debit_account, t.credit_account)
        };
        // A void reports the amount it released.
        let amount = if t.flags.contains(brokerx_ledger::TransferFlags::VOID_PENDING) {
            self.ledger.hold_amount(t.pending_id).unwrap_or(Amount::ZERO)
        } else {
            t.amount
        };
        Posting { transfer_id: t.id, kind, code: t.code, debit, credit, amount, order_id, trade_id }
    }

    /// Names the accounts of an order's hold on a post, void or resize of it
    /// (the ledger checks they match the hold).
    pub(super) fn on_hold(&self, f: &OrderFunds, mut t: Transfer) -> Transfer {
        if let Some(m) = self.markets.get(f.instrument.0 as usize) {
            let asset = if f.side == Side::Buy { m.quote } else { m.base };
            t.debit_account = wallet(f.account, asset);
            t.credit_account = system(ESCROW_OWNER, asset);
        }
        t
    }

    /// Settles one trade as a single linked ledger batch.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn settle(
        &mut self,
        trade_id: TradeId,
        instrument: InstrumentId,
        price: Ticks,
        qty: Lots,
        aggressor: Side,
        (buyer, buyer_left): (OrderId, Lots),
        (seller, seller_left): (OrderId, Lots),
        o: &mut Out<'_>,
    ) {
        let (Some(m), Some(b), Some(s)) =
            (self.market(instrument), self.funds.get(&buyer).copied(), self.funds.get(&seller).copied())
        else {
            return o
                .emit(BrokerEventKind::SettlementFailed { trade_id, status: TransferStatus::PendingTransferNotFound });
        };
        let notional = m.scale.notional(price, qty).unwrap_or(0);
        let base = m.scale.base(qty).unwrap_or(0);
        let buyer_takes = aggressor == Side::Buy;
        let (buyer_bps, seller_bps) = (b.fees.rate(buyer_takes), s.fees.rate(!buyer_takes));
        let (buyer_fee, buyer_accrued) = risk::fee_step(b.fee_accrued, notional, buyer_bps);
        let (seller_fee, seller_accrued) = risk::fee_step(s.fee_accrued, notional, seller_bps);
        let seller_fee = seller_fee.min(notional);
        // What each order must still hold after this fill, if it stays live (a
        // by-amount buy: what is left, since it never spends past its amount).
        let buyer_keeps = (buyer_left.0 > 0).then(|| match b.kind {
            HoldKind::ByAmount => b.hold.saturating_sub(notional + buyer_fee),
            _ => {
                let risk = b.fees.applied_to(&m.risk);
                risk::buy_hold_after(&m.scale, &risk, b.hold_price, buyer_left, buyer_accrued).unwrap_or(0)
            }
        });
        let seller_keeps = (seller_left.0 > 0).then(|| m.scale.base(seller_left).unwrap_or(0));
        let buyer_pays = notional + buyer_fee;

        let escrow_q = system(ESCROW_OWNER, m.quote);
        let escrow_b = system(ESCROW_OWNER, m.base);
        let buyer_leg = HoldLeg::new(&b, buyer_pays, buyer_keeps, wallet(b.account, m.quote), escrow_q);
        let seller_leg = HoldLeg::new(&s, base, seller_keeps, wallet(s.account, m.base), escrow_b);
        // Ids in batch order, only for the transfers this fill needs: the
        // ledger indexes consecutive ids as an append, and a skipped id leaves
        // a gap it has to fill.
        let buyer_ids = buyer_leg.ids(self);
        let seller_ids = seller_leg.ids(self);
        let pay_seller = (notional > seller_fee).then(|| self.next_id());
        let deliver = self.next_id();
        let fee_id = (buyer_fee + seller_fee > 0).then(|| self.next_id());
        let code = TRADE_SETTLEMENT;
        let data = u128::from(trade_id.0);
        self.batch.clear();
        let events_len = o.events.len();
        buyer_leg.settle(buyer_ids, data, trade_id, &mut self.batch, o);
        seller_leg.settle(seller_ids, data, trade_id, &mut self.batch, o);
        if let Some(id) = pay_seller {
            o.settlement(
                &mut self.batch,
                Transfer::single(
                    id,
                    escrow_q,
                    wallet(s.account, m.quote),
                    Amount::from_minor(notional - seller_fee),
                    code,
                )
                .with_user_data(data),
                PostingKind::Single,
                trade_id,
            );
        }
        o.settlement(
            &mut self.batch,
            Transfer::single(deliver, escrow_b, wallet(b.account, m.base), Amount::from_minor(base), code)
                .with_user_data(data),
            PostingKind::Single,
            trade_id,
        );
        if let Some(id) = fee_id {
            o.settlement(
                &mut self.batch,
                Transfer::single(
                    id,
                    escrow_q,
                    system(FEES_OWNER, m.quote),
                    Amount::from_minor(buyer_fee + seller_fee),
                    TransferCode::FEE,
                )
                .with_user_data(data),
                PostingKind::Single,
                trade_id,
            );
        }
        let n = self.batch.len();
        // Two posts at least, so the batch is a linked chain: a failed chain
        // leaves no trace (a lone transfer's refusal would be remembered by its
        // id), which the wallet retry below relies on.
        debug_assert!(n >= 2, "invariant: a settlement is a linked chain");
        for t in self.batch.iter_mut().take(n - 1) {
            *t = t.linked();
        }
        let mut status = self.submit_settlement();
        if status != TransferStatus::Ok {
            // Most likely a client's first proceeds in an asset it has no wallet
            // for. A failed chain leaves no trace, so creating the wallets now and
            // settling again gives the same journal as creating them first; checking
            // only here spares every fill two account lookups.
            self.ensure_wallet(b.account, m.base);
            self.ensure_wallet(s.account, m.quote);
            status = self.submit_settlement();
        }
        if status != TransferStatus::Ok {
            debug_assert!(false, "invariant: settlement never fails ({status:?})");
            o.events.truncate(events_len);
            return o.emit(BrokerEventKind::SettlementFailed { trade_id, status });
        }
        // A live order keeps its hold (same id), now sized for what is left.
        if let (Some(h), Some(r)) = (buyer_keeps, self.funds.get_mut(&buyer)) {
            r.hold = h;
            r.remaining = buyer_left;
            r.fee_accrued = buyer_accrued;
        }
        if let (Some(h), Some(r)) = (seller_keeps, self.funds.get_mut(&seller)) {
            r.hold = h;
            r.remaining = seller_left;
            r.fee_accrued = seller_accrued;
        }
    }
}
