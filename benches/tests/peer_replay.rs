//! The peer binary replays the shared CSV's op semantics: REDUCE keeps time
//! priority, and a reduce by the whole remaining quantity (after fills) or
//! more takes the order away. Every step of `contract_ladder` ends where it does.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The `RESULT` line of `program args.. <csv file>`.
fn replay(program: &str, args: &[&str], csv: &str) -> String {
    // Tests run on parallel threads of one process: a file each.
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("brokerx-peer-{}-{n}.csv", std::process::id()));
    std::fs::write(&path, csv).expect("write csv");
    let out = Command::new(program).args(args).arg(&path).output().expect("run the replay");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "{program} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    stdout.lines().find(|l| l.starts_with("RESULT ")).expect("a RESULT line").to_owned()
}

fn field<'a>(result: &'a str, name: &str) -> &'a str {
    let key = format!("\"{name}\":");
    let start = result.find(&key).map(|i| i + key.len()).unwrap_or_else(|| panic!("no {name} in {result}"));
    let rest = &result[start..];
    rest[..rest.find([',', '}']).unwrap_or(rest.len())].trim_matches('"')
}

/// The book checksum, and the trades, volume and live orders, at the end of the
/// peer's replay of `ops` (CSV rows after the header).
fn outcome(ops: &[&str]) -> (String, [u64; 3]) {
    outcome_of(env!("CARGO_BIN_EXE_peer"), &[], ops)
}

fn outcome_of(program: &str, args: &[&str], ops: &[&str]) -> (String, [u64; 3]) {
    let r = replay(program, args, &format!("op,id,side,price,qty\n{}\n", ops.join("\n")));
    let n = |name| field(&r, name).parse().unwrap_or_else(|_| panic!("{name} in {r}"));
    (field(&r, "checksum").to_owned(), [n("trades"), n("volume"), n("live_orders")])
}

#[test]
fn a_reduce_keeps_the_orders_place_in_the_queue() {
    // Order 1 is cut from 10 to 6 and still trades first: the sell of 6 takes
    // all of it, leaving order 2 alone. Had the reduce lost priority, the sell
    // would have hit order 2 and both orders would still rest.
    let ops = ["NEW_LIMIT,1,B,100,10", "NEW_LIMIT,2,B,100,10", "REDUCE,1,B,100,4", "NEW_LIMIT,3,S,100,6"];
    assert_eq!(outcome(&ops).1, [1, 6, 1], "trades, volume, live orders");
}

#[test]
fn a_reduce_by_all_that_remains_cancels_even_after_a_partial_fill() {
    // Order 1: 4 of 10 filled, then reduced by 7 > the 6 left: gone.
    // Order 3: reduced by its whole quantity: gone.
    // Order 4: reduced by 3 of 8: rests with 5.
    // Order 5: 2 of 9 filled by a market sell, then reduced by the 7 left: gone.
    let ops = [
        "NEW_LIMIT,1,B,100,10",
        "NEW_LIMIT,2,S,100,4",
        "REDUCE,1,B,100,7",
        "NEW_LIMIT,3,B,99,5",
        "REDUCE,3,B,99,5",
        "NEW_LIMIT,4,S,101,8",
        "REDUCE,4,S,101,3",
        "NEW_LIMIT,5,B,98,9",
        "NEW_MARKET,6,S,0,2",
        "REDUCE,5,B,98,7",
    ];
    let (checksum, counts) = outcome(&ops);
    assert_eq!(counts, [2, 6, 1], "trades, volume, live orders");
    // FNV-1a of the one level left, "A,101,5\n" (the shared naive engine prints the same).
    assert_eq!(checksum, "4a88e8cfa25785c3");
}

#[test]
fn every_step_of_the_contract_ladder_ends_where_the_engine_does() {
    // Sweeps across levels, partial fills, a market order into an empty side,
    // cancels of partly filled orders and of orders already gone, reduces that
    // keep an order and reduces that take it.
    let ops = [
        "NEW_LIMIT,1,B,100,10",
        "NEW_LIMIT,2,B,99,5",
        "NEW_LIMIT,3,B,100,4",
        "NEW_MARKET,4,B,0,3",
        "NEW_LIMIT,5,S,101,6",
        "NEW_LIMIT,6,S,102,6",
        "REDUCE,3,B,100,1",
        "NEW_LIMIT,7,S,99,12",
        "CANCEL,1,B,100,0",
        "NEW_MARKET,8,B,0,8",
        "REDUCE,6,S,102,4",
        "NEW_LIMIT,9,B,98,7",
        "NEW_LIMIT,10,S,97,3",
        "CANCEL,9,B,98,0",
        "REDUCE,2,B,99,2",
        "NEW_LIMIT,11,S,103,2",
    ];
    let engine = outcome(&ops);
    assert!(engine.1[0] >= 4, "the case trades: {engine:?}");
    for step in ["0", "1", "2", "3", "4", "5"] {
        let ladder = outcome_of(env!("CARGO_BIN_EXE_contract_ladder"), &[step], &ops);
        assert_eq!(ladder, engine, "step {step}");
    }
}
