//! The engine against a naive reference book on random command streams: the same
//! trading events (market data aside), the same refusals, the same L2 depth, and
//! invariants after every command.
//!
//! The reference keeps every order in one `Vec` and finds the best maker by a full
//! scan (price, then arrival), so it is slow and obviously right.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use brokerx_engine::*;
use common::d;
use proptest::prelude::*;

#[derive(Clone, Debug)]
struct MOrder {
    id: u64,
    account: u64,
    side: Side,
    price: i64,
    remaining: i64,
    filled: i64,
    version: u32,
    seq: u64,
    post_only: bool,
    stp: SelfTradePrevention,
    expire_at: u64,
    client: Option<ClientOrderId>,
    /// An iceberg's display; `remaining` is then its shown slice and `hidden`
    /// the rest of its leaves.
    display: Option<i64>,
    hidden: i64,
}

impl MOrder {
    fn leaves(&self) -> i64 {
        self.remaining + self.hidden
    }
}

#[derive(Default)]
struct Model {
    orders: Vec<MOrder>,
    now: u64,
    next_id: u64,
    next_trade: u64,
    arrival: u64,
    status: Option<TradingStatus>,
}

type Out = Vec<EventKind>;
const INST: InstrumentId = InstrumentId(0);

impl Model {
    fn new() -> Self {
        Model { next_id: 1, next_trade: 1, status: Some(TradingStatus::Open), ..Model::default() }
    }

    fn live(&self, id: u64, ts: u64) -> Option<usize> {
        self.orders.iter().position(|o| o.id == id && (o.expire_at == 0 || o.expire_at > ts))
    }

