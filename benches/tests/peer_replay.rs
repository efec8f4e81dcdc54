//! The peer binary replays the shared CSV's op semantics: REDUCE keeps time
//! priority, and a reduce by the whole remaining quantity (after fills) or
//! more takes the order away.

use std::process::Command;

fn replay(csv: &str) -> String {
    let path = std::env::temp_dir().join(format!("brokerx-peer-{}-{}.csv", std::process::id(), csv.len()));
    std::fs::write(&path, csv).expect("write csv");
    let out = Command::new(env!("CARGO_BIN_EXE_peer")).arg(&path).output().expect("run peer");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "peer failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    stdout.lines().find(|l| l.starts_with("RESULT ")).expect("a RESULT line").to_owned()
}

fn field<'a>(result: &'a str, name: &str) -> &'a str {
    let key = format!("\"{name}\":");
    let start = result.find(&key).map(|i| i + key.len()).unwrap_or_else(|| panic!("no {name} in {result}"));
    let rest = &result[start..];
    rest[..rest.find([',', '}']).unwrap_or(rest.len())].trim_matches('"')
}

#[test]
fn a_reduce_keeps_the_orders_place_in_the_queue() {
    // Order 1 is cut from 10 to 6 and still trades first: the sell of 6 takes
    // all of it, leaving order 2 alone. Had the reduce lost priority, the sell
    // would have hit order 2 and both orders would still rest.
    let r = replay(
        "op,id,side,price,qty\n\
         NEW_LIMIT,1,B,100,10\n\
         NEW_LIMIT,2,B,100,10\n\
         REDUCE,1,B,100,4\n\
         NEW_LIMIT,3,S,100,6\n",
    );
    assert_eq!(field(&r, "trades"), "1");
    assert_eq!(field(&r, "volume"), "6");
    assert_eq!(field(&r, "live_orders"), "1");
}

#[test]
fn a_reduce_by_all_that_remains_cancels_even_after_a_partial_fill() {
    // Order 1: 4 of 10 filled, then reduced by 7 > the 6 left: gone.
    // Order 3: reduced by its whole quantity: gone.
    // Order 4: reduced by 3 of 8: rests with 5.
    // Order 5: 2 of 9 filled by a market sell, then reduced by the 7 left: gone.
    let r = replay(
        "op,id,side,price,qty\n\
         NEW_LIMIT,1,B,100,10\n\
         NEW_LIMIT,2,S,100,4\n\
         REDUCE,1,B,100,7\n\
         NEW_LIMIT,3,B,99,5\n\
         REDUCE,3,B,99,5\n\
         NEW_LIMIT,4,S,101,8\n\
         REDUCE,4,S,101,3\n\
         NEW_LIMIT,5,B,98,9\n\
         NEW_MARKET,6,S,0,2\n\
         REDUCE,5,B,98,7\n",
    );
    assert_eq!(field(&r, "trades"), "2");
    assert_eq!(field(&r, "volume"), "6");
    assert_eq!(field(&r, "live_orders"), "1");
    // FNV-1a of the one level left, "A,101,5\n" (the shared naive engine prints the same).
    assert_eq!(field(&r, "checksum"), "4a88e8cfa25785c3");
}
