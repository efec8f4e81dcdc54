//! Indexes beside the order slab: live client order ids, GTD deadlines, waiting
//! stops' specs and icebergs' hidden reserves.

use std::collections::BTreeSet;

use crate::book::orders::RestingOrder;
use crate::hash::IdHashMap;
use crate::types::{AccountId, ClientOrderId, Lots, OrderId, Timestamp};

/// What an iceberg keeps out of the book: the most it shows at a time, and the
/// lots not yet shown. Its `RestingOrder::remaining` is the shown slice, so
/// its leaves are `remaining + hidden`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reserve {
    pub display: Lots,
    pub hidden: Lots,
}

/// Indexes kept beside the slab: live client order ids and GTD deadlines.
#[derive(Debug, Default)]
pub(crate) struct SideTables {
    pub client_ids: IdHashMap<(AccountId, ClientOrderId), OrderId>,
    pub client_id_of: IdHashMap<OrderId, ClientOrderId>,
    pub expiries: BTreeSet<(Timestamp, OrderId)>,
    /// Trigger, limit and queue position of every waiting stop.
    pub stops: IdHashMap<OrderId, super::StopSpec>,
    /// Display and hidden quantity of every resting iceberg.
    pub reserves: IdHashMap<OrderId, Reserve>,
    /// A lower bound on the earliest deadline (u64::MAX when none), so the hot
    /// path pays one comparison.
    pub next_expiry: u64,
}

impl SideTables {
    /// Indexes a new resting order's client order id and deadline, if it has them
    /// (most orders have neither, and pay one branch).
    #[inline]
    pub(crate) fn add(&mut self, o: &RestingOrder, client_order_id: Option<ClientOrderId>) {
        if client_order_id.is_some() || o.expire_at != 0 {
            self.add_keyed(o, client_order_id);
        }
    }

    #[inline(never)]
    pub(super) fn add_keyed(&mut self, o: &RestingOrder, client_order_id: Option<ClientOrderId>) {
        if let Some(c) = client_order_id {
            self.client_ids.insert((o.account, c), o.id);
            self.client_id_of.insert(o.id, c);
        }
        if o.expire_at != 0 {
            self.expiries.insert((Timestamp(o.expire_at), o.id));
            self.next_expiry = self.next_expiry.min(o.expire_at);
        }
    }

    /// The lots an order keeps hidden: 0 unless it is an iceberg.
    #[inline]
    pub(crate) fn hidden(&self, o: &RestingOrder) -> i64 {
        if o.iceberg {
            self.hidden_of(o.id)
        } else {
            0
        }
    }

    #[inline(never)]
    fn hidden_of(&self, id: OrderId) -> i64 {
        self.reserves.get(&id).map_or(0, |r| r.hidden.0)
    }

    /// An order's leaves: its shown quantity and, for an iceberg, its hidden reserve.
    #[inline]
    pub(crate) fn leaves(&self, o: &RestingOrder) -> Lots {
        Lots(o.remaining.0 + self.hidden(o))
    }

    /// Forgets a dead order.
    #[inline]
    pub(super) fn retire(&mut self, o: &RestingOrder) {
        if o.flags.has_client_id() || o.expire_at != 0 || o.iceberg {
            self.retire_keyed(o);
        }
    }

    #[inline(never)]
    pub(super) fn retire_keyed(&mut self, o: &RestingOrder) {
        if o.flags.has_client_id() {
            if let Some(c) = self.client_id_of.remove(&o.id) {
                self.client_ids.remove(&(o.account, c));
            }
        }
        if o.expire_at != 0 {
            self.expiries.remove(&(Timestamp(o.expire_at), o.id));
        }
        if o.iceberg {
            self.reserves.remove(&o.id);
        }
    }
}
