//! How a Broker command drives the engine and the ledger.

use brokerx_ledger::{AccountSpec, Amount, AssetSpec, LedgerError, Transfer, TransferStatus};

use super::accounts::{system, wallet, ESCROW_OWNER, EXTERNAL_OWNER, FEES_OWNER, ORDER_HOLD, RESERVED_OWNERS_FROM};
use super::command::{BrokerCommand, BrokerCommandKind, MarketSpec};
use super::error::BrokerError;
use super::event::{BrokerEvent, BrokerEventKind, FundsDirection, PostingKind};
use super::market::Market;
use super::order_funds::{HoldKind, OrderFees, OrderFunds};
use super::reject::{OrderRejection, Units};
use super::{Broker, Out};
use crate::command::{Command, CommandKind, MassCancel, Place};
use crate::error::CommandError;
use crate::event::{Event, EventKind};
use crate::outcome::{Checked, Outcome};
use crate::risk::{self, OrderIntent, RiskReject};
use crate::types::{AccountId, InstrumentId, Lots, OrderId, OrderType, Side, Ticks, TimeInForce};

impl Broker {
    /// Applies one command, appending its events to `out`.
    ///
    /// # Errors
    /// A [`BrokerError`] when the command cannot be evaluated; nothing changed.
    pub fn apply(&mut self, cmd: &BrokerCommand, out: &mut Vec<BrokerEvent>) -> Result<(), BrokerError> {
        if cmd.ts < self.now {
            return Err(BrokerError::TimeWentBackwards { ts: cmd.ts, now: self.now });
        }
        self.validate_kind(cmd)?;
        // A command that reaches the engine is checked by it here, once (before
        // any change), and executed later from the token.
        let engine_cmd = engine_command(cmd);
        let checked = match &engine_cmd {
            Some(c) => Some(self.engine.check(c)?),
            None => None,
        };
        if let (BrokerCommandKind::Amend(a), Some(c)) = (&cmd.kind, &checked) {
            if a.new_price.is_some() {
                self.refuse_stop_market_limit(c)?;
            }
        }
        let start = out.len();
        let mut o = Out { events: out, ts: cmd.ts, correlation_id: cmd.correlation_id };
        self.now = cmd.ts;
        let ecmd = |kind| Command { ts: cmd.ts, correlation_id: cmd.correlation_id, kind };
        match &cmd.kind {
            BrokerCommandKind::CreateAsset { spec, wallet_max_balance } => {
                self.exec_create_asset(spec, *wallet_max_balance, &mut o)?
            }
            BrokerCommandKind::RegisterMarket(m) => self.exec_register(checked.as_ref(), m, &mut o)?,
            BrokerCommandKind::Deposit(f) => self.exec_funds(FundsDirection::Deposit, f, &mut o),
            BrokerCommandKind::Withdraw(f) => self.exec_funds(FundsDirection::Withdrawal, f, &mut o),
            BrokerCommandKind::Place(p) => self.exec_place(cmd, p, checked.as_ref(), &mut o),
            BrokerCommandKind::Amend(_) => self.exec_amend(cmd, checked.as_ref(), &mut o),
            BrokerCommandKind::Cancel(_)
            | BrokerCommandKind::MassCancel(_)
            | BrokerCommandKind::SetTradingStatus(_)
            | BrokerCommandKind::ExpireDue => {
                self.execute(checked.as_ref(), &mut o);
            }
            BrokerCommandKind::SetInstrumentRisk { instrument, risk } => {
                if let Some(m) = self.markets.get_mut(instrument.0 as usize) {
                    m.risk = *risk;
                }
                o.emit(BrokerEventKind::InstrumentRiskChanged { instrument: *instrument, risk: *risk });
            }
            BrokerCommandKind::SetAccountLimits { account, limits } => {
                self.accounts.entry(*account).or_default().limits = *limits;
                o.emit(BrokerEventKind::AccountLimitsChanged { account: *account, limits: *limits });
            }
            BrokerCommandKind::SetAccountEnabled { account, enabled } => {
                self.accounts.entry(*account).or_default().disabled = !enabled;
                o.emit(BrokerEventKind::AccountEnabledChanged { account: *account, enabled: *enabled });
                if !enabled {
                    let mc = MassCancel { account: Some(*account), instrument: None };
                    self.run_engine(&ecmd(CommandKind::MassCancel(mc)), &mut o);
                }
            }
            BrokerCommandKind::RestrictInstrument { account, instrument, restricted } => {
                let st = self.accounts.entry(*account).or_default();
                if *restricted {
                    st.restricted.insert(*instrument);
                } else {
                    st.restricted.remove(instrument);
                }
                o.emit(BrokerEventKind::RestrictionChanged {
                    account: *account,
                    instrument: *instrument,
                    restricted: *restricted,
                });
            }
        }
        for e in &mut out[start..] {
            self.last_seq += 1;
            e.seq = self.last_seq;
        }
        Ok(())
    }

