//! `Engine.submitMany`: many commands in one call, over a compact encoding — a
//! `BigInt64Array` of fixed records of [`RECORD`] slots, in the engine's
//! integers (ticks and lots on the instrument's grid, not decimal text; that is
//! the point of the encoding). `lib.js`'s `CommandBatch` writes it.
//!
//! | slot | place (op 1 limit, 2 market) | cancel (3) | amend qty (4), price (5), reduce (6) |
//! |---|---|---|---|
//! | 0 | op \| tif << 8 \| post_only << 16 | op | op |
//! | 1 | instrument id | – | – |
//! | 2 | account | account | account |
//! | 3 | side (0 buy, 1 sell) | order id | order id |
//! | 4 | price (ticks; limit) | – | new price (ticks; op 5) |
//! | 5 | quantity (lots) | – | new total quantity (lots; ops 4, 6) |
//!
//! Stops, orders by amount and trigger amends have their own ops; the side is
//! then in the head (`side << 24`), so slot 3 is free for the trigger or amount:
//!
//! | slot | stop-market (7) | stop-limit (8) | market by amount (9) | limit by amount (10) | amend trigger (11) |
//! |---|---|---|---|---|---|
//! | 0 | op \| tif << 8 \| side << 24 | same | same | same | op |
//! | 1 | instrument id | instrument id | instrument id | instrument id | – |
//! | 2 | account | account | account | account | account |
//! | 3 | trigger (ticks) | trigger (ticks) | amount (tick·lots) | amount (tick·lots) | order id |
//! | 4 | – | limit (ticks) | – | limit (ticks) | new trigger (ticks) |
//! | 5 | quantity (lots) | quantity (lots) | quantity (lots) | quantity (lots) | – |
//!
//! `tif`: 0 the default (GTC for limits and stops, IOC for markets and orders by
//! amount, as `place`), 1 GTC, 2 IOC, 3 FOK. A head bit no op defines is refused
//! (`invalid_argument`), never ignored; so is a negative amount or order id.
//! What a record cannot carry (expiry, STP, client order id) is `place`'s only.
//! Op 6 ("reduce") is an amend of the total quantity that becomes a cancel when
//! the core refuses it because nothing would be left (`amend_qty_at_or_below_filled`):
//! what a host does for a reduce-by-delta; the rule itself is the core's.
//! Commands run in order, exactly as one call each would; one that fails
//! changed nothing and does not stop the batch: it is counted, the first ones
//! reported with their index and code.

use brokerx_engine::{
    AccountId, Amend, Cancel, Command, CommandError, CommandKind, CorrelationId, Event as CoreEvent, EventKind,
    EventSink, InstrumentId, Lots, Notional, OrderId, OrderRef, OrderType, Place, SelfTradePrevention, Side, Ticks,
    TimeInForce,
};
use napi::bindgen_prelude::{BigInt64Array, Unknown};
use napi_derive::napi;

use crate::args::Opts;
use crate::clock::stamp;
use crate::engine::{self, Inner};
use crate::errors::{fail, range_error, Res, Result};

/// Slots per command.
pub const RECORD: usize = 6;
/// Errors reported one by one (the rest are only counted).
const ERRORS_LISTED: usize = 100;

/// One refused command of a batch.
#[napi(object, object_from_js = false)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchError {
    pub index: u32,
    pub code: String,
    pub message: String,
}

/// What a batch did.
#[napi(object, object_from_js = false)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchResult {
    /// Commands applied (the others were refused and changed nothing).
    pub applied: u32,
    /// Commands refused.
    pub refused: u32,
    /// The first refusals, in order.
    pub errors: Vec<BatchError>,
    /// Fills (`Trade` events) and their total quantity in lots.
    pub trades: u32,
    pub traded_lots: u64,
    /// Events the batch queued (`takeEvents`); 0 with `events: 'none'`.
    pub queued_events: u32,
}

/// Counts fills; queues events or not.
struct Sink<'a> {
    queue: Option<&'a mut Vec<CoreEvent>>,
    trades: u32,
    traded_lots: u64,
}

impl EventSink for Sink<'_> {
    #[inline]
    fn event(&mut self, event: CoreEvent) {
        if let EventKind::Trade { qty, .. } = event.kind {
            self.trades = self.trades.saturating_add(1);
            self.traded_lots = self.traded_lots.saturating_add(u64::try_from(qty.0).unwrap_or(0));
        }
        if let Some(q) = self.queue.as_deref_mut() {
            q.push(event);
        }
    }
}

/// `tif` bits of a head: 0 is the op's default.
fn time_in_force(head: i64, default: TimeInForce) -> std::result::Result<TimeInForce, &'static str> {
    Ok(match (head >> 8) & 0xff {
        0 => default,
        1 => TimeInForce::Gtc,
        2 => TimeInForce::Ioc,
        3 => TimeInForce::Fok,
        _ => return Err("time in force must be 0..=3"),
    })
}

