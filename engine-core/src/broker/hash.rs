//! The Broker's state hash: every field of every piece of Broker state, on top of
//! the engine's and the ledger's own hashes.
//!
//! Each record is written field by field through [`Hashed`], and every struct is
//! destructured without `..`: a field added to the Broker, a market, an order's
//! funds, an account's state or a funds record does not compile until it is
//! hashed here (or named as not state, like the reused buffers).
//!
//! The three hash maps are hashed without sorting: each entry is hashed on its
//! own, mixed, and the results summed (a multiset hash), so the total depends on
//! what the map holds and not on the order it yields it, and the Broker's part
//! allocates nothing, however often a test calls it (the engine's hash still
//! formats each instrument's tick and lot size).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use brokerx_ledger::{Amount, AssetId, TransferId, TransferStatus};

use super::command::Funds;
use super::event::FundsDirection;
use super::funds::FundsRecord;
use super::limits::AccountState;
use super::market::Market;
use super::order_funds::{HoldKind, OrderFees, OrderFunds};
use super::Broker;
use crate::hash::{Fnv64, IdHashMap};
use crate::risk::{AccountLimits, InstrumentRisk, RiskState, Throttle, UnitScale};
use crate::types::{AccountId, InstrumentId, Lots, OrderId, Side, Ticks, Timestamp};

impl Broker {
    /// A deterministic 64-bit hash of the whole Broker: the engine's and the
    /// ledger's hashes (the ledger's clock too, which its own hash leaves out),
    /// every market (assets, unit scale, risk, last trade), wallet caps, each live
    /// order's funds (hold, fee rates, fees accrued), each account's limits, kill
    /// switch, open orders, restrictions and throttle window, each funds key's
    /// record, and the counters and clock. Equal for a Broker and its restored
    /// snapshot.
    pub fn state_hash(&self) -> u64 {
        let Broker {
            engine,
            ledger,
            markets,
            wallet_max,
            funds,
            accounts,
            funds_keys,
            next_transfer,
            last_seq,
            now,
            // Scratch space, empty between commands.
            engine_events: _,
            batch: _,
        } = self;
        let mut h = Fnv64::default();
        h.u64(engine.state_hash());
        h.u64(ledger.state_hash());
        h.u64(ledger.now().0);
        next_transfer.hash_into(&mut h);
        last_seq.hash_into(&mut h);
        now.hash_into(&mut h);
        markets.len().hash_into(&mut h);
        for m in markets {
            m.hash_into(&mut h);
        }
        wallet_max.hash_into(&mut h);
        unordered(&mut h, funds);
        unordered(&mut h, accounts);
        unordered(&mut h, funds_keys);
        h.finish()
    }
}

/// A map's entries in any order: the count, then the wrapping sum of each
/// entry's own hash, mixed so that the sum of related entries does not cancel.
fn unordered<K: Hashed, V: Hashed>(h: &mut Fnv64, map: &IdHashMap<K, V>) {
    let mut sum = 0u64;
    for (k, v) in map {
        let mut e = Fnv64::default();
        k.hash_into(&mut e);
        v.hash_into(&mut e);
        sum = sum.wrapping_add(mix(e.finish()));
    }
    map.len().hash_into(h);
    h.u64(sum);
}

/// MurmurHash3's 64-bit finalizer: a bijection in which every input bit moves
/// about half the output bits.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// A piece of Broker state, written into the hash field by field.
trait Hashed {
    fn hash_into(&self, h: &mut Fnv64);
}

macro_rules! hashed_as_u64 {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(impl Hashed for $t {
            fn hash_into(&self, h: &mut Fnv64) {
                let $v = *self;
                h.u64($e);
            }
        })*
    };
}

hashed_as_u64! {
    bool => |v| u64::from(v),
    u32 => |v| u64::from(v),
    u64 => |v| v,
    usize => |v| v as u64,
    AccountId => |v| v.0,
    OrderId => |v| v.0,
    InstrumentId => |v| u64::from(v.0),
    AssetId => |v| u64::from(v.0),
    Timestamp => |v| v.0,
    Side => |v| match v { Side::Buy => 0, Side::Sell => 1 },
    FundsDirection => |v| match v { FundsDirection::Deposit => 0, FundsDirection::Withdrawal => 1 },
    RiskState => |v| match v { RiskState::Active => 0, RiskState::Reducing => 1, RiskState::Halted => 2 },
    HoldKind => |v| match v { HoldKind::Order => 0, HoldKind::StopLimit => 1, HoldKind::StopMarket => 2, HoldKind::ByAmount => 3 },
}

impl Hashed for i64 {
    fn hash_into(&self, h: &mut Fnv64) {
        h.i64(*self);
    }
}