    /// Everything that can refuse a command with an error, before any change
    /// (the engine's own check follows for the commands it runs).
    /// A stop-market's engine limit is the Broker's protection price: the client
    /// cannot set one (`stop_market_has_no_limit`, as the engine says of its own
    /// stop-markets).
    fn refuse_stop_market_limit(&self, checked: &Checked<'_>) -> Result<(), BrokerError> {
        match checked.named_order() {
            Some(n) if n.waiting && self.funds.get(&n.order_id).is_some_and(|f| f.kind == HoldKind::StopMarket) => {
                Err(CommandError::StopMarketHasNoLimit { order_id: n.order_id }.into())
            }
            _ => Ok(()),
        }
    }

    pub(super) fn validate_kind(&self, cmd: &BrokerCommand) -> Result<(), BrokerError> {
        let client = |a: AccountId| {
            if a.0 >= RESERVED_OWNERS_FROM {
                Err(BrokerError::ReservedAccount { account: a })
            } else {
                Ok(())
            }
        };
        match &cmd.kind {
            BrokerCommandKind::CreateAsset { spec, .. } => {
                if self.ledger.asset(spec.id).is_some() || spec.id.0 == 0 {
                    return Err(BrokerError::Ledger(LedgerError::AssetExists { asset: spec.id }));
                }
                Ok(())
            }
            BrokerCommandKind::RegisterMarket(m) => {
                for a in [m.base, m.quote] {
                    if self.ledger.asset(a).is_none() {
                        return Err(BrokerError::UnknownAsset { asset: a });
                    }
                }
                if m.base == m.quote {
                    return Err(BrokerError::InvalidMarket { why: "base and quote must differ" });
                }
                if self.policy_could_refuse_settlement(m) {
                    return Err(BrokerError::InvalidMarket {
                        why: "the ledger policy limits settlement, fee or hold transfers or wallet balances \
                              in this market's assets, so it could refuse a settlement after a trade \
                              (cap deposits with CreateAsset's wallet_max_balance instead)",
                    });
                }
                self.scale_of(m)?;
                Ok(m.risk.validate(&m.instrument)?)
            }
            BrokerCommandKind::Deposit(f) | BrokerCommandKind::Withdraw(f) => {
                client(f.account)?;
                if f.amount.is_zero() {
                    return Err(BrokerError::InvalidAmount);
                }
                if self.ledger.asset(f.asset).is_none() {
                    return Err(BrokerError::UnknownAsset { asset: f.asset });
                }
                let direction = match cmd.kind {
                    BrokerCommandKind::Deposit(_) => FundsDirection::Deposit,
                    _ => FundsDirection::Withdrawal,
                };
                if let Some(r) = self.funds_keys.get(&f.key) {
                    if r.funds != *f || r.direction != direction {
                        return Err(BrokerError::IdempotencyConflict { key: f.key });
                    }
                }
                Ok(())
            }
            BrokerCommandKind::Place(p) => client(p.account),
            // The engine checks these (and the place) in `validate`.
            BrokerCommandKind::Amend(_)
            | BrokerCommandKind::Cancel(_)
            | BrokerCommandKind::MassCancel(_)
            | BrokerCommandKind::SetTradingStatus(_) => Ok(()),
            BrokerCommandKind::SetInstrumentRisk { instrument, risk } => {
                match self.engine.instrument(*instrument).filter(|_| self.market(*instrument).is_some()) {
                    Some(i) => Ok(risk.validate(&i.spec)?),
                    None => Err(CommandError::UnknownInstrument { instrument: *instrument }.into()),
                }
            }
            BrokerCommandKind::RestrictInstrument { account, instrument, .. } => {
                client(*account)?;
                if self.markets.get(instrument.0 as usize).is_none() {
                    return Err(CommandError::UnknownInstrument { instrument: *instrument }.into());
                }
                Ok(())
            }
            BrokerCommandKind::SetAccountLimits { account, .. }
            | BrokerCommandKind::SetAccountEnabled { account, .. } => client(*account),
            BrokerCommandKind::ExpireDue => Ok(()),
        }
    }