fn side_of(code: i64) -> std::result::Result<Side, &'static str> {
    match code {
        0 => Ok(Side::Buy),
        1 => Ok(Side::Sell),
        _ => Err("side must be 0 (buy) or 1 (sell)"),
    }
}

/// The head bits each op defines (op, tif, post-only, side); any other is refused.
fn head_mask(op: i64) -> i64 {
    match op {
        1 | 2 => 0xff | 0xff << 8 | 1 << 16,
        7..=10 => 0xff | 0xff << 8 | 0xff << 24,
        _ => 0xff,
    }
}

/// The command a record encodes, or why it encodes none.
fn decode(r: &[i64]) -> std::result::Result<CommandKind, &'static str> {
    let [head, instrument, account, third, price, qty] = *r else { return Err("short record") };
    let op = head & 0xff;
    if head & !head_mask(op) != 0 {
        return Err("the head sets bits its op does not define");
    }
    let account = AccountId(u64::try_from(account).map_err(|_| "negative account")?);
    let order = || u64::try_from(third).map(|id| OrderRef::Id(OrderId(id))).map_err(|_| "negative order id");
    let instrument = || u32::try_from(instrument).map(InstrumentId).map_err(|_| "instrument id out of range");
    let place = |order_type, side, time_in_force, post_only| -> std::result::Result<CommandKind, &'static str> {
        Ok(CommandKind::Place(Place {
            account,
            instrument: instrument()?,
            side,
            order_type,
            qty: Lots(qty),
            time_in_force,
            expire_at: None,
            post_only,
            stp: SelfTradePrevention::None,
            client_order_id: None,
        }))
    };
    let amend = |new_price, new_qty, new_trigger| -> std::result::Result<CommandKind, &'static str> {
        Ok(CommandKind::Amend(Amend {
            account,
            order: order()?,
            new_price,
            new_qty,
            expected_version: None,
            new_trigger,
            new_display: None,
        }))
    };
    match op {
        1 | 2 => {
            let market = op == 2;
            let tif = time_in_force(head, if market { TimeInForce::Ioc } else { TimeInForce::Gtc })?;
            let order_type = if market { OrderType::Market } else { OrderType::Limit(Ticks(price)) };
            place(order_type, side_of(third)?, tif, (head >> 16) & 1 == 1)
        }
        3 => Ok(CommandKind::Cancel(Cancel { account, order: order()? })),
        4 | 6 => amend(None, Some(Lots(qty)), None),
        5 => amend(Some(Ticks(price)), None, None),
        7..=10 => {
            let side = side_of((head >> 24) & 0xff)?;
            let amount = || u64::try_from(third).map(Notional).map_err(|_| "negative amount");
            let (order_type, default) = match op {
                7 => (OrderType::StopMarket { trigger: Ticks(third) }, TimeInForce::Gtc),
                8 => (OrderType::StopLimit { trigger: Ticks(third), limit: Ticks(price) }, TimeInForce::Gtc),
                9 => (OrderType::MarketByAmount { amount: amount()? }, TimeInForce::Ioc),
                _ => (OrderType::LimitByAmount { limit: Ticks(price), amount: amount()? }, TimeInForce::Ioc),
            };
            place(order_type, side, time_in_force(head, default)?, false)
        }
        11 => amend(None, None, Some(Ticks(price))),
        _ => Err("unknown op"),
    }
}

/// A batch's options, read before any typed array is borrowed (a getter could run JS).
struct Settings {
    queue_events: bool,
    ts: Option<u64>,
    correlation_id: u64,
}

impl Settings {
    fn read(o: &Opts<'_>) -> Res<Self> {
        let queue_events = match o.string("events")?.as_deref() {
            None | Some("queue") => true,
            Some("none") => false,
            Some(other) => {
                return Err(range_error("options.events", format!("must be 'queue' or 'none', got {other:?}")))
            }
        };
        Ok(Settings { queue_events, ts: o.u64("ts")?, correlation_id: o.u64("correlationId")?.unwrap_or(0) })
    }
}

