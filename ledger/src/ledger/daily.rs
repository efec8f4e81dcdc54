//! Daily limits: usage per (account, rule) for the current UTC day, checked
//! before a transfer applies and recorded after; inside a chain the previous
//! usage is saved so a failed chain can restore it.

use crate::policy::LimitSide;
use crate::transfer::Transfer;
use crate::types::{Amount, Timestamp};

use super::Ledger;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct DailyUsage {
    pub(super) day: u64,
    pub(super) used: Amount,
}

/// Daily usage before a write inside a chain, to restore if the chain fails.
#[derive(Debug, Clone, Copy)]
pub(super) struct DailyUndo {
    pub(super) key: (u32, u16),
    pub(super) prev: Option<DailyUsage>,
}

impl Ledger {
    fn daily_key_account(side: LimitSide, debit: u32, credit: u32) -> u32 {
        match side {
            LimitSide::Debit => debit,
            LimitSide::Credit => credit,
        }
    }

    pub(super) fn daily_exceeded(&self, now: Timestamp, t: &Transfer, debit: u32, credit: u32) -> bool {
        let day = now.day();
        for (rule_idx, rule) in self.config.policy.daily_limits.iter().enumerate() {
            if rule.code != t.code || rule.asset != t.debit_account.asset {
                continue;
            }
            let account = Self::daily_key_account(rule.side, debit, credit);
            let key = (account, u16::try_from(rule_idx).unwrap_or(u16::MAX));
            let used = match self.daily.get(&key) {
                Some(u) if u.day == day => u.used,
                _ => Amount::ZERO,
            };
            match used.checked_add(t.amount) {
                Some(total) if total <= rule.max_per_day => {}
                _ => return true,
            }
        }
        false
    }

    pub(super) fn daily_record(&mut self, now: Timestamp, t: &Transfer, debit: u32, credit: u32, in_chain: bool) {
        let day = now.day();
        for (rule_idx, rule) in self.config.policy.daily_limits.iter().enumerate() {
            if rule.code != t.code || rule.asset != t.debit_account.asset {
                continue;
            }
            let account = Self::daily_key_account(rule.side, debit, credit);
            let key = (account, u16::try_from(rule_idx).unwrap_or(u16::MAX));
            let prev = self.daily.get(&key).copied();
            let used = match prev {
                Some(u) if u.day == day => u.used,
                _ => Amount::ZERO,
            };
            // Checked by `daily_exceeded` just before.
            let used = used.checked_add(t.amount).unwrap_or(Amount::MAX);
            self.daily.insert(key, DailyUsage { day, used });
            if in_chain {
                self.undo_daily.push(DailyUndo { key, prev });
            }
        }
    }
}