    fn apply(&mut self, ts: u64, kind: &CommandKind) -> Result<Out, &'static str> {
        if ts < self.now {
            return Err("time_went_backwards");
        }
        match kind {
            CommandKind::Place(p) => self.validate_place(ts, p)?,
            CommandKind::Cancel(c) => {
                self.named(ts, c.order, c.account.0)?;
            }
            CommandKind::Amend(a) => self.validate_amend(ts, a)?,
            CommandKind::MassCancel(m) => {
                if m.account.is_none() && m.instrument.is_none() {
                    return Err("mass_cancel_needs_filter");
                }
                if m.instrument.is_some_and(|i| i != INST) {
                    return Err("unknown_instrument");
                }
            }
            CommandKind::SetTradingStatus(_) | CommandKind::ExpireDue => {}
            CommandKind::RegisterInstrument(_) => unreachable!(),
        }
        self.now = ts;
        let mut out = Vec::new();
        self.expire(ts, &mut out);
        match kind {
            CommandKind::Place(p) => self.place(p, &mut out),
            CommandKind::Cancel(c) => {
                let i = self.named(ts, c.order, c.account.0).unwrap();
                let o = self.orders.remove(i);
                out.push(cancelled(&o, o.leaves(), CancelReason::User));
            }
            CommandKind::Amend(a) => self.amend(a, &mut out),
            CommandKind::MassCancel(m) => self.cancel_all(m.account.map(|a| a.0), CancelReason::MassCancel, &mut out),
            CommandKind::SetTradingStatus(s) => {
                self.status = Some(s.status);
                out.push(EventKind::TradingStatusChanged { instrument: INST, status: s.status });
                if s.cancel_resting {
                    let r = match s.status {
                        TradingStatus::Halted => CancelReason::Halted,
                        TradingStatus::Closed => CancelReason::Closed,
                        TradingStatus::Open => CancelReason::MassCancel,
                    };
                    self.cancel_all(None, r, &mut out);
                }
            }
            _ => {}
        }
        Ok(out)
    }

    /// The live order a cancel or amend names: by id (owned by `account`), or by
    /// the account's own client order id.
    fn named(&self, ts: u64, order: OrderRef, account: u64) -> Result<usize, &'static str> {
        match order {
            OrderRef::Id(id) => self.owned(ts, id.0, account),
            OrderRef::Client(c) => self
                .orders
                .iter()
                .position(|o| o.account == account && o.client == Some(c) && (o.expire_at == 0 || o.expire_at > ts))
                .ok_or("unknown_client_order_id"),
        }
    }

    fn owned(&self, ts: u64, id: u64, account: u64) -> Result<usize, &'static str> {
        let i = self.live(id, ts).ok_or("unknown_order")?;
        if self.orders[i].account != account {
            return Err("order_not_owned");
        }
        Ok(i)
    }

    fn validate_place(&self, ts: u64, p: &Place) -> Result<(), &'static str> {
        if p.instrument != INST {
            return Err("unknown_instrument");
        }
        if p.qty.0 <= 0 {
            return Err("invalid_quantity");
        }
        let limit = match p.order_type {
            OrderType::Limit(t) | OrderType::Iceberg { limit: t, .. } if t.0 <= 0 || t.0 > 1 << 53 => {
                return Err("invalid_price")
            }
            OrderType::Limit(t) | OrderType::Iceberg { limit: t, .. } => Some(t.0),
            OrderType::Market => None,
            OrderType::MarketByAmount { .. } | OrderType::LimitByAmount { .. } => {
                return self.validate_by_amount(ts, p)
            }
            OrderType::StopMarket { .. } | OrderType::StopLimit { .. } => unreachable!("the model places no stops"),
        };
        if p.qty.0 > 1_000_000_000_000 {
            return Err("quantity_above_max");
        }
        let rests = matches!(p.time_in_force, TimeInForce::Gtc | TimeInForce::Gtd);
        if let Some(d) = p.order_type.display() {
            if d.0 <= 0 || d > p.qty {
                return Err("invalid_display");
            }
            if !rests {
                return Err("iceberg_time_in_force");
            }
        }
        if limit.is_none() && rests {
            return Err("market_order_time_in_force");
        }
        if p.post_only && !(rests && limit.is_some()) {
            return Err("post_only_time_in_force");
        }
        match (p.time_in_force, p.expire_at) {
            (TimeInForce::Gtd, None) => return Err("expire_at_required"),
            (TimeInForce::Gtd, Some(e)) if e.0 <= ts => return Err("expire_at_not_in_future"),
            (TimeInForce::Gtd, Some(_)) => {}
            (_, Some(_)) => return Err("expire_at_not_allowed"),
            _ => {}
        }
        self.validate_client_id(ts, p)
    }

    fn validate_by_amount(&self, ts: u64, p: &Place) -> Result<(), &'static str> {
        if let OrderType::LimitByAmount { limit, .. } = p.order_type {
            if limit.0 <= 0 || limit.0 > 1 << 53 {
                return Err("invalid_price");
            }
        }
        if p.order_type.amount() == Some(Notional(0)) {
            return Err("invalid_amount");
        }
        if p.qty.0 > 1_000_000_000_000 {
            return Err("quantity_above_max");
        }
        if !matches!(p.time_in_force, TimeInForce::Ioc | TimeInForce::Fok) {
            return Err("market_order_time_in_force");
        }
        if p.post_only {
            return Err("post_only_time_in_force");
        }
        if p.expire_at.is_some() {
            return Err("expire_at_not_allowed");
        }
        self.validate_client_id(ts, p)
    }

    fn validate_client_id(&self, ts: u64, p: &Place) -> Result<(), &'static str> {
        if let Some(c) = p.client_order_id {
            if self
                .orders
                .iter()
                .any(|o| o.account == p.account.0 && o.client == Some(c) && (o.expire_at == 0 || o.expire_at > ts))
            {
                return Err("duplicate_client_order_id");
            }
        }
        Ok(())
    }

    fn validate_amend(&self, ts: u64, a: &Amend) -> Result<(), &'static str> {
        let i = self.named(ts, a.order, a.account.0)?;
        let o = &self.orders[i];
        if a.expected_version.is_some_and(|v| v != o.version) {
            return Err("stale_version");
        }
        if a.new_price.is_none() && a.new_qty.is_none() && a.new_display.is_none() {
            return Err("nothing_to_amend");
        }
        if let Some(d) = a.new_display {
            if o.display.is_none() {
                return Err("not_an_iceberg");
            }
            if d.0 <= 0 {
                return Err("invalid_display");
            }
        }
        if a.new_price.is_some_and(|p| p.0 <= 0 || p.0 > 1 << 53) {
            return Err("invalid_price");
        }
        if let Some(q) = a.new_qty {
            if q.0 <= 0 {
                return Err("invalid_quantity");
            }
            if q.0 <= o.filled {
                return Err("amend_qty_at_or_below_filled");
            }
            if q.0 > 1_000_000_000_000 {
                return Err("quantity_above_max");
            }
        }
        Ok(())
    }

    fn expire(&mut self, ts: u64, out: &mut Out) {
        let mut due: Vec<(u64, u64)> =
            self.orders.iter().filter(|o| o.expire_at != 0 && o.expire_at <= ts).map(|o| (o.expire_at, o.id)).collect();
        due.sort();
        for (_, id) in due {
            let i = self.orders.iter().position(|o| o.id == id).unwrap();
            let o = self.orders.remove(i);
            out.push(EventKind::Expired {
                order_id: OrderId(o.id),
                account: AccountId(o.account),
                instrument: INST,
                side: o.side,
                price: Ticks(o.price),
                qty: Lots(o.leaves()),
                filled: Lots(o.filled),
            });
        }
    }

    /// Live orders in canonical order: bids best first, then asks best first, FIFO.
    fn canonical(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.orders.len()).collect();
        idx.sort_by_key(|&i| {
            let o = &self.orders[i];
            match o.side {
                Side::Buy => (0, -o.price, o.seq),
                Side::Sell => (1, o.price, o.seq),
            }
        });
        idx
    }

    fn cancel_all(&mut self, account: Option<u64>, reason: CancelReason, out: &mut Out) {
        let ids: Vec<u64> = self
            .canonical()
            .into_iter()
            .map(|i| &self.orders[i])
            .filter(|o| account.is_none_or(|a| a == o.account))
            .map(|o| o.id)
            .collect();
        for id in ids {
            let i = self.orders.iter().position(|o| o.id == id).unwrap();
            let o = self.orders.remove(i);
            out.push(cancelled(&o, o.leaves(), reason));
        }
    }

    fn best_maker(&self, side: Side, limit: Option<i64>) -> Option<usize> {
        self.orders
            .iter()
            .enumerate()
            .filter(|(_, o)| o.side != side)
            .filter(|(_, o)| match (limit, side) {
                (None, _) => true,
                (Some(l), Side::Buy) => o.price <= l,
                (Some(l), Side::Sell) => o.price >= l,
            })
            .min_by_key(|(_, o)| (if o.side == Side::Sell { o.price } else { -o.price }, o.seq))
            .map(|(i, _)| i)
    }

    fn crosses(&self, side: Side, limit: i64) -> bool {
        self.best_maker(side, Some(limit)).is_some()
    }

    fn fok_fillable(&self, t: &MOrder, limit: Option<i64>, mut budget: Option<u64>) -> bool {
        let mut makers: Vec<&MOrder> = self
            .orders
            .iter()
            .filter(|o| o.side != t.side)
            .filter(|o| match (limit, t.side) {
                (None, _) => true,
                (Some(l), Side::Buy) => o.price <= l,
                (Some(l), Side::Sell) => o.price >= l,
            })
            .collect();
        makers.sort_by_key(|o| (if o.side == Side::Sell { o.price } else { -o.price }, o.seq));
        let mut need = t.remaining;
        let mut take = |q: i64, price: i64| -> Option<bool> {
            let q = q.min(need);
            if let Some(b) = &mut budget {
                *b = b.checked_sub(q as u64 * price as u64)?;
            }
            need -= q;
            Some(need <= 0)
        };
        // Within a level the shown quantities come first (FIFO); the icebergs'
        // next slices queue behind them.
        let mut level: Option<(i64, i64)> = None; // (price, hidden)
        for m in makers {
            if let Some((price, hidden)) = level.filter(|&(price, _)| price != m.price) {
                match take(hidden, price) {
                    None => return false,
                    Some(true) => return true,
                    Some(false) => {}
                }
                level = None;
            }
            let (_, hidden) = level.get_or_insert((m.price, 0));
            if t.stp != SelfTradePrevention::None && m.account == t.account {
                if t.stp != SelfTradePrevention::CancelMaker {
                    return false;
                }
                continue;
            }
            *hidden += m.hidden;
            match take(m.remaining, m.price) {
                None => return false,
                Some(true) => return true,
                Some(false) => {}
            }
        }
        if let Some((price, hidden)) = level {
            return take(hidden, price) == Some(true);
        }
        false
    }

    /// Shows the iceberg at `i`'s next slice at the back of its level.
    fn refresh(&mut self, i: usize, out: &mut Out) {
        self.arrival += 1;
        let m = &mut self.orders[i];
        let shown = m.display.unwrap().min(m.hidden);
        m.hidden -= shown;
        m.remaining = shown;
        m.seq = self.arrival;
        out.push(EventKind::Refreshed {
            order_id: OrderId(m.id),
            account: AccountId(m.account),
            instrument: INST,
            side: m.side,
            price: Ticks(m.price),
            shown: Lots(shown),
            hidden: Lots(m.hidden),
            filled: Lots(m.filled),
        });
    }

    /// Rests `t` (its leaves in `remaining`) at the back of its level; an
    /// iceberg shows at most `most` lots and its display.
    fn rest(&mut self, mut t: MOrder, most: i64) {
        if let Some(d) = t.display {
            let leaves = t.leaves();
            t.remaining = leaves.min(d).min(most);
            t.hidden = leaves - t.remaining;
        }
        self.arrival += 1;
        t.seq = self.arrival;
        self.orders.push(t);
    }

    /// Returns true if STP killed the taker.
    fn run_match(&mut self, t: &mut MOrder, limit: Option<i64>, mut budget: Option<u64>, out: &mut Out) -> bool {
        while t.remaining > 0 {
            let Some(i) = self.best_maker(t.side, limit) else {
                return false;
            };
            let self_trade = t.stp != SelfTradePrevention::None && self.orders[i].account == t.account;
            if self_trade {
                match t.stp {
                    SelfTradePrevention::CancelTaker => return true,
                    SelfTradePrevention::CancelMaker | SelfTradePrevention::CancelBoth => {
                        let m = self.orders.remove(i);
                        out.push(cancelled(&m, m.leaves(), CancelReason::SelfTradePrevention));
                        if t.stp == SelfTradePrevention::CancelBoth {
                            return true;
                        }
                    }
                    _ => {
                        let dq = self.orders[i].remaining.min(t.remaining);
                        self.orders[i].remaining -= dq;
                        t.remaining -= dq;
                        let m = self.orders[i].clone();
                        if m.leaves() > 0 {
                            out.push(reduced(&m, dq));
                        } else {
                            self.orders.remove(i);
                            out.push(cancelled(&m, dq, CancelReason::SelfTradePrevention));
                        }
                        if t.remaining > 0 {
                            out.push(reduced(t, dq));
                        } else {
                            out.push(cancelled(t, dq, CancelReason::SelfTradePrevention));
                        }
                        // An iceberg's next slice shows after both sides' reports.
                        if m.remaining == 0 && m.hidden > 0 {
                            self.refresh(i, out);
                        }
                        if t.remaining == 0 {
                            return true;
                        }
                    }
                }
                continue;
            }
            let m = &mut self.orders[i];
            let mut q = m.remaining.min(t.remaining);
            if let Some(b) = &mut budget {
                // Whole lots the amount left pays for; none: it is spent.
                q = q.min((*b / m.price as u64) as i64);
                if q == 0 {
                    return false;
                }
                *b -= q as u64 * m.price as u64;
            }
            m.remaining -= q;
            m.filled += q;
            t.remaining -= q;
            t.filled += q;
            out.push(EventKind::Trade {
                trade_id: TradeId(self.next_trade),
                instrument: INST,
                price: Ticks(m.price),
                qty: Lots(q),
                aggressor: t.side,
                maker_order_id: OrderId(m.id),
                maker_account: AccountId(m.account),
                maker_remaining: Lots(m.leaves()),
                taker_order_id: OrderId(t.id),
                taker_account: AccountId(t.account),
                taker_remaining: Lots(t.remaining),
            });
            self.next_trade += 1;
            if m.remaining == 0 && m.hidden > 0 {
                self.refresh(i, out);
            } else if m.remaining == 0 {
                self.orders.remove(i);
            }
        }
        false
    }

    fn rejected(
        &self,
        account: u64,
        order_id: Option<u64>,
        client: Option<ClientOrderId>,
        r: RejectReason,
    ) -> EventKind {
        EventKind::Rejected {
            account: AccountId(account),
            instrument: INST,
            order_id: order_id.map(OrderId),
            client_order_id: client,
            reason: r,
        }
    }

    fn halted(&self) -> Option<RejectReason> {
        match self.status {
            Some(TradingStatus::Halted) => Some(RejectReason::InstrumentHalted),
            Some(TradingStatus::Closed) => Some(RejectReason::InstrumentClosed),
            _ => None,
        }
    }

    fn place(&mut self, p: &Place, out: &mut Out) {
        if let Some(r) = self.halted() {
            return out.push(self.rejected(p.account.0, None, p.client_order_id, r));
        }
        let limit = match p.order_type {
            OrderType::Limit(t) | OrderType::LimitByAmount { limit: t, .. } | OrderType::Iceberg { limit: t, .. } => {
                Some(t.0)
            }
            OrderType::Market | OrderType::MarketByAmount { .. } => None,
            OrderType::StopMarket { .. } | OrderType::StopLimit { .. } => unreachable!("the model places no stops"),
        };
        let budget = p.order_type.amount().map(|a| a.0);
        if p.post_only && self.crosses(p.side, limit.unwrap()) {
            return out.push(self.rejected(p.account.0, None, p.client_order_id, RejectReason::PostOnlyWouldCross));
        }
        let mut t = MOrder {
            id: self.next_id,
            account: p.account.0,
            side: p.side,
            price: limit.unwrap_or(0),
            remaining: p.qty.0,
            filled: 0,
            version: 0,
            seq: 0,
            post_only: p.post_only,
            stp: p.stp,
            expire_at: p.expire_at.map_or(0, |t| t.0),
            client: p.client_order_id,
            display: p.order_type.display().map(|d| d.0),
            hidden: 0,
        };
        self.next_id += 1;
        out.push(EventKind::Accepted {
            order_id: OrderId(t.id),
            account: p.account,
            instrument: INST,
            side: p.side,
            price: limit.map(Ticks),
            qty: p.qty,
            time_in_force: p.time_in_force,
            client_order_id: p.client_order_id,
        });
        if p.time_in_force == TimeInForce::Fok && !self.fok_fillable(&t, limit, budget) {
            return out.push(cancelled(&t, t.remaining, CancelReason::FokUnfillable));
        }
        let killed = self.run_match(&mut t, limit, budget, out);
        if t.remaining > 0 {
            let reason = if killed {
                Some(CancelReason::SelfTradePrevention)
            } else {
                match p.time_in_force {
                    TimeInForce::Gtc | TimeInForce::Gtd => None,
                    _ if limit.is_none() => Some(CancelReason::NoLiquidity),
                    _ => Some(CancelReason::IocRemainder),
                }
            };
            match reason {
                Some(r) => out.push(cancelled(&t, t.remaining, r)),
                None => self.rest(t, i64::MAX),
            }
        }
    }

    fn amend(&mut self, a: &Amend, out: &mut Out) {
        let i = self.named(self.now, a.order, a.account.0).unwrap();
        let o = self.orders[i].clone();
        if let Some(r) = self.halted() {
            return out.push(self.rejected(o.account, Some(o.id), None, r));
        }
        let new_price = a.new_price.map_or(o.price, |p| p.0);
        let new_remaining = a.new_qty.map_or(o.leaves(), |q| q.0 - o.filled);
        let display = a.new_display.map(|d| d.0).or(o.display);
        if o.post_only && new_price != o.price && self.crosses(o.side, new_price) {
            return out.push(self.rejected(o.account, Some(o.id), None, RejectReason::PostOnlyWouldCross));
        }
        let version = o.version + 1;
        let amended = |priority_kept| EventKind::Amended {
            order_id: OrderId(o.id),
            account: AccountId(o.account),
            instrument: INST,
            side: o.side,
            version,
            price: Ticks(new_price),
            qty: Lots(o.filled + new_remaining),
            remaining: Lots(new_remaining),
            filled: Lots(o.filled),
            priority_kept,
        };
        if new_price == o.price && new_remaining <= o.leaves() {
            // Keeps its place; an iceberg shows no more than it did.
            let m = &mut self.orders[i];
            m.display = display;
            m.remaining = match display {
                Some(d) => o.remaining.min(d).min(new_remaining),
                None => new_remaining,
            };
            m.hidden = new_remaining - m.remaining;
            m.version = version;
            return out.push(amended(true));
        }
        let mut t = self.orders.remove(i);
        out.push(amended(false));
        t.price = new_price;
        t.remaining = new_remaining;
        t.hidden = 0;
        t.display = display;
        t.version = version;
        let killed = self.run_match(&mut t, Some(new_price), None, out);
        if t.remaining > 0 {
            if killed {
                out.push(cancelled(&t, t.remaining, CancelReason::SelfTradePrevention));
            } else {
                self.rest(t, i64::MAX);
            }
        }
    }

    fn depth(&self, side: Side) -> Vec<(i64, i64, u32)> {
        let mut levels: std::collections::BTreeMap<i64, (i64, u32)> = Default::default();
        for o in self.orders.iter().filter(|o| o.side == side) {
            let e = levels.entry(o.price).or_default();
            e.0 += o.remaining;
            e.1 += 1;
        }
        let v: Vec<_> = levels.into_iter().map(|(p, (q, n))| (p, q, n)).collect();
        if side == Side::Buy {
            v.into_iter().rev().collect()
        } else {
            v
        }
    }
}

