//! `brokerx-cluster --role gateway|matching|ledger`: one binary, one role per process.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use brokerx_cluster::config::ShardMap;
use brokerx_cluster::matching::{run_shard, ShardConfig};
use brokerx_cluster::nats::{connect, ensure_streams, Sequencer, StreamSettings};
use brokerx_cluster::ClusterError;
use clap::{Parser, ValueEnum};
use tokio::sync::watch;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Role {
    Gateway,
    Matching,
    Ledger,
}

#[derive(Debug, Parser)]
#[command(name = "brokerx-cluster", about = "BrokerX on NATS JetStream: gateway, matching shards, ledger")]
struct Args {
    #[arg(long, value_enum)]
    role: Role,
    /// NATS servers, comma-separated.
    #[arg(long, default_value = "nats://127.0.0.1:4222")]
    nats: String,
    /// The shard map (JSON).
    #[arg(long)]
    shard_map: PathBuf,
    /// matching: the shards this process runs (default: all in the map).
    #[arg(long, value_delimiter = ',')]
    shards: Vec<String>,
    /// gateway: where to listen.
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: String,
    /// matching: snapshots go under here.
    #[arg(long, default_value = "./brokerx-cluster-data")]
    data_dir: PathBuf,
    /// matching: this process's name in leases and the effect log.
    #[arg(long, default_value = "matching")]
    holder: String,
    #[arg(long, default_value_t = 10_000)]
    snapshot_every: u64,
    #[arg(long, default_value_t = 2_000)]
    lease_ttl_ms: u64,
    #[arg(long, default_value_t = 3)]
    replicas: usize,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(code = e.code(), error = %e, "stopped");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), ClusterError> {
    let map = ShardMap::load(&args.shard_map)?;
    let streams = StreamSettings {
        replicas: args.replicas,
        lease_ttl: Duration::from_millis(args.lease_ttl_ms),
        ..StreamSettings::default()
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        let _ = stop_tx.send(true);
    });
    match args.role {
        Role::Gateway => {
            let js = connect(&args.nats).await?;
            ensure_streams(&js, &streams).await?;
            let app = brokerx_cluster::gateway::router(map, Sequencer::new(js));
            let listener = tokio::net::TcpListener::bind(&args.listen).await?;
            tracing::info!(addr = %listener.local_addr()?, "gateway listening");
            let mut stop = stop_rx;
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await?;
            Ok(())
        }
        Role::Matching => {
            let names: Vec<_> = if args.shards.is_empty() {
                map.shards.keys().cloned().collect()
            } else {
                args.shards.iter().map(|s| map.shard(s).cloned()).collect::<Result<_, _>>()?
            };
            let mut tasks = Vec::new();
            for shard in names {
                let cfg = ShardConfig {
                    nats_urls: args.nats.clone(),
                    shard,
                    data_dir: args.data_dir.clone(),
                    holder: args.holder.clone(),
                    snapshot_every: args.snapshot_every,
                    kept_max: 200_000,
                    broker: Default::default(),
                    streams: streams.clone(),
                };
                tasks.push(tokio::spawn(run_shard(cfg, stop_rx.clone())));
            }
            for t in tasks {
                t.await.map_err(|e| ClusterError::Config(e.to_string()))??;
            }
            Ok(())
        }
        Role::Ledger => Err(ClusterError::Config(
            "the ledger role (a shared ledger with cross-process OrderSagas) is not built yet; \
             each matching shard runs its own Broker ledger"
                .into(),
        )),
    }
}
