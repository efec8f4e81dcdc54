//! Validation: reads only. Every check a command can fail runs here, before any change.

use super::*;
use crate::book::orders::RestingOrder;
use crate::command::OrderRef;
use crate::command::{Amend, CommandKind, Place};
use crate::error::CommandError;
use crate::instrument::{validate_spec, MAX_LOTS, MAX_TICKS};
use crate::outcome::{NamedOrder, Plan};
use crate::types::ClientOrderId;
use crate::types::{AccountId, InstrumentId, Lots, OrderId, OrderType, Side, Ticks, TimeInForce, Timestamp};

impl Engine {
    // ---- validation: reads only -------------------------------------------------

    /// Is the resting order at `key` still live at `ts` (not due to expire)?
    #[inline]
    pub(super) fn live_key(&self, id: OrderId, ts: Timestamp) -> Option<(u32, &RestingOrder)> {
        let key = self.orders.key_of(id)?;
        let o = self.orders.get(key)?;
        (o.expire_at == 0 || o.expire_at > ts.0).then_some((key, o))
    }

    pub(super) fn instrument_index(&self, id: InstrumentId) -> Result<usize, CommandError> {
        let i = id.0 as usize;
        if i < self.instruments.len() {
            Ok(i)
        } else {
            Err(CommandError::UnknownInstrument { instrument: id })
        }
    }

    pub(super) fn validate(&self, ts: Timestamp, kind: &CommandKind) -> Result<Plan, CommandError> {
        match kind {
            CommandKind::RegisterInstrument(spec) => {
                validate_spec(spec)?;
                if self.symbols.contains_key(&spec.symbol) {
                    return Err(CommandError::DuplicateSymbol { symbol: spec.symbol.clone() });
                }
                let max = self.config.max_instruments.min(1 << 16);
                if self.instruments.len() >= max {
                    return Err(CommandError::InstrumentCapacityReached { max });
                }
                Ok(Plan::Register)
            }
            CommandKind::SetTradingStatus(s) => {
                Ok(Plan::SetStatus { instrument: self.instrument_index(s.instrument)? })
            }
            CommandKind::Place(p) => {
                let instrument = self.validate_place(ts, p)?;
                Ok(Plan::Place { instrument, order_id: OrderId(self.next_order_id) })
            }
            CommandKind::Cancel(c) => {
                let (key, o) = self.resolve(ts, c.account, c.order)?;
                Ok(Plan::Cancel { key, order: self.named(o) })
            }
            CommandKind::MassCancel(m) => {
                if m.account.is_none() && m.instrument.is_none() {
                    return Err(CommandError::MassCancelNeedsFilter);
                }
                if let Some(i) = m.instrument {
                    self.instrument_index(i)?;
                }
                Ok(Plan::MassCancel)
            }
            CommandKind::Amend(a) => {
                let (key, o) = self.resolve(ts, a.account, a.order)?;
                self.validate_amend(o, a)?;
                Ok(Plan::Amend { key, order: self.named(o) })
            }
            CommandKind::ExpireDue => Ok(Plan::ExpireDue),
        }
    }

    /// The live order a cancel or amend names, by the engine's id or the
    /// account's client order id: its slab key and record.
    #[inline]
    pub(super) fn resolve(
        &self,
        ts: Timestamp,
        account: AccountId,
        order: OrderRef,
    ) -> Result<(u32, &RestingOrder), CommandError> {
        match order {
            OrderRef::Id(order_id) => self.owned_order(ts, order_id, account),
            OrderRef::Client(client_order_id) => self.client_order(ts, account, client_order_id),
        }
    }

    /// What a checked amend or cancel tells its caller about the order it names.
    fn named(&self, o: &RestingOrder) -> NamedOrder {
        NamedOrder {
            order_id: o.id,
            account: o.account,
            instrument: InstrumentId(u32::from(o.instrument)),
            side: o.side,
            price: self.price_of(o),
            leaves: self.tables.leaves(o),
            filled: o.filled,
            version: o.version,
            waiting: o.flags.is_stop(),
        }
    }

    /// The live order `account` placed with `client_order_id`. Only the account's
    /// own client ids are searched, so another account's order is never found.
    #[inline(never)]
    fn client_order(
        &self,
        ts: Timestamp,
        account: AccountId,
        client_order_id: ClientOrderId,
    ) -> Result<(u32, &RestingOrder), CommandError> {
        let unknown =
            || CommandError::UnknownClientOrderId { account, client_order_id: client_order_id.as_str().to_owned() };
        let id = self.tables.client_ids.get(&(account, client_order_id)).copied().ok_or_else(unknown)?;
        self.live_key(id, ts).ok_or_else(unknown)
    }