/// A market order's price is 0 in the model (no limit).
fn limit_of(o: &MOrder) -> Option<Ticks> {
    (o.price > 0).then_some(Ticks(o.price))
}

fn cancelled(o: &MOrder, qty: i64, reason: CancelReason) -> EventKind {
    EventKind::Cancelled {
        order_id: OrderId(o.id),
        account: AccountId(o.account),
        instrument: INST,
        side: o.side,
        price: limit_of(o),
        qty: Lots(qty),
        filled: Lots(o.filled),
        reason,
    }
}

fn reduced(o: &MOrder, qty: i64) -> EventKind {
    EventKind::Reduced {
        order_id: OrderId(o.id),
        account: AccountId(o.account),
        instrument: INST,
        side: o.side,
        price: limit_of(o),
        qty: Lots(qty),
        remaining: Lots(o.leaves()),
        filled: Lots(o.filled),
        reason: CancelReason::SelfTradePrevention,
    }
}

// ---- random command streams ----------------------------------------------------

fn arb_side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)]
}
fn arb_stp() -> impl Strategy<Value = SelfTradePrevention> {
    prop_oneof![
        4 => Just(SelfTradePrevention::None),
        1 => Just(SelfTradePrevention::CancelTaker),
        1 => Just(SelfTradePrevention::CancelMaker),
        1 => Just(SelfTradePrevention::CancelBoth),
        1 => Just(SelfTradePrevention::Decrement),
    ]
}
/// Mostly near the touch; sometimes far enough to leave the ladder's price window.
fn arb_price() -> impl Strategy<Value = i64> {
    prop_oneof![12 => 94i64..107, 1 => 9_000i64..9_003, 1 => 1i64..3]
}

