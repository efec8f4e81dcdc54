//! Failures on a 3-node cluster: a stale effect-log writer is fenced, the
//! lease moves to the standby, `kill -9` of the matching leader under load and
//! `kill -9` of one NATS node under load lose no acknowledged command and
//! apply none twice; after recovery money is conserved and the published state
//! hash is a fresh replay's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::jetstream::Context;
use brokerx_cluster::effects::{log_end, FxWriter};
use brokerx_cluster::nats::{lease_bucket, Sequencer};
use brokerx_cluster::wire::{CommandEffect, CMD_STREAM, FX_STREAM};
use brokerx_cluster::{lease, workload, ClusterError, ShardName};
use tokio::sync::watch;

/// A `brokerx-cluster --role matching` process, killed on drop.
struct Matching {
    child: Option<Child>,
    log: PathBuf,
}

impl Matching {
    fn start(urls: &str, map: &Path, shard: &str, holder: &str, data: &Path) -> Matching {
        let log = data.join(format!("{holder}.log"));
        std::fs::create_dir_all(data).unwrap();
        let err = std::fs::OpenOptions::new().create(true).append(true).open(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_brokerx-cluster"))
            .args(["--role", "matching", "--nats", urls, "--shards", shard, "--holder", holder])
            .arg("--shard-map")
            .arg(map)
            .arg("--data-dir")
            .arg(data)
            .args(["--lease-ttl-ms", "1500", "--snapshot-every", "300"])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .unwrap();
        Matching { child: Some(child), log }
    }

    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap(); // SIGKILL
            c.wait().unwrap();
        }
    }
}

impl Drop for Matching {
    fn drop(&mut self) {
        self.kill9();
        if std::thread::panicking() {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(40).collect();
            eprintln!("--- {} (last lines) ---", self.log.display());
            for l in tail.into_iter().rev() {
                eprintln!("{l}");
            }
        }
    }
}

