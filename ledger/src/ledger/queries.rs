//! Read-only queries: specs, balances, holds, journal entries per account,
//! totals per asset. None of them mutates or copies more than it returns.

use crate::account::{AccountBalance, AccountSpec, AssetSpec, AssetTotals};
use crate::journal::{JournalEntry, JournalEvent, TransferRecord};
use crate::types::{AccountKey, Amount, AssetId, TransferId};

use super::holds::{Hold, HoldState, HoldView};
use super::ids::IdRecord;
use super::{Ledger, NO_HOLD};

impl Ledger {
    /// An asset's spec.
    #[must_use]
    pub fn asset(&self, asset: AssetId) -> Option<&AssetSpec> {
        self.asset_index.get(&asset).and_then(|i| self.assets.get(*i as usize))
    }

    /// An account's spec.
    #[must_use]
    pub fn account(&self, key: AccountKey) -> Option<&AccountSpec> {
        self.account_index.get(key).and_then(|i| self.accounts.get(i as usize)).map(|a| &a.spec)
    }

    /// An account's balance columns.
    #[must_use]
    pub fn balance(&self, key: AccountKey) -> Option<AccountBalance> {
        self.account_index.get(key).and_then(|i| self.accounts.get(i as usize)).map(|a| a.balance)
    }

    fn hold_view(&self, h: &Hold) -> HoldView {
        let key = |i: u32| self.accounts.get(i as usize).map_or(AccountKey::UNSET, |a| a.spec.key);
        HoldView {
            id: h.id,
            debit_account: key(h.debit),
            credit_account: key(h.credit),
            amount: h.amount,
            expires_at: h.expires_at,
            state: h.state,
            resolved_by: (h.resolved_by.0 != 0).then_some(h.resolved_by),
            posted_amount: h.posted_amount,
        }
    }

    /// The hold created by pending transfer `id`, in whatever state.
    #[must_use]
    pub fn hold(&self, id: TransferId) -> Option<HoldView> {
        self.hold_record(id).map(|h| self.hold_view(h))
    }

    /// The amount still reserved by hold `id` (zero once resolved; `None` if
    /// `id` is not a pending transfer).
    #[must_use]
    pub fn pending_amount(&self, id: TransferId) -> Option<Amount> {
        self.hold_record(id).map(|h| if h.state == HoldState::Pending { h.amount } else { Amount::ZERO })
    }

    /// The amount of hold `id` in whatever state (what a void released; `None`
    /// if `id` is not a pending transfer): [`Ledger::hold`]'s `amount` without
    /// building the whole view.
    #[must_use]
    pub fn hold_amount(&self, id: TransferId) -> Option<Amount> {
        self.hold_record(id).map(|h| h.amount)
    }

    fn hold_record(&self, id: TransferId) -> Option<&Hold> {
        match self.id_get(id) {
            Some(IdRecord::Applied { hold, .. }) if hold != NO_HOLD => self.holds.get(hold as usize),
            _ => None,
        }
    }

    /// Open holds on either side of `key`, oldest first.
    #[must_use]
    pub fn holds_of(&self, key: AccountKey) -> Vec<HoldView> {
        let Some(idx) = self.account_index.get(key) else {
            return Vec::new();
        };
        let mut found: Vec<u32> = self
            .open_holds
            .iter()
            .copied()
            .filter(|h| self.holds.get(*h as usize).is_some_and(|h| h.debit == idx || h.credit == idx))
            .collect();
        found.sort_unstable();
        found.into_iter().filter_map(|h| self.holds.get(h as usize).map(|h| self.hold_view(h))).collect()
    }

    /// Journal entries touching `key` (its creation, transfers, expiries),
    /// in time order.
    #[must_use]
    pub fn entries_of(&self, key: AccountKey) -> Vec<&JournalEntry> {
        let mut found = Vec::new();
        let Some(account) = self.account_index.get(key).and_then(|i| self.accounts.get(i as usize)) else {
            return found;
        };
        let mut next = account.last_entry;
        while let (Some(entry), Some(links)) = (self.journal.get(next as usize), self.entry_links.get(next as usize)) {
            found.push(entry);
            let debit_side = match &entry.event {
                JournalEvent::Transfer(rec) => rec.transfer.debit_account == key,
                JournalEvent::HoldExpired { debit_account, .. } => *debit_account == key,
                _ => true,
            };
            next = if debit_side { links[0] } else { links[1] };
        }
        found.reverse();
        found
    }

    /// Per-asset totals.
    #[must_use]
    pub fn totals(&self, asset: AssetId) -> Option<AssetTotals> {
        self.asset_index.get(&asset).and_then(|i| self.asset_totals.get(*i as usize)).copied()
    }

    /// The applied transfer with this id, as recorded.
    #[must_use]
    pub fn transfer(&self, id: TransferId) -> Option<&TransferRecord> {
        match self.id_get(id) {
            Some(IdRecord::Applied { entry, .. }) => self.journal.get(entry as usize).and_then(JournalEntry::transfer),
            _ => None,
        }
    }

    /// The whole journal, oldest first.
    #[must_use]
    pub fn journal(&self) -> &[JournalEntry] {
        &self.journal
    }

    /// Number of transfer ids known (applied and remembered refusals).
    #[must_use]
    pub fn transfer_ids(&self) -> usize {
        self.ids.len()
    }

    /// Every account key, in creation order.
    pub fn account_keys(&self) -> impl Iterator<Item = AccountKey> + '_ {
        self.accounts.iter().map(|a| a.spec.key)
    }
}