    pub(super) fn exec_create_asset(
        &mut self,
        spec: &AssetSpec,
        max: Option<Amount>,
        o: &mut Out<'_>,
    ) -> Result<(), BrokerError> {
        let now = o.ts;
        self.ledger.create_asset(now, spec.clone()).map_err(BrokerError::Ledger)?;
        for owner in [EXTERNAL_OWNER, FEES_OWNER, ESCROW_OWNER] {
            self.ledger
                .create_account(now, AccountSpec::system(system(owner, spec.id)))
                .map_err(BrokerError::Ledger)?;
        }
        if let Some(m) = max {
            self.wallet_max.insert(spec.id, m.minor());
        }
        o.emit(BrokerEventKind::AssetCreated { asset: spec.id });
        Ok(())
    }

    pub(super) fn exec_register(
        &mut self,
        checked: Option<&Checked<'_>>,
        m: &MarketSpec,
        o: &mut Out<'_>,
    ) -> Result<(), BrokerError> {
        // Validated with the engine's check: neither can fail now.
        let scale = self.scale_of(m)?;
        let instrument = InstrumentId(self.markets.len() as u32);
        let outcome = self.execute(checked, o);
        debug_assert_eq!(
            outcome,
            Some(Outcome::InstrumentRegistered { instrument }),
            "invariant: markets and instruments in step"
        );
        self.markets.push(Market { base: m.base, quote: m.quote, scale, risk: m.risk, last_trade: None });
        o.emit(BrokerEventKind::MarketRegistered { instrument, base: m.base, quote: m.quote });
        Ok(())
    }

    #[inline(always)]
    pub(super) fn exec_place(
        &mut self,
        cmd: &BrokerCommand,
        p: &Place,
        checked: Option<&Checked<'_>>,
        o: &mut Out<'_>,
    ) {
        let Some(checked) = checked else { return };
        // Expiries due now run first, so their holds are free for this order.
        self.expire_due(cmd, o);
        let trigger = p.order_type.trigger();
        let intent = OrderIntent {
            side: p.side,
            limit: p.order_type.limit(),
            trigger,
            amount: p.order_type.amount().and_then(|a| {
                let m = self.markets.get(p.instrument.0 as usize)?;
                u128::from(a.0).checked_mul(m.scale.quote_per_tick_lot)
            }),
            qty: p.qty,
            is_amend: false,
            // A waiting stop is a live order whatever its time in force.
            may_rest: trigger.is_some() || matches!(p.time_in_force, TimeInForce::Gtc | TimeInForce::Gtd),
            existing_hold: 0,
            accrued_fee: 0,
        };
        let approval = match self.risk_check(cmd.ts, p.account, p.instrument, &intent, None) {
            Ok(a) => a,
            Err(reject) => return self.refuse(p.account, p.instrument, p.side, None, &reject, o),
        };
        let (Some(market), Some(order_id)) = (self.market(p.instrument), checked.order_id()) else { return };
        let asset = if p.side == Side::Buy { market.quote } else { market.base };
        let hold_id = self.next_id();
        let hold = Transfer::pending(
            hold_id,
            wallet(p.account, asset),
            system(ESCROW_OWNER, asset),
            Amount::from_minor(approval.hold),
            ORDER_HOLD,
            0,
        )
        .with_user_data(u128::from(order_id.0));
        let status = self.submit_one(hold, Some(order_id), None, PostingKind::Hold, o);
        if status != TransferStatus::Ok {
            let reject = RiskReject {
                code: risk::RiskCode::InsufficientFunds,
                context: risk::RiskContext::default().with("required", approval.hold as i128),
            };
            return self.refuse(p.account, p.instrument, p.side, None, &reject, o);
        }
        self.funds.insert(
            order_id,
            OrderFunds {
                account: p.account,
                instrument: p.instrument,
                side: p.side,
                hold_id,
                hold: approval.hold,
                hold_price: approval.hold_price.unwrap_or_default(),
                remaining: p.qty,
                fees: OrderFees::of(&market.risk),
                fee_accrued: 0,
                kind: match p.order_type {
                    OrderType::StopLimit { .. } => HoldKind::StopLimit,
                    OrderType::StopMarket { .. } => HoldKind::StopMarket,
                    OrderType::MarketByAmount { .. } | OrderType::LimitByAmount { .. } => HoldKind::ByAmount,
                    OrderType::Limit(_) | OrderType::Iceberg { .. } | OrderType::Market => HoldKind::Order,
                },
            },
        );
        // Protect market orders: they enter as IOC/FOK limits at the hold's price.
        // A stop-market likewise waits as an IOC stop-limit at its protection
        // price (the collar around its trigger), its GTD deadline kept as the
        // end of its wait. That is a different command from the one checked, so
        // it is checked again (a limit or stop-limit runs from its own check).
        let (protected_cmd, protected);
        let protected_place = match (p.order_type, approval.hold_price) {
            (OrderType::Market, Some(px)) => Some(Place { order_type: OrderType::Limit(px), ..*p }),
            (OrderType::MarketByAmount { amount }, Some(px)) => {
                Some(Place { order_type: OrderType::LimitByAmount { limit: px, amount }, ..*p })
            }
            (OrderType::StopMarket { trigger }, Some(px)) => Some(Place {
                order_type: OrderType::StopLimit { trigger, limit: px },
                time_in_force: TimeInForce::Ioc,
                ..*p
            }),
            _ => None,
        };
        let checked = match protected_place {
            Some(place) => {
                protected_cmd =
                    Command { ts: cmd.ts, correlation_id: cmd.correlation_id, kind: CommandKind::Place(place) };
                protected = self.engine.check(&protected_cmd).ok();
                protected.as_ref()
            }
            _ => Some(checked),
        };
        if let Some(Outcome::Rejected { .. }) | None = self.execute(checked, o) {
            // The engine refused it as a trading outcome (halted, post-only): release.
            self.release(order_id, o);
        }
    }

