//! BrokerX Engine as a peer in `../shared/peers/run_all.sh`: reads the shared CSV
//! (`op,id,side,price,qty`), times only the replay, prints one `RESULT {...}` line.
//!
//!     EXTRA_PEERS='brokerx|target/release/peer {CSV}' bash ../shared/peers/run_all.sh
//!
//! REDUCE is an amend of the total quantity down (keeps time priority), or a
//! cancel when it takes everything. The new total is worked out while the CSV
//! is read (fills never change an order's total), so the replay asks the engine
//! nothing first. Market data events are off unless `BROKERX_MARKET_DATA=1`.
//!
//! The result needs only the fills, so the replay hands the engine a sink that
//! tallies them (as every other peer counts its fills) and the engine builds no
//! other event. `BROKERX_EVENTS=vec` collects every event in a `Vec<Event>`
//! instead and counts the fills from it.

use std::time::Instant;

use brokerx_benches::peers::{book_checksum, cpu_secs, load, Op, Outcome};
use brokerx_engine::*;
use brokerx_testkit::workload::instrument_spec;

/// The fills of the replay: all the shared result needs of the event stream.
#[derive(Default)]
struct FillTally {
    trades: u64,
    volume: u64,
}

impl FillTally {
    #[inline]
    fn count(&mut self, kind: &EventKind) {
        if let EventKind::Trade { qty, .. } = kind {
            self.trades += 1;
            self.volume += qty.0 as u64;
        }
    }
}

impl EventSink for FillTally {
    #[inline]
    fn event(&mut self, event: Event) {
        self.count(&event.kind);
    }
}

/// Every event in a `Vec`, the fills counted after each command.
struct Collected {
    events: Vec<Event>,
    fills: FillTally,
}

impl EventSink for Collected {
    #[inline]
    fn event(&mut self, event: Event) {
        self.events.push(event);
    }
}

/// What the replay does after each command with the events its sink got.
trait AfterCommand: EventSink {
    fn after_command(&mut self) {}
    fn fills(&self) -> &FillTally;
}

impl AfterCommand for FillTally {
    fn fills(&self) -> &FillTally {
        self
    }
}

impl AfterCommand for Collected {
    #[inline]
    fn after_command(&mut self) {
        for e in &self.events {
            self.fills.count(&e.kind);
        }
        self.events.clear();
    }
    fn fills(&self) -> &FillTally {
        &self.fills
    }
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "workload.csv".into());
    let market_data = std::env::var("BROKERX_MARKET_DATA").is_ok_and(|v| v == "1");
    let collect = std::env::var("BROKERX_EVENTS").is_ok_and(|v| v == "vec");
    let ops = load(&path);
    // Profiling aid: BROKERX_REPEAT=n replays n times (fresh engine each) and reports the last.
    let repeat: usize = std::env::var("BROKERX_REPEAT").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let run = || {
        if collect {
            let mut sink = Collected { events: Vec::with_capacity(4096), fills: FillTally::default() };
            replay(&ops, market_data, &mut sink)
        } else {
            replay(&ops, market_data, &mut FillTally::default())
        }
    };
    for _ in 1..repeat {
        run();
    }
    let (e, secs, cpu, trades, volume) = run();
    let inst = InstrumentId(0);
    let levels = |side| e.depth(inst, side).map(|l| (l.price.0, l.qty.0));
    Outcome {
        peer: "brokerx-engine",
        ops: ops.len(),
        secs,
        cpu_secs: cpu,
        trades,
        volume,
        checksum: book_checksum(levels(Side::Buy), levels(Side::Sell)),
        live_orders: e.live_orders(),
    }
    .print();
}

// Not inlined, so profilers can name it (`valgrind --toggle-collect='peer::replay*'`).
#[inline(never)]
fn replay(ops: &[(u64, Op)], market_data: bool, sink: &mut impl AfterCommand) -> (Engine, f64, f64, u64, u64) {
    // The engine numbers accepted orders 1, 2, 3, ...; when the CSV numbers its new
    // orders the same way (the shared generator does), ids map to themselves and the
    // replay needs no lookup table.
    let mut ordinal = 0u64;
    let identity = ops.iter().all(|(id, op)| match op {
        Op::Limit { .. } | Op::Market { .. } => {
            ordinal += 1;
            *id == ordinal
        }
        _ => true,
    });
    let max_id = if identity { 0 } else { ops.iter().map(|(id, _)| *id).max().unwrap_or(0) as usize };
    let mut engine_id = vec![0u64; max_id + 1];
    let map = |engine_id: &[u64], id: u64| if identity { id } else { engine_id.get(id as usize).copied().unwrap_or(0) };
    let mut e = Engine::new(EngineConfig { market_data, ..EngineConfig::default() });
    let _ = e.apply(
        &Command {
            ts: Timestamp(0),
            correlation_id: CorrelationId(0),
            kind: CommandKind::RegisterInstrument(instrument_spec()),
        },
        &mut Vec::new(),
    );
    let inst = InstrumentId(0);
    let acct = AccountId(1);
    let mut next_engine_id = 1u64;
    let (cpu0, t0) = (cpu_secs(), Instant::now());
    for (n, &(id, op)) in ops.iter().enumerate() {
        // Built in place: a `kind` built first and moved into the command was a
        // 112-byte copy per op.
        let (ts, correlation_id) = (Timestamp(1 + n as u64), CorrelationId(n as u64));
        let cmd = |kind| Command { ts, correlation_id, kind };
        let cmd = match op {
            Op::Limit { buy, price, qty } => {
                let side = if buy { Side::Buy } else { Side::Sell };
                if !identity {
                    engine_id[id as usize] = next_engine_id;
                }
                next_engine_id += 1;
                cmd(CommandKind::Place(Place::limit(acct, inst, side, Ticks(price), Lots(qty))))
            }
            Op::Market { buy, qty } => {
                let side = if buy { Side::Buy } else { Side::Sell };
                if !identity {
                    engine_id[id as usize] = next_engine_id;
                }
                next_engine_id += 1;
                cmd(CommandKind::Place(Place::market(acct, inst, side, Lots(qty))))
            }
            Op::Cancel => {
                cmd(CommandKind::Cancel(Cancel { account: acct, order: OrderRef::Id(OrderId(map(&engine_id, id))) }))
            }
            Op::Reduce { new_total } => cmd(CommandKind::Amend(Amend {
                account: acct,
                order: OrderRef::Id(OrderId(map(&engine_id, id))),
                new_price: None,
                new_qty: Some(Lots(new_total)),
                expected_version: None,
                new_trigger: None,
                new_display: None,
            })),
        };
        // Unknown ids are no-ops in the workload contract: the engine's typed refusal is ignored.
        if let Err(CommandError::AmendQtyAtOrBelowFilled { .. }) = e.apply(&cmd, sink) {
            // A reduce by the whole remaining quantity or more takes the order away.
            cancel_instead(&mut e, &cmd, sink);
        }
        sink.after_command();
    }
    let secs = t0.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu0;
    let fills = sink.fills();
    (e, secs, cpu, fills.trades, fills.volume)
}

/// The cancel a refused reduce turns into. Through `dyn EventSink`, so the
/// replay loop's own call of `apply` stays its only one and is inlined.
#[cold]
#[inline(never)]
fn cancel_instead(e: &mut Engine, reduce: &Command, sink: &mut dyn EventSink) {
    if let CommandKind::Amend(a) = reduce.kind {
        let kind = CommandKind::Cancel(Cancel { account: a.account, order: a.order });
        let _ = e.apply(&Command { ts: reduce.ts, correlation_id: reduce.correlation_id, kind }, sink);
    }
}
