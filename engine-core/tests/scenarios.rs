//! Replays every `testdata/scenarios/*.txt` file (format: that folder's README).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use brokerx_engine::*;
use rust_decimal::Decimal;

struct Line<'a> {
    verb: &'a str,
    words: Vec<&'a str>,
    kv: BTreeMap<&'a str, &'a str>,
    no: usize,
}

fn parse(text: &str) -> Vec<Line<'_>> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.split('#').next().unwrap_or("").trim();
            if l.is_empty() {
                return None;
            }
            let mut it = l.split_whitespace();
            let verb = it.next()?;
            let mut words = Vec::new();
            let mut kv = BTreeMap::new();
            for w in it {
                match w.split_once('=') {
                    Some((k, v)) => {
                        kv.insert(k, v);
                    }
                    None => words.push(w),
                }
            }
            Some(Line { verb, words, kv, no: i + 1 })
        })
        .collect()
}

struct Runner {
    engine: Engine,
    symbols: Vec<String>,
    corr: u64,
    file: String,
}

impl Runner {
    fn inst(&self, l: &Line) -> Instrument {
        let sym = l.kv.get("sym").copied().unwrap_or(self.symbols[0].as_str());
        match self.engine.instrument_by_symbol(sym) {
            Some(i) => i.clone(),
            None => Instrument {
                id: InstrumentId(9_999),
                spec: self.engine.instrument(InstrumentId(0)).unwrap().spec.clone(),
            },
        }
    }

    fn num<T: FromStr>(&self, l: &Line, k: &str) -> T {
        l.kv.get(k).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{}:{} needs {k}=", self.file, l.no))
    }

    fn build(&self, l: &Line) -> Result<Command, String> {
        let ts = Timestamp(self.num(l, "t"));
        let kind = match l.verb {
            "place" => {
                let inst = self.inst(l);
                let side = if l.kv.get("side") == Some(&"buy") { Side::Buy } else { Side::Sell };
                let qty = inst.qty_to_lots(dec(l.kv["qty"])).map_err(|e| e.code().to_string())?;
                let account = AccountId(self.num(l, "acct"));
                // Quantity, then the limit, then the trigger or the amount: the order the core checks them in.
                let limit = if l.words.contains(&"market") {
                    None
                } else {
                    Some(inst.price_to_ticks(dec(l.kv["price"])).map_err(|e| e.code().to_string())?)
                };
                let trigger = match l.kv.get("trigger") {
                    Some(t) => Some(inst.trigger_to_ticks(dec(t)).map_err(|e| e.code().to_string())?),
                    None => None,
                };
                let amount = match l.kv.get("amount") {
                    Some(a) => Some(inst.amount_to_notional(dec(a)).map_err(|e| e.code().to_string())?),
                    None => None,
                };
                let mut p = match (trigger, amount, limit) {
                    (None, None, None) => Place::market(account, inst.id, side, qty),
                    (None, None, Some(price)) => Place::limit(account, inst.id, side, price, qty),
                    (Some(trigger), None, None) => Place::stop_market(account, inst.id, side, trigger, qty),
                    (Some(trigger), None, Some(limit)) => {
                        Place::stop_limit(account, inst.id, side, trigger, limit, qty)
                    }
                    (None, Some(amount), None) => Place::market_by_amount(account, inst.id, side, amount, qty),
                    (None, Some(amount), Some(limit)) => Place {
                        order_type: OrderType::LimitByAmount { limit, amount },
                        ..Place::market_by_amount(account, inst.id, side, amount, qty)
                    },
                    (Some(_), Some(_), _) => panic!("{}:{} no order has both a trigger and an amount", self.file, l.no),
                };
                if let Some(tif) = l.kv.get("tif") {
                    p.time_in_force = match *tif {
                        "gtc" => TimeInForce::Gtc,
                        "ioc" => TimeInForce::Ioc,
                        "fok" => TimeInForce::Fok,
                        "gtd" => TimeInForce::Gtd,
                        other => panic!("tif {other}"),
                    };
                } else if l.words.contains(&"market") || l.kv.contains_key("amount") {
                    p.time_in_force = TimeInForce::Gtc;
                }
                p.expire_at = l.kv.get("expire_at").map(|v| Timestamp(v.parse().unwrap()));
                p.post_only = l.words.contains(&"post_only");
                if let Some(stp) = l.kv.get("stp") {
                    p.stp = match *stp {
                        "none" => SelfTradePrevention::None,
                        "cancel_taker" => SelfTradePrevention::CancelTaker,
                        "cancel_maker" => SelfTradePrevention::CancelMaker,
                        "cancel_both" => SelfTradePrevention::CancelBoth,
                        "decrement" => SelfTradePrevention::Decrement,
                        other => panic!("stp {other}"),
                    };
                }
                if let Some(c) = l.kv.get("cid") {
                    p.client_order_id = Some(ClientOrderId::new(c).map_err(|e| e.code().to_string())?);
                }
                CommandKind::Place(p)
            }
            "cancel" => CommandKind::Cancel(Cancel {
                account: AccountId(self.num(l, "acct")),
                order: OrderRef::Id(OrderId(self.num(l, "order"))),
            }),
            "amend" => {
                let inst = self.inst(l);
                let price = match l.kv.get("price") {
                    Some(p) => Some(inst.price_to_ticks(dec(p)).map_err(|e| e.code().to_string())?),
                    None => None,
                };
                let qty = match l.kv.get("qty") {
                    Some(q) => Some(inst.qty_to_lots(dec(q)).map_err(|e| e.code().to_string())?),
                    None => None,
                };
                let trigger = match l.kv.get("trigger") {
                    Some(t) => Some(inst.trigger_to_ticks(dec(t)).map_err(|e| e.code().to_string())?),
                    None => None,
                };
                CommandKind::Amend(Amend {
                    account: AccountId(self.num(l, "acct")),
                    order: OrderRef::Id(OrderId(self.num(l, "order"))),
                    new_price: price,
                    new_qty: qty,
                    expected_version: l.kv.get("version").map(|v| v.parse().unwrap()),
                    new_trigger: trigger,
                    new_display: None,
                })
            }
            "mass_cancel" => CommandKind::MassCancel(MassCancel {
                account: l.kv.get("acct").map(|a| AccountId(a.parse().unwrap())),
                instrument: l.kv.get("sym").map(|_| self.inst(l).id),
            }),
            "status" => CommandKind::SetTradingStatus(SetTradingStatus {
                instrument: self.inst(l).id,
                status: if l.words.contains(&"halted") {
                    TradingStatus::Halted
                } else if l.words.contains(&"closed") {
                    TradingStatus::Closed
                } else {
                    TradingStatus::Open
                },
                cancel_resting: l.words.contains(&"cancel_resting"),
            }),
            "expire" => CommandKind::ExpireDue,
            other => panic!("{}:{} unknown verb {other}", self.file, l.no),
        };
        Ok(Command { ts, correlation_id: CorrelationId(self.corr), kind })
    }
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_else(|_| panic!("bad decimal {s}"))
}

