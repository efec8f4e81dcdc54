//! JetStream as the sequencer and the journal, on a 3-node cluster: R3
//! streams, duplicate publishes stored and applied once, undecodable
//! messages refused without harm, restart from a snapshot to a replay's
//! state hash, and the gateway's HTTP publish path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use async_nats::jetstream::message::PublishMessage;
use brokerx_cluster::config::ShardMap;
use brokerx_cluster::matching::{run_shard, ShardConfig};
use brokerx_cluster::nats::Sequencer;
use brokerx_cluster::wire::{CMD_STREAM, FX_STREAM};
use brokerx_cluster::{workload, ShardName};
use tokio::sync::watch;

fn shard_config(urls: String, shard: &ShardName, dir: &Path, holder: &str, snapshot_every: u64) -> ShardConfig {
    ShardConfig {
        nats_urls: urls,
        shard: shard.clone(),
        data_dir: dir.to_path_buf(),
        holder: holder.into(),
        snapshot_every,
        kept_max: 100_000,
        broker: Default::default(),
        streams: common::settings(),
    }
}

async fn submit_all(
    seq: &Sequencer,
    shard: &ShardName,
    ids: &mut BTreeSet<u64>,
    cmds: &[brokerx_engine::broker::BrokerCommand],
) -> u64 {
    let mut last = 0;
    for c in cmds {
        let s = seq.submit(shard, c).await.unwrap();
        assert!(!s.duplicate);
        ids.insert(c.correlation_id.0);
        last = s.seq;
    }
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_are_r3_file_backed_on_three_nodes() {
    let (cluster, js) = common::cluster().await;
    for name in [CMD_STREAM, FX_STREAM] {
        let mut stream = js.get_stream(name).await.unwrap();
        let info = stream.info().await.unwrap();
        assert_eq!(info.config.num_replicas, 3);
        assert_eq!(info.config.storage, async_nats::jetstream::stream::StorageType::File);
        let peers = info.cluster.as_ref().map_or(0, |c| c.replicas.len());
        assert_eq!(peers, 2, "a leader and two replicas");
    }
    let jsz = cluster.monitor(0, "/jsz").unwrap();
    assert!(jsz.contains("\"cluster_size\": 3"), "{jsz}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_publishes_are_stored_once_and_applied_once() {
    let (cluster, js) = common::cluster().await;
    let shard = ShardName::new("dup").unwrap();
    let seq = Sequencer::new(js.clone());
    let mut ids = BTreeSet::new();
    let mut cmds = workload::setup().unwrap();
    cmds.extend((0..60).map(workload::order));
    let last = submit_all(&seq, &shard, &mut ids, &cmds).await;
    // The same commands again, as a client retrying after a lost PubAck would.
    for c in cmds.iter().step_by(3) {
        let again = seq.submit(&shard, c).await.unwrap();
        assert!(again.duplicate, "command {} deduplicated", c.correlation_id.0);
    }
    // Garbage under its own id: stored, refused by the shard, nothing changes.
    let garbage = PublishMessage::build().payload(vec![0xff, 0x00, 0x13].into()).message_id(shard.msg_id(999_999));
    let bad_seq = js.send_publish(shard.cmd_subject(), garbage).await.unwrap().await.unwrap().sequence;
    assert!(bad_seq > last);

    let dir = tempfile::tempdir().unwrap();
    let (stop_tx, stop_rx) = watch::channel(false);
    let task = tokio::spawn(run_shard(shard_config(cluster.urls(), &shard, dir.path(), "m1", 0), stop_rx));
    common::wait_effects(&js, &shard, bad_seq, Duration::from_secs(60)).await;
    let summary = common::verify(&js, &shard, &ids, true).await;
    assert_eq!(summary.ids.len(), ids.len(), "every command once, the garbage had no id");
    assert_eq!(summary.epochs.len(), 1);
    let stream_count = js.get_stream(CMD_STREAM).await.unwrap().info().await.unwrap().state.messages;
    assert_eq!(stream_count, ids.len() as u64 + 1, "duplicates were not stored");
    stop_tx.send(true).unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_loads_its_snapshot_and_replays_the_rest_to_the_same_hash() {
    let (cluster, js) = common::cluster().await;
    let shard = ShardName::new("snap").unwrap();
    let seq = Sequencer::new(js.clone());
    let mut ids = BTreeSet::new();
    let mut cmds = workload::setup().unwrap();
    cmds.extend((0..80).map(workload::order));
    let last = submit_all(&seq, &shard, &mut ids, &cmds).await;

    let dir = tempfile::tempdir().unwrap();
    let (stop_tx, stop_rx) = watch::channel(false);
    let task = tokio::spawn(run_shard(shard_config(cluster.urls(), &shard, dir.path(), "m1", 25), stop_rx));
    common::wait_effects(&js, &shard, last, Duration::from_secs(60)).await;
    stop_tx.send(true).unwrap();
    task.await.unwrap().unwrap();
    let snaps = dir.path().join("snap").join("snapshots");
    let count = std::fs::read_dir(&snaps).unwrap().count();
    assert!(count >= 1, "a snapshot was written");

    // More commands while the shard is down, then a restart from the snapshot.
    let more: Vec<_> = (80..130).map(workload::order).collect();
    let last = submit_all(&seq, &shard, &mut ids, &more).await;
    let (stop_tx, stop_rx) = watch::channel(false);
    let task = tokio::spawn(run_shard(shard_config(cluster.urls(), &shard, dir.path(), "m1", 25), stop_rx));
    common::wait_effects(&js, &shard, last, Duration::from_secs(60)).await;
    let summary = common::verify(&js, &shard, &ids, true).await;
    assert_eq!(summary.epochs.len(), 2, "one epoch per start: the lease was handed back on shutdown");
    stop_tx.send(true).unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_acknowledges_after_the_pub_ack_and_refuses_bad_input() {
    let (_cluster, js) = common::cluster().await;
    let map = ShardMap::parse(r#"{"shards": {"g0": ["ACME/USD"], "g1": ["INIT/USD"]}}"#).unwrap();
    let app = brokerx_cluster::gateway::router(map, Sequencer::new(js.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();
    let base = format!("http://{addr}/api/v1");

    let order = workload::order(0);
    let body = serde_json::json!({"id": 7, "kind": order.kind});
    let r = http.post(format!("{base}/markets/ACME%2FUSD/commands")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let first: serde_json::Value = r.json().await.unwrap();
    assert_eq!(first["duplicate"], false);
    let r = http.post(format!("{base}/shards/g0/commands")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let again: serde_json::Value = r.json().await.unwrap();
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["seq"], first["seq"], "the retry names the stored message");

    let stored =
        js.get_stream(CMD_STREAM).await.unwrap().get_raw_message(first["seq"].as_u64().unwrap()).await.unwrap();
    assert_eq!(stored.subject.as_str(), "brokerx.cmd.g0");
    let cmd = brokerx_cluster::wire::decode_command(&stored.payload).unwrap();
    assert_eq!((cmd.correlation_id.0, cmd.kind), (7, order.kind));

    let cases = [
        (format!("{base}/shards/g0/commands"), "{\"id\": 1}".to_owned(), 422, "invalid_body"),
        (format!("{base}/shards/g0/commands"), "not json".to_owned(), 400, "invalid_body"),
        (format!("{base}/shards/nope/commands"), body.to_string(), 404, "unknown_shard"),
        (format!("{base}/shards/a.b/commands"), body.to_string(), 422, "invalid_shard"),
        (format!("{base}/markets/NOPE/commands"), body.to_string(), 404, "unknown_symbol"),
    ];
    for (url, body, status, code) in cases {
        let r = http.post(&url).header("content-type", "application/json").body(body).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{url}");
        let e: serde_json::Value = r.json().await.unwrap();
        assert_eq!(e["code"], code, "{url}");
    }
}
