//! `Broker::state_hash` covers every field of the Broker's state.
//!
//! For each field, two Brokers are built through public commands so that they
//! differ in that field alone — checked, not assumed: their snapshots, compared
//! leaf by leaf, differ only under the field's path — and their hashes must
//! differ. Fields no sequence of commands can change alone (fees accrued, last
//! trade, open orders, unit scale: each moves with the ledger or the engine) are
//! changed in a snapshot instead, restored, and must change the hash too; the
//! unit tests in `broker/hash.rs` change every field directly, invariants or not.
//! Then: snapshot → restore keeps the hash, and a refused command leaves it equal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use brokerx_engine::broker::*;
use brokerx_engine::*;
use brokerx_ledger::{AssetId, AssetSpec, LedgerConfig, Policy, TransferCode, TransferLimit};
use common::d;

const USD: AssetId = AssetId(1);
const ACME: AssetId = AssetId(2);
const EUR: AssetId = AssetId(3);
const ACME2: AssetId = AssetId(4);
const M0: InstrumentId = InstrumentId(0);
const M1: InstrumentId = InstrumentId(1);

struct S {
    b: Broker,
    events: Vec<BrokerEvent>,
    ts: u64,
    corr: u64,
}

impl S {
    fn new() -> S {
        S::with(BrokerConfig::default())
    }
    fn with(config: BrokerConfig) -> S {
        S { b: Broker::new(config), events: Vec::new(), ts: 0, corr: 0 }
    }
    /// Runs a command 10 ns after the last one; it must be accepted.
    fn run(&mut self, kind: BrokerCommandKind) {
        let ts = self.ts + 10;
        self.run_at(ts, kind);
    }
    fn run_at(&mut self, ts: u64, kind: BrokerCommandKind) {
        self.try_run_at(ts, kind).unwrap_or_else(|e| panic!("command {} refused: {e}", self.corr));
    }
    fn try_run_at(&mut self, ts: u64, kind: BrokerCommandKind) -> Result<(), BrokerError> {
        self.corr += 1;
        let cmd = BrokerCommand { ts: Timestamp(ts), correlation_id: CorrelationId(self.corr), kind };
        let r = self.b.apply(&cmd, &mut self.events);
        self.b.check_invariants().unwrap_or_else(|e| panic!("invariant after command {}: {e}", self.corr));
        if r.is_ok() {
            self.ts = ts;
        }
        r
    }
    fn asset(&mut self, id: AssetId, code: &str, scale: u8, wallet_max_balance: Option<u128>) {
        let spec = AssetSpec { id, code: code.into(), scale };
        self.run(BrokerCommandKind::CreateAsset {
            spec,
            wallet_max_balance: wallet_max_balance.map(Amount::from_minor),
        });
    }
    fn market(&mut self, symbol: &str, base: AssetId, quote: AssetId) {
        self.run(BrokerCommandKind::RegisterMarket(MarketSpec {
            instrument: InstrumentSpec::new(symbol, d("0.01"), d("1")),
            base,
            quote,
            risk: risk(),
        }));
    }
    fn deposit(&mut self, account: u64, asset: AssetId, amount: u128, key: u128) {
        self.run(BrokerCommandKind::Deposit(Funds {
            account: AccountId(account),
            asset,
            amount: Amount::from_minor(amount),
            key,
        }));
    }
    fn limit(&mut self, account: u64, instrument: InstrumentId, side: Side, price: i64, qty: i64) {
        let p = Place::limit(AccountId(account), instrument, side, Ticks(price), Lots(qty));
        self.run(BrokerCommandKind::Place(p));
    }
    fn limits(&mut self, account: u64, limits: AccountLimits) {
        self.run(BrokerCommandKind::SetAccountLimits { account: AccountId(account), limits });
    }
    /// USD (scale 2), ACME and ACME2 (shares), EUR (scale 2, wallets capped at
    /// 1,000.00), and ACME/USD as market 0; nothing else.
    fn assets() -> S {
        let mut s = S::new();
        s.asset(USD, "USD", 2, None);
        s.asset(ACME, "ACME", 0, None);
        s.asset(EUR, "EUR", 2, Some(100_000));
        s.asset(ACME2, "ACME2", 0, None);
        s
    }
    fn one_market() -> S {
        let mut s = S::assets();
        S::one_market_on(&mut s);
        s
    }
    /// For `pair`: registers ACME/USD on a Broker made by [`S::assets`].
    fn one_market_on(s: &mut S) {
        s.market("ACME/USD", ACME, USD);
    }
}

