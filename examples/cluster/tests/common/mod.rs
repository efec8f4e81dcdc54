//! Shared by the cluster's integration tests: a cluster, a connected
//! context, waiting for a shard's effect log, and the checks every failure
//! test ends with.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use async_nats::jetstream::Context;
use brokerx_cluster::effects::{log_end, read_log};
use brokerx_cluster::matching::replay;
use brokerx_cluster::nats::{connect, ensure_streams, StreamSettings};
use brokerx_cluster::testing::NatsCluster;
use brokerx_cluster::wire::{FxRecord, FX_STREAM};
use brokerx_cluster::workload::{ACCOUNTS, ACME, DEPOSIT_ACME, DEPOSIT_USD_MINOR, USD};
use brokerx_cluster::ShardName;
use brokerx_engine::broker::BrokerConfig;
use brokerx_engine::{escrow_account, fees_account, AccountId};

pub fn settings() -> StreamSettings {
    StreamSettings { lease_ttl: Duration::from_millis(1500), ..StreamSettings::default() }
}

pub async fn cluster() -> (NatsCluster, Context) {
    let cluster = tokio::task::spawn_blocking(NatsCluster::start).await.unwrap().expect("cluster starts");
    let js = connect(&cluster.urls()).await.unwrap();
    // Stream creation needs a quorum; right after forming it can take a moment.
    let started = Instant::now();
    loop {
        match ensure_streams(&js, &settings()).await {
            Ok(()) => break,
            Err(e) if started.elapsed() < Duration::from_secs(30) => {
                eprintln!("streams not ready yet: {e}");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => panic!("streams: {e}"),
        }
    }
    (cluster, js)
}

/// Waits until the shard's effect log covers command `seq`; returns the log's end.
pub async fn wait_effects(js: &Context, shard: &ShardName, seq: u64, within: Duration) -> u64 {
    let started = Instant::now();
    loop {
        if let Ok(stream) = js.get_stream(FX_STREAM).await {
            if let Ok(end) = log_end(&stream, shard).await {
                if end.last_cmd_seq >= seq {
                    return end.last_cmd_seq;
                }
            }
        }
        assert!(started.elapsed() < within, "effects did not reach command {seq} within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What a shard's effect log says, checked for continuity.
#[derive(Debug)]
pub struct LogSummary {
    /// command id -> how many times its effects appear.
    pub ids: BTreeMap<u64, u32>,
    pub last_cmd_seq: u64,
    /// The last effect that carries a state hash: (its command, the hash).
    pub last_hashed: (u64, u64),
    pub epochs: Vec<(u64, String)>,
}

pub async fn summarize(js: &Context, shard: &ShardName) -> LogSummary {
    let log = read_log(js, shard).await.unwrap();
    let mut s = LogSummary { ids: BTreeMap::new(), last_cmd_seq: 0, last_hashed: (0, 0), epochs: Vec::new() };
    for rec in log {
        match rec {
            FxRecord::Epoch { lease_revision, holder, last_cmd_seq } => {
                assert_eq!(last_cmd_seq, s.last_cmd_seq, "an epoch continues from the log's end");
                s.epochs.push((lease_revision, holder));
            }
            FxRecord::Batch { effects, .. } => {
                for e in effects {
                    assert_eq!(e.prev_cmd_seq, s.last_cmd_seq, "the effect log is continuous");
                    s.last_cmd_seq = e.cmd_seq;
                    if let Some(h) = e.state_hash {
                        s.last_hashed = (e.cmd_seq, h);
                    }
                    if let Some(id) = e.command_id {
                        *s.ids.entry(id).or_default() += 1;
                    }
                }
            }
        }
    }
    s
}

/// Every acknowledged command is in the log exactly once, nothing else is,
/// the log's last state hash is a fresh replay's, invariants hold and money
/// is conserved per asset.
pub async fn verify(js: &Context, shard: &ShardName, acked: &BTreeSet<u64>, deposits: bool) -> LogSummary {
    let t = Instant::now();
    let s = summarize(js, shard).await;
    eprintln!("summarize: {:?}", t.elapsed());
    let t = Instant::now();
    for id in acked {
        assert_eq!(s.ids.get(id).copied(), Some(1), "acknowledged command {id} applied once");
    }
    for (id, n) in &s.ids {
        assert_eq!(*n, 1, "command {id} applied {n} times");
    }
    assert_eq!(s.last_hashed.0, s.last_cmd_seq, "a caught-up shard hashes its last state");
    let state = replay(js, shard, &BrokerConfig::default(), s.last_cmd_seq).await.unwrap();
    eprintln!("replay of {} commands: {:?}", s.ids.len(), t.elapsed());
    assert_eq!(state.last_seq, s.last_cmd_seq);
    assert_eq!(state.state_hash(), s.last_hashed.1, "the published state hash is a replay's");
    let broker = &state.host.broker;
    broker.check_invariants().unwrap();
    if deposits {
        for (asset, deposited) in [(USD, DEPOSIT_USD_MINOR), (ACME, DEPOSIT_ACME)] {
            let wallets: u128 = (1..=ACCOUNTS).map(|a| broker.balance(AccountId(a), asset).minor()).sum();
            let system = |k| broker.ledger().balance(k).map_or(0, |b| b.posted());
            let held = system(fees_account(asset)) + system(escrow_account(asset));
            let total = i128::try_from(wallets).unwrap() + held;
            assert_eq!(
                total,
                i128::try_from(deposited * u128::from(ACCOUNTS)).unwrap(),
                "money conserved in {asset:?}"
            );
        }
    }
    s
}