/// Does `ev` match the `expect` line (kind and every key written)?
fn matches(inst: &Instrument, ev: &EventKind, l: &Line) -> Result<(), String> {
    let kind = l.words.first().copied().unwrap_or("");
    let p = |t: Ticks| inst.ticks_to_price(t);
    let q = |x: Lots| inst.lots_to_qty(x);
    let mut got: BTreeMap<&str, String> = BTreeMap::new();
    let name = match *ev {
        EventKind::Accepted { order_id, .. } => {
            got.insert("order", order_id.to_string());
            "accepted"
        }
        EventKind::Rejected { reason, order_id, .. } => {
            got.insert("reason", reason.code().into());
            if let Some(o) = order_id {
                got.insert("order", o.to_string());
            }
            "rejected"
        }
        EventKind::Trade { price, qty, maker_order_id, taker_order_id, .. } => {
            got.insert("price", p(price).to_string());
            got.insert("qty", q(qty).to_string());
            got.insert("maker", maker_order_id.to_string());
            got.insert("taker", taker_order_id.to_string());
            "trade"
        }
        EventKind::Cancelled { order_id, qty, reason, .. } => {
            got.insert("order", order_id.to_string());
            got.insert("qty", q(qty).to_string());
            got.insert("reason", reason.code().into());
            "cancelled"
        }
        EventKind::Reduced { order_id, qty, remaining, .. } => {
            got.insert("order", order_id.to_string());
            got.insert("qty", q(qty).to_string());
            got.insert("remaining", q(remaining).to_string());
            "reduced"
        }
        EventKind::Amended { order_id, version, price, qty, remaining, priority_kept, .. } => {
            got.insert("order", order_id.to_string());
            got.insert("version", version.to_string());
            got.insert("price", p(price).to_string());
            got.insert("qty", q(qty).to_string());
            got.insert("remaining", q(remaining).to_string());
            got.insert("priority", if priority_kept { "kept" } else { "lost" }.into());
            "amended"
        }
        EventKind::Expired { order_id, qty, .. } => {
            got.insert("order", order_id.to_string());
            got.insert("qty", q(qty).to_string());
            "expired"
        }
        EventKind::StopAccepted { order_id, side, trigger, limit, qty, time_in_force, .. } => {
            got.insert("order", order_id.to_string());
            got.insert("side", side.as_str().into());
            got.insert("trigger", p(trigger).to_string());
            got.insert("limit", limit.map_or("none".into(), |l| p(l).to_string()));
            got.insert("qty", q(qty).to_string());
            got.insert("tif", time_in_force.as_str().into());
            "stop_accepted"
        }
        EventKind::Triggered { order_id, side, trigger, last_price, limit, qty, time_in_force, .. } => {
            got.insert("order", order_id.to_string());
            got.insert("side", side.as_str().into());
            got.insert("trigger", p(trigger).to_string());
            got.insert("last", p(last_price).to_string());
            got.insert("limit", limit.map_or("none".into(), |l| p(l).to_string()));
            got.insert("qty", q(qty).to_string());
            got.insert("tif", time_in_force.as_str().into());
            "triggered"
        }
        EventKind::TriggerLimitReached { fired, .. } => {
            got.insert("fired", fired.to_string());
            "trigger_limit"
        }
        EventKind::StopAmended { order_id, version, trigger, limit, qty, priority_kept, .. } => {
            got.insert("order", order_id.to_string());
            got.insert("version", version.to_string());
            got.insert("trigger", p(trigger).to_string());
            got.insert("limit", limit.map_or("none".into(), |l| p(l).to_string()));
            got.insert("qty", q(qty).to_string());
            got.insert("priority", if priority_kept { "kept" } else { "lost" }.into());
            "stop_amended"
        }
        _ => "other",
    };
    if name != kind {
        return Err(format!("expected {kind}, got {ev:?}"));
    }
    for (k, want) in &l.kv {
        let g = got.get(k).ok_or_else(|| format!("{kind} has no key {k}"))?;
        let equal = match (Decimal::from_str(g), Decimal::from_str(want)) {
            (Ok(a), Ok(b)) => a == b,
            _ => g == want,
        };
        if !equal {
            return Err(format!("{kind} {k}: expected {want}, got {g} in {ev:?}"));
        }
    }
    Ok(())
}

