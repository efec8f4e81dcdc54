//! `brokerx-host`: see `docs/host.md`.

use tracing_subscriber::EnvFilter;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("token") {
        // `brokerx-host token <account> [--admin] [--ttl SECONDS]`: a token signed with the secret.
        std::process::exit(token(&args[1..]));
    }
    let config = match brokerx_host::Config::from_args(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tokio runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(async move {
        let running = brokerx_host::start(config).await?;
        tracing::info!(addr = %running.addr, "listening");
        // The first line on stdout, for scripts and tests that start it on port 0.
        println!("listening on {}", running.addr);
        running.serve_until_signal().await
    });
    if let Err(e) = result {
        tracing::error!(error = %e, "brokerx-host stopped");
        std::process::exit(1);
    }
}

fn token(args: &[String]) -> i32 {
    let Ok(secret) = std::env::var("BROKERX_JWT_SECRET") else {
        eprintln!("BROKERX_JWT_SECRET is not set");
        return 2;
    };
    let Some(account) = args.first().and_then(|a| a.parse::<u64>().ok()) else {
        eprintln!("usage: brokerx-host token <account> [--admin] [--ttl SECONDS]");
        return 2;
    };
    let admin = args.iter().any(|a| a == "--admin");
    let ttl = args.iter().position(|a| a == "--ttl").and_then(|i| args.get(i + 1)).and_then(|t| t.parse().ok());
    match brokerx_host::api::auth::sign(secret.as_bytes(), account, admin, ttl.unwrap_or(3600)) {
        Ok(t) => {
            println!("{t}");
            0
        }
        Err(e) => {
            eprintln!("{e}");
            1
        }
    }
}
