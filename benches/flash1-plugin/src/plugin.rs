//! The plug-in's state: one [`Engine`] with one instrument, the translation
//! between the harness's order ids and the engine's, and the report sink that
//! turns the engine's events into the harness's reports.
//!
//! Invariants: every report is built from an engine event (or, for a reject,
//! from the engine refusing the command); the book is only the engine's
//! (queries read it); `names` maps every engine id the engine ever accepted to
//! the harness id it was placed under, and `ids` maps a harness id to the engine
//! id it was last placed under (the engine says whether that order still rests).

use std::collections::BTreeMap;
use std::ffi::c_void;

use brokerx_engine::{
    AccountId, Amend, Cancel, CancelReason, Command, CommandKind, CorrelationId, Engine, EngineConfig, Event,
    EventKind, EventSink, InstrumentId, InstrumentSpec, Lots, OrderId, Place, Side, Ticks, TimeInForce, Timestamp,
};

use crate::abi::{report_type, CancelMsg, ModifyMsg, NewOrder, Report};

/// Every order belongs to one account; self-trade prevention stays off
/// (`Place::limit`), as the benchmark has no notion of owners.
const ACCOUNT: AccountId = AccountId(1);

/// Ids below this are kept in a flat table; the workload's are dense and below
/// ~2.1 M. Larger ones (allowed by the interface) go to a tree.
const DENSE_IDS_MAX: u64 = 1 << 25;

/// Resting orders the engine may hold (the workload peaks far below).
const ORDERS_MAX: usize = 16_000_000;

/// Price levels per book side (the workload's price band is a few thousand ticks).
const LEVELS_PER_SIDE_MAX: usize = 1 << 20;

/// A `u64 -> u64` map for ids, 0 meaning absent: flat for small keys, a tree beyond.
#[derive(Debug, Default)]
pub(crate) struct IdMap {
    dense: Vec<u64>,
    sparse: BTreeMap<u64, u64>,
}

impl IdMap {
    fn with_capacity(n: usize) -> Self {
        IdMap { dense: Vec::with_capacity(n), sparse: BTreeMap::new() }
    }

    #[inline]
    pub(crate) fn get(&self, key: u64) -> u64 {
        if key < DENSE_IDS_MAX {
            self.dense.get(key as usize).copied().unwrap_or(0)
        } else {
            self.sparse.get(&key).copied().unwrap_or(0)
        }
    }

    #[inline]
    pub(crate) fn set(&mut self, key: u64, value: u64) {
        if key < DENSE_IDS_MAX {
            let k = key as usize;
            if k >= self.dense.len() {
                self.dense.resize(k + 1, 0);
            }
            if let Some(slot) = self.dense.get_mut(k) {
                *slot = value;
            }
        } else {
            self.sparse.insert(key, value);
        }
    }
}

/// Where the reports go: the harness's transport and the handle it gave us.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outbox {
    pub(crate) push: unsafe extern "C" fn(*mut c_void, *const Report) -> i32,
    pub(crate) handle: *mut c_void,
}

impl Outbox {
    /// Pushes one report, spinning while the queue is full (the harness's drainer
    /// empties it from another core).
    #[inline(always)]
    fn send(&self, report: &Report) {
        loop {
            // SAFETY: `push` and `handle` are the pair the harness handed to
            // `engine_init`, valid until `engine_shutdown`; the report is a live
            // `me_report_t` for the duration of the call, which copies it.
            if unsafe { (self.push)(self.handle, report) } != 0 {
                return;
            }
            std::hint::spin_loop();
        }
    }
}

/// What the harness message being run is, so an event can be told apart
/// (the cancel half of a modify reports nothing; its place reports a ModifyAck).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    New,
    Cancel,
    /// A modify run as one engine amend that re-queues the order.
    Amend,
    /// The cancel half of a modify run as cancel + place.
    ReplaceCancel,
    /// The place half of a modify run as cancel + place.
    ReplacePlace,
}

/// Turns one harness message's engine events into reports, as they are emitted.
struct Reports<'a> {
    outbox: Outbox,
    names: &'a mut IdMap,
    ids: &'a mut IdMap,
    origin: Origin,
    seq: u64,
    /// The harness id of the order the message names.
    order_id: u64,
    /// Reports pushed for this message.
    sent: u32,
}

#[inline(always)]
fn side_code(side: Side) -> u8 {
    match side {
        Side::Buy => 0,
        Side::Sell => 1,
    }
}

