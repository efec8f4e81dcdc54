//! Restart recovery: the journal alone, a snapshot plus the journal's tail, a
//! torn tail cut off, a corrupt snapshot skipped — each ending at the state
//! hash the host had before it stopped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::*;
use reqwest::{Method, StatusCode};

async fn trade_a_little(h: &Host, rounds: u32) {
    let (a, b) = (token(1), token(2));
    h.deposit(&a, 1, "a", "USD", "100000.00").await;
    h.deposit(&b, 2, "b", "ACME", "1000").await;
    for i in 0..rounds {
        let price = format!("{}.00", 95 + i % 10);
        assert_eq!(h.place(&b, limit("sell", &price, "2")).await.0, StatusCode::CREATED);
        assert_eq!(h.place(&a, limit("buy", &price, "1")).await.0, StatusCode::CREATED);
    }
}

fn journal_len(dir: &Path) -> u64 {
    std::fs::metadata(dir.join("journal.log")).unwrap().len()
}

#[tokio::test]
async fn a_restart_replays_the_journal_to_the_same_state() {
    let h = Host::start().await;
    trade_a_little(&h, 10).await;
    let (hash, health) = (h.state_hash().await, h.health().await);
    let (_, orders_before) = h.call(Method::GET, "/api/v1/accounts/2/orders", Some(&token(2)), None).await;
    let dir = h.stop().await.unwrap();

    let h = Host::start_with(config(dir.path().to_path_buf())).await;
    assert_eq!(h.recovery.snapshot_position, None);
    assert_eq!(h.recovery.replayed, health["applied"].as_str().unwrap().parse::<u64>().unwrap());
    assert_eq!(h.state_hash().await, hash);
    let (_, orders_after) = h.call(Method::GET, "/api/v1/accounts/2/orders", Some(&token(2)), None).await;
    assert_eq!(orders_after, orders_before);
    assert!(!orders_after["orders"].as_array().unwrap().is_empty());
    // It carries on: the demo market is not listed twice, orders are accepted.
    assert_eq!(h.place(&token(1), limit("buy", "90.00", "1")).await.0, StatusCode::CREATED);
    h.stop().await;
}

#[tokio::test]
async fn a_snapshot_and_the_tail_after_it_give_the_same_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path().to_path_buf());
    c.snapshot_every = 8;
    let h = Host::start_with(c.clone()).await;
    trade_a_little(&h, 12).await;
    // Snapshots are written off the writer thread: wait for one.
    let snaps = dir.path().join("snapshots");
    for _ in 0..100 {
        if std::fs::read_dir(&snaps).map(|d| d.count()).unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (hash, applied) = (h.state_hash().await, h.health().await["applied"].clone());
    h.stop().await;

    let h = Host::start_with(c.clone()).await;
    let at = h.recovery.snapshot_position.expect("recovered from a snapshot");
    assert!(at > 0);
    assert_eq!(at + h.recovery.replayed, applied.as_str().unwrap().parse::<u64>().unwrap());
    assert_eq!(h.state_hash().await, hash);
    h.stop().await;

    // A corrupt snapshot is skipped (with a log line) and replay covers the rest.
    for entry in std::fs::read_dir(&snaps).unwrap() {
        let p = entry.unwrap().path();
        let mut bytes = std::fs::read(&p).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0xff;
        std::fs::write(&p, bytes).unwrap();
    }
    let h = Host::start_with(c).await;
    assert_eq!(h.recovery.snapshot_position, None);
    assert_eq!(h.state_hash().await, hash);
    h.stop().await;
}

#[tokio::test]
async fn a_torn_tail_is_cut_and_never_replayed() {
    let h = Host::start().await;
    trade_a_little(&h, 3).await;
    let hash_before_last = h.state_hash().await;
    let len_before_last = journal_len(&h.data_dir);
    assert_eq!(h.place(&token(1), limit("buy", "90.00", "1")).await.0, StatusCode::CREATED);
    let hash_after_last = h.state_hash().await;
    assert_ne!(hash_after_last, hash_before_last);
    let dir = h.stop().await.unwrap();
    let path = dir.path().join("journal.log");
    let full = journal_len(dir.path());

    // A crash in the middle of writing the last record: cut it three bytes short.
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(full - 3).unwrap();
    let h = Host::start_with(config(dir.path().to_path_buf())).await;
    assert_eq!(h.recovery.journal.cut_bytes, full - 3 - len_before_last);
    assert_eq!(h.recovery.journal.cut_reason, Some("payload cut short"));
    assert_eq!(h.state_hash().await, hash_before_last);
    assert_eq!(journal_len(dir.path()), len_before_last);
    h.stop().await;

    // Garbage after the last good record (a torn header) is cut the same way.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(&[0x13, 0x00, 0x00]);
    std::fs::write(&path, bytes).unwrap();
    let h = Host::start_with(config(dir.path().to_path_buf())).await;
    assert_eq!(h.recovery.journal.cut_bytes, 3);
    assert_eq!(h.state_hash().await, hash_before_last);
    h.stop().await;
}