fn risk() -> InstrumentRisk {
    InstrumentRisk {
        collar_bps: Some(2_000),
        reference_price: Some(Ticks(10_000)),
        maker_fee_bps: 10,
        taker_fee_bps: 20,
        ..InstrumentRisk::default()
    }
}

/// Something of every kind of Broker state: two markets, a trade (last trade,
/// a partly filled sell that has accrued fees), a resting buy, account limits
/// with a throttle window, a restriction, a disabled account, a wallet cap and
/// funds records both applied and refused.
fn rich() -> S {
    let mut s = S::assets();
    s.market("ACME/USD", ACME, USD);
    s.market("ACME/EUR", ACME, EUR);
    s.deposit(1, USD, 1_000_000, 1);
    s.deposit(2, ACME, 100, 2);
    s.deposit(3, EUR, 50_000, 3);
    // Over the EUR cap: refused, remembered under its key.
    s.deposit(3, EUR, 90_000, 4);
    s.limits(
        1,
        AccountLimits {
            max_open_orders: Some(10),
            throttle: Some(Throttle { max_commands: 50, window_ns: 1_000_000_000_000 }),
            ..AccountLimits::default()
        },
    );
    s.limits(
        2,
        AccountLimits {
            max_order_qty: Some(Lots(1_000)),
            max_order_notional: Some(Amount::from_minor(1 << 40)),
            ..Default::default()
        },
    );
    s.run(BrokerCommandKind::RestrictInstrument { account: AccountId(1), instrument: M1, restricted: true });
    s.limit(2, M0, Side::Sell, 10_000, 10);
    s.limit(1, M0, Side::Buy, 10_000, 4);
    s.limit(1, M0, Side::Buy, 9_990, 3);
    s.run(BrokerCommandKind::SetAccountEnabled { account: AccountId(4), enabled: false });
    s
}

// ---------------------------------------------------------------------------
// Snapshots as leaves: a small JSON walker that keeps numbers as text (serde_json's
// `Value` would turn transfer ids above 2^64 into floats).

#[derive(Debug)]
struct Leaf {
    path: String,
    span: std::ops::Range<usize>,
}

fn leaves(json: &str) -> Vec<Leaf> {
    fn value(s: &[u8], i: &mut usize, path: &str, out: &mut Vec<Leaf>) {
        match s[*i] {
            b'{' => {
                *i += 1;
                while s[*i] != b'}' {
                    let start = *i;
                    skip_string(s, i);
                    let key = std::str::from_utf8(&s[start + 1..*i - 1]).unwrap();
                    assert_eq!(s[*i], b':');
                    *i += 1;
                    value(s, i, &join(path, key), out);
                    if s[*i] == b',' {
                        *i += 1;
                    }
                }
                *i += 1;
            }
            b'[' => {
                *i += 1;
                let mut n = 0;
                while s[*i] != b']' {
                    value(s, i, &join(path, &n.to_string()), out);
                    n += 1;
                    if s[*i] == b',' {
                        *i += 1;
                    }
                }
                *i += 1;
            }
            b'"' => {
                let start = *i;
                skip_string(s, i);
                out.push(Leaf { path: path.to_string(), span: start..*i });
            }
            _ => {
                let start = *i;
                while !matches!(s[*i], b',' | b'}' | b']') {
                    *i += 1;
                }
                out.push(Leaf { path: path.to_string(), span: start..*i });
            }
        }
    }
    fn skip_string(s: &[u8], i: &mut usize) {
        *i += 1;
        while s[*i] != b'"' {
            *i += if s[*i] == b'\\' { 2 } else { 1 };
        }
        *i += 1;
    }
    fn join(path: &str, key: &str) -> String {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    }
    let mut out = Vec::new();
    value(json.as_bytes(), &mut 0, "", &mut out);
    out
}