fn arb_tif() -> impl Strategy<Value = TimeInForce> {
    prop_oneof![4 => Just(TimeInForce::Gtc), 1 => Just(TimeInForce::Ioc), 1 => Just(TimeInForce::Fok), 1 => Just(TimeInForce::Gtd)]
}

#[derive(Clone, Debug)]
enum Op {
    Place {
        account: u64,
        side: Side,
        market: bool,
        price: i64,
        qty: i64,
        tif: TimeInForce,
        ttl: u64,
        post_only: bool,
        stp: SelfTradePrevention,
        client: Option<u8>,
        /// By amount (tick·lots): at any price (`market`) or at `price` or better.
        amount: Option<u64>,
        /// An iceberg showing this many lots (a limit order not by amount).
        display: Option<i64>,
    },
    Cancel {
        account: u64,
        id: u64,
    },
    /// Cancel or amend (to `qty`) by client order id `c{client}`.
    ByClientId {
        account: u64,
        client: u8,
        qty: Option<i64>,
    },
    /// Cancel the n-th (mod count) live order, whoever owns it.
    CancelLive(u16),
    Amend {
        account: u64,
        id: u64,
        price: Option<i64>,
        qty: Option<i64>,
        version: Option<u32>,
        display: Option<i64>,
    },
    MassCancel {
        account: Option<u64>,
    },
    Status(u8, bool),
    Tick,
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => (0u64..3, arb_side(), prop::bool::weighted(0.1), arb_price(), -1i64..12, arb_tif(), 1u64..30, prop::bool::weighted(0.15), arb_stp(), prop::option::weighted(0.2, 0u8..4), prop::option::weighted(0.08, 0u64..1_500), prop::option::weighted(0.15, -1i64..5))
            .prop_map(|(account, side, market, price, qty, tif, ttl, post_only, stp, client, amount, display)| Op::Place { account, side, market, price, qty, tif, ttl, post_only, stp, client, amount, display }),
        3 => (0u64..3, 0u64..40).prop_map(|(account, id)| Op::Cancel { account, id }),
        4 => (0u64..3, 0u64..40, prop::option::of(arb_price()), prop::option::of(-1i64..15), prop::option::of(0u32..3), prop::option::weighted(0.1, -1i64..5))
            .prop_map(|(account, id, price, qty, version, display)| Op::Amend { account, id, price, qty, version, display }),
        2 => (0u64..3, 0u8..4, prop::option::weighted(0.5, -1i64..15))
            .prop_map(|(account, client, qty)| Op::ByClientId { account, client, qty }),
        1 => prop::option::of(0u64..3).prop_map(|account| Op::MassCancel { account }),
        1 => (0u8..6, prop::bool::ANY).prop_map(|(s, c)| Op::Status(s, c)),
        1 => Just(Op::Tick),
    ]
}

