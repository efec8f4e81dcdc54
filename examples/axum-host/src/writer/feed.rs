//! What the writer publishes after each durable batch, for the WebSocket
//! sessions: market data with a per-market L2 sequence, trades, trading status,
//! and per-account execution reports and balances. Sent on a bounded broadcast
//! channel, so a session that falls behind loses its place (and is closed)
//! instead of holding the writer back.

use brokerx_engine::broker::BrokerEvent;
use brokerx_engine::{
    AccountId, AssetId, InstrumentId, LevelView, Lots, Side, Ticks, Timestamp, TradeId, TradingStatus,
};
use brokerx_ledger::Amount;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradeRecord {
    pub instrument: InstrumentId,
    pub trade_id: TradeId,
    pub price: Ticks,
    pub qty: Lots,
    pub aggressor: Side,
    pub ts: Timestamp,
}

#[derive(Clone, Copy, Debug)]
pub enum Feed {
    /// An L2 level's new total; `seq` counts this market's level changes (gap-free).
    Level {
        instrument: InstrumentId,
        seq: u64,
        side: Side,
        price: Ticks,
        qty: Lots,
        orders: u32,
    },
    Bbo {
        instrument: InstrumentId,
        bid: Option<LevelView>,
        ask: Option<LevelView>,
    },
    Trade(TradeRecord),
    Status {
        instrument: InstrumentId,
        status: TradingStatus,
    },
    /// An event about one of `account`'s orders (a trade is sent to both sides).
    Exec {
        account: AccountId,
        event: BrokerEvent,
    },
    Balance {
        account: AccountId,
        asset: AssetId,
        balance: Amount,
        available: Amount,
    },
}

impl Feed {
    pub fn instrument(&self) -> Option<InstrumentId> {
        match self {
            Feed::Level { instrument, .. } | Feed::Bbo { instrument, .. } | Feed::Status { instrument, .. } => {
                Some(*instrument)
            }
            Feed::Trade(t) => Some(t.instrument),
            Feed::Exec { .. } | Feed::Balance { .. } => None,
        }
    }

    pub fn account(&self) -> Option<AccountId> {
        match self {
            Feed::Exec { account, .. } | Feed::Balance { account, .. } => Some(*account),
            _ => None,
        }
    }
}
