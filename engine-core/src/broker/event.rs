//! The Broker's event vocabulary: engine events, ledger postings, funds movements.

use brokerx_ledger::{AccountKey, Amount, AssetId, TransferCode, TransferId, TransferStatus};
use serde::{Deserialize, Serialize};

use super::reject::OrderRejection;
use crate::event::EventKind;
use crate::risk::{AccountLimits, InstrumentRisk};
use crate::types::{AccountId, CorrelationId, InstrumentId, OrderId, Timestamp, TradeId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerEvent {
    pub seq: u64,
    pub ts: Timestamp,
    pub correlation_id: CorrelationId,
    pub kind: BrokerEventKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FundsDirection {
    Deposit,
    Withdrawal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PostingKind {
    Single,
    Hold,
    Post,
    Void,
    /// An order's hold set to a new amount in place (amend, quantity reduced,
    /// a fill that leaves less to reserve); `amount` is the hold's new size.
    Resize,
    /// A fill settled from the hold of an order that stays live: `amount` is
    /// what was settled, and the rest stays held under the same id.
    PostPart,
}

/// One applied ledger transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub transfer_id: TransferId,
    pub kind: PostingKind,
    pub code: TransferCode,
    pub debit: AccountKey,
    pub credit: AccountKey,
    pub amount: Amount,
    pub order_id: Option<OrderId>,
    pub trade_id: Option<TradeId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BrokerEventKind {
    /// An engine event (its own sequence replaced by the Broker's).
    Order(EventKind),
    Posting(Posting),
    /// Pre-trade risk refused a place (`order_id` None) or an amend.
    OrderRejected {
        account: AccountId,
        instrument: InstrumentId,
        order_id: Option<OrderId>,
        reject: OrderRejection,
    },
    FundsMoved {
        key: u128,
        direction: FundsDirection,
        account: AccountId,
        asset: AssetId,
        amount: Amount,
        status: TransferStatus,
        /// A repeat of an earlier request with the same key and payload.
        replayed: bool,
    },
    AssetCreated {
        asset: AssetId,
    },
    MarketRegistered {
        instrument: InstrumentId,
        base: AssetId,
        quote: AssetId,
    },
    InstrumentRiskChanged {
        instrument: InstrumentId,
        risk: InstrumentRisk,
    },
    AccountLimitsChanged {
        account: AccountId,
        limits: AccountLimits,
    },
    AccountEnabledChanged {
        account: AccountId,
        enabled: bool,
    },
    RestrictionChanged {
        account: AccountId,
        instrument: InstrumentId,
        restricted: bool,
    },
    /// A settlement batch the ledger refused. Never expected; an alarm, journaled.
    SettlementFailed {
        trade_id: TradeId,
        status: TransferStatus,
    },
}