impl Hashed for u128 {
    fn hash_into(&self, h: &mut Fnv64) {
        h.bytes(&self.to_le_bytes());
    }
}

impl Hashed for Ticks {
    fn hash_into(&self, h: &mut Fnv64) {
        h.i64(self.0);
    }
}

impl Hashed for Lots {
    fn hash_into(&self, h: &mut Fnv64) {
        h.i64(self.0);
    }
}

impl Hashed for Amount {
    fn hash_into(&self, h: &mut Fnv64) {
        self.minor().hash_into(h);
    }
}

impl Hashed for TransferId {
    fn hash_into(&self, h: &mut Fnv64) {
        self.0.hash_into(h);
    }
}

impl Hashed for TransferStatus {
    fn hash_into(&self, h: &mut Fnv64) {
        h.str(self.code());
    }
}

impl<T: Hashed> Hashed for Option<T> {
    fn hash_into(&self, h: &mut Fnv64) {
        match self {
            None => h.u64(0),
            Some(v) => {
                h.u64(1);
                v.hash_into(h);
            }
        }
    }
}

impl<T: Hashed> Hashed for VecDeque<T> {
    fn hash_into(&self, h: &mut Fnv64) {
        self.len().hash_into(h);
        for v in self {
            v.hash_into(h);
        }
    }
}

impl<T: Hashed> Hashed for BTreeSet<T> {
    fn hash_into(&self, h: &mut Fnv64) {
        self.len().hash_into(h);
        for v in self {
            v.hash_into(h);
        }
    }
}

impl<K: Hashed, V: Hashed> Hashed for BTreeMap<K, V> {
    fn hash_into(&self, h: &mut Fnv64) {
        self.len().hash_into(h);
        for (k, v) in self {
            k.hash_into(h);
            v.hash_into(h);
        }
    }
}

impl Hashed for Market {
    fn hash_into(&self, h: &mut Fnv64) {
        let Market { base, quote, scale, risk, last_trade } = self;
        base.hash_into(h);
        quote.hash_into(h);
        scale.hash_into(h);
        risk.hash_into(h);
        last_trade.hash_into(h);
    }
}

impl Hashed for UnitScale {
    fn hash_into(&self, h: &mut Fnv64) {
        let UnitScale { base_per_lot, quote_per_tick_lot } = self;
        base_per_lot.hash_into(h);
        quote_per_tick_lot.hash_into(h);
    }
}

impl Hashed for InstrumentRisk {
    fn hash_into(&self, h: &mut Fnv64) {
        let InstrumentRisk {
            state,
            max_order_qty,
            max_order_notional,
            collar_bps,
            reference_price,
            fail_closed,
            maker_fee_bps,
            taker_fee_bps,
        } = self;
        state.hash_into(h);
        max_order_qty.hash_into(h);
        max_order_notional.hash_into(h);
        collar_bps.hash_into(h);
        reference_price.hash_into(h);
        fail_closed.hash_into(h);
        maker_fee_bps.hash_into(h);
        taker_fee_bps.hash_into(h);
    }
}

impl Hashed for OrderFunds {
    fn hash_into(&self, h: &mut Fnv64) {
        let OrderFunds { account, instrument, side, hold_id, hold, hold_price, remaining, fees, fee_accrued, kind } =
            self;
        account.hash_into(h);
        instrument.hash_into(h);
        side.hash_into(h);
        hold_id.hash_into(h);
        hold.hash_into(h);
        hold_price.hash_into(h);
        remaining.hash_into(h);
        fees.hash_into(h);
        fee_accrued.hash_into(h);
        kind.hash_into(h);
    }
}

impl Hashed for OrderFees {
    fn hash_into(&self, h: &mut Fnv64) {
        let OrderFees { maker_bps, taker_bps } = self;
        maker_bps.hash_into(h);
        taker_bps.hash_into(h);
    }
}

impl Hashed for AccountState {
    fn hash_into(&self, h: &mut Fnv64) {
        let AccountState { limits, disabled, open_orders, recent, restricted } = self;
        limits.hash_into(h);
        disabled.hash_into(h);
        open_orders.hash_into(h);
        recent.hash_into(h);
        restricted.hash_into(h);
    }
}

impl Hashed for AccountLimits {
    fn hash_into(&self, h: &mut Fnv64) {
        let AccountLimits { max_order_qty, max_order_notional, max_open_orders, throttle } = self;
        max_order_qty.hash_into(h);
        max_order_notional.hash_into(h);
        max_open_orders.hash_into(h);
        throttle.hash_into(h);
    }
}

