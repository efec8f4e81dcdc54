//! The Broker's state hash.

use super::Broker;
use crate::hash::Fnv64;

impl Broker {
    /// FNV-1a over the engine's and ledger's hashes and the Broker's own state.
    pub fn state_hash(&self) -> u64 {
        let mut h = Fnv64::default();
        h.u64(self.engine.state_hash());
        h.u64(self.ledger.state_hash());
        h.u64(self.next_transfer);
        h.u64(self.last_seq);
        h.u64(self.now.0);
        let snap = self.snapshot_parts();
        for (id, f) in &snap.0 {
            h.u64(id.0);
            h.u64(f.account.0);
            h.i128(f.hold_id.0 as i128);
            h.i128(f.hold as i128);
            h.i64(f.hold_price.0);
            h.i64(f.remaining.0);
        }
        for (k, r) in &snap.1 {
            h.i128(*k as i128);
            h.str(r.status.code());
        }
        let mut accounts: Vec<_> = self.accounts.iter().collect();
        accounts.sort_unstable_by_key(|(a, _)| **a);
        for (a, st) in accounts {
            h.u64(a.0);
            h.u64(u64::from(st.disabled));
            h.u64(u64::from(st.open_orders));
            h.u64(st.recent.len() as u64);
            h.u64(st.restricted.len() as u64);
        }
        for m in &self.markets {
            h.i64(m.last_trade.map_or(0, |t| t.0));
        }
        h.finish()
    }
}