    pub(super) fn expire_due(&mut self, cmd: &BrokerCommand, o: &mut Out<'_>) {
        if self.engine.next_deadline().is_some_and(|d| d <= cmd.ts) {
            self.run_engine(
                &Command { ts: cmd.ts, correlation_id: cmd.correlation_id, kind: CommandKind::ExpireDue },
                o,
            );
        }
    }

    #[inline(always)]
    pub(super) fn exec_amend(&mut self, cmd: &BrokerCommand, checked: Option<&Checked<'_>>, o: &mut Out<'_>) {
        let Some(checked) = checked else { return };
        let (CommandKind::Amend(a), Some(named)) = (&checked.command().kind, checked.named_order()) else { return };
        self.expire_due(cmd, o);
        let Some(f) = self.funds.get(&named.order_id).copied() else { return };
        let order_id = named.order_id;
        let price = a.new_price.unwrap_or(named.price);
        let remaining = a.new_qty.map_or(named.leaves, |q| Lots(q.0 - named.filled.0));
        // A waiting stop is checked at its (new) trigger, and a stop-market's
        // protection price follows its trigger (`apply` refused a limit for it).
        let trigger = match named.waiting {
            true => a.new_trigger.or_else(|| self.engine.order(order_id).and_then(|v| v.trigger)),
            false => None,
        };
        let protected = named.waiting && f.kind == HoldKind::StopMarket;
        let intent = OrderIntent {
            side: f.side,
            limit: if protected { None } else { Some(price) },
            trigger,
            amount: None,
            qty: remaining,
            is_amend: true,
            may_rest: true,
            existing_hold: f.hold,
            accrued_fee: f.fee_accrued,
        };
        let approval = match self.risk_check(cmd.ts, f.account, f.instrument, &intent, Some(f.fees)) {
            Ok(ap) => ap,
            Err(reject) => return self.refuse(f.account, f.instrument, f.side, Some(order_id), &reject, o),
        };
        let price = if protected { approval.hold_price.unwrap_or(price) } else { price };
        // A sell's hold is its quantity, whatever the price.
        let resized = approval.hold != f.hold || (f.side == Side::Buy && price != f.hold_price);
        if resized && !self.resize_hold(order_id, &f, approval.hold, price, remaining, o) {
            let reject = RiskReject {
                code: risk::RiskCode::InsufficientFunds,
                context: risk::RiskContext::default().with("required", approval.hold as i128),
            };
            return self.refuse(f.account, f.instrument, f.side, Some(order_id), &reject, o);
        }
        // A stop-market whose protection moved is amended to it: a different
        // command from the one checked, so it is checked again.
        let (reprotected_cmd, reprotected);
        let checked = if protected && price != named.price {
            let amend = crate::command::Amend { new_price: Some(price), ..*a };
            reprotected_cmd =
                Command { ts: cmd.ts, correlation_id: cmd.correlation_id, kind: CommandKind::Amend(amend) };
            reprotected = self.engine.check(&reprotected_cmd).ok();
            reprotected.as_ref()
        } else {
            Some(checked)
        };
        let refused = matches!(self.execute(checked, o), Some(Outcome::Rejected { .. }) | None);
        if refused && resized {
            // Put the hold back as it was.
            let _ = self.resize_hold(order_id, &f, f.hold, f.hold_price, f.remaining, o);
        }
    }

