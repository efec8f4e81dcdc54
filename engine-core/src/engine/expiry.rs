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
            if o.flags.is_stop() {
                if self.end_stop(key, &o, None, sink).is_some() {
                    expired += 1;
                }
                continue;
            }
            let leaves = self.tables.leaves(&o);
            let expiry = |price| EventKind::Expired {
                order_id: o.id,
                account: o.account,
                instrument: InstrumentId(u32::from(o.instrument)),
                side: o.side,
                price,
                qty: leaves,
                filled: o.filled,
            };
            if self.take_out(key, &o, leaves, sink, expiry).is_some() {
                expired += 1;
            }
        }
        self.tables.next_expiry = self.tables.expiries.first().map_or(u64::MAX, |(t, _)| t.0);
        expired
    }
}