impl Hashed for Throttle {
    fn hash_into(&self, h: &mut Fnv64) {
        let Throttle { max_commands, window_ns } = self;
        max_commands.hash_into(h);
        window_ns.hash_into(h);
    }
}

impl Hashed for FundsRecord {
    fn hash_into(&self, h: &mut Fnv64) {
        let FundsRecord { direction, funds, status } = self;
        direction.hash_into(h);
        funds.hash_into(h);
        status.hash_into(h);
    }
}

impl Hashed for Funds {
    fn hash_into(&self, h: &mut Fnv64) {
        let Funds { account, asset, amount, key } = self;
        account.hash_into(h);
        asset.hash_into(h);
        amount.hash_into(h);
        key.hash_into(h);
    }
}

#[cfg(test)]
mod tests {
    use brokerx_ledger::{Amount, AssetSpec, TransferId, TransferStatus};
    use rust_decimal::Decimal;

    use super::super::command::{BrokerCommand, BrokerCommandKind, Funds, MarketSpec};
    use super::super::event::FundsDirection;
    use super::super::{Broker, BrokerConfig};
    use super::{mix, HoldKind};
    use crate::command::Place;
    use crate::instrument::InstrumentSpec;
    use crate::risk::{InstrumentRisk, RiskState, Throttle};
    use crate::types::{AccountId, CorrelationId, InstrumentId, Lots, OrderId, Side, Ticks, Timestamp};

    /// A Broker with one market, one resting buy, a funds record and an account.
    fn broker() -> Broker {
        let mut b = Broker::new(BrokerConfig::default());
        let (usd, acme) = (brokerx_ledger::AssetId(1), brokerx_ledger::AssetId(2));
        let cmds = [
            BrokerCommandKind::CreateAsset {
                spec: AssetSpec { id: usd, code: "USD".into(), scale: 2 },
                wallet_max_balance: None,
            },
            BrokerCommandKind::CreateAsset {
                spec: AssetSpec { id: acme, code: "ACME".into(), scale: 0 },
                wallet_max_balance: None,
            },
            BrokerCommandKind::RegisterMarket(MarketSpec {
                instrument: InstrumentSpec::new("ACME/USD", Decimal::new(1, 2), Decimal::ONE),
                base: acme,
                quote: usd,
                risk: InstrumentRisk { reference_price: Some(Ticks(100)), ..InstrumentRisk::default() },
            }),
            BrokerCommandKind::Deposit(Funds {
                account: AccountId(1),
                asset: usd,
                amount: Amount::from_minor(100_000),
                key: 1,
            }),
            BrokerCommandKind::Place(Place::limit(AccountId(1), InstrumentId(0), Side::Buy, Ticks(100), Lots(2))),
        ];
        for (n, kind) in cmds.into_iter().enumerate() {
            let cmd = BrokerCommand { ts: Timestamp(n as u64 + 1), correlation_id: CorrelationId(n as u64 + 1), kind };
            b.apply(&cmd, &mut Vec::new()).unwrap();
        }
        b
    }

