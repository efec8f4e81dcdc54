//! Arbitrary Broker command sequences over two markets that share a cash asset:
//! the Broker never panics (its `debug_assert`s are on here, including "settlement
//! never fails"), its invariants hold after every command (holds sized to the
//! orders' worst-case cost, every asset summing to zero, no account negative), a
//! refused command changes nothing and says nothing, replaying the accepted log
//! gives the same events and state hash, and a snapshot taken halfway and restored
//! continues identically.
#![no_main]

use arbitrary::Arbitrary;
use brokerx_engine::broker::*;
use brokerx_engine::*;
use brokerx_ledger::{AssetId, AssetSpec};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;

const USD: AssetId = AssetId(1);
const ACME: AssetId = AssetId(2);
const BOLT: AssetId = AssetId(3);

#[derive(Arbitrary, Debug)]
enum Op {
    Deposit {
        account: u8,
        asset: u8,
        amount: u32,
        key: u8,
    },
    Withdraw {
        account: u8,
        asset: u8,
        amount: u32,
        key: u8,
    },
    /// Withdraws everything available but `keep`: leaves a client with (nearly)
    /// nothing beyond its holds, where rounding and hold resizes are tight.
    Drain {
        account: u8,
        asset: u8,
        keep: u8,
        key: u8,
    },
    Place {
        account: u8,
        market: bool,
        side: bool,
        priced: bool,
        price: i16,
        qty: u8,
        tif: u8,
        ttl: u8,
        post_only: bool,
        stp: u8,
        /// A stop (trigger = price ± extra), a by-amount order (amount = extra), or neither.
        order_type: u8,
        extra: u16,
    },
    Cancel {
        account: u8,
        id: u8,
    },
    Amend {
        account: u8,
        id: u8,
        price: Option<i16>,
        qty: Option<u8>,
        version: Option<u8>,
    },
    MassCancel {
        account: Option<u8>,
        market: Option<bool>,
    },
    Status {
        market: bool,
        status: u8,
        cancel_resting: bool,
    },
    Risk {
        market: bool,
        state: u8,
        collar_bps: Option<u16>,
        reference: Option<i16>,
        fail_closed: bool,
        maker_bps: u8,
        taker_bps: u8,
        max_qty: Option<u8>,
        max_notional: Option<u32>,
    },
    Limits {
        account: u8,
        max_qty: Option<u8>,
        max_notional: Option<u32>,
        max_open: Option<u8>,
        throttle: Option<(u8, u8)>,
    },
    Enable {
        account: u8,
        enabled: bool,
    },
    Restrict {
        account: u8,
        market: bool,
        restricted: bool,
    },
    Tick {
        dt: u8,
    },
    Backwards,
    Extreme {
        which: u8,
        side: bool,
    },
}

fn account(a: u8) -> AccountId {
    // Account 0 is refused (reserved) now and then on purpose: a 5th of the ids.
    AccountId(u64::from(a % 5))
}

fn market(m: bool) -> InstrumentId {
    InstrumentId(u32::from(m))
}

fn asset(a: u8) -> AssetId {
    [USD, ACME, BOLT, AssetId(9)][a as usize % 4]
}

fn price(p: i16) -> Ticks {
    Ticks(10_000 + i64::from(p % 400))
}