    /// Reports a risk refusal in the caller's units (see [`OrderRejection`]).
    fn refuse(
        &self,
        account: AccountId,
        instrument: InstrumentId,
        side: Side,
        order_id: Option<OrderId>,
        reject: &RiskReject,
        o: &mut Out<'_>,
    ) {
        let (Some(market), Some(inst)) = (self.market(instrument), self.engine.instrument(instrument)) else { return };
        let scale = |asset| self.ledger.asset(asset).map_or(0, |a| a.scale);
        let held = if side == Side::Buy { market.quote } else { market.base };
        let units = Units { instrument: inst, quote_scale: scale(market.quote), held_scale: scale(held) };
        let reject = OrderRejection::new(reject, &units);
        o.emit(BrokerEventKind::OrderRejected { account, instrument, order_id, reject });
    }

    /// Sets an order's hold to `amount` in place (one ledger resize; the hold
    /// keeps its id). False if the account cannot fund the growth.
    /// `f` is the order's funds record (its account, side and hold id).
    pub(super) fn resize_hold(
        &mut self,
        order_id: OrderId,
        f: &OrderFunds,
        amount: u128,
        price: Ticks,
        remaining: Lots,
        o: &mut Out<'_>,
    ) -> bool {
        let id = self.next_id();
        let resize = self.on_hold(
            f,
            Transfer::resize(id, f.hold_id, Amount::from_minor(amount), ORDER_HOLD)
                .with_user_data(u128::from(order_id.0)),
        );
        let ok = self.submit_one(resize, Some(order_id), None, PostingKind::Resize, o) == TransferStatus::Ok;
        if ok {
            if let Some(r) = self.funds.get_mut(&order_id) {
                r.hold = amount;
                r.hold_price = price;
                r.remaining = remaining;
            }
        }
        ok
    }

    /// Voids a finished order's hold and forgets it.
    pub(super) fn release(&mut self, order_id: OrderId, o: &mut Out<'_>) {
        let Some(f) = self.funds.remove(&order_id) else { return };
        let id = self.next_id();
        let _ = self.submit_one(
            self.on_hold(&f, Transfer::void(id, f.hold_id, ORDER_HOLD)),
            Some(order_id),
            None,
            PostingKind::Void,
            o,
        );
    }

    /// Applies an engine command the Broker makes itself (expiries, the kill
    /// switch's mass cancel) and settles what its events say.
    pub(super) fn run_engine(&mut self, cmd: &Command, o: &mut Out<'_>) {
        let mut events = std::mem::take(&mut self.engine_events);
        events.clear();
        if self.engine.apply(cmd, &mut events).is_ok() {
            self.on_engine_events(&events, o);
        }
        self.engine_events = events;
    }

    /// Executes a command `validate` checked and settles what its events say.
    /// `None` only if nothing was checked or the check went stale, which the
    /// Broker's order of work rules out (only due expiries run in between).
    #[inline(always)]
    pub(super) fn execute(&mut self, checked: Option<&Checked<'_>>, o: &mut Out<'_>) -> Option<Outcome> {
        let checked = checked?;
        let mut events = std::mem::take(&mut self.engine_events);
        events.clear();
        let outcome = self.engine.execute(checked, &mut events);
        debug_assert!(outcome.is_ok(), "invariant: a checked command runs ({outcome:?})");
        self.on_engine_events(&events, o);
        self.engine_events = events;
        outcome.ok()
    }

    pub(super) fn on_engine_events(&mut self, events: &[Event], o: &mut Out<'_>) {
        for e in events {
            o.emit(BrokerEventKind::Order(e.kind));
            self.on_engine_event(&e.kind, o);
        }
    }

