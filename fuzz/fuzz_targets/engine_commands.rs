//! Arbitrary command sequences: the engine never panics, its invariants hold after
//! every command, a refused command changes nothing, replaying the accepted log
//! gives the same events and state hash, and a snapshot taken halfway and restored
//! continues identically; a sink that keeps only fills gets the same fills.
#![no_main]

use arbitrary::Arbitrary;
use brokerx_engine::*;
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;

#[derive(Arbitrary, Debug)]
enum Op {
    Place {
        account: u8,
        side: bool,
        market: bool,
        price: i16,
        qty: i16,
        tif: u8,
        ttl: u8,
        post_only: bool,
        stp: u8,
        client: Option<u8>,
        /// A stop (trigger = price ± extra), a by-amount order (amount = extra), or neither.
        order_type: u8,
        extra: u16,
    },
    Cancel {
        account: u8,
        id: u8,
    },
    /// Cancel (no qty) or amend by client order id `c{client % 8}`.
    ByClientId {
        account: u8,
        client: u8,
        qty: Option<i16>,
    },
    Amend {
        account: u8,
        id: u8,
        price: Option<i16>,
        qty: Option<i16>,
        version: Option<u8>,
    },
    MassCancel {
        account: Option<u8>,
        all_instruments: bool,
    },
    Status {
        status: u8,
        cancel_resting: bool,
    },
    Tick {
        dt: u8,
    },
    Backwards,
    Extreme {
        which: u8,
    },
}

fn kind(op: &Op, ts: u64, inst: InstrumentId) -> CommandKind {
    match *op {
        Op::Place { account, side, market, price, qty, tif, ttl, post_only, stp, client, order_type, extra } => {
            let side = if side { Side::Buy } else { Side::Sell };
            let tif = [TimeInForce::Gtc, TimeInForce::Ioc, TimeInForce::Fok, TimeInForce::Gtd][tif as usize % 4];
            let mut p = if market {
                Place::market(AccountId(u64::from(account % 4)), inst, side, Lots(i64::from(qty % 50)))
            } else {
                Place::limit(
                    AccountId(u64::from(account % 4)),
                    inst,
                    side,
                    Ticks(100 + i64::from(price % 20)),
                    Lots(i64::from(qty % 50)),
                )
            };
            let px = Ticks(100 + i64::from(price % 20));
            let near = Ticks(px.0 + i64::from(extra % 9) - 4);
            p.order_type = match order_type % 8 {
                0 => OrderType::StopMarket { trigger: near },
                1 => OrderType::StopLimit { trigger: near, limit: px },
                2 => OrderType::MarketByAmount { amount: Notional(u64::from(extra)) },
                3 => OrderType::LimitByAmount { limit: px, amount: Notional(u64::from(extra)) },
                4 => OrderType::Iceberg { limit: px, display: Lots(i64::from(extra % 6)) },
                _ => p.order_type,
            };
            p.time_in_force = tif;
            if tif == TimeInForce::Gtd || ttl > 250 {
                p.expire_at = Some(Timestamp(ts + u64::from(ttl)));
            }
            p.post_only = post_only;
            p.stp = [
                SelfTradePrevention::None,
                SelfTradePrevention::CancelTaker,
                SelfTradePrevention::CancelMaker,
                SelfTradePrevention::CancelBoth,
                SelfTradePrevention::Decrement,
            ][stp as usize % 5];
            p.client_order_id = client.and_then(|c| ClientOrderId::new(&format!("c{}", c % 8)).ok());
            CommandKind::Place(p)
        }
        Op::Cancel { account, id } => CommandKind::Cancel(Cancel {
            account: AccountId(u64::from(account % 4)),
            order: OrderRef::Id(OrderId(u64::from(id))),
        }),
        Op::ByClientId { account, client, qty } => {
            let account = AccountId(u64::from(account % 4));
            let Ok(c) = ClientOrderId::new(&format!("c{}", client % 8)) else { return CommandKind::ExpireDue };
            match qty {
                None => CommandKind::Cancel(Cancel::new(account, c)),
                Some(q) => CommandKind::Amend(Amend::new(account, c).with_qty(Lots(i64::from(q % 60)))),
            }
        }
        Op::Amend { account, id, price, qty, version } => CommandKind::Amend(Amend {
            account: AccountId(u64::from(account % 4)),
            order: OrderRef::Id(OrderId(u64::from(id))),
            new_price: price.map(|p| Ticks(100 + i64::from(p % 20))),
            new_qty: qty.map(|q| Lots(i64::from(q % 60))),
            expected_version: version.map(|v| u32::from(v % 4)),
            new_trigger: None,
            // Some amends set an iceberg's display (and are refused for other orders).
            new_display: qty.filter(|q| q % 4 == 0).map(|q| Lots(i64::from(q % 5))),
        }),
        Op::MassCancel { account, all_instruments } => CommandKind::MassCancel(MassCancel {
            account: account.map(|a| AccountId(u64::from(a % 4))),
            instrument: if all_instruments { None } else { Some(inst) },
        }),
        Op::Status { status, cancel_resting } => CommandKind::SetTradingStatus(SetTradingStatus {
            instrument: inst,
            status: [TradingStatus::Open, TradingStatus::Open, TradingStatus::Halted, TradingStatus::Closed]
                [status as usize % 4],
            cancel_resting,
        }),
        Op::Tick { .. } | Op::Backwards => CommandKind::ExpireDue,
        Op::Extreme { which } => {
            let big = [i64::MAX, i64::MIN, 0, -1, 1 << 53, (1 << 53) + 1][which as usize % 6];
            CommandKind::Place(Place::limit(AccountId(1), inst, Side::Buy, Ticks(big), Lots(big)))
        }
    }
}