    #[test]
    fn every_field_changes_the_hash_even_where_no_valid_state_could_differ_in_it_alone() {
        // Some fields move only together with others (a hold with the ledger), so
        // neither commands nor a restored snapshot can change them alone; here
        // each is changed directly.
        type Edit = (&'static str, fn(&mut Broker));
        let edits: Vec<Edit> = vec![
            ("next_transfer", |b| b.next_transfer += 1),
            ("last_seq", |b| b.last_seq += 1),
            ("now", |b| b.now.0 += 1),
            ("market base", |b| b.markets[0].base.0 = 9),
            ("market quote", |b| b.markets[0].quote.0 = 9),
            ("market scale base", |b| b.markets[0].scale.base_per_lot += 1),
            ("market scale quote", |b| b.markets[0].scale.quote_per_tick_lot += 1),
            ("risk state", |b| b.markets[0].risk.state = RiskState::Halted),
            ("risk max qty", |b| b.markets[0].risk.max_order_qty = Some(Lots(1))),
            ("risk max notional", |b| b.markets[0].risk.max_order_notional = Some(Amount::from_minor(1))),
            ("risk collar", |b| b.markets[0].risk.collar_bps = None),
            ("risk reference", |b| b.markets[0].risk.reference_price = None),
            ("risk fail closed", |b| b.markets[0].risk.fail_closed ^= true),
            ("risk maker fee", |b| b.markets[0].risk.maker_fee_bps += 1),
            ("risk taker fee", |b| b.markets[0].risk.taker_fee_bps += 1),
            ("last trade", |b| b.markets[0].last_trade = Some(Ticks(1))),
            ("a second market", |b| b.markets.push(b.markets[0])),
            ("wallet cap", |b| {
                b.wallet_max.insert(brokerx_ledger::AssetId(1), 5);
            }),
            ("funds account", |b| b.funds.get_mut(&OrderId(1)).unwrap().account.0 += 1),
            ("funds instrument", |b| b.funds.get_mut(&OrderId(1)).unwrap().instrument.0 += 1),
            ("funds side", |b| b.funds.get_mut(&OrderId(1)).unwrap().side = Side::Sell),
            ("funds hold id", |b| b.funds.get_mut(&OrderId(1)).unwrap().hold_id = TransferId(5)),
            ("funds hold", |b| b.funds.get_mut(&OrderId(1)).unwrap().hold += 1),
            ("funds hold price", |b| b.funds.get_mut(&OrderId(1)).unwrap().hold_price.0 += 1),
            ("funds remaining", |b| b.funds.get_mut(&OrderId(1)).unwrap().remaining.0 += 1),
            ("funds maker rate", |b| b.funds.get_mut(&OrderId(1)).unwrap().fees.maker_bps += 1),
            ("funds taker rate", |b| b.funds.get_mut(&OrderId(1)).unwrap().fees.taker_bps += 1),
            ("funds fees accrued", |b| b.funds.get_mut(&OrderId(1)).unwrap().fee_accrued += 1),
            ("funds stop kind", |b| b.funds.get_mut(&OrderId(1)).unwrap().kind = HoldKind::StopLimit),
            ("funds under another order id", |b| {
                let f = b.funds.remove(&OrderId(1)).unwrap();
                b.funds.insert(OrderId(2), f);
            }),
            ("account limit qty", |b| b.accounts.get_mut(&AccountId(1)).unwrap().limits.max_order_qty = Some(Lots(1))),
            ("account limit notional", |b| {
                b.accounts.get_mut(&AccountId(1)).unwrap().limits.max_order_notional = Some(Amount::from_minor(1))
            }),
            ("account limit open", |b| b.accounts.get_mut(&AccountId(1)).unwrap().limits.max_open_orders = Some(1)),
            ("account throttle", |b| {
                b.accounts.get_mut(&AccountId(1)).unwrap().limits.throttle =
                    Some(Throttle { max_commands: 1, window_ns: 1 })
            }),
            ("account disabled", |b| b.accounts.get_mut(&AccountId(1)).unwrap().disabled ^= true),
            ("account open orders", |b| b.accounts.get_mut(&AccountId(1)).unwrap().open_orders += 1),
            ("account recent", |b| b.accounts.get_mut(&AccountId(1)).unwrap().recent.push_back(7)),
            ("account restricted", |b| {
                b.accounts.get_mut(&AccountId(1)).unwrap().restricted.insert(InstrumentId(0));
            }),
            ("account under another id", |b| {
                let st = b.accounts.remove(&AccountId(1)).unwrap();
                b.accounts.insert(AccountId(2), st);
            }),
            ("funds key", |b| {
                let r = b.funds_keys.remove(&1).unwrap();
                b.funds_keys.insert(2, r);
            }),
            ("funds record direction", |b| b.funds_keys.get_mut(&1).unwrap().direction = FundsDirection::Withdrawal),
            ("funds record account", |b| b.funds_keys.get_mut(&1).unwrap().funds.account.0 += 1),
            ("funds record asset", |b| b.funds_keys.get_mut(&1).unwrap().funds.asset.0 += 1),
            ("funds record amount", |b| {
                let f = &mut b.funds_keys.get_mut(&1).unwrap().funds;
                f.amount = Amount::from_minor(f.amount.minor() + 1)
            }),
            ("funds record key", |b| b.funds_keys.get_mut(&1).unwrap().funds.key += 1),
            ("funds record status", |b| b.funds_keys.get_mut(&1).unwrap().status = TransferStatus::ExceedsMaxBalance),
        ];
        let base = broker();
        let h0 = base.state_hash();
        let mut seen = vec![h0];
        for (name, edit) in edits {
            let mut b = broker();
            assert_eq!(b.state_hash(), h0, "deterministic");
            edit(&mut b);
            let h = b.state_hash();
            assert!(!seen.contains(&h), "{name}: hash {h:016x} not new");
            seen.push(h);
        }
    }

    #[test]
    fn mix_spreads_neighbouring_inputs() {
        // Entry hashes are summed: neighbours must not stay neighbours, or two
        // maps could trade +1 in one entry for −1 in another.
        let (a, b) = (mix(1), mix(2));
        assert_ne!(a.wrapping_add(1), b);
        assert!((a ^ b).count_ones() > 16, "{a:016x} {b:016x}");
    }
}