fn run(inner: &mut Inner, records: &[i64], set: &Settings, mut order_ids: Option<&mut [i64]>) -> Res<BatchResult> {
    if records.len() % RECORD != 0 {
        return Err(range_error("commands", format!("length must be a multiple of {RECORD} (one record per command)")));
    }
    let queue_events = set.queue_events;
    let n = records.len() / RECORD;
    if let Some(ids) = order_ids.as_deref() {
        if ids.len() < n {
            return Err(range_error("options.orderIds", format!("needs at least {n} slots")));
        }
    }
    if queue_events && inner.queue_full() {
        return Err(fail("events_not_taken", "the event queue is full: call takeEvents() or dropEvents()"));
    }
    let ts = stamp(&mut inner.clock, set.ts, inner.engine.now());
    let base = set.correlation_id;
    let queued_before = inner.queue.len();
    let Inner { engine, queue, .. } = inner;
    let mut sink = Sink { queue: if queue_events { Some(queue) } else { None }, trades: 0, traded_lots: 0 };
    let (mut applied, mut refused, mut errors) = (0u32, 0u32, Vec::new());
    for (i, r) in records.chunks_exact(RECORD).enumerate() {
        let correlation_id = CorrelationId(base.wrapping_add(i as u64));
        let outcome = match decode(r) {
            Ok(kind) => {
                // A reduce that would leave nothing is the order's cancel.
                let cancel_instead = match (&kind, r.first().is_some_and(|h| h & 0xff == 6)) {
                    (CommandKind::Amend(a), true) => Some(Cancel { account: a.account, order: a.order }),
                    _ => None,
                };
                match (engine.apply(&Command { ts, correlation_id, kind }, &mut sink), cancel_instead) {
                    (Err(CommandError::AmendQtyAtOrBelowFilled { .. }), Some(c)) => engine
                        .apply(&Command { ts, correlation_id, kind: CommandKind::Cancel(c) }, &mut sink)
                        .map_err(Refusal::Command),
                    (other, _) => other.map_err(Refusal::Command),
                }
            }
            Err(why) => Err(Refusal::Record(why)),
        };
        match outcome {
            Ok(out) => {
                applied += 1;
                if let Some(slot) = order_ids.as_deref_mut().and_then(|ids| ids.get_mut(i)) {
                    *slot = out.order_id().map_or(0, |id| i64::try_from(id.0).unwrap_or(i64::MAX));
                }
            }
            Err(why) => {
                refused += 1;
                if errors.len() < ERRORS_LISTED {
                    let (code, message) = match why {
                        Refusal::Command(e) => (e.code(), e.to_string()),
                        Refusal::Record(w) => ("invalid_argument", format!("record {i}: {w}")),
                    };
                    errors.push(BatchError { index: i as u32, code: code.to_string(), message });
                }
            }
        }
    }
    let (trades, traded_lots) = (sink.trades, sink.traded_lots);
    let t = &mut inner.totals;
    t.applied += u64::from(applied);
    t.refused += u64::from(refused);
    t.trades += u64::from(trades);
    t.traded_lots = t.traded_lots.saturating_add(traded_lots);
    let queued_events = u32::try_from(inner.queue.len() - queued_before).unwrap_or(u32::MAX);
    Ok(BatchResult { applied, refused, errors, trades, traded_lots, queued_events })
}

/// Why a record did not run.
enum Refusal {
    Command(CommandError),
    Record(&'static str),
}

/// What every batch of an engine did since it was made (host-side statistics,
/// not engine state: not in snapshots).
#[napi(object, object_from_js = false)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchTotals {
    pub applied: u64,
    pub refused: u64,
    pub trades: u64,
    pub traded_lots: u64,
}

/// `Engine.submitRange` by handle: `count` records from record `from`, events
/// as the engine's `batchEvents` option says; the number refused.
#[napi(catch_unwind)]
pub fn engine_submit_range(handle: u32, commands: BigInt64Array, from: u32, count: u32) -> Result<u32> {
    engine::with(handle, |inner| {
        let all: &[i64] = &commands;
        let records = range(all, Some(from), Some(count))?;
        let set = Settings { queue_events: inner.batch_events, ts: None, correlation_id: 0 };
        Ok(run(inner, records, &set, None)?.refused)
    })
}

fn range(all: &[i64], from: Option<u32>, count: Option<u32>) -> Res<&[i64]> {
    let start = (from.unwrap_or(0) as usize).saturating_mul(RECORD);
    let end = match count {
        Some(c) => start.saturating_add((c as usize).saturating_mul(RECORD)),
        None => all.len(),
    };
    all.get(start..end)
        .ok_or_else(|| range_error("from", format!("records {start}..{end} are outside the {} slots given", all.len())))
}

/// `Engine.submitMany` by handle (what `lib.js` calls).
#[napi(catch_unwind)]
pub fn engine_submit_many(
    handle: u32,
    commands: BigInt64Array,
    options: Option<Unknown<'_>>,
    from: Option<u32>,
    count: Option<u32>,
) -> Result<BatchResult> {
    engine::with(handle, |inner| {
        let o = Opts::new(options, "options")?;
        let set = Settings::read(&o)?;
        let mut ids: Option<BigInt64Array> = match o.get("orderIds")? {
            Some(v) => Some(crate::args::bigint64_array(&v, "options.orderIds")?),
            None => None,
        };
        #[allow(unsafe_code)]
        // SAFETY: the slice is the typed array's own memory; no JavaScript runs
        // while the batch holds it (its options were read above; it calls no JS).
        let ids = ids.as_mut().map(|a| unsafe { a.as_mut() });
        let all: &[i64] = &commands;
        run(inner, range(all, from, count)?, &set, ids)
    })
}
