//! The per-command event sink: numbers events as they are emitted.

use crate::book::{Book, Level};
use crate::event::{Event, EventKind, EventSink, LevelView};
use crate::types::{CorrelationId, InstrumentId, Lots, Side, Ticks, Timestamp};

/// Collects the events of one command and numbers them. A command either fails
/// validation before its sink exists or runs to completion, so numbering as events
/// are emitted leaves no gap.
///
/// `MD` is [`EngineConfig::market_data`] as a type parameter: the engine's paths are
/// compiled once with market data and once without, so the path without it carries
/// no checks and no before/after snapshots of the touch.
pub(super) struct Sink<'a, S: EventSink + ?Sized, const MD: bool> {
    pub(super) out: &'a mut S,
    pub(super) ts: Timestamp,
    pub(super) correlation_id: CorrelationId,
    /// The sequence number of the last event emitted.
    pub(super) seq: u64,
}

impl<S: EventSink + ?Sized, const MD: bool> Sink<'_, S, MD> {
    #[inline]
    pub(super) fn emit(&mut self, kind: EventKind) {
        self.seq += 1;
        self.out.event(Event { seq: self.seq, ts: self.ts, correlation_id: self.correlation_id, kind });
    }

    #[inline]
    pub(super) fn level(&mut self, instrument: InstrumentId, side: Side, level: Option<&Level>, price: Ticks) {
        if MD {
            let (qty, orders) = level.map_or((Lots(0), 0), |l| (Lots(l.qty), l.orders));
            self.emit(EventKind::LevelChanged { instrument, side, price, qty, orders });
        }
    }

    #[inline]
    pub(super) fn bbo_before(&self, book: &Book) -> BboPair {
        if MD {
            book.bbo()
        } else {
            (None, None)
        }
    }

    #[inline]
    pub(super) fn bbo_after(&mut self, instrument: InstrumentId, book: &Book, before: BboPair) {
        if MD {
            let now = book.bbo();
            if now != before {
                self.emit(EventKind::BboChanged { instrument, bid: now.0, ask: now.1 });
            }
        }
    }
}

pub(super) type BboPair = (Option<LevelView>, Option<LevelView>);