    /// The live order `order_id` of `account`: its slab key and record.
    #[inline]
    pub(super) fn owned_order(
        &self,
        ts: Timestamp,
        order_id: OrderId,
        account: AccountId,
    ) -> Result<(u32, &RestingOrder), CommandError> {
        let (key, o) = self.live_key(order_id, ts).ok_or(CommandError::UnknownOrder { order_id })?;
        if o.account != account {
            return Err(CommandError::OrderNotOwned { order_id, account });
        }
        Ok((key, o))
    }

    #[inline(always)]
    pub(super) fn validate_place(&self, ts: Timestamp, p: &Place) -> Result<usize, CommandError> {
        let i = self.instrument_index(p.instrument)?;
        let spec = &self.instruments[i].instrument.spec;
        if p.qty.0 <= 0 {
            return Err(CommandError::InvalidQuantity { qty: p.qty });
        }
        let price = match p.order_type {
            OrderType::Limit(price) | OrderType::Iceberg { limit: price, .. } => {
                if price.0 <= 0 || price.0 > MAX_TICKS {
                    return Err(CommandError::InvalidPrice { price });
                }
                Some(price)
            }
            OrderType::Market => None,
            OrderType::StopMarket { .. } | OrderType::StopLimit { .. } => return self.validate_stop(ts, i, p),
            OrderType::MarketByAmount { .. } | OrderType::LimitByAmount { .. } => {
                return self.validate_by_amount(ts, i, p)
            }
        };
        if p.qty < spec.min_qty {
            return Err(CommandError::QuantityBelowMin { qty: p.qty, min: spec.min_qty });
        }
        if p.qty > spec.max_qty {
            return Err(CommandError::QuantityAboveMax { qty: p.qty, max: spec.max_qty });
        }
        let rests = matches!(p.time_in_force, TimeInForce::Gtc | TimeInForce::Gtd);
        if let Some(display) = p.order_type.display() {
            validate_iceberg(p, display, rests)?;
        }
        if price.is_none() && rests {
            return Err(CommandError::MarketOrderTimeInForce);
        }
        if p.post_only && !(rests && price.is_some()) {
            return Err(CommandError::PostOnlyTimeInForce);
        }
        match (p.time_in_force, p.expire_at) {
            (TimeInForce::Gtd, None) => return Err(CommandError::ExpireAtRequired),
            (TimeInForce::Gtd, Some(e)) if e <= ts => {
                return Err(CommandError::ExpireAtNotInFuture { expire_at: e, ts })
            }
            (TimeInForce::Gtd, Some(_)) => {}
            (_, Some(_)) => return Err(CommandError::ExpireAtNotAllowed),
            (_, None) => {}
        }
        self.check_client_order_id(ts, p)?;
        if let (true, Some(price)) = (rests, price) {
            self.check_capacity(i, p.side, price)?;
        }
        Ok(i)
    }

    #[inline(always)]
    fn check_client_order_id(&self, ts: Timestamp, p: &Place) -> Result<(), CommandError> {
        if let Some(c) = p.client_order_id {
            if let Some(&id) = self.tables.client_ids.get(&(p.account, c)) {
                if self.live_key(id, ts).is_some() {
                    return Err(CommandError::DuplicateClientOrderId {
                        account: p.account,
                        client_order_id: c.as_str().to_owned(),
                    });
                }
            }
        }
        Ok(())
    }

    /// An amend's checks after `stale_version` when it names a waiting stop or
    /// sets a trigger, out of the hot path. A stop needs no level capacity.
    #[inline(never)]
    #[cold]
    fn validate_stop_amend(&self, o: &RestingOrder, a: &Amend) -> Result<(), CommandError> {
        if a.new_price.is_none() && a.new_qty.is_none() && a.new_trigger.is_none() && a.new_display.is_none() {
            return Err(CommandError::NothingToAmend);
        }
        if a.new_display.is_some() {
            return Err(CommandError::NotAnIceberg { order_id: o.id });
        }
        let stop = if o.flags.is_stop() { self.stop_spec(o.id) } else { None };
        let Some(stop) = stop else {
            return Err(CommandError::NotAStop { order_id: o.id });
        };
        if a.new_price.is_some() && stop.limit.is_none() {
            return Err(CommandError::StopMarketHasNoLimit { order_id: o.id });
        }
        if let Some(price) = a.new_price {
            if price.0 <= 0 || price.0 > MAX_TICKS {
                return Err(CommandError::InvalidPrice { price });
            }
        }
        if let Some(trigger) = a.new_trigger {
            if trigger.0 <= 0 || trigger.0 > MAX_TICKS {
                return Err(CommandError::InvalidTriggerPrice { trigger });
            }
        }
        let spec = &self.instruments[o.instrument as usize].instrument.spec;
        if let Some(q) = a.new_qty {
            if q.0 <= 0 {
                return Err(CommandError::InvalidQuantity { qty: q });
            }
            if q <= o.filled {
                return Err(CommandError::AmendQtyAtOrBelowFilled { new_qty: q, filled: o.filled });
            }
            if q < spec.min_qty {
                return Err(CommandError::QuantityBelowMin { qty: q, min: spec.min_qty });
            }
            if q > spec.max_qty || q.0 > MAX_LOTS {
                return Err(CommandError::QuantityAboveMax { qty: q, max: spec.max_qty });
            }
        }
        Ok(())
    }

