//! What handlers send the writer and what it answers.

use brokerx_engine::broker::{BrokerCommandKind, BrokerError, BrokerEvent};
use brokerx_engine::{AccountId, AssetId, InstrumentId, LevelView, OrderRef, OrderView};
use brokerx_ledger::Amount;

use super::feed::TradeRecord;
use crate::journal::Position;

#[derive(Debug)]
pub enum Op {
    /// Stamped with the host clock, applied, journaled, acknowledged when durable.
    Command(BrokerCommandKind),
    Read(Read),
}

#[derive(Clone, Copy, Debug)]
pub enum Read {
    /// One of `account`'s live orders (`None` for another account's order).
    Order {
        account: AccountId,
        order: OrderRef,
    },
    OpenOrders {
        account: AccountId,
    },
    Balances {
        account: AccountId,
    },
    Book {
        instrument: InstrumentId,
        depth: usize,
    },
    Trades {
        instrument: InstrumentId,
        limit: usize,
    },
    Health,
}

#[derive(Debug)]
pub struct Applied {
    pub events: Vec<BrokerEvent>,
    /// The live order the command placed or amended, after it ran.
    pub order: Option<OrderView>,
    pub position: Position,
}

#[derive(Debug)]
pub enum ReadReply {
    Order(Option<OrderView>),
    Orders(Vec<OrderView>),
    /// (asset, posted balance, available).
    Balances(Vec<(AssetId, Amount, Amount)>),
    Book {
        bids: Vec<LevelView>,
        asks: Vec<LevelView>,
        seq: u64,
    },
    Trades(Vec<TradeRecord>),
    Health {
        applied: u64,
        durable: Position,
        state_hash: u64,
        live_orders: usize,
    },
}

#[derive(Debug)]
pub enum Reply {
    Command(Result<Applied, BrokerError>),
    Read(ReadReply),
}
