//! Per-account limits, the throttle window and the risk adapter.

use std::collections::{BTreeSet, VecDeque};

use brokerx_ledger::{AssetId, Ledger};
use serde::{Deserialize, Serialize};

use super::accounts::wallet_available;
use super::market::Market;
use super::order_funds::OrderFees;
use super::Broker;
use crate::instrument::TradingStatus;
use crate::risk::{self, AccountLimits, Approval, InstrumentRisk, OrderIntent, RiskReject, RiskView, UnitScale};
use crate::types::{AccountId, InstrumentId, Lots, Side, Timestamp};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct AccountState {
    pub(super) limits: AccountLimits,
    pub(super) disabled: bool,
    pub(super) open_orders: u32,
    pub(super) recent: VecDeque<u64>,
    pub(super) restricted: BTreeSet<InstrumentId>,
}

impl Broker {
    /// Runs the risk checks for a place or amend.
    pub(super) fn risk_check(
        &mut self,
        ts: Timestamp,
        account: AccountId,
        i: InstrumentId,
        intent: &OrderIntent,
        fees: Option<OrderFees>,
    ) -> Result<Approval, RiskReject> {
        // Read in place, not copied (~150 bytes per place and amend); the
        // stand-in for an unknown market is built only when needed.
        let unknown;
        let market = match self.markets.get(i.0 as usize) {
            Some(m) => m,
            None => {
                unknown = Market {
                    base: AssetId(0),
                    quote: AssetId(0),
                    scale: UnitScale { base_per_lot: 1, quote_per_tick_lot: 1 },
                    risk: InstrumentRisk::default(),
                    last_trade: None,
                };
                &unknown
            }
        };
        // An amend is checked and held at the order's own fee rates.
        let amend_risk;
        let risk = match fees {
            Some(f) => {
                amend_risk = f.applied_to(&market.risk);
                &amend_risk
            }
            None => &market.risk,
        };
        let spec = self.engine.instrument(i).map(|x| (x.spec.status, x.spec.min_qty, x.spec.max_qty));
        let (open, min_qty, max_qty) =
            spec.map_or((false, Lots(1), Lots(0)), |(status, min, max)| (status == TradingStatus::Open, min, max));
        // The touch only matters when there is no last trade (the collar's
        // reference is last trade, else mid; a market buy falls back to the ask).
        let bbo = if market.last_trade.is_none() { self.engine.bbo(i).unwrap_or_default() } else { Default::default() };
        let asset = if intent.side == Side::Buy { market.quote } else { market.base };
        let lookup = |ledger: &Ledger| wallet_available(ledger, account, asset);
        let st = self.accounts.entry(account).or_default();
        // Sliding window over the command timestamps.
        if let Some(t) = st.limits.throttle {
            while st.recent.front().is_some_and(|&x| x.saturating_add(t.window_ns) <= ts.0) {
                st.recent.pop_front();
            }
        }
        let view = RiskView {
            instrument_open: open,
            risk,
            min_qty,
            max_qty,
            scale: &market.scale,
            account_enabled: !st.disabled,
            restricted: st.restricted.contains(&i),
            limits: &st.limits,
            open_orders: st.open_orders,
            recent_commands: st.recent.len() as u32,
            last_trade: market.last_trade,
            best_bid: bbo.bid.map(|l| l.price),
            best_ask: bbo.ask.map(|l| l.price),
            // Read by check_funds only, below.
            available: 0,
        };
        // Buying power is the last check. Wallets never go negative, so an amend that
        // needs no more than it already holds passes it whatever the balance: look the
        // balance up only when it can matter (a cache miss into the ledger's accounts).
        let result = risk::check_before_funds(intent, &view).and_then(|a| {
            if a.hold > intent.existing_hold {
                risk::check_funds(intent, &a, lookup(&self.ledger))?;
            }
            Ok(a)
        });
        debug_assert!(
            result == risk::check(intent, &RiskView { available: lookup(&self.ledger), ..view }),
            "invariant: the deferred balance lookup gives the same answer"
        );
        if let Some(t) = st.limits.throttle {
            if result.is_ok() {
                st.recent.push_back(ts.0);
                while st.recent.len() > t.max_commands as usize {
                    st.recent.pop_front();
                }
            }
        }
        result
    }
}
