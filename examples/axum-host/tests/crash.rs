//! The crash test: the real binary under load, `kill -9` in the middle,
//! restart. Every acknowledged deposit and order is in the journal exactly
//! once, the replayed state keeps every invariant (nothing half-applied), and
//! the restarted host ends at the state hash of a fresh replay of the journal.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use brokerx_engine::broker::{Broker, BrokerCommand, BrokerConfig, BrokerEventKind};
use brokerx_engine::{EventKind, OrderId};
use brokerx_host::journal::{FileJournal, Journal};
use brokerx_ledger::IdempotencyKey;
use common::*;
use serde_json::json;

fn spawn(dir: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_brokerx-host"))
        .args(["--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env("BROKERX_JWT_SECRET", std::str::from_utf8(SECRET).unwrap())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on ").expect("the listening line").to_string();
    (child, format!("http://{addr}"))
}

#[derive(Default)]
struct Acked {
    deposits: Vec<(u64, String)>,
    orders: Vec<OrderId>,
}

/// Everything the journal says happened: non-replayed deposits by key, accepted order ids.
fn journal_facts(dir: &Path) -> (BTreeMap<u128, u32>, BTreeSet<OrderId>, u64, u64) {
    let (mut journal, _) = FileJournal::open(dir.join("journal.log")).unwrap();
    let mut broker = Broker::new(BrokerConfig::default());
    let (mut deposits, mut orders) = (BTreeMap::new(), BTreeSet::new());
    let mut events = Vec::new();
    let records = journal
        .read_from(0, &mut |_, payload| {
            let cmd: BrokerCommand = postcard::from_bytes(payload).unwrap();
            events.clear();
            broker.apply(&cmd, &mut events).unwrap();
            broker.check_invariants().unwrap();
            for e in &events {
                match e.kind {
                    BrokerEventKind::FundsMoved { key, replayed: false, .. } => *deposits.entry(key).or_insert(0) += 1,
                    BrokerEventKind::Order(EventKind::Accepted { order_id, .. }) => {
                        orders.insert(order_id);
                    }
                    _ => {}
                }
            }
            Ok(())
        })
        .unwrap();
    (deposits, orders, records, broker.state_hash())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_load_loses_no_acknowledged_command_and_duplicates_none() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = spawn(dir.path());
    let http = reqwest::Client::new();
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut tasks = Vec::new();
    for worker in 0..8u64 {
        let (http, base, acked) = (http.clone(), base.clone(), Arc::clone(&acked));
        tasks.push(tokio::spawn(async move {
            let account = 100 + worker;
            let t = token(account);
            for i in 0.. {
                let key = format!("w{worker}-{i}");
                let r = http
                    .post(format!("{base}/api/v1/accounts/{account}/deposits"))
                    .bearer_auth(&t)
                    .header("idempotency-key", &key)
                    .json(&json!({"asset": "USD", "amount": "200.00"}))
                    .send()
                    .await;
                let Ok(r) = r else { return };
                if r.status() == 201 {
                    acked.lock().unwrap().deposits.push((account, key.clone()));
                }
                let side = if worker % 2 == 0 { "buy" } else { "sell" };
                if side == "sell" {
                    // Sellers need shares first.
                    let _ = http
                        .post(format!("{base}/api/v1/accounts/{account}/deposits"))
                        .bearer_auth(&t)
                        .header("idempotency-key", format!("{key}-acme"))
                        .json(&json!({"asset": "ACME", "amount": "1"}))
                        .send()
                        .await;
                }
                let price = format!("{}.00", 99 + i % 3);
                let r = http
                    .post(format!("{base}/api/v1/orders"))
                    .bearer_auth(&t)
                    .json(&limit(side, &price, "1"))
                    .send()
                    .await;
                let Ok(r) = r else { return };
                if r.status() == 201 {
                    let Ok(v) = r.json::<serde_json::Value>().await else { return };
                    let id: u64 = v["order_id"].as_str().unwrap().parse().unwrap();
                    acked.lock().unwrap().orders.push(OrderId(id));
                }
            }
        }));
    }
    // Let the load run, then kill -9 while requests are in flight.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        acked.deposits.len() > 20 && acked.orders.len() > 20,
        "too little load: {} / {}",
        acked.deposits.len(),
        acked.orders.len()
    );

    let (deposits, orders, records, fresh_hash) = journal_facts(dir.path());
    for (account, key) in &acked.deposits {
        let k = IdempotencyKey::from_str(&format!("{account}:{key}")).get();
        assert_eq!(deposits.get(&k), Some(&1), "acknowledged deposit {account}:{key} not in the journal exactly once");
    }
    for id in &acked.orders {
        assert!(orders.contains(id), "acknowledged order {id:?} missing from the journal");
    }
    // Every deposit key appears once at most, acknowledged or not.
    assert!(deposits.values().all(|n| *n == 1));

    // Restart: the host recovers to the fresh replay's hash, and carries on.
    let (mut child, base) = spawn(dir.path());
    let health: serde_json::Value = http.get(format!("{base}/health")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["applied"], records.to_string());
    assert_eq!(health["state_hash"], fresh_hash.to_string());
    // A retry of an acknowledged deposit is a replay, not a second deposit.
    let (account, key) = acked.deposits.last().unwrap();
    let r = http
        .post(format!("{base}/api/v1/accounts/{account}/deposits"))
        .bearer_auth(token(*account))
        .header("idempotency-key", key)
        .json(&json!({"asset": "USD", "amount": "200.00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    child.kill().unwrap();
    child.wait().unwrap();
}
