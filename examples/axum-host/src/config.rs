//! Configuration: command-line flags, with the JWT secret from the environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// HS256 shared secret (`BROKERX_JWT_SECRET`).
    pub jwt_secret: Vec<u8>,
    pub queue_capacity: usize,
    pub max_batch: usize,
    pub snapshot_every: u64,
    /// Requests per second per token subject (0: no limit), and the burst.
    pub rate_per_s: u64,
    pub rate_burst: u64,
    pub body_limit_bytes: usize,
    pub request_timeout: Duration,
    /// Messages queued per WebSocket session before it is closed as a slow consumer.
    pub ws_outbox: usize,
    /// At first start (empty journal), list USD, ACME and the ACME/USD market.
    pub demo: bool,
}

impl Config {
    /// Defaults for everything but the secret.
    pub fn new(jwt_secret: impl Into<Vec<u8>>) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./brokerx-data"),
            jwt_secret: jwt_secret.into(),
            queue_capacity: 65_536,
            max_batch: 4_096,
            snapshot_every: 1_000_000,
            rate_per_s: 100_000,
            rate_burst: 200_000,
            body_limit_bytes: 16 * 1024,
            request_timeout: Duration::from_secs(10),
            ws_outbox: 4096,
            demo: false,
        }
    }

    /// Parses `args` (without the program name); the secret comes from `BROKERX_JWT_SECRET`.
    ///
    /// # Errors
    /// A message naming the bad flag, or the missing secret.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
        let secret = std::env::var("BROKERX_JWT_SECRET").map_err(|_| "BROKERX_JWT_SECRET is not set".to_string())?;
        if secret.len() < 16 {
            return Err("BROKERX_JWT_SECRET must be at least 16 bytes".into());
        }
        let mut c = Config::new(secret.into_bytes());
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            if flag == "--demo" {
                c.demo = true;
                continue;
            }
            if flag == "--help" || flag == "-h" {
                return Err(USAGE.into());
            }
            let value = args.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
            let num = |v: &str| v.parse::<u64>().map_err(|_| format!("{flag}: not a number: {v}"));
            match flag.as_str() {
                "--listen" => c.listen = value.parse().map_err(|_| format!("--listen: not an address: {value}"))?,
                "--data-dir" => c.data_dir = PathBuf::from(value),
                "--queue-capacity" => c.queue_capacity = num(&value)?.max(1) as usize,
                "--max-batch" => c.max_batch = num(&value)?.max(1) as usize,
                "--snapshot-every" => c.snapshot_every = num(&value)?,
                "--rate-limit" => c.rate_per_s = num(&value)?,
                "--rate-burst" => c.rate_burst = num(&value)?,
                "--body-limit" => c.body_limit_bytes = num(&value)? as usize,
                "--ws-outbox" => c.ws_outbox = num(&value)?.max(1) as usize,
                "--timeout-ms" => c.request_timeout = Duration::from_millis(num(&value)?),
                _ => return Err(format!("unknown flag {flag}\n{USAGE}")),
            }
        }
        Ok(c)
    }
}

pub const USAGE: &str =
    "usage: BROKERX_JWT_SECRET=... brokerx-host [--listen 127.0.0.1:8080] [--data-dir ./brokerx-data] \
[--demo] [--queue-capacity N] [--max-batch N] [--snapshot-every N] [--rate-limit N/s] [--rate-burst N] \
[--body-limit BYTES] [--timeout-ms MS] [--ws-outbox N]";