fn register() -> Command {
    Command {
        ts: Timestamp(0),
        correlation_id: CorrelationId(0),
        kind: CommandKind::RegisterInstrument(InstrumentSpec::new("FZ", Decimal::new(1, 2), Decimal::ONE)),
    }
}

/// Keeps the fills of what it is handed.
struct FillsOnly(Vec<Event>);

impl EventSink for FillsOnly {
    fn event(&mut self, event: Event) {
        if matches!(event.kind, EventKind::Trade { .. }) {
            self.0.push(event);
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let mut e = Engine::new(EngineConfig { max_orders: 64, max_levels_per_side: 16, ..EngineConfig::default() });
    let mut out = Vec::new();
    let mut log = vec![register()];
    e.apply(&log[0], &mut out).expect("register");
    let mut ts = 1u64;
    let half = ops.len() / 2;
    let mut snap = None;
    for (n, op) in ops.iter().enumerate() {
        if n == half {
            snap = Some((e.snapshot(), out.len()));
        }
        let t = match op {
            Op::Backwards => ts.saturating_sub(5),
            Op::Tick { dt } => ts + u64::from(*dt),
            _ => ts + 1,
        };
        let cmd = Command {
            ts: Timestamp(t),
            correlation_id: CorrelationId(n as u64 + 1),
            kind: kind(op, t, InstrumentId(0)),
        };
        let (hash, len) = (e.state_hash(), out.len());
        match e.apply(&cmd, &mut out) {
            Ok(_) => {
                ts = t;
                log.push(cmd);
            }
            Err(err) => {
                assert!(!err.code().is_empty());
                assert_eq!(e.state_hash(), hash, "refused command changed state: {err}");
                assert_eq!(out.len(), len, "refused command emitted events");
            }
        }
        if let Err(why) = e.check_invariants() {
            panic!("invariant broken after {op:?}: {why}");
        }
    }
    // Replay the accepted log.
    let mut r = Engine::new(*e.config());
    let mut rout = Vec::new();
    for c in &log {
        r.apply(c, &mut rout).expect("replayed command was accepted the first time");
    }
    assert_eq!(rout, out);
    assert_eq!(r.state_hash(), e.state_hash());
    // A sink that keeps only fills (through `dyn`) gets the same fills, with the
    // same numbers, and leaves the same state.
    let mut f = Engine::new(*e.config());
    let mut fills = FillsOnly(Vec::new());
    for c in &log {
        let sink: &mut dyn EventSink = &mut fills;
        f.apply(c, sink).expect("accepted into a Vec, so accepted into any sink");
    }
    let want: Vec<Event> = out.iter().filter(|e| matches!(e.kind, EventKind::Trade { .. })).copied().collect();
    assert_eq!(fills.0, want);
    assert_eq!((f.last_seq(), f.state_hash()), (e.last_seq(), e.state_hash()));
    // The path compiled without market data says the same, less the market data,
    // and leaves the same book.
    let mut q = Engine::new(EngineConfig { market_data: false, ..*e.config() });
    let mut qout = Vec::new();
    for c in &log {
        q.apply(c, &mut qout).expect("accepted with market data, so accepted without");
    }
    let trading = |evs: &[Event]| -> Vec<(EventKind, CorrelationId)> {
        evs.iter()
            .filter(|e| !matches!(e.kind, EventKind::LevelChanged { .. } | EventKind::BboChanged { .. }))
            .map(|e| (e.kind, e.correlation_id))
            .collect()
    };
    assert_eq!(trading(&qout), trading(&out));
    assert_eq!(trading(&qout).len(), qout.len(), "market data emitted with market data off");
    for side in [Side::Buy, Side::Sell] {
        assert!(q.depth(InstrumentId(0), side).eq(e.depth(InstrumentId(0), side)));
    }
    q.check_invariants().expect("invariants without market data");
    // Restore the halfway snapshot and continue.
    if let Some((snap, at)) = snap {
        let mut s = Engine::restore(&snap).expect("own snapshot restores");
        let mut sout = Vec::new();
        let first = 1 + log.iter().skip(1).position(|c| c.correlation_id.0 > half as u64).unwrap_or(log.len() - 1);
        for c in &log[first..] {
            s.apply(c, &mut sout).expect("continuation accepted");
        }
        assert_eq!(sout[..], out[at..]);
        assert_eq!(s.state_hash(), e.state_hash());
    }
});