fn json(b: &Broker) -> String {
    serde_json::to_string(&b.snapshot()).unwrap()
}

/// The leaf paths at which two Brokers' snapshots differ (a path present in one only counts).
fn differences(a: &Broker, b: &Broker) -> Vec<String> {
    let (ja, jb) = (json(a), json(b));
    let map = |j: &str| -> std::collections::BTreeMap<String, String> {
        leaves(j).into_iter().map(|l| (l.path, j[l.span].to_string())).collect()
    };
    let (ma, mb) = (map(&ja), map(&jb));
    let mut paths: Vec<String> = ma.keys().chain(mb.keys()).filter(|p| ma.get(*p) != mb.get(*p)).cloned().collect();
    paths.sort();
    paths.dedup();
    paths
}

/// The two Brokers differ, only under `under` (one or more snapshot paths), and
/// so do their hashes.
#[track_caller]
fn assert_differ_only_in(a: &S, b: &S, under: &[&str]) {
    let diff = differences(&a.b, &b.b);
    assert!(!diff.is_empty(), "{under:?}: the two brokers are the same");
    for p in &diff {
        assert!(
            under.iter().any(|u| p == u || p.starts_with(&format!("{u}."))),
            "{under:?}: the brokers also differ at {p} (all: {diff:?})"
        );
    }
    assert_ne!(a.b.state_hash(), b.b.state_hash(), "{under:?} differ ({diff:?}) but the hashes are equal");
}

/// Runs `common`, then `a` or `b`, then `after`, on two fresh Brokers.
fn pair(common: impl Fn(&mut S), a: impl FnOnce(&mut S), b: impl FnOnce(&mut S), after: impl Fn(&mut S)) -> (S, S) {
    let (mut x, mut y) = (S::assets(), S::assets());
    common(&mut x);
    common(&mut y);
    a(&mut x);
    b(&mut y);
    after(&mut x);
    after(&mut y);
    (x, y)
}

fn nothing(_: &mut S) {}

// ---------------------------------------------------------------------------
// Fields two Brokers can differ in alone, built through commands.

#[test]
fn each_account_limit_changes_the_hash() {
    let base = AccountLimits {
        max_order_qty: Some(Lots(100)),
        max_order_notional: Some(Amount::from_minor(1_000_000)),
        max_open_orders: Some(5),
        throttle: Some(Throttle { max_commands: 10, window_ns: 1_000 }),
    };
    let variants: [(&str, AccountLimits); 5] = [
        ("max_order_qty", AccountLimits { max_order_qty: Some(Lots(101)), ..base }),
        ("max_order_notional", AccountLimits { max_order_notional: Some(Amount::from_minor(1_000_001)), ..base }),
        ("max_open_orders", AccountLimits { max_open_orders: Some(6), ..base }),
        (
            "throttle.max_commands",
            AccountLimits { throttle: Some(Throttle { max_commands: 11, window_ns: 1_000 }), ..base },
        ),
        (
            "throttle.window_ns",
            AccountLimits { throttle: Some(Throttle { max_commands: 10, window_ns: 1_001 }), ..base },
        ),
    ];
    for (field, other) in variants {
        let (a, b) = pair(S::one_market_on, |s| s.limits(1, base), |s| s.limits(1, other), nothing);
        assert_differ_only_in(&a, &b, &[&format!("accounts.1.limits.{field}")]);
    }
    // None against Some.
    let (a, b) = pair(
        S::one_market_on,
        |s| s.limits(1, base),
        |s| s.limits(1, AccountLimits { throttle: None, ..base }),
        nothing,
    );
    assert_differ_only_in(&a, &b, &["accounts.1.limits.throttle"]);
}