    pub(super) fn on_engine_event(&mut self, kind: &EventKind, o: &mut Out<'_>) {
        match *kind {
            EventKind::Accepted { account, .. } | EventKind::StopAccepted { account, .. } => {
                self.accounts.entry(account).or_default().open_orders += 1;
            }
            EventKind::Triggered { order_id, .. } => {
                if let Some(f) = self.funds.get_mut(&order_id) {
                    f.kind = HoldKind::Order;
                }
            }
            EventKind::StopAmended { order_id, qty, .. } => {
                if let Some(f) = self.funds.get_mut(&order_id) {
                    f.remaining = qty;
                }
            }
            EventKind::Cancelled { order_id, .. } | EventKind::Expired { order_id, .. } => self.finish(order_id, o),
            EventKind::Reduced { order_id, remaining, .. } => self.resize_to(order_id, remaining, o),
            EventKind::Amended { order_id, remaining, priority_kept: true, .. } => {
                self.resize_to(order_id, remaining, o)
            }
            EventKind::Amended { order_id, remaining, .. } => {
                if let Some(f) = self.funds.get_mut(&order_id) {
                    f.remaining = remaining;
                }
            }
            EventKind::Trade {
                trade_id,
                instrument,
                price,
                qty,
                aggressor,
                maker_order_id,
                maker_remaining,
                taker_order_id,
                taker_remaining,
                ..
            } => {
                if let Some(m) = self.markets.get_mut(instrument.0 as usize) {
                    m.last_trade = Some(price);
                }
                let (buyer, seller, buyer_left, seller_left) = match aggressor {
                    Side::Buy => (taker_order_id, maker_order_id, taker_remaining, maker_remaining),
                    Side::Sell => (maker_order_id, taker_order_id, maker_remaining, taker_remaining),
                };
                self.settle(trade_id, instrument, price, qty, aggressor, (buyer, buyer_left), (seller, seller_left), o);
                for (id, left) in [(buyer, buyer_left), (seller, seller_left)] {
                    if left.0 == 0 {
                        // Fully filled: the post released any remainder.
                        if let Some(f) = self.funds.remove(&id) {
                            if let Some(st) = self.accounts.get_mut(&f.account) {
                                st.open_orders = st.open_orders.saturating_sub(1);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }

    pub(super) fn finish(&mut self, order_id: OrderId, o: &mut Out<'_>) {
        if let Some(f) = self.funds.get(&order_id) {
            if let Some(st) = self.accounts.get_mut(&f.account) {
                st.open_orders = st.open_orders.saturating_sub(1);
            }
        }
        self.release(order_id, o);
    }

    /// The order's remaining quantity shrank without a trade: shrink its hold.
    pub(super) fn resize_to(&mut self, order_id: OrderId, remaining: Lots, o: &mut Out<'_>) {
        let Some(f) = self.funds.get(&order_id).copied() else { return };
        let Some(m) = self.market(f.instrument) else { return };
        let need = match f.side {
            Side::Buy => {
                risk::buy_hold_after(&m.scale, &f.fees.applied_to(&m.risk), f.hold_price, remaining, f.fee_accrued)
            }
            Side::Sell => m.scale.base(remaining),
        }
        .unwrap_or(f.hold);
        if need != f.hold {
            let _ = self.resize_hold(order_id, &f, need, f.hold_price, remaining, o);
        } else if let Some(r) = self.funds.get_mut(&order_id) {
            r.remaining = remaining;
        }
    }
}

/// The engine command a Broker command runs, if any.
fn engine_command(cmd: &BrokerCommand) -> Option<Command> {
    let kind = match &cmd.kind {
        BrokerCommandKind::RegisterMarket(m) => CommandKind::RegisterInstrument(m.instrument.clone()),
        BrokerCommandKind::Place(p) => CommandKind::Place(*p),
        BrokerCommandKind::Amend(a) => CommandKind::Amend(*a),
        BrokerCommandKind::Cancel(c) => CommandKind::Cancel(*c),
        BrokerCommandKind::MassCancel(m) => CommandKind::MassCancel(*m),
        BrokerCommandKind::SetTradingStatus(s) => CommandKind::SetTradingStatus(*s),
        BrokerCommandKind::ExpireDue => CommandKind::ExpireDue,
        _ => return None,
    };
    Some(Command { ts: cmd.ts, correlation_id: cmd.correlation_id, kind })
}
