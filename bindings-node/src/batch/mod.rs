//! `Engine.submitMany` / `submitRange`: many commands in one call, over a
//! compact encoding — a `BigInt64Array` of fixed records of [`RECORD`] slots, in
//! the engine's integers (ticks and lots on the instrument's grid, not decimal
//! text; that is the point of the encoding). `lib.js`'s `CommandBatch` writes
//! it; the layout and its decoding are in `record`.
//!
//! Op 6 ("reduce") is an amend of the total quantity that becomes a cancel when
//! the core refuses it because nothing would be left (`amend_qty_at_or_below_filled`):
//! what a host does for a reduce-by-delta; the rule itself is the core's.
//! Commands run in order, exactly as one call each would; one that fails
//! changed nothing and does not stop the batch: it is counted, the first ones
//! reported with their index and code. A command is named by the index of its
//! first record (its correlation id is the batch's plus that index, its order
//! id goes to that slot of `orderIds`; an extension record's slot stays 0).

mod record;

use brokerx_engine::{
    Cancel, Command, CommandError, CommandKind, CorrelationId, Event as CoreEvent, EventKind, EventSink,
};
use napi::bindgen_prelude::{BigInt64Array, Unknown};
use napi_derive::napi;

use crate::args::Opts;
use crate::clock::stamp;
use crate::engine::{self, Inner};
use crate::errors::{fail, range_error, Res, Result};
pub use record::RECORD;
use record::{Bad, Extension};

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
    // Commands are at most this many (fewer with extension records).
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
    let n_records = records.len() / RECORD;
    let mut i = 0usize;
    while i < n_records {
        let r = records.get(i * RECORD..(i + 1) * RECORD).unwrap_or_default();
        let head = r.first().copied().unwrap_or(0);
        // A record that announces an extension takes the next one with it.
        let decoded = if record::has_extension(head) {
            let next = records.get((i + 1) * RECORD..(i + 2) * RECORD);
            match next.map(Extension::decode) {
                Some(Ok(ext)) => record::decode(r, Some(ext)),
                Some(Err(why)) => Err(why),
                None => Err(Bad::Layout("the record announces an extension record, the batch ends before it")),
            }
        } else {
            record::decode(r, None)
        };
        // The extension record is this command's (whether or not it decoded);
        // a record that is not one runs as its own command.
        let next_is_ext = records.get((i + 1) * RECORD).is_some_and(|h| h & 0xff == record::OP_EXT);
        let width = if record::has_extension(head) && next_is_ext { 2 } else { 1 };
        let correlation_id = CorrelationId(base.wrapping_add(i as u64));
        let outcome = match decoded {
            Ok(kind) => {
                // A reduce that would leave nothing is the order's cancel.
                let cancel_instead = match (&kind, head & 0xff == 6) {
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
                        Refusal::Record(Bad::Convert(e)) => (e.code(), format!("record {i}: {e}")),
                        Refusal::Record(Bad::Layout(w)) => ("invalid_argument", format!("record {i}: {w}")),
                    };
                    errors.push(BatchError { index: i as u32, code: code.to_string(), message });
                }
            }
        }
        i += width;
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
    Record(Bad),
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
