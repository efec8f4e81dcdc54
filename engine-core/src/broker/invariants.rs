//! The Broker's invariants.

use std::collections::BTreeMap;

use brokerx_ledger::AssetId;

use super::accounts::{system, ESCROW_OWNER};
use super::order_funds::HoldKind;
use super::Broker;
use crate::risk::{self};
use crate::types::{OrderId, Side};

impl Broker {
    /// The Broker's invariants, on top of the engine's and the ledger's.
    ///
    /// # Errors
    /// A description of the first violation.
    pub fn check_invariants(&self) -> Result<(), String> {
        self.engine.check_invariants()?;
        self.ledger.check_invariants().map_err(|v| format!("ledger: {v:?}"))?;
        if self.funds.len() != self.engine.live_orders() {
            return Err(format!("{} holds for {} live orders", self.funds.len(), self.engine.live_orders()));
        }
        let mut held: BTreeMap<AssetId, u128> = BTreeMap::new();
        let mut ids: Vec<&OrderId> = self.funds.keys().collect();
        ids.sort();
        for id in ids {
            let f = &self.funds[id];
            let o = self.engine.order(*id).ok_or_else(|| format!("hold for order {id} which is not live"))?;
            if o.remaining != f.remaining {
                return Err(format!("order {id}: hold sized for {} lots, order has {}", f.remaining, o.remaining));
            }
            // A waiting stop is marked as one, and a buy stop's engine limit (its
            // own, or the protection price) is what its hold was sized at.
            if o.trigger.is_some() != matches!(f.kind, HoldKind::StopLimit | HoldKind::StopMarket) {
                return Err(format!("order {id}: waiting {} but its hold says {:?}", o.trigger.is_some(), f.kind));
            }
            if o.trigger.is_some() && f.side == Side::Buy && o.price != f.hold_price {
                return Err(format!("order {id}: stop limit {} but held at {}", o.price, f.hold_price));
            }
            let m = self.market(f.instrument).ok_or("hold on unknown market")?;
            let want = match f.side {
                Side::Buy => risk::buy_hold_after(
                    &m.scale,
                    &f.fees.applied_to(&m.risk),
                    f.hold_price,
                    o.remaining,
                    f.fee_accrued,
                ),
                Side::Sell => m.scale.base(o.remaining),
            };
            if want != Some(f.hold) {
                return Err(format!("order {id}: hold {} but worst case {:?}", f.hold, want));
            }
            let pending = self.ledger.pending_amount(f.hold_id).map(|a| a.minor());
            if pending != Some(f.hold) {
                return Err(format!("order {id}: ledger holds {pending:?}, expected {}", f.hold));
            }
            *held.entry(if f.side == Side::Buy { m.quote } else { m.base }).or_default() += f.hold;
        }
        for (asset, _) in self
            .wallet_max
            .iter()
            .map(|(a, m)| (*a, *m))
            .chain(self.markets.iter().flat_map(|m| [(m.base, 0), (m.quote, 0)]))
        {
            let Some(b) = self.ledger.balance(system(ESCROW_OWNER, asset)) else { continue };
            if b.posted() != 0 {
                return Err(format!("escrow of asset {asset:?} holds {} posted", b.posted()));
            }
            let pending = b.credits_pending.minor();
            if pending != held.get(&asset).copied().unwrap_or(0) {
                return Err(format!(
                    "escrow of asset {asset:?} has {pending} pending, orders hold {:?}",
                    held.get(&asset)
                ));
            }
        }
        Ok(())
    }
}