#[test]
fn which_instrument_is_restricted_changes_the_hash() {
    // Same set length, another instrument in it.
    let restrict = |i| {
        move |s: &mut S| {
            s.run(BrokerCommandKind::RestrictInstrument { account: AccountId(1), instrument: i, restricted: true })
        }
    };
    let (a, b) = pair(
        |s| {
            s.market("ACME/USD", ACME, USD);
            s.market("ACME/EUR", ACME, EUR);
        },
        restrict(M0),
        restrict(M1),
        nothing,
    );
    assert_differ_only_in(&a, &b, &["accounts.1.restricted.0"]);
}

#[test]
fn the_times_in_the_throttle_window_change_the_hash() {
    // The window holds the time of every approved place and amend. A sell's
    // price amend is approved and touches neither its hold (a sell holds its
    // quantity) nor the ledger, so amending at another time changes the window's
    // contents alone (same length); a later command brings both clocks level.
    let common = |s: &mut S| {
        s.market("ACME/USD", ACME, USD);
        s.limits(
            1,
            AccountLimits {
                throttle: Some(Throttle { max_commands: 10, window_ns: 1_000_000 }),
                ..AccountLimits::default()
            },
        );
        s.deposit(1, ACME, 10, 1);
        s.limit(1, M0, Side::Sell, 10_500, 5);
    };
    let amend_at = |ts: u64| {
        move |s: &mut S| {
            let amend = Amend::new(AccountId(1), OrderId(1)).with_price(Ticks(10_400));
            s.run_at(ts, BrokerCommandKind::Amend(amend));
        }
    };
    let level = |s: &mut S| s.run_at(10_000, BrokerCommandKind::ExpireDue);
    let (a, b) = pair(common, amend_at(5_000), amend_at(6_000), level);
    assert_differ_only_in(&a, &b, &["accounts.1.recent.1"]);
}

#[test]
fn a_wallet_cap_changes_the_hash() {
    let gbp = AssetId(9);
    let (a, b) =
        pair(nothing, |s| s.asset(gbp, "GBP", 2, Some(1_000)), |s| s.asset(gbp, "GBP", 2, Some(1_001)), nothing);
    assert_differ_only_in(&a, &b, &["wallet_max.9"]);
    let (a, b) = pair(nothing, |s| s.asset(gbp, "GBP", 2, Some(1_000)), |s| s.asset(gbp, "GBP", 2, None), nothing);
    assert_differ_only_in(&a, &b, &["wallet_max"]);
}

#[test]
fn each_market_risk_field_changes_the_hash() {
    let base = risk();
    let variants: [(&str, InstrumentRisk); 8] = [
        ("state", InstrumentRisk { state: RiskState::Reducing, ..base }),
        ("max_order_qty", InstrumentRisk { max_order_qty: Some(Lots(7)), ..base }),
        ("max_order_notional", InstrumentRisk { max_order_notional: Some(Amount::from_minor(7)), ..base }),
        ("collar_bps", InstrumentRisk { collar_bps: Some(2_001), ..base }),
        ("reference_price", InstrumentRisk { reference_price: Some(Ticks(10_001)), ..base }),
        ("fail_closed", InstrumentRisk { fail_closed: !base.fail_closed, ..base }),
        ("maker_fee_bps", InstrumentRisk { maker_fee_bps: 11, ..base }),
        ("taker_fee_bps", InstrumentRisk { taker_fee_bps: 21, ..base }),
    ];
    let set = |risk| move |s: &mut S| s.run(BrokerCommandKind::SetInstrumentRisk { instrument: M0, risk });
    for (field, other) in variants {
        let (a, b) = pair(S::one_market_on, set(base), set(other), nothing);
        assert_differ_only_in(&a, &b, &[&format!("markets.0.risk.{field}")]);
    }
}