fn kind(op: &Op, ts: u64, b: &Broker) -> BrokerCommandKind {
    match *op {
        Op::Deposit { account: a, asset: s, amount, key } => BrokerCommandKind::Deposit(Funds {
            account: account(a),
            asset: asset(s),
            amount: Amount::from_minor(u128::from(amount % 5_000_000)),
            key: u128::from(key % 16),
        }),
        Op::Withdraw { account: a, asset: s, amount, key } => BrokerCommandKind::Withdraw(Funds {
            account: account(a),
            asset: asset(s),
            amount: Amount::from_minor(u128::from(amount % 1_000_000)),
            key: u128::from(key % 16),
        }),
        Op::Drain { account: a, asset: s, keep, key } => {
            let available = b.available(account(a), asset(s)).minor();
            BrokerCommandKind::Withdraw(Funds {
                account: account(a),
                asset: asset(s),
                amount: Amount::from_minor(available.saturating_sub(u128::from(keep % 4)).max(1)),
                key: u128::from(key % 16),
            })
        }
        Op::Place {
            account: a,
            market: m,
            side,
            priced,
            price: p,
            qty,
            tif,
            ttl,
            post_only,
            stp,
            order_type,
            extra,
        } => {
            let side = if side { Side::Buy } else { Side::Sell };
            let qty = Lots(i64::from(qty % 40));
            let mut o = if priced {
                Place::limit(account(a), market(m), side, price(p), qty)
            } else {
                Place::market(account(a), market(m), side, qty)
            };
            let px = price(p);
            let near = Ticks(px.0 + (i64::from(extra % 9) - 4) * 10);
            o.order_type = match order_type % 8 {
                0 => OrderType::StopMarket { trigger: near },
                1 => OrderType::StopLimit { trigger: near, limit: px },
                2 => OrderType::MarketByAmount { amount: Notional(u64::from(extra) * 100) },
                3 => OrderType::LimitByAmount { limit: px, amount: Notional(u64::from(extra) * 100) },
                4 => OrderType::Iceberg { limit: px, display: Lots(i64::from(extra % 6)) },
                _ => o.order_type,
            };
            o.time_in_force =
                [TimeInForce::Gtc, TimeInForce::Ioc, TimeInForce::Fok, TimeInForce::Gtd][tif as usize % 4];
            if o.time_in_force == TimeInForce::Gtd || ttl > 250 {
                o.expire_at = Some(Timestamp(ts + u64::from(ttl)));
            }
            o.post_only = post_only;
            o.stp = [
                SelfTradePrevention::None,
                SelfTradePrevention::CancelTaker,
                SelfTradePrevention::CancelMaker,
                SelfTradePrevention::CancelBoth,
                SelfTradePrevention::Decrement,
            ][stp as usize % 5];
            BrokerCommandKind::Place(o)
        }
        Op::Cancel { account: a, id } => {
            BrokerCommandKind::Cancel(Cancel { account: account(a), order: OrderRef::Id(OrderId(u64::from(id % 64))) })
        }
        Op::Amend { account: a, id, price: p, qty, version } => BrokerCommandKind::Amend(Amend {
            account: account(a),
            order: OrderRef::Id(OrderId(u64::from(id % 64))),
            new_price: p.map(price),
            new_qty: qty.map(|q| Lots(i64::from(q % 50))),
            expected_version: version.map(|v| u32::from(v % 4)),
            new_trigger: None,
            // Some amends set an iceberg's display (and are refused for other orders).
            new_display: qty.filter(|q| q % 4 == 0).map(|q| Lots(i64::from(q % 5))),
        }),
        Op::MassCancel { account: a, market: m } => {
            BrokerCommandKind::MassCancel(MassCancel { account: a.map(account), instrument: m.map(market) })
        }
        Op::Status { market: m, status, cancel_resting } => BrokerCommandKind::SetTradingStatus(SetTradingStatus {
            instrument: market(m),
            status: [TradingStatus::Open, TradingStatus::Open, TradingStatus::Halted, TradingStatus::Closed]
                [status as usize % 4],
            cancel_resting,
        }),
        Op::Risk {
            market: m,
            state,
            collar_bps,
            reference,
            fail_closed,
            maker_bps,
            taker_bps,
            max_qty,
            max_notional,
        } => BrokerCommandKind::SetInstrumentRisk {
            instrument: market(m),
            risk: InstrumentRisk {
                state: [RiskState::Active, RiskState::Active, RiskState::Reducing, RiskState::Halted]
                    [state as usize % 4],
                max_order_qty: max_qty.map(|q| Lots(i64::from(q))),
                max_order_notional: max_notional.map(|n| Amount::from_minor(u128::from(n))),
                collar_bps: collar_bps.map(|c| u32::from(c % 3_000)),
                reference_price: reference.map(price),
                fail_closed,
                maker_fee_bps: u32::from(maker_bps % 120),
                taker_fee_bps: u32::from(taker_bps % 120),
            },
        },
        Op::Limits { account: a, max_qty, max_notional, max_open, throttle } => BrokerCommandKind::SetAccountLimits {
            account: account(a),
            limits: AccountLimits {
                max_order_qty: max_qty.map(|q| Lots(i64::from(q))),
                max_order_notional: max_notional.map(|n| Amount::from_minor(u128::from(n))),
                max_open_orders: max_open.map(|n| u32::from(n % 16)),
                throttle: throttle
                    .map(|(n, w)| Throttle { max_commands: u32::from(n % 8), window_ns: u64::from(w) * 3 }),
            },
        },
        Op::Enable { account: a, enabled } => BrokerCommandKind::SetAccountEnabled { account: account(a), enabled },
        Op::Restrict { account: a, market: m, restricted } => {
            BrokerCommandKind::RestrictInstrument { account: account(a), instrument: market(m), restricted }
        }
        Op::Tick { .. } | Op::Backwards => BrokerCommandKind::ExpireDue,
        Op::Extreme { which, side } => {
            let big = [i64::MAX, i64::MIN, 0, -1, 1 << 53, i64::MAX / 10_000][which as usize % 6];
            let side = if side { Side::Buy } else { Side::Sell };
            BrokerCommandKind::Place(Place::limit(AccountId(1), market(false), side, Ticks(big), Lots(big)))
        }
    }
}