fn shard_map(dir: &Path, shard: &str) -> PathBuf {
    let p = dir.join("shards.json");
    std::fs::write(&p, format!(r#"{{"shards": {{"{shard}": ["ACME/USD"]}}}}"#)).unwrap();
    p
}

/// Who appended the last epoch to the shard's effect log.
async fn leader(js: &Context, shard: &ShardName) -> Option<String> {
    common::summarize(js, shard).await.epochs.last().map(|(_, h)| h.clone())
}

async fn wait_leader(js: &Context, shard: &ShardName, holder: &str, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if leader(js, shard).await.as_deref() == Some(holder) {
            return started.elapsed();
        }
        assert!(started.elapsed() < within, "{holder} did not take shard {shard} over within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Publishes orders `from..to` with `lanes` concurrent publishers; returns
/// the ids acknowledged. `acked` counts them as they come.
async fn load(
    seq: Sequencer,
    shard: ShardName,
    from: u64,
    to: u64,
    lanes: u64,
    acked: Arc<AtomicU64>,
) -> BTreeSet<u64> {
    let ids = Arc::new(Mutex::new(BTreeSet::new()));
    let mut tasks = Vec::new();
    for lane in 0..lanes {
        let (seq, shard, ids, acked) = (seq.clone(), shard.clone(), Arc::clone(&ids), Arc::clone(&acked));
        tasks.push(tokio::spawn(async move {
            let mut i = from + lane;
            while i < to {
                let cmd = workload::order(i);
                seq.submit(&shard, &cmd).await.expect("every publish is acknowledged in the end");
                ids.lock().unwrap().insert(cmd.correlation_id.0);
                acked.fetch_add(1, Ordering::Relaxed);
                i += lanes;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let out = ids.lock().unwrap().clone();
    out
}

async fn setup(seq: &Sequencer, shard: &ShardName) -> BTreeSet<u64> {
    let mut ids = BTreeSet::new();
    for c in workload::setup().unwrap() {
        seq.submit(shard, &c).await.unwrap();
        ids.insert(c.correlation_id.0);
    }
    ids
}

async fn last_cmd_seq(js: &Context, shard: &ShardName) -> u64 {
    let stream = js.get_stream(CMD_STREAM).await.unwrap();
    stream.get_last_raw_message_by_subject(&shard.cmd_subject()).await.unwrap().sequence
}

fn effect(prev: u64, seq: u64) -> CommandEffect {
    CommandEffect {
        cmd_seq: seq,
        prev_cmd_seq: prev,
        command_id: Some(seq),
        outcome: Ok(Vec::new()),
        state_hash: Some(seq),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_leader_is_fenced_and_the_lease_moves_to_the_standby() {
    let (_cluster, js) = common::cluster().await;
    let shard = ShardName::new("fence").unwrap();

    // The effect log: the old holder appends, a new holder takes over, the old one is refused.
    let mut old = FxWriter::take_over(&js, &shard, 1, "old").await.unwrap();
    old.append(&[effect(0, 5)]).await.unwrap();
    let mut new = FxWriter::take_over(&js, &shard, 2, "new").await.unwrap();
    assert_eq!(new.end().last_cmd_seq, 5, "the new holder continues after the log's end");
    let err = old.append(&[effect(5, 6)]).await.unwrap_err();
    assert!(matches!(err, ClusterError::Fenced { lease_revision: 1, .. }), "{err}");
    new.append(&[effect(5, 6)]).await.unwrap();
    let gap = new.append(&[effect(7, 9)]).await.unwrap_err();
    assert_eq!(gap.code(), "effect_gap");
    let s = common::summarize(&js, &shard).await;
    assert_eq!(s.ids.keys().copied().collect::<Vec<_>>(), [5, 6]);
    assert_eq!(s.epochs.iter().map(|(r, _)| *r).collect::<Vec<_>>(), [1, 2]);

    // The lease: one holder at a time; when it stops, the other takes it.
    let kv = lease_bucket(&js, &common::settings()).await.unwrap();
    let ttl = common::settings().lease_ttl;
    let (a_tx, mut a_rx) = watch::channel(None);
    let (b_tx, b_rx) = watch::channel(None);
    let (stop_a, stop_a_rx) = watch::channel(false);
    let (stop_b, stop_b_rx) = watch::channel(false);
    let a = tokio::spawn(lease::run(kv.clone(), shard.lease_key(), "a".into(), ttl, a_tx, stop_a_rx));
    a_rx.wait_for(Option::is_some).await.unwrap();
    let b = tokio::spawn(lease::run(kv.clone(), shard.lease_key(), "b".into(), ttl, b_tx, stop_b_rx));
    tokio::time::sleep(ttl * 2).await;
    assert!(a_rx.borrow().is_some() && b_rx.borrow().is_none(), "renewals keep the lease with a");
    let epoch_a = a_rx.borrow().unwrap();
    stop_a.send(true).unwrap();
    a.await.unwrap();
    let mut b_rx2 = b_rx.clone();
    tokio::time::timeout(ttl * 4, b_rx2.wait_for(Option::is_some)).await.unwrap().unwrap();
    assert!(b_rx.borrow().unwrap() > epoch_a, "a new epoch");
    stop_b.send(true).unwrap();
    b.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_the_matching_leader_under_load_loses_and_repeats_nothing() {
    let (cluster, js) = common::cluster().await;
    let shard = ShardName::new("k0").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let map = shard_map(dir.path(), "k0");
    let seq = Sequencer::new(js.clone());
    let mut acked = setup(&seq, &shard).await;

    let mut m1 = Matching::start(&cluster.urls(), &map, "k0", "m1", &dir.path().join("m1"));
    wait_leader(&js, &shard, "m1", Duration::from_secs(30)).await;
    let m2 = Matching::start(&cluster.urls(), &map, "k0", "m2", &dir.path().join("m2"));

    let count = Arc::new(AtomicU64::new(0));
    let run = tokio::spawn(load(seq.clone(), shard.clone(), 0, 3_000, 16, Arc::clone(&count)));
    while count.load(Ordering::Relaxed) < 1_000 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    m1.kill9();
    let failover = wait_leader(&js, &shard, "m2", Duration::from_secs(30)).await;
    eprintln!("failover to the standby took {failover:?} (lease ttl 1.5 s)");
    acked.extend(run.await.unwrap());
    let last = last_cmd_seq(&js, &shard).await;
    common::wait_effects(&js, &shard, last, Duration::from_secs(60)).await;
    common::verify(&js, &shard, &acked, true).await;

    // m1 comes back from its snapshot as the standby; then m2 dies under load.
    let mut m2 = m2;
    let _m1 = Matching::start(&cluster.urls(), &map, "k0", "m1", &dir.path().join("m1"));
    let run = tokio::spawn(load(seq.clone(), shard.clone(), 3_000, 4_500, 16, Arc::clone(&count)));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    m2.kill9();
    wait_leader(&js, &shard, "m1", Duration::from_secs(30)).await;
    acked.extend(run.await.unwrap());
    let last = last_cmd_seq(&js, &shard).await;
    common::wait_effects(&js, &shard, last, Duration::from_secs(60)).await;
    let s = common::verify(&js, &shard, &acked, true).await;
    assert_eq!(s.ids.len(), acked.len());
    let snaps = dir.path().join("m1").join("k0").join("snapshots");
    assert!(std::fs::read_dir(snaps).map(|d| d.count()).unwrap_or(0) >= 1, "m1 had snapshots to recover from");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_one_nats_node_under_load_loses_and_repeats_nothing() {
    let (mut cluster, js) = common::cluster().await;
    let shard = ShardName::new("n0").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let map = shard_map(dir.path(), "n0");
    let seq = Sequencer::new(js.clone());
    let mut acked = setup(&seq, &shard).await;
    let _m1 = Matching::start(&cluster.urls(), &map, "n0", "m1", &dir.path().join("m1"));
    wait_leader(&js, &shard, "m1", Duration::from_secs(30)).await;

    let count = Arc::new(AtomicU64::new(0));
    let run = tokio::spawn(load(seq.clone(), shard.clone(), 0, 3_000, 16, Arc::clone(&count)));
    while count.load(Ordering::Relaxed) < 800 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The command stream's leader, the node whose loss hurts most.
    let info = js.get_stream(CMD_STREAM).await.unwrap().info().await.unwrap().clone();
    let leader = info.cluster.and_then(|c| c.leader).unwrap_or_else(|| "n1".into());
    let node: usize = leader.trim_start_matches('n').parse::<usize>().unwrap() - 1;
    eprintln!("killing {leader}, the command stream's leader");
    let killed_at = Instant::now();
    tokio::task::block_in_place(|| cluster.kill(node)).unwrap();
    acked.extend(run.await.unwrap());
    eprintln!("load finished {:?} after the kill", killed_at.elapsed());
    tokio::task::block_in_place(|| cluster.restart(node)).unwrap();
    let last = last_cmd_seq(&js, &shard).await;
    common::wait_effects(&js, &shard, last, Duration::from_secs(90)).await;
    let s = common::verify(&js, &shard, &acked, true).await;
    assert_eq!(s.ids.len(), acked.len(), "nothing unacknowledged slipped in");
    let stored = js.get_stream(CMD_STREAM).await.unwrap().info().await.unwrap().state.messages;
    assert_eq!(stored, acked.len() as u64, "each acknowledged command stored once");
    let fx = js.get_stream(FX_STREAM).await.unwrap();
    assert!(log_end(&fx, &shard).await.unwrap().last_cmd_seq >= last);
}
