//! The host's index of open orders by account (and by client order id), which
//! the engine does not keep. Derived from the events of each command — after a
//! command, every order it touched is looked up and kept or dropped — so a
//! replay rebuilds it exactly; after a snapshot it is rebuilt from the books.

use std::collections::{BTreeMap, BTreeSet};

use brokerx_engine::broker::{Broker, BrokerEvent, BrokerEventKind};
use brokerx_engine::{AccountId, ClientOrderId, EventKind, OrderId, Side};

#[derive(Debug, Default)]
pub struct OrderIndex {
    by_account: BTreeMap<AccountId, BTreeSet<OrderId>>,
    by_client: BTreeMap<(AccountId, ClientOrderId), OrderId>,
    owner: BTreeMap<OrderId, (AccountId, Option<ClientOrderId>)>,
}

impl OrderIndex {
    /// The index of every order resting in `broker`'s books.
    pub fn rebuild(broker: &Broker) -> OrderIndex {
        let mut index = OrderIndex::default();
        let engine = broker.engine();
        for instrument in engine.instruments() {
            for side in [Side::Buy, Side::Sell] {
                for level in engine.depth(instrument.id, side) {
                    for o in engine.orders_at(instrument.id, side, level.price) {
                        index.insert(o.order_id, o.account, o.client_order_id);
                    }
                }
            }
        }
        index
    }

    /// Brings the index up to date with one command's events.
    pub fn update(&mut self, broker: &Broker, events: &[BrokerEvent]) {
        for e in events {
            let BrokerEventKind::Order(kind) = &e.kind else { continue };
            match *kind {
                EventKind::Accepted { order_id, .. }
                | EventKind::Cancelled { order_id, .. }
                | EventKind::Reduced { order_id, .. }
                | EventKind::Amended { order_id, .. }
                | EventKind::Expired { order_id, .. } => self.refresh(broker, order_id),
                EventKind::Trade { maker_order_id, taker_order_id, .. } => {
                    self.refresh(broker, maker_order_id);
                    self.refresh(broker, taker_order_id);
                }
                _ => {}
            }
        }
    }

    fn refresh(&mut self, broker: &Broker, order_id: OrderId) {
        match broker.engine().order(order_id) {
            Some(o) => self.insert(order_id, o.account, o.client_order_id),
            None => self.remove(order_id),
        }
    }

    fn insert(&mut self, order_id: OrderId, account: AccountId, client: Option<ClientOrderId>) {
        self.by_account.entry(account).or_default().insert(order_id);
        if let Some(c) = client {
            self.by_client.insert((account, c), order_id);
        }
        self.owner.insert(order_id, (account, client));
    }

    fn remove(&mut self, order_id: OrderId) {
        let Some((account, client)) = self.owner.remove(&order_id) else { return };
        if let Some(set) = self.by_account.get_mut(&account) {
            set.remove(&order_id);
            if set.is_empty() {
                self.by_account.remove(&account);
            }
        }
        if let Some(c) = client {
            self.by_client.remove(&(account, c));
        }
    }

    pub fn open_orders(&self, account: AccountId) -> impl Iterator<Item = OrderId> + '_ {
        self.by_account.get(&account).into_iter().flatten().copied()
    }

    pub fn by_client_id(&self, account: AccountId, client: ClientOrderId) -> Option<OrderId> {
        self.by_client.get(&(account, client)).copied()
    }

    pub fn len(&self) -> usize {
        self.owner.len()
    }

    pub fn is_empty(&self) -> bool {
        self.owner.is_empty()
    }
}