#[test]
fn a_markets_assets_change_the_hash() {
    // ACME and ACME2 are alike (shares, scale 0), so the engine's instrument,
    // the unit scale and the ledger are the same either way.
    let (a, b) = pair(nothing, |s| s.market("X/USD", ACME, USD), |s| s.market("X/USD", ACME2, USD), nothing);
    assert_differ_only_in(&a, &b, &["markets.0.base"]);
    let (a, b) = pair(nothing, |s| s.market("ACME/X", ACME, USD), |s| s.market("ACME/X", ACME, EUR), nothing);
    assert_differ_only_in(&a, &b, &["markets.0.quote"]);
}

#[test]
fn a_funds_record_changes_the_hash() {
    // A deposit over the wallet cap is refused before the ledger and remembered
    // under its key: another key or amount changes the record alone.
    let over_cap = |amount: u128, key: u128| move |s: &mut S| s.deposit(1, EUR, amount, key);
    let common = |s: &mut S| s.deposit(1, EUR, 50_000, 1);
    let (a, b) = pair(common, over_cap(90_000, 7), over_cap(90_000, 8), nothing);
    assert_differ_only_in(&a, &b, &["funds_keys.1"]);
    let (a, b) = pair(common, over_cap(90_000, 7), over_cap(90_001, 7), nothing);
    assert_differ_only_in(&a, &b, &["funds_keys.1.1.funds.amount"]);
}

#[test]
fn the_kill_switch_changes_the_hash() {
    // Account 1 has no orders, so disabling it cancels nothing; a later command
    // brings the engine's clock level (the kill switch's mass cancel moved it).
    let enable =
        |enabled| move |s: &mut S| s.run(BrokerCommandKind::SetAccountEnabled { account: AccountId(1), enabled });
    let level = |s: &mut S| s.run_at(10_000, BrokerCommandKind::ExpireDue);
    let (a, b) = pair(S::one_market_on, enable(false), enable(true), level);
    assert_differ_only_in(&a, &b, &["accounts.1.disabled"]);
}

#[test]
fn the_engines_and_the_ledgers_config_change_the_hash() {
    // Both hold limits the Broker relies on (a full book, the ledger's policy).
    let engine = EngineConfig { max_orders: 1_000, ..EngineConfig::default() };
    let a = S::with(BrokerConfig::default());
    let b = S::with(BrokerConfig { engine, ..BrokerConfig::default() });
    assert_differ_only_in(&a, &b, &["engine.config.max_orders"]);
    let b = S::with(BrokerConfig {
        engine: EngineConfig { market_data: false, ..EngineConfig::default() },
        ..BrokerConfig::default()
    });
    assert_differ_only_in(&a, &b, &["engine.config.market_data"]);
    let policy = Policy {
        transfer_limits: vec![TransferLimit {
            code: TransferCode::DEPOSIT,
            asset: USD,
            max_amount: brokerx_ledger::Amount::from_minor(1_000),
        }],
        ..Policy::default()
    };
    let b =
        S::with(BrokerConfig { ledger: LedgerConfig { policy, ..LedgerConfig::default() }, ..BrokerConfig::default() });
    assert_differ_only_in(&a, &b, &["ledger.config.policy", "ledger.state_hash"]);
}

// ---------------------------------------------------------------------------
// Fields no command sequence changes alone: changed in a snapshot.

/// `s` with the snapshot leaf at `path` replaced by `value`, restored.
fn edited(s: &Broker, path: &str, value: &str) -> Result<Broker, String> {
    let j = json(s);
    let leaf = leaves(&j).into_iter().find(|l| l.path == path).unwrap_or_else(|| panic!("no leaf {path}"));
    let edited = format!("{}{}{}", &j[..leaf.span.start], value, &j[leaf.span.end..]);
    let snap: BrokerSnapshot = serde_json::from_str(&edited).map_err(|e| e.to_string())?;
    Broker::restore(&snap).map_err(|e| e.to_string())
}