/// Two assets priced in USD (cents), with fees; three accounts funded in all three.
fn setup() -> Vec<BrokerCommandKind> {
    let risk = InstrumentRisk {
        collar_bps: Some(1_500),
        reference_price: Some(Ticks(10_000)),
        maker_fee_bps: 7,
        taker_fee_bps: 13,
        ..InstrumentRisk::default()
    };
    let mut cmds = vec![
        BrokerCommandKind::CreateAsset {
            spec: AssetSpec { id: USD, code: "USD".into(), scale: 2 },
            wallet_max_balance: None,
        },
        BrokerCommandKind::CreateAsset {
            spec: AssetSpec { id: ACME, code: "ACME".into(), scale: 0 },
            wallet_max_balance: None,
        },
        // A wallet cap on BOLT: credits can hit `exceeds_max_balance`.
        BrokerCommandKind::CreateAsset {
            spec: AssetSpec { id: BOLT, code: "BOLT".into(), scale: 3 },
            wallet_max_balance: Some(Amount::from_minor(400_000)),
        },
        BrokerCommandKind::RegisterMarket(MarketSpec {
            instrument: InstrumentSpec::new("ACME/USD", Decimal::new(1, 2), Decimal::ONE),
            base: ACME,
            quote: USD,
            risk,
        }),
        BrokerCommandKind::RegisterMarket(MarketSpec {
            instrument: InstrumentSpec::new("BOLT/USD", Decimal::new(5, 2), Decimal::new(2, 1)),
            base: BOLT,
            quote: USD,
            risk,
        }),
    ];
    for (n, (a, s, amount)) in [
        (1, USD, 50_000_000),
        (2, USD, 50_000_000),
        (3, USD, 50_000_000),
        (1, ACME, 500),
        (2, ACME, 500),
        (3, BOLT, 200_000),
    ]
    .into_iter()
    .enumerate()
    {
        cmds.push(BrokerCommandKind::Deposit(Funds {
            account: AccountId(a),
            asset: s,
            amount: Amount::from_minor(amount),
            key: 1_000 + n as u128,
        }));
    }
    cmds
}

fn fresh(log: &mut Vec<BrokerCommand>, out: &mut Vec<BrokerEvent>) -> Broker {
    let mut b = Broker::new(BrokerConfig {
        engine: EngineConfig { max_orders: 48, max_levels_per_side: 12, ..EngineConfig::default() },
        ..BrokerConfig::default()
    });
    for (n, k) in setup().into_iter().enumerate() {
        let cmd = BrokerCommand { ts: Timestamp(n as u64), correlation_id: CorrelationId(0), kind: k };
        b.apply(&cmd, out).expect("set-up command");
        log.push(cmd);
    }
    b
}

fuzz_target!(|ops: Vec<Op>| {
    let (mut log, mut out) = (Vec::new(), Vec::new());
    let mut b = fresh(&mut log, &mut out);
    let mut ts = 100u64;
    let half = ops.len() / 2;
    let mut snap = None;
    for (n, op) in ops.iter().enumerate() {
        if n == half {
            snap = Some((b.snapshot(), log.len(), out.len()));
        }
        let t = match op {
            Op::Backwards => ts.saturating_sub(5),
            Op::Tick { dt } => ts + u64::from(*dt),
            _ => ts + 1,
        };
        let cmd =
            BrokerCommand { ts: Timestamp(t), correlation_id: CorrelationId(n as u64 + 1), kind: kind(op, t, &b) };
        let (hash, len) = (b.state_hash(), out.len());
        match b.apply(&cmd, &mut out) {
            Ok(()) => {
                ts = t;
                log.push(cmd);
            }
            Err(err) => {
                assert!(!err.code().is_empty());
                assert_eq!(b.state_hash(), hash, "refused command changed state: {err}");
                assert_eq!(out.len(), len, "refused command emitted events");
            }
        }
        if let Err(why) = b.check_invariants() {
            panic!("invariant broken after {op:?}: {why}");
        }
        assert!(
            !out[len..].iter().any(|e| matches!(e.kind, BrokerEventKind::SettlementFailed { .. })),
            "a settlement failed after {op:?}"
        );
    }
    for (k, e) in out.iter().enumerate() {
        assert_eq!(e.seq, k as u64 + 1, "one gap-free sequence");
    }
    // Replay the accepted log.
    let (mut rlog, mut rout) = (Vec::new(), Vec::new());
    let mut r = fresh(&mut rlog, &mut rout);
    for c in &log[rlog.len()..] {
        r.apply(c, &mut rout).expect("replayed command was accepted the first time");
    }
    assert_eq!(rout, out);
    assert_eq!(r.state_hash(), b.state_hash());
    // Restore the halfway snapshot (through JSON, as a host would store it) and continue.
    if let Some((snap, at_log, at_out)) = snap {
        let json = serde_json::to_string(&snap).expect("snapshot serializes");
        let mut s =
            Broker::restore(&serde_json::from_str(&json).expect("snapshot parses")).expect("own snapshot restores");
        let mut sout = Vec::new();
        for c in &log[at_log..] {
            s.apply(c, &mut sout).expect("continuation accepted");
        }
        assert_eq!(sout[..], out[at_out..]);
        assert_eq!(s.state_hash(), b.state_hash());
    }
});
