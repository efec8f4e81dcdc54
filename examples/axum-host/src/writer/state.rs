//! The writer's state: the Broker and what the host derives from its events
//! (the open-order index, recent trades, per-market L2 sequence numbers). One
//! function applies a command, live or in replay, so both end the same.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use brokerx_engine::broker::{
    is_reserved_owner, Broker, BrokerCommand, BrokerCommandKind, BrokerError, BrokerEvent, BrokerEventKind,
};
use brokerx_engine::{AccountId, AssetId, EventKind, InstrumentId};

use super::feed::{Feed, TradeRecord};
use super::index::OrderIndex;

/// Recent trades kept per market for `GET /markets/{symbol}/trades`.
pub const TRADES_KEPT: usize = 200;

#[derive(Debug)]
pub struct HostState {
    pub broker: Broker,
    pub index: OrderIndex,
    /// Assets created, in order (the ledger does not list them).
    pub assets: Vec<AssetId>,
    pub trades: BTreeMap<InstrumentId, VecDeque<TradeRecord>>,
    pub book_seq: BTreeMap<InstrumentId, u64>,
    /// Commands applied (= journal records).
    pub applied: u64,
}

impl HostState {
    pub fn new(broker: Broker, assets: Vec<AssetId>, applied: u64) -> HostState {
        let index = OrderIndex::rebuild(&broker);
        HostState { broker, index, assets, trades: BTreeMap::new(), book_seq: BTreeMap::new(), applied }
    }

    /// Applies one command; on success its events, with the feed items they
    /// make appended to `feed` (when given).
    ///
    /// # Errors
    /// The Broker's error; nothing changed.
    pub fn apply(
        &mut self,
        cmd: &BrokerCommand,
        events: &mut Vec<BrokerEvent>,
        feed: Option<&mut Vec<Feed>>,
    ) -> Result<(), BrokerError> {
        let start = events.len();
        self.broker.apply(cmd, events)?;
        self.applied += 1;
        let new = &events[start..];
        if let BrokerCommandKind::CreateAsset { spec, .. } = &cmd.kind {
            self.assets.push(spec.id);
        }
        self.index.update(&self.broker, new);
        let mut feed = feed;
        let mut touched: BTreeSet<(AccountId, AssetId)> = BTreeSet::new();
        for e in new {
            let account = match &e.kind {
                BrokerEventKind::Order(kind) => self.market_data(e, kind, feed.as_deref_mut()),
                BrokerEventKind::OrderRejected { account, .. } => Some(*account),
                BrokerEventKind::Posting(p) => {
                    for k in [p.debit, p.credit] {
                        if !is_reserved_owner(k.owner.0) && k.owner.0 != 0 {
                            touched.insert((AccountId(k.owner.0), k.asset));
                        }
                    }
                    None
                }
                _ => None,
            };
            if let (Some(account), Some(f)) = (account, feed.as_deref_mut()) {
                f.push(Feed::Exec { account, event: *e });
            }
        }
        if let Some(f) = feed {
            for (account, asset) in touched {
                f.push(Feed::Balance {
                    account,
                    asset,
                    balance: self.broker.balance(account, asset),
                    available: self.broker.available(account, asset),
                });
            }
        }
        Ok(())
    }

    /// Records what an engine event means for market data; returns the account
    /// it is an execution report for, if any.
    fn market_data(&mut self, e: &BrokerEvent, kind: &EventKind, feed: Option<&mut Vec<Feed>>) -> Option<AccountId> {
        let mut item = None;
        let account = match *kind {
            EventKind::LevelChanged { instrument, side, price, qty, orders } => {
                let seq = self.book_seq.entry(instrument).or_insert(0);
                *seq += 1;
                item = Some(Feed::Level { instrument, seq: *seq, side, price, qty, orders });
                None
            }
            EventKind::BboChanged { instrument, bid, ask } => {
                item = Some(Feed::Bbo { instrument, bid, ask });
                None
            }
            EventKind::TradingStatusChanged { instrument, status } => {
                item = Some(Feed::Status { instrument, status });
                None
            }
            EventKind::Trade { trade_id, instrument, price, qty, aggressor, maker_account, taker_account, .. } => {
                let t = TradeRecord { instrument, trade_id, price, qty, aggressor, ts: e.ts };
                let ring = self.trades.entry(instrument).or_default();
                if ring.len() == TRADES_KEPT {
                    ring.pop_front();
                }
                ring.push_back(t);
                if let Some(f) = feed {
                    f.push(Feed::Trade(t));
                    if maker_account != taker_account {
                        f.push(Feed::Exec { account: maker_account, event: *e });
                    }
                }
                return Some(taker_account);
            }
            EventKind::Accepted { account, .. }
            | EventKind::Rejected { account, .. }
            | EventKind::Cancelled { account, .. }
            | EventKind::Reduced { account, .. }
            | EventKind::Amended { account, .. }
            | EventKind::Expired { account, .. }
            | EventKind::StopAccepted { account, .. }
            | EventKind::StopAmended { account, .. }
            | EventKind::Triggered { account, .. }
            | EventKind::Refreshed { account, .. } => Some(account),
            EventKind::InstrumentRegistered { .. } | EventKind::TriggerLimitReached { .. } => None,
        };
        if let (Some(item), Some(f)) = (item, feed) {
            f.push(item);
        }
        account
    }
}