fn to_kind(op: &Op, ts: u64) -> CommandKind {
    match *op {
        Op::Place { account, side, market, price, qty, tif, ttl, post_only, stp, client, amount, display } => {
            let mut p = if let Some(a) = amount {
                let order_type = match market {
                    true => OrderType::MarketByAmount { amount: Notional(a) },
                    false => OrderType::LimitByAmount { limit: Ticks(price), amount: Notional(a) },
                };
                Place { order_type, ..Place::limit(AccountId(account), INST, side, Ticks(price), Lots(qty)) }
                    .with_tif(tif)
            } else if market {
                Place::market(AccountId(account), INST, side, Lots(qty)).with_tif(tif)
            } else if let Some(d) = display {
                Place::iceberg(AccountId(account), INST, side, Ticks(price), Lots(qty), Lots(d)).with_tif(tif)
            } else {
                Place::limit(AccountId(account), INST, side, Ticks(price), Lots(qty)).with_tif(tif)
            };
            if tif == TimeInForce::Gtd {
                p.expire_at = Some(Timestamp(ts + ttl));
            }
            p.post_only = post_only;
            p.stp = stp;
            p.client_order_id = client.map(|c| ClientOrderId::new(&format!("c{c}")).unwrap());
            CommandKind::Place(p)
        }
        Op::Cancel { account, id } => {
            CommandKind::Cancel(Cancel { account: AccountId(account), order: OrderRef::Id(OrderId(id)) })
        }
        Op::ByClientId { account, client, qty } => {
            let c = ClientOrderId::new(&format!("c{client}")).unwrap();
            match qty {
                None => CommandKind::Cancel(Cancel::new(AccountId(account), c)),
                Some(q) => CommandKind::Amend(Amend::new(AccountId(account), c).with_qty(Lots(q))),
            }
        }
        Op::Amend { account, id, price, qty, version, display } => CommandKind::Amend(Amend {
            account: AccountId(account),
            order: OrderRef::Id(OrderId(id)),
            new_price: price.map(Ticks),
            new_qty: qty.map(Lots),
            expected_version: version,
            new_trigger: None,
            new_display: display.map(Lots),
        }),
        Op::MassCancel { account } => {
            CommandKind::MassCancel(MassCancel { account: account.map(AccountId), instrument: Some(INST) })
        }
        Op::Status(s, cancel_resting) => CommandKind::SetTradingStatus(SetTradingStatus {
            instrument: INST,
            // Mostly open, so trading goes on.
            status: match s {
                0 => TradingStatus::Halted,
                1 => TradingStatus::Closed,
                _ => TradingStatus::Open,
            },
            cancel_resting,
        }),
        Op::Tick | Op::CancelLive(_) => CommandKind::ExpireDue,
    }
}