fn leaf_value(b: &Broker, path: &str) -> String {
    let j = json(b);
    let leaf = leaves(&j).into_iter().find(|l| l.path == path).unwrap_or_else(|| panic!("no leaf {path}"));
    j[leaf.span].to_string()
}

#[test]
fn fees_accrued_last_trade_open_orders_and_scale_change_the_hash() {
    // Fees accrued and last trade move only with a fill (which moves the
    // ledger), open orders only with an order (which moves the engine), the unit
    // scale only with the market's instrument or assets (hashed elsewhere too).
    let s = rich();
    let h = s.b.state_hash();
    // Order 1 is the partly filled sell (4 of 10, at the maker rate): a sell's
    // hold is its quantity, so its fees accrued may differ without breaking an
    // invariant.
    let accrued = leaf_value(&s.b, "funds.0.1.fee_accrued");
    assert_ne!(accrued, "0", "the sell has accrued fees");
    let n: u128 = accrued.parse().unwrap();
    let cases = [
        ("funds.0.1.fee_accrued", (n + 1).to_string()),
        ("markets.0.last_trade", "10001".to_string()),
        ("accounts.1.open_orders", "2".to_string()),
        // Market 1 has no orders, so nothing is held by its scale.
        ("markets.1.scale.base_per_lot", "2".to_string()),
        ("markets.1.scale.quote_per_tick_lot", "2".to_string()),
    ];
    for (path, value) in cases {
        assert_ne!(leaf_value(&s.b, path), value, "{path}");
        let r = edited(&s.b, path, &value).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(differences(&s.b, &r), vec![path.to_string()]);
        assert_ne!(r.state_hash(), h, "{path}");
    }
}

#[test]
fn every_leaf_of_the_brokers_snapshot_that_can_change_alone_changes_the_hash() {
    // Each number or flag of the Broker's own part of the snapshot (and of the
    // engine's), one at a time: where the result restores (deserializes and keeps
    // every invariant), it is a different Broker and must hash differently. The
    // ledger's part is left out: its snapshot carries its own hash, checked on
    // restore, and its own tests cover it.
    let s = rich();
    let h = s.b.state_hash();
    let j = json(&s.b);
    let mut changed = Vec::new();
    let mut refused = Vec::new();
    for leaf in leaves(&j) {
        if leaf.path.starts_with("ledger.") || leaf.path == "format_version" {
            continue;
        }
        let old = &j[leaf.span.clone()];
        let new = match old {
            "true" => "false".to_string(),
            "false" => "true".to_string(),
            _ => match old.parse::<u128>() {
                Ok(n) => (n + 1).to_string(),
                Err(_) => continue,
            },
        };
        match edited(&s.b, &leaf.path, &new) {
            Ok(r) => {
                assert_ne!(r.state_hash(), h, "{} {old} -> {new} restores but hashes the same", leaf.path);
                changed.push(leaf.path);
            }
            Err(_) => refused.push(leaf.path),
        }
    }
    // The walk reached each kind of Broker state (indices vary, names do not).
    let names = |paths: &[String]| -> Vec<String> {
        paths.iter().map(|p| p.split('.').filter(|x| x.parse::<u64>().is_err()).collect::<Vec<_>>().join(".")).collect()
    };
    let reached = names(&changed);
    for must in [
        "next_transfer",
        "last_seq",
        "now",
        "markets.base",
        "markets.quote",
        "markets.scale.base_per_lot",
        "markets.risk.collar_bps",
        "markets.risk.reference_price",
        "markets.risk.fail_closed",
        "markets.risk.maker_fee_bps",
        "markets.risk.taker_fee_bps",
        "markets.last_trade",
        "wallet_max",
        "funds.fee_accrued",
        "funds.fees.maker_bps",
        "funds.fees.taker_bps",
        "accounts.limits.max_open_orders",
        "accounts.limits.throttle.max_commands",
        "accounts.limits.throttle.window_ns",
        "accounts.limits.max_order_qty",
        "accounts.limits.max_order_notional",
        "accounts.disabled",
        "accounts.open_orders",
        "accounts.recent",
        "accounts.restricted",
        "funds_keys",
        "funds_keys.funds.amount",
        "funds_keys.funds.key",
        "engine.config.max_orders",
    ] {
        assert!(reached.iter().any(|r| r == must), "{must} never changed alone (changed: {reached:?})");
    }
    assert!(changed.len() > 40, "{} leaves changed, {} refused", changed.len(), refused.len());
}