fn depth(engine: &Engine, inst: &Instrument, side: Side) -> String {
    engine
        .depth(inst.id, side)
        .map(|l| format!("{}@{}/{}", inst.ticks_to_price(l.price), inst.lots_to_qty(l.qty), l.orders))
        .collect::<Vec<_>>()
        .join(",")
}

/// The waiting stops of one side, in firing order, as `ID,ID`.
fn stops(engine: &Engine, inst: &Instrument, side: Side) -> String {
    engine.stops(inst.id, side).map(|o| o.order_id.to_string()).collect::<Vec<_>>().join(",")
}

fn norm(list: &str) -> Vec<(Decimal, Decimal, u32)> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(|lvl| {
            let (p, rest) = lvl.split_once('@').unwrap();
            let (q, n) = rest.split_once('/').unwrap();
            (dec(p), dec(q), n.parse().unwrap())
        })
        .collect()
}

fn run_file(path: &PathBuf) {
    let file = path.file_name().unwrap().to_string_lossy().to_string();
    let text = std::fs::read_to_string(path).unwrap();
    let lines = parse(&text);
    let mut r = Runner { engine: Engine::default(), symbols: Vec::new(), corr: 0, file: file.clone() };
    let mut i = 0;
    // `engine key=value ...`, before any command: the engine's configuration.
    if let Some(l) = lines.first().filter(|l| l.verb == "engine") {
        let mut config = EngineConfig::default();
        for (k, v) in &l.kv {
            match *k {
                "max_triggers_per_command" => config.max_triggers_per_command = v.parse().unwrap(),
                "max_orders" => config.max_orders = v.parse().unwrap(),
                "max_levels_per_side" => config.max_levels_per_side = v.parse().unwrap(),
                other => panic!("{file}:{} unknown engine setting {other}", l.no),
            }
        }
        r.engine = Engine::new(config);
        i = 1;
    }
    while i < lines.len() {
        let l = &lines[i];
        i += 1;
        let expects: Vec<&Line> = lines[i..].iter().take_while(|x| x.verb == "expect").collect();
        i += expects.len();
        r.corr += 1;
        let mut out = Vec::new();
        let result = if l.verb == "instrument" {
            let mut spec = InstrumentSpec::new(l.words[0], dec(l.kv["tick"]), dec(l.kv["lot"]));
            if let Some(m) = l.kv.get("min") {
                spec.min_qty = Lots(m.parse().unwrap());
            }
            if let Some(m) = l.kv.get("max") {
                spec.max_qty = Lots(m.parse().unwrap());
            }
            r.symbols.push(l.words[0].to_string());
            let ts = r.engine.now();
            r.engine
                .apply(
                    &Command { ts, correlation_id: CorrelationId(r.corr), kind: CommandKind::RegisterInstrument(spec) },
                    &mut out,
                )
                .map_err(|e| e.code().to_string())
        } else {
            match r.build(l) {
                Ok(cmd) => r.engine.apply(&cmd, &mut out).map_err(|e| e.code().to_string()),
                Err(code) => Err(code),
            }
        };
        r.engine.check_invariants().unwrap_or_else(|e| panic!("{file}:{} invariant: {e}", l.no));
        let at = format!("{file}:{}", l.no);
        let (errors, rest): (Vec<&&Line>, Vec<&&Line>) =
            expects.iter().partition(|x| x.words.first() == Some(&"error"));
        let (views, events): (Vec<&&Line>, Vec<&&Line>) =
            rest.into_iter().partition(|x| matches!(x.words.first(), Some(&"book" | &"stops" | &"last_trade")));
        match (&result, errors.first()) {
            (Err(code), Some(e)) => assert_eq!(code, e.kv["code"], "{at}: wrong error code"),
            (Err(code), None) => panic!("{at}: unexpected error {code}"),
            (Ok(_), Some(e)) => panic!("{at}: expected error {} but the command was applied", e.kv["code"]),
            (Ok(_), None) => {}
        }
        if l.verb == "instrument" {
            continue;
        }
        let inst = r.inst(l);
        // A command's events, a triggered stop's included, carry its correlation id.
        assert!(out.iter().all(|e| e.correlation_id == CorrelationId(r.corr)), "{at}: foreign correlation id");
        let trading: Vec<EventKind> = out
            .iter()
            .map(|e| e.kind)
            .filter(|k| {
                !matches!(
                    k,
                    EventKind::LevelChanged { .. }
                        | EventKind::BboChanged { .. }
                        | EventKind::TradingStatusChanged { .. }
                )
            })
            .collect();
        assert_eq!(trading.len(), events.len(), "{at}: {} events expected, got {trading:#?}", events.len());
        for (ev, ex) in trading.iter().zip(&events) {
            if let Err(why) = matches(&inst, ev, ex) {
                panic!("{file}:{}: {why}", ex.no);
            }
        }
        for b in views {
            if b.words.first() == Some(&"stops") {
                for (key, side) in [("buys", Side::Buy), ("sells", Side::Sell)] {
                    if let Some(want) = b.kv.get(key) {
                        assert_eq!(stops(&r.engine, &inst, side), *want, "{file}:{} {key}", b.no);
                    }
                }
                continue;
            }
            if b.words.first() == Some(&"last_trade") {
                let got =
                    r.engine.last_price(inst.id).map_or("none".to_string(), |t| inst.ticks_to_price(t).to_string());
                let want = b.kv["price"];
                let equal = match (Decimal::from_str(&got), Decimal::from_str(want)) {
                    (Ok(a), Ok(w)) => a == w,
                    _ => got == want,
                };
                assert!(equal, "{file}:{} last trade: expected {want}, got {got}", b.no);
                continue;
            }
            if let Some(want) = b.kv.get("bids") {
                assert_eq!(norm(&depth(&r.engine, &inst, Side::Buy)), norm(want), "{file}:{} bids", b.no);
            }
            if let Some(want) = b.kv.get("asks") {
                assert_eq!(norm(&depth(&r.engine, &inst, Side::Sell)), norm(want), "{file}:{} asks", b.no);
            }
        }
    }
}

#[test]
fn every_scenario_file_replays_as_written() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "scenario files missing in {dir:?}");
    for f in &files {
        run_file(f);
    }
}
