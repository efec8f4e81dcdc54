//! Snapshot and restore.

use std::collections::BTreeMap;

use brokerx_ledger::{AssetId, Ledger, LedgerSnapshot};
use serde::{Deserialize, Serialize};

use super::command::BrokerConfig;
use super::error::BrokerError;
use super::funds::FundsRecord;
use super::limits::AccountState;
use super::market::Market;
use super::order_funds::OrderFunds;
use super::Broker;
use crate::engine::Engine;
use crate::engine::EngineSnapshot;
use crate::types::{AccountId, OrderId, Timestamp};

/// Everything needed to continue exactly where a Broker is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerSnapshot {
    pub format_version: u32,
    pub engine: EngineSnapshot,
    pub ledger: LedgerSnapshot,
    pub(super) markets: Vec<Market>,
    pub(super) wallet_max: BTreeMap<AssetId, u128>,
    pub(super) funds: Vec<(OrderId, OrderFunds)>,
    pub(super) accounts: BTreeMap<AccountId, AccountState>,
    pub(super) funds_keys: Vec<(u128, FundsRecord)>,
    pub(super) next_transfer: u64,
    pub(super) last_seq: u64,
    pub(super) now: Timestamp,
}

impl BrokerSnapshot {
    /// 2: each order's hold records the fee rates it pays and the fees it has accrued.
    pub const FORMAT_VERSION: u32 = 2;
}

impl Broker {
    #[allow(clippy::type_complexity)]
    pub(super) fn snapshot_parts(&self) -> (Vec<(OrderId, OrderFunds)>, Vec<(u128, FundsRecord)>) {
        let mut funds: Vec<_> = self.funds.iter().map(|(k, v)| (*k, *v)).collect();
        funds.sort_by_key(|(k, _)| *k);
        let mut keys: Vec<_> = self.funds_keys.iter().map(|(k, v)| (*k, *v)).collect();
        keys.sort_by_key(|(k, _)| *k);
        (funds, keys)
    }

    pub fn snapshot(&self) -> BrokerSnapshot {
        let (funds, funds_keys) = self.snapshot_parts();
        BrokerSnapshot {
            format_version: BrokerSnapshot::FORMAT_VERSION,
            engine: self.engine.snapshot(),
            ledger: self.ledger.snapshot(),
            markets: self.markets.clone(),
            wallet_max: self.wallet_max.clone(),
            funds,
            accounts: self.accounts.iter().map(|(a, st)| (*a, st.clone())).collect(),
            funds_keys,
            next_transfer: self.next_transfer,
            last_seq: self.last_seq,
            now: self.now,
        }
    }

    /// # Errors
    /// `snapshot_inconsistent` if any part fails to restore or the result breaks an invariant.
    pub fn restore(s: &BrokerSnapshot) -> Result<Broker, BrokerError> {
        let bad = |why: String| BrokerError::Snapshot { why };
        if s.format_version != BrokerSnapshot::FORMAT_VERSION {
            return Err(bad(format!(
                "format version {} is not supported (this build reads {})",
                s.format_version,
                BrokerSnapshot::FORMAT_VERSION
            )));
        }
        let engine = Engine::restore(&s.engine).map_err(|e| bad(e.to_string()))?;
        let ledger = Ledger::restore(&s.ledger).map_err(|e| bad(e.to_string()))?;
        let mut b = Broker::new(BrokerConfig { engine: *engine.config(), ledger: s.ledger.config.clone() });
        b.engine = engine;
        b.ledger = ledger;
        b.markets = s.markets.clone();
        b.wallet_max = s.wallet_max.clone();
        b.funds = s.funds.iter().copied().collect();
        b.accounts = s.accounts.iter().map(|(a, st)| (*a, st.clone())).collect();
        b.funds_keys = s.funds_keys.iter().copied().collect();
        b.next_transfer = s.next_transfer;
        b.last_seq = s.last_seq;
        b.now = s.now;
        b.check_invariants().map_err(bad)?;
        Ok(b)
    }
}