/// Crowded levels: mostly one price per side, long queues, frequent cancels of
/// live orders and priority-losing amends (long streams, so queue surgery in the
/// middle of long levels is exercised, not just at the ends).
fn arb_op_crowded() -> impl Strategy<Value = Op> {
    // One account, so cancels and amends of live ids succeed; post-only, so
    // orders pile up and only market orders take them.
    let price = || prop_oneof![99i64..101, 101i64..103];
    prop_oneof![
        16 => (arb_side(), 0i64..8, 1i64..6)
            // Mostly one level per side, so its queue grows long.
            .prop_map(|(side, off, qty)| { let price = if side == Side::Buy { 100 - off / 7 } else { 101 + off / 7 }; Op::Place { account: 0, side, market: false, price, qty, tif: TimeInForce::Gtc, ttl: 1, post_only: true, stp: SelfTradePrevention::None, client: None, amount: None, display: None } }),
        1 => (arb_side(), 1i64..30)
            .prop_map(|(side, qty)| Op::Place { account: 1, side, market: true, price: 0, qty, tif: TimeInForce::Ioc, ttl: 1, post_only: false, stp: SelfTradePrevention::None, client: None, amount: None, display: None }),
        14 => any::<u16>().prop_map(Op::CancelLive),
        6 => (0u64..300, prop::option::of(price()), prop::option::of(1i64..9))
            .prop_map(|(id, price, qty)| Op::Amend { account: 0, id, price, qty, version: None, display: None }),
    ]
}

