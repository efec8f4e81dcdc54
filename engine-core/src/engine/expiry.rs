//! GTD expiry: every order due by a command's time expires before the command runs.

use super::*;
use crate::event::{EventKind, EventSink};
use crate::types::{InstrumentId, Timestamp};

impl Engine {
    /// Expires every order with `expire_at ≤ now`, earliest deadline first.
    #[inline(never)]
    pub(super) fn expire_due<S: EventSink + ?Sized, const MD: bool>(
        &mut self,
        now: Timestamp,
        sink: &mut Sink<'_, S, MD>,
    ) -> u32 {
        let mut expired = 0;
        while let Some(&(at, id)) = self.tables.expiries.first() {
            if at > now {
                break;
            }
            self.tables.expiries.pop_first();
            let Some(key) = self.orders.key_of(id) else {
                continue;
            };
            let Some(&o) = self.orders.get(key) else {
                continue;
            };
            let i = o.instrument as usize;
            let before = sink.bbo_before(&self.instruments[i].book);
            let Some(price) = self.take_resting(key, &o, sink) else {
                continue;
            };
            expired += 1;
            self.tables.retire(&o);
            let st = &mut self.instruments[i];
            st.counters.expired += i128::from(o.remaining.0);
            sink.emit(EventKind::Expired {
                order_id: o.id,
                account: o.account,
                instrument: InstrumentId(i as u32),
                side: o.side,
                price,
                qty: o.remaining,
                filled: o.filled,
            });
            sink.bbo_after(InstrumentId(i as u32), &st.book, before);
        }
        self.tables.next_expiry = self.tables.expiries.first().map_or(u64::MAX, |(t, _)| t.0);
        expired
    }
}