// ---------------------------------------------------------------------------
// What must keep the hash.

#[test]
fn snapshot_and_restore_keep_the_hash() {
    let s = rich();
    let r = Broker::restore(&s.b.snapshot()).unwrap();
    assert_eq!(r.state_hash(), s.b.state_hash());
    let via_json: BrokerSnapshot = serde_json::from_str(&json(&s.b)).unwrap();
    assert_eq!(Broker::restore(&via_json).unwrap().state_hash(), s.b.state_hash());
}

#[test]
fn the_hash_does_not_depend_on_the_order_state_was_built_in() {
    // The same accounts, limits set in opposite orders: the same state, whatever
    // order the hash maps now yield it in.
    let limits = |n: u64| AccountLimits { max_open_orders: Some(n as u32), ..AccountLimits::default() };
    let (mut a, mut b) = (S::one_market(), S::one_market());
    for n in 1..=300 {
        a.limits(n, limits(n));
        b.limits(301 - n, limits(301 - n));
    }
    assert!(differences(&a.b, &b.b).is_empty());
    assert_eq!(a.b.state_hash(), b.b.state_hash());
}

#[test]
fn a_refused_command_leaves_the_hash_equal() {
    let mut s = rich();
    let (ts, limits) = (s.ts, AccountLimits::default());
    let funds = |account, asset, amount, key| Funds {
        account: AccountId(account),
        asset,
        amount: Amount::from_minor(amount),
        key,
    };
    let refused = [
        (ts - 1, BrokerCommandKind::ExpireDue, "time_went_backwards"),
        (ts, BrokerCommandKind::Deposit(funds(1, USD, 0, 99)), "invalid_amount"),
        (ts, BrokerCommandKind::Deposit(funds(1, AssetId(77), 5, 99)), "unknown_asset"),
        (ts, BrokerCommandKind::Deposit(funds(1, USD, 5, 1)), "idempotency_conflict"),
        (ts, BrokerCommandKind::Withdraw(funds(u64::MAX, USD, 5, 98)), "reserved_account"),
        (ts, BrokerCommandKind::SetAccountLimits { account: AccountId(u64::MAX - 1), limits }, "reserved_account"),
        (
            ts,
            BrokerCommandKind::RestrictInstrument {
                account: AccountId(1),
                instrument: InstrumentId(9),
                restricted: true,
            },
            "unknown_instrument",
        ),
        (ts, BrokerCommandKind::SetInstrumentRisk { instrument: InstrumentId(9), risk: risk() }, "unknown_instrument"),
        (ts, BrokerCommandKind::Place(Place::limit(AccountId(1), M0, Side::Buy, Ticks(0), Lots(1))), "invalid_price"),
        (ts, BrokerCommandKind::Cancel(Cancel::new(AccountId(1), OrderId(999))), "unknown_order"),
        (ts, BrokerCommandKind::Amend(Amend::new(AccountId(1), OrderId(3))), "nothing_to_amend"),
    ];
    for (ts, kind, code) in refused {
        let (hash, snap, events) = (s.b.state_hash(), json(&s.b), s.events.len());
        let err = s.try_run_at(ts, kind.clone()).expect_err(&format!("{kind:?} accepted"));
        assert_eq!(err.code(), code, "{kind:?}");
        assert_eq!((s.b.state_hash(), json(&s.b), s.events.len()), (hash, snap, events), "{kind:?}");
    }
}