impl Reports<'_> {
    #[inline(always)]
    fn ack(&mut self, report_type: u8, side: Side, price: i64, quantity: u32) {
        self.sent += 1;
        self.outbox.send(&Report {
            report_type,
            side: side_code(side),
            sequence_number: self.seq,
            order_id: self.order_id,
            price_ticks: price,
            quantity,
            ..Report::default()
        });
    }
}

impl EventSink for Reports<'_> {
    #[inline(always)]
    fn event(&mut self, event: Event) {
        match event.kind {
            EventKind::Accepted { order_id, side, price, qty, .. } => {
                self.names.set(order_id.0, self.order_id);
                self.ids.set(self.order_id, order_id.0);
                let kind =
                    if self.origin == Origin::ReplacePlace { report_type::MODIFY_ACK } else { report_type::ORDER_ACK };
                self.ack(kind, side, price.map_or(0, |p| p.0), qty.0 as u32);
            }
            EventKind::Trade { price, qty, maker_order_id, taker_order_id, .. } => {
                self.sent += 1;
                self.outbox.send(&Report {
                    report_type: report_type::TRADE,
                    sequence_number: self.seq,
                    price_ticks: price.0,
                    quantity: qty.0 as u32,
                    maker_order_id: self.names.get(maker_order_id.0),
                    taker_order_id: self.names.get(taker_order_id.0),
                    ..Report::default()
                });
            }
            EventKind::Cancelled { side, price, reason, .. } => {
                let ioc_rest = self.origin == Origin::New && reason == CancelReason::IocRemainder;
                if ioc_rest || self.origin == Origin::Cancel {
                    self.ack(report_type::CANCEL_ACK, side, price.map_or(0, |p| p.0), 0);
                }
            }
            EventKind::Amended { side, price, remaining, .. } => {
                self.ack(report_type::MODIFY_ACK, side, price.0, remaining.0 as u32);
            }
            _ => {}
        }
    }
}

/// The engine and what the plug-in keeps beside it.
#[derive(Debug)]
pub(crate) struct Plugin {
    engine: Engine,
    instrument: InstrumentId,
    /// Harness order id -> the engine id it was last placed under.
    ids: IdMap,
    /// Engine order id -> harness order id.
    names: IdMap,
    outbox: Outbox,
}

#[inline(always)]
fn side_of(code: u8) -> Side {
    if code == 0 {
        Side::Buy
    } else {
        Side::Sell
    }
}

#[inline(always)]
fn command(seq: u64, kind: CommandKind) -> Command {
    // The benchmark has no clock and no deadlines: every command is at time 0.
    Command { ts: Timestamp(0), correlation_id: CorrelationId(seq), kind }
}

impl Plugin {
    /// An engine with one instrument (tick and lot 1: the harness's integer
    /// ticks and quantities are the engine's), market data off.
    pub(crate) fn new(outbox: Outbox) -> Option<Plugin> {
        let config = EngineConfig {
            max_orders: ORDERS_MAX,
            max_levels_per_side: LEVELS_PER_SIDE_MAX,
            market_data: false,
            ..EngineConfig::default()
        };
        let mut engine = Engine::new(config);
        let spec = InstrumentSpec::new("FLASH1", brokerx_engine::Decimal::ONE, brokerx_engine::Decimal::ONE);
        engine.apply(&command(0, CommandKind::RegisterInstrument(spec)), &mut Vec::new()).ok()?;
        let instrument = engine.instrument_by_symbol("FLASH1")?.id;
        Some(Plugin {
            engine,
            instrument,
            ids: IdMap::with_capacity(1 << 22),
            names: IdMap::with_capacity(1 << 22),
            outbox,
        })
    }

    fn reports(&mut self, origin: Origin, seq: u64, order_id: u64) -> (&mut Engine, Reports<'_>) {
        let reports =
            Reports { outbox: self.outbox, names: &mut self.names, ids: &mut self.ids, origin, seq, order_id, sent: 0 };
        (&mut self.engine, reports)
    }

    fn reject(&self, report_type: u8, seq: u64, order_id: u64) {
        self.outbox.send(&Report { report_type, sequence_number: seq, order_id, ..Report::default() });
    }

    /// A new limit order: OrderAck, a Trade per fill, a CancelAck for an IOC's
    /// remainder. An order the engine refuses (price ≤ 0, quantity 0) reports
    /// nothing: the interface has no reject for new orders.
    #[inline]
    pub(crate) fn on_new_order(&mut self, o: &NewOrder) {
        let mut place =
            Place::limit(ACCOUNT, self.instrument, side_of(o.side), Ticks(o.price_ticks), Lots(i64::from(o.quantity)));
        if o.ioc != 0 {
            place.time_in_force = TimeInForce::Ioc;
        }
        let cmd = command(o.sequence_number, CommandKind::Place(place));
        let (engine, mut reports) = self.reports(Origin::New, o.sequence_number, o.order_id);
        let _ = engine.apply(&cmd, &mut reports);
    }

