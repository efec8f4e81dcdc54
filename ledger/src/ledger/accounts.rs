//! Creating assets and accounts. Each call checks everything first (time,
//! ids, limits, capacity), then journals the creation; an error leaves the
//! ledger unchanged.

use crate::account::{Account, AccountBalance, AccountSpec, AssetSpec, AssetTotals};
use crate::journal::JournalEvent;
use crate::status::LedgerError;
use crate::types::{Amount, Timestamp, ASSET_SCALE_MAX};

use super::{Ledger, NONE};

impl Ledger {
    /// Creates an asset.
    ///
    /// # Errors
    /// [`LedgerError::TimeWentBackwards`], [`LedgerError::AssetIdMustNotBeZero`],
    /// [`LedgerError::AssetScaleTooLarge`], [`LedgerError::AssetExists`],
    /// [`LedgerError::AssetsMaxReached`]. The ledger is unchanged on error.
    pub fn create_asset(&mut self, now: Timestamp, spec: AssetSpec) -> Result<(), LedgerError> {
        if now < self.now {
            return Err(LedgerError::TimeWentBackwards { now, last: self.now });
        }
        if spec.id.0 == 0 {
            return Err(LedgerError::AssetIdMustNotBeZero);
        }
        if spec.scale > ASSET_SCALE_MAX {
            return Err(LedgerError::AssetScaleTooLarge { scale: spec.scale });
        }
        if self.asset_index.contains_key(&spec.id) {
            return Err(LedgerError::AssetExists { asset: spec.id });
        }
        let assets_max = self.config.assets_max;
        if self.assets.len() >= assets_max as usize || !self.journal_has_room() {
            return Err(LedgerError::AssetsMaxReached { assets_max });
        }
        self.advance_clock(now)?;
        let idx = u32::try_from(self.assets.len()).map_err(|_| LedgerError::AssetsMaxReached { assets_max })?;
        self.asset_index.insert(spec.id, idx);
        self.assets.push(spec.clone());
        self.asset_totals.push(AssetTotals::default());
        self.push_entry(JournalEvent::AssetCreated(spec), NONE, NONE);
        Ok(())
    }

    /// Creates an account.
    ///
    /// # Errors
    /// [`LedgerError::TimeWentBackwards`], [`LedgerError::AssetNotFound`],
    /// [`LedgerError::AccountExists`], [`LedgerError::MaxBalanceOverflow`],
    /// [`LedgerError::AccountsMaxReached`]. The ledger is unchanged on error.
    ///
    /// A wallet (`must_not_go_negative`) created without a `max_balance`
    /// gets the policy's wallet limit for its asset, if any; the journal
    /// records the effective spec.
    pub fn create_account(&mut self, now: Timestamp, mut spec: AccountSpec) -> Result<(), LedgerError> {
        if spec.must_not_go_negative && spec.max_balance.is_none() {
            spec.max_balance = self.config.policy.wallet_limit(spec.key.asset);
        }
        if now < self.now {
            return Err(LedgerError::TimeWentBackwards { now, last: self.now });
        }
        let Some(&asset_idx) = self.asset_index.get(&spec.key.asset) else {
            return Err(LedgerError::AssetNotFound { asset: spec.key.asset });
        };
        if self.account_index.contains(spec.key) {
            return Err(LedgerError::AccountExists { key: spec.key });
        }
        if let Some(max) = spec.max_balance {
            if max > Amount::MAX {
                return Err(LedgerError::MaxBalanceOverflow { max_balance: max.minor() });
            }
        }
        let accounts_max = self.config.accounts_max;
        if self.accounts.len() >= accounts_max as usize || !self.journal_has_room() {
            return Err(LedgerError::AccountsMaxReached { accounts_max });
        }
        self.advance_clock(now)?;
        let idx = u32::try_from(self.accounts.len()).map_err(|_| LedgerError::AccountsMaxReached { accounts_max })?;
        self.account_index.insert(spec.key, idx);
        self.accounts.push(Account { spec, balance: AccountBalance::default(), last_entry: NONE, asset_idx });
        if let Some(t) = self.asset_totals.get_mut(asset_idx as usize) {
            t.accounts = t.accounts.saturating_add(1);
        }
        self.push_entry(JournalEvent::AccountCreated(spec), idx, NONE);
        Ok(())
    }
}
