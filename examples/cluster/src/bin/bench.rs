//! `brokerx-cluster-bench`: what JetStream takes here and what the cluster
//! path gets of it, on a throwaway 3-node cluster on loopback (or `--nats`).
//!
//! 1. **Ceiling**: a bare async publisher of command-sized messages to an R3
//!    file-backed stream, `--window` PubAcks in flight, each awaited.
//! 2. **End to end**: the same publisher sending real order commands (with
//!    `Nats-Msg-Id`) to a shard's subject; one in-process matching shard
//!    applies them to a Broker and publishes the effect log; a subscriber
//!    times each command from its publish to its effects arriving.
//!
//! Both print throughput, latency percentiles and `/proc/loadavg`.

// A report of measured rates: floats are for printing only.
#![allow(clippy::float_arithmetic, clippy::cast_precision_loss)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream;
use brokerx_cluster::matching::{run_shard, ShardConfig};
use brokerx_cluster::nats::{connect, ensure_streams, StreamSettings};
use brokerx_cluster::testing::NatsCluster;
use brokerx_cluster::wire::{encode_command, FxRecord};
use brokerx_cluster::{workload, ClusterError, ShardName};
use clap::Parser;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use tokio::sync::watch;

#[derive(Debug, Parser)]
struct Args {
    /// Messages per phase.
    #[arg(long, default_value_t = 100_000)]
    messages: u64,
    /// PubAcks in flight.
    #[arg(long, default_value_t = 512)]
    window: usize,
    /// An existing cluster (comma-separated URLs); default: start one.
    #[arg(long)]
    nats: Option<String>,
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|s| s.trim().to_owned()).unwrap_or_else(|_| "?".into())
}

fn report(name: &str, n: u64, elapsed: Duration, hist: &Histogram<u64>) {
    let rate = (n as f64) / elapsed.as_secs_f64().max(1e-9);
    let ms = |q: f64| hist.value_at_quantile(q) as f64 / 1e6;
    println!(
        "{name}: {n} msgs in {:.2} s = {rate:.0} msgs/s; latency p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms; loadavg {}",
        elapsed.as_secs_f64(),
        ms(0.5),
        ms(0.99),
        ms(0.999),
        hist.max() as f64 / 1e6,
        loadavg()
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let cluster = match &args.nats {
        Some(_) => None,
        None => Some(tokio::task::spawn_blocking(NatsCluster::start).await??),
    };
    let urls = args.nats.clone().or_else(|| cluster.as_ref().map(NatsCluster::urls)).ok_or("no cluster")?;
    let js = connect(&urls).await?;
    let settings = StreamSettings::default();
    let started = Instant::now();
    while let Err(e) = ensure_streams(&js, &settings).await {
        if started.elapsed() > Duration::from_secs(30) {
            return Err(e.into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let size = encode_command(&workload::order(12_345))?.len();
    println!("command size {size} bytes; window {}; loadavg at start {}", args.window, loadavg());
    println!("(2 vCPUs shared with other builds: figures are noisy)");

    // 1. The ceiling.
    js.get_or_create_stream(stream::Config {
        name: "BENCH".into(),
        subjects: vec!["bench.>".into()],
        storage: stream::StorageType::File,
        num_replicas: settings.replicas,
        ..Default::default()
    })
    .await?;
    let payload = bytes::Bytes::from(vec![0x5a; size]);
    let mut hist = Histogram::<u64>::new_with_bounds(1_000, 60_000_000_000, 3)?;
    let mut inflight = FuturesUnordered::new();
    let t0 = Instant::now();
    for i in 0..args.messages {
        if inflight.len() >= args.window {
            if let Some(r) = inflight.next().await {
                let (sent, ack): (Instant, Result<_, _>) = r;
                ack?;
                hist.saturating_record(sent.elapsed().as_nanos() as u64);
            }
        }
        let sent = Instant::now();
        let msg = PublishMessage::build().payload(payload.clone()).message_id(format!("b:{i}"));
        let fut = js.send_publish("bench.ceiling", msg).await?;
        inflight.push(async move { (sent, fut.await) });
    }
    while let Some((sent, ack)) = inflight.next().await {
        ack?;
        hist.saturating_record(sent.elapsed().as_nanos() as u64);
    }
    report("ceiling  (bare publisher, R3 file, acked)", args.messages, t0.elapsed(), &hist);

    // 2. End to end through a matching shard.
    let shard = ShardName::new("bench")?;
    let dir = tempfile::tempdir()?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let cfg = ShardConfig {
        nats_urls: urls.clone(),
        shard: shard.clone(),
        data_dir: dir.path().to_path_buf(),
        holder: "bench".into(),
        snapshot_every: 50_000,
        kept_max: 1_000,
        broker: Default::default(),
        streams: settings.clone(),
    };
    let task = tokio::spawn(run_shard(cfg, stop_rx));
    let client = js.client();
    let mut fx = client.subscribe(shard.fx_subject()).await?;
    for c in workload::setup()? {
        js.send_publish(
            shard.cmd_subject(),
            PublishMessage::build().payload(encode_command(&c)?.into()).message_id(shard.msg_id(c.correlation_id.0)),
        )
        .await?
        .await?;
    }
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let (sent_tx, mut sent_rx) = tokio::sync::mpsc::unbounded_channel::<(u64, Instant)>();
    let total = args.messages;
    tokio::spawn(async move {
        let mut sent_at: HashMap<u64, Instant> = HashMap::new();
        let mut hist = Histogram::<u64>::new_with_bounds(1_000, 60_000_000_000, 3).ok();
        let mut seen = 0u64;
        while seen < total {
            let Some(msg) = fx.next().await else { break };
            while let Ok((id, t)) = sent_rx.try_recv() {
                sent_at.insert(id, t);
            }
            if let Ok(FxRecord::Batch { effects, .. }) = FxRecord::decode(&msg.payload) {
                for e in effects {
                    let Some(id) = e.command_id else { continue };
                    if id < workload::FIRST_ORDER_ID {
                        continue;
                    }
                    seen += 1;
                    if let (Some(t), Some(h)) = (sent_at.remove(&id), hist.as_mut()) {
                        h.saturating_record(t.elapsed().as_nanos() as u64);
                    }
                }
            }
        }
        let _ = done_tx.send((Instant::now(), hist));
    });
    let mut inflight = FuturesUnordered::new();
    let t0 = Instant::now();
    for i in 0..args.messages {
        if inflight.len() >= args.window {
            if let Some(r) = inflight.next().await {
                let r: Result<_, async_nats::jetstream::context::PublishError> = r;
                r?;
            }
        }
        let cmd = workload::order(i);
        let msg = PublishMessage::build()
            .payload(encode_command(&cmd)?.into())
            .message_id(shard.msg_id(cmd.correlation_id.0));
        let _ = sent_tx.send((cmd.correlation_id.0, Instant::now()));
        let ack = js.send_publish(shard.cmd_subject(), msg).await?;
        inflight.push(async move { ack.await });
    }
    while let Some(r) = inflight.next().await {
        r?;
    }
    let acked = t0.elapsed();
    let (end, hist) = tokio::time::timeout(Duration::from_secs(600), done_rx).await??;
    println!("  (all {} commands acked after {:.2} s)", args.messages, acked.as_secs_f64());
    match hist {
        Some(h) => report("end to end (publish -> applied -> effects seen)", args.messages, end - t0, &h),
        None => println!("no histogram"),
    }
    stop_tx.send(true)?;
    task.await?.map_err(|e: ClusterError| e.to_string())?;
    Ok(())
}