fn agrees_with_the_reference_book(ops: &[(Op, u64, bool)]) -> Result<(), TestCaseError> {
    let mut e = Engine::default();
    // The engine compiles its paths twice, with and without market data; this twin
    // runs the one without, and must say the same apart from the market data.
    let mut quiet = Engine::new(EngineConfig { market_data: false, ..EngineConfig::default() });
    let mut events = Vec::new();
    let mut quiet_events = Vec::new();
    let register = Command {
        ts: Timestamp(0),
        correlation_id: CorrelationId(0),
        kind: CommandKind::RegisterInstrument(InstrumentSpec::new("M", d("1"), d("1"))),
    };
    e.apply(&register, &mut events).unwrap();
    quiet.apply(&register, &mut quiet_events).unwrap();
    let mut m = Model::new();
    let mut ts = 1u64;
    for (n, (op, dt, backwards)) in ops.iter().enumerate() {
        let t = if *backwards { ts.saturating_sub(2) } else { ts + dt };
        let kind = match *op {
            Op::CancelLive(n) if !m.orders.is_empty() => {
                let o = &m.orders[n as usize % m.orders.len()];
                CommandKind::Cancel(Cancel { account: AccountId(o.account), order: OrderRef::Id(OrderId(o.id)) })
            }
            _ => to_kind(op, t),
        };
        events.clear();
        quiet_events.clear();
        let cmd = Command { ts: Timestamp(t), correlation_id: CorrelationId(n as u64 + 1), kind: kind.clone() };
        let got = e.apply(&cmd, &mut events);
        prop_assert_eq!(&quiet.apply(&cmd, &mut quiet_events), &got, "op {} {:?}: without market data", n, op);
        let trading = |evs: &[Event]| -> Vec<(EventKind, CorrelationId)> {
            evs.iter().filter(|e| !common::is_market_data(&e.kind)).map(|e| (e.kind, e.correlation_id)).collect()
        };
        prop_assert_eq!(trading(&quiet_events), trading(&events), "op {} {:?}: without market data", n, op);
        prop_assert!(quiet_events.iter().all(|e| !common::is_market_data(&e.kind)));
        let want = m.apply(t, &kind);
        match (got, want) {
            (Ok(_), Ok(want)) => {
                let got: Vec<EventKind> =
                    events.iter().map(|e| e.kind).filter(|k| !common::is_market_data(k)).collect();
                prop_assert_eq!(got, want, "op {} {:?}", n, op);
                ts = t;
            }
            (Err(g), Err(w)) => prop_assert_eq!(g.code(), w, "op {} {:?}", n, op),
            (g, w) => prop_assert!(false, "op {n} {op:?}: engine {g:?}, model {w:?}"),
        }
        e.check_invariants().map_err(TestCaseError::fail)?;
        quiet.check_invariants().map_err(TestCaseError::fail)?;
        let depth = |s| e.depth(INST, s).map(|l| (l.price.0, l.qty.0, l.orders)).collect::<Vec<_>>();
        prop_assert_eq!(depth(Side::Buy), m.depth(Side::Buy));
        prop_assert_eq!(depth(Side::Sell), m.depth(Side::Sell));
        let quiet_depth = |s| quiet.depth(INST, s).map(|l| (l.price.0, l.qty.0, l.orders)).collect::<Vec<_>>();
        prop_assert_eq!(quiet_depth(Side::Buy), depth(Side::Buy));
        prop_assert_eq!(quiet_depth(Side::Sell), depth(Side::Sell));
        for (k, ev) in events.iter().enumerate() {
            prop_assert_eq!(ev.correlation_id, CorrelationId(n as u64 + 1));
            if k > 0 {
                prop_assert_eq!(ev.seq, events[k - 1].seq + 1);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn engine_agrees_with_the_reference_book(ops in prop::collection::vec((arb_op(), 0u64..4, prop::bool::weighted(0.03)), 1..120)) {
        agrees_with_the_reference_book(&ops)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn crowded_levels_agree_with_the_reference_book(ops in prop::collection::vec((arb_op_crowded(), 0u64..2, Just(false)), 400..900)) {
        agrees_with_the_reference_book(&ops)?;
    }
}