    /// An iceberg amend's own checks (before its price's and quantity's): only
    /// an iceberg has a display, and a display is 1 lot or more.
    #[inline(never)]
    #[cold]
    fn validate_display_amend(&self, o: &RestingOrder, display: Lots) -> Result<(), CommandError> {
        if !o.iceberg {
            return Err(CommandError::NotAnIceberg { order_id: o.id });
        }
        if display.0 <= 0 {
            let qty = Lots(o.filled.0 + self.tables.leaves(o).0);
            return Err(CommandError::InvalidDisplay { display, qty });
        }
        Ok(())
    }

    /// A stop place's checks (`validate_place` after `unknown_instrument` and
    /// `invalid_quantity`), out of the hot path. A waiting stop takes an order
    /// slot; the level a stop-limit may rest at is checked when it triggers.
    #[inline(never)]
    #[cold]
    fn validate_stop(&self, ts: Timestamp, i: usize, p: &Place) -> Result<usize, CommandError> {
        let spec = &self.instruments[i].instrument.spec;
        let (trigger, limit) = match p.order_type {
            OrderType::StopMarket { trigger } => (trigger, None),
            OrderType::StopLimit { trigger, limit } => (trigger, Some(limit)),
            _ => (Ticks(0), None),
        };
        if let Some(price) = limit {
            if price.0 <= 0 || price.0 > MAX_TICKS {
                return Err(CommandError::InvalidPrice { price });
            }
        }
        if trigger.0 <= 0 || trigger.0 > MAX_TICKS {
            return Err(CommandError::InvalidTriggerPrice { trigger });
        }
        if p.qty < spec.min_qty {
            return Err(CommandError::QuantityBelowMin { qty: p.qty, min: spec.min_qty });
        }
        if p.qty > spec.max_qty {
            return Err(CommandError::QuantityAboveMax { qty: p.qty, max: spec.max_qty });
        }
        if limit.is_none() && !matches!(p.time_in_force, TimeInForce::Gtc | TimeInForce::Gtd) {
            return Err(CommandError::StopMarketTimeInForce);
        }
        if p.post_only {
            return Err(CommandError::PostOnlyStop);
        }
        // A GTD stop waits until `expire_at` and, a stop-limit, rests until then
        // once triggered; an IOC/FOK stop-limit may bound its wait the same way
        // (what the Broker's protected stop-market is).
        let bounded_wait = limit.is_some() && matches!(p.time_in_force, TimeInForce::Ioc | TimeInForce::Fok);
        match (p.time_in_force, p.expire_at) {
            (TimeInForce::Gtd, None) => return Err(CommandError::ExpireAtRequired),
            (_, Some(e)) if e <= ts && (bounded_wait || p.time_in_force == TimeInForce::Gtd) => {
                return Err(CommandError::ExpireAtNotInFuture { expire_at: e, ts })
            }
            (TimeInForce::Gtd, Some(_)) => {}
            (_, Some(_)) if bounded_wait => {}
            (_, Some(_)) => return Err(CommandError::ExpireAtNotAllowed),
            (_, None) => {}
        }
        self.check_client_order_id(ts, p)?;
        if self.orders.len() >= self.config.max_orders {
            return Err(CommandError::OrderCapacityReached { max: self.config.max_orders });
        }
        Ok(i)
    }