    /// A cancel: CancelAck if the engine cancelled a resting order, CancelReject
    /// if it refused (not resting: filled, cancelled or never placed).
    #[inline]
    pub(crate) fn on_cancel(&mut self, c: &CancelMsg) {
        let engine_id = self.ids.get(c.order_id);
        if engine_id != 0 {
            let cmd = command(c.sequence_number, CommandKind::Cancel(Cancel::new(ACCOUNT, OrderId(engine_id))));
            let (engine, mut reports) = self.reports(Origin::Cancel, c.sequence_number, c.order_id);
            if engine.apply(&cmd, &mut reports).is_ok() {
                return;
            }
        }
        self.reject(report_type::CANCEL_REJECT, c.sequence_number, c.order_id);
    }

    /// A modify, as the interface defines it: cancel + reinsert with
    /// `new_quantity` open, losing time priority, a Trade per fill it crosses,
    /// one ModifyAck; a ModifyReject if the order does not rest (or the new
    /// quantity is 0, which no order may have).
    ///
    /// The engine's amend re-queues an order whose price changes or whose open
    /// quantity grows, and that is the same thing as cancel + reinsert in one
    /// command (the workload's modifies are all of this kind). An amend to the
    /// same price with no more open quantity would keep its place in the queue,
    /// so that case runs as a cancel and a new place instead.
    #[inline]
    pub(crate) fn on_modify(&mut self, m: &ModifyMsg) {
        let engine_id = self.ids.get(m.order_id);
        if engine_id != 0 && m.new_quantity != 0 && self.modify(engine_id, m) {
            return;
        }
        self.reject(report_type::MODIFY_REJECT, m.sequence_number, m.order_id);
    }

    /// Runs a modify of the live order `engine_id`; false if the engine refused it.
    #[inline]
    fn modify(&mut self, engine_id: u64, m: &ModifyMsg) -> bool {
        let seq = m.sequence_number;
        let new_price = Ticks(m.new_price_ticks);
        let new_open = Lots(i64::from(m.new_quantity));
        let cancel = command(seq, CommandKind::Cancel(Cancel::new(ACCOUNT, OrderId(engine_id))));
        let Ok(checked) = self.engine.check(&cancel) else { return false };
        let Some(order) = checked.named_order() else { return false };
        if order.price != new_price || new_open > order.leaves {
            // Re-queued by the engine itself; the new total is what it has
            // filled plus the new open quantity.
            let amend = Amend::new(ACCOUNT, OrderId(engine_id))
                .with_price(new_price)
                .with_qty(Lots(order.filled.0.saturating_add(new_open.0)));
            let cmd = command(seq, CommandKind::Amend(amend));
            let (engine, mut reports) = self.reports(Origin::Amend, seq, m.order_id);
            return engine.apply(&cmd, &mut reports).is_ok();
        }
        let (engine, mut reports) = self.reports(Origin::ReplaceCancel, seq, m.order_id);
        if engine.execute(&checked, &mut reports).is_err() {
            return false;
        }
        let place = Place::limit(ACCOUNT, self.instrument, order.side, new_price, new_open);
        let cmd = command(seq, CommandKind::Place(place));
        let (engine, mut reports) = self.reports(Origin::ReplacePlace, seq, m.order_id);
        // The order was cancelled; if its reinsert is refused, the modify is
        // reported refused (the order no longer rests).
        engine.apply(&cmd, &mut reports).is_ok() && reports.sent > 0
    }

    pub(crate) fn best_bid(&self) -> i64 {
        self.engine.bbo(self.instrument).and_then(|b| b.bid).map_or(i64::MIN, |l| l.price.0)
    }

    pub(crate) fn best_ask(&self) -> i64 {
        self.engine.bbo(self.instrument).and_then(|b| b.ask).map_or(i64::MAX, |l| l.price.0)
    }

    /// The engine's total at one level: walks the side best first and stops at
    /// the first level past `price`.
    pub(crate) fn depth_at(&self, price: i64, side: u8) -> u64 {
        let side = side_of(side);
        let before_or_at = |p: i64| match side {
            Side::Buy => p >= price,
            Side::Sell => p <= price,
        };
        self.engine
            .depth(self.instrument, side)
            .take_while(|l| before_or_at(l.price.0))
            .find(|l| l.price.0 == price)
            .map_or(0, |l| l.qty.0.max(0) as u64)
    }
}
