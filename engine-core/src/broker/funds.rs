//! Deposits and withdrawals, idempotent by key.

use brokerx_ledger::{AccountSpec, AssetId, Transfer, TransferCode, TransferStatus};
use serde::{Deserialize, Serialize};

use super::accounts::{system, wallet, EXTERNAL_OWNER};
use super::command::Funds;
use super::event::{BrokerEventKind, FundsDirection, PostingKind};
use super::{Broker, Out};
use crate::types::AccountId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct FundsRecord {
    pub(super) direction: FundsDirection,
    pub(super) funds: Funds,
    pub(super) status: TransferStatus,
}

impl Broker {
    /// Creates a client wallet if it does not exist yet. It carries no ledger max
    /// balance: the asset's wallet cap is checked on deposits (see `exec_funds`),
    /// never on settlement, which must not fail once the engine has traded.
    pub(super) fn ensure_wallet(&mut self, account: AccountId, asset: AssetId) {
        let key = wallet(account, asset);
        if self.ledger.account(key).is_none() {
            let _ = self.ledger.create_account(self.now, AccountSpec::wallet(key));
        }
    }

    pub(super) fn exec_funds(&mut self, direction: FundsDirection, f: &Funds, o: &mut Out<'_>) {
        if let Some(r) = self.funds_keys.get(&f.key) {
            // Same key, same request (validated): the original answer, changing nothing.
            return o.emit(BrokerEventKind::FundsMoved {
                key: f.key,
                direction,
                account: f.account,
                asset: f.asset,
                amount: f.amount,
                status: r.status,
                replayed: true,
            });
        }
        self.ensure_wallet(f.account, f.asset);
        let (debit, credit, code) = match direction {
            FundsDirection::Deposit => {
                (system(EXTERNAL_OWNER, f.asset), wallet(f.account, f.asset), TransferCode::DEPOSIT)
            }
            FundsDirection::Withdrawal => {
                (wallet(f.account, f.asset), system(EXTERNAL_OWNER, f.asset), TransferCode::WITHDRAWAL)
            }
        };
        // The wallet cap limits what a client brings in. Proceeds of trades may take
        // a wallet past it (a matched trade is final); deposits then wait until it
        // is back under.
        let cap = self.wallet_max.get(&f.asset).copied().filter(|_| direction == FundsDirection::Deposit);
        let over_cap =
            cap.is_some_and(|cap| self.balance(f.account, f.asset).minor().saturating_add(f.amount.minor()) > cap);
        let status = if over_cap {
            TransferStatus::ExceedsMaxBalance
        } else {
            let id = self.next_id();
            let t = Transfer::single(id, debit, credit, f.amount, code).with_user_data(f.key);
            self.submit_one(t, None, None, PostingKind::Single, o)
        };
        self.funds_keys.insert(f.key, FundsRecord { direction, funds: *f, status });
        o.emit(BrokerEventKind::FundsMoved {
            key: f.key,
            direction,
            account: f.account,
            asset: f.asset,
            amount: f.amount,
            status,
            replayed: false,
        });
    }
}