    /// A by-amount place's checks (`validate_place` after `unknown_instrument`
    /// and `invalid_quantity`), out of the hot path. It never rests (IOC or FOK),
    /// so it needs no capacity.
    #[inline(never)]
    #[cold]
    fn validate_by_amount(&self, ts: Timestamp, i: usize, p: &Place) -> Result<usize, CommandError> {
        let spec = &self.instruments[i].instrument.spec;
        if let Some(price) = p.order_type.limit() {
            if price.0 <= 0 || price.0 > MAX_TICKS {
                return Err(CommandError::InvalidPrice { price });
            }
        }
        if let Some(amount) = p.order_type.amount().filter(|a| a.0 == 0) {
            return Err(CommandError::InvalidAmount { amount: amount.0 });
        }
        if p.qty < spec.min_qty {
            return Err(CommandError::QuantityBelowMin { qty: p.qty, min: spec.min_qty });
        }
        if p.qty > spec.max_qty {
            return Err(CommandError::QuantityAboveMax { qty: p.qty, max: spec.max_qty });
        }
        if !matches!(p.time_in_force, TimeInForce::Ioc | TimeInForce::Fok) {
            return Err(CommandError::MarketOrderTimeInForce);
        }
        if p.post_only {
            return Err(CommandError::PostOnlyTimeInForce);
        }
        if p.expire_at.is_some() {
            return Err(CommandError::ExpireAtNotAllowed);
        }
        self.check_client_order_id(ts, p)?;
        Ok(i)
    }

    /// Conservative: an order that may rest needs room for one more order and,
    /// at a new price, one more level.
    #[inline(always)]
    pub(super) fn check_capacity(&self, i: usize, side: Side, price: Ticks) -> Result<(), CommandError> {
        if self.orders.len() >= self.config.max_orders {
            return Err(CommandError::OrderCapacityReached { max: self.config.max_orders });
        }
        let ladder = self.instruments[i].book.side(side);
        if ladder.len() >= self.config.max_levels_per_side && ladder.level_at(price).is_none() {
            return Err(CommandError::LevelCapacityReached { max: self.config.max_levels_per_side });
        }
        Ok(())
    }

    /// The amend's own checks, on the live order it names (from [`Engine::resolve`]).
    #[inline]
    pub(super) fn validate_amend(&self, o: &RestingOrder, a: &Amend) -> Result<(), CommandError> {
        if let Some(expected) = a.expected_version {
            if expected != o.version {
                return Err(CommandError::StaleVersion { order_id: o.id, expected, current: o.version });
            }
        }
        // A stop, a new trigger or a new display: one branch, out of the hot path.
        if a.new_trigger.is_some() | a.new_display.is_some() | o.flags.is_stop() {
            return self.validate_special_amend(o, a);
        }
        if a.new_price.is_none() && a.new_qty.is_none() {
            return Err(CommandError::NothingToAmend);
        }
        self.validate_amend_terms(o, a)
    }

    /// The amend of a waiting stop, or one that sets a trigger or a display.
    #[inline(never)]
    #[cold]
    fn validate_special_amend(&self, o: &RestingOrder, a: &Amend) -> Result<(), CommandError> {
        match a.new_display {
            Some(display) if a.new_trigger.is_none() && !o.flags.is_stop() => {
                self.validate_display_amend(o, display)?;
                self.validate_amend_terms(o, a)
            }
            _ => self.validate_stop_amend(o, a),
        }
    }

    /// A resting order's new price and quantity: in range, above what filled,
    /// and room for a new level.
    #[inline(always)]
    fn validate_amend_terms(&self, o: &RestingOrder, a: &Amend) -> Result<(), CommandError> {
        let spec = &self.instruments[o.instrument as usize].instrument.spec;
        if let Some(price) = a.new_price {
            if price.0 <= 0 || price.0 > MAX_TICKS {
                return Err(CommandError::InvalidPrice { price });
            }
        }
        if let Some(q) = a.new_qty {
            if q.0 <= 0 {
                return Err(CommandError::InvalidQuantity { qty: q });
            }
            if q <= o.filled {
                return Err(CommandError::AmendQtyAtOrBelowFilled { new_qty: q, filled: o.filled });
            }
            if q < spec.min_qty {
                return Err(CommandError::QuantityBelowMin { qty: q, min: spec.min_qty });
            }
            if q > spec.max_qty || q.0 > MAX_LOTS {
                return Err(CommandError::QuantityAboveMax { qty: q, max: spec.max_qty });
            }
        }
        if let Some(price) = a.new_price {
            let book = &self.instruments[o.instrument as usize].book;
            if Some(price) != book.level(o.level).map(|l| l.price) {
                let ladder = book.side(o.side);
                if ladder.len() >= self.config.max_levels_per_side && ladder.level_at(price).is_none() {
                    return Err(CommandError::LevelCapacityReached { max: self.config.max_levels_per_side });
                }
            }
        }
        Ok(())
    }
}

/// An iceberg place's own checks (after its price and quantity): a display of
/// 1 lot up to the quantity, and a time in force that rests.
#[inline(never)]
#[cold]
fn validate_iceberg(p: &Place, display: Lots, rests: bool) -> Result<(), CommandError> {
    if display.0 <= 0 || display > p.qty {
        return Err(CommandError::InvalidDisplay { display, qty: p.qty });
    }
    if !rests {
        return Err(CommandError::IcebergTimeInForce);
    }
    Ok(())
}
