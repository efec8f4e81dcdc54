//! A host on 127.0.0.1 with a fresh data directory, the demo market listed,
//! and a JSON client.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use brokerx_host::api::auth::sign;
use brokerx_host::{Config, Running};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::oneshot;

pub const SECRET: &[u8] = b"test-secret-0123456789";

pub struct Host {
    pub base: String,
    pub addr: std::net::SocketAddr,
    pub app: brokerx_host::api::AppState,
    pub data_dir: PathBuf,
    pub recovery: brokerx_host::writer::recovery::RecoveryReport,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

pub fn config(data_dir: PathBuf) -> Config {
    let mut c = Config::new(SECRET.to_vec());
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.data_dir = data_dir;
    c.demo = true;
    c
}

impl Host {
    pub async fn start() -> Host {
        let dir = tempfile::tempdir().unwrap();
        let mut h = Host::start_with(config(dir.path().to_path_buf())).await;
        h._dir = Some(dir);
        h
    }

    pub async fn start_with(config: Config) -> Host {
        let data_dir = config.data_dir.clone();
        let running: Running = brokerx_host::start(config).await.unwrap();
        let addr = running.addr;
        let app = running.app.clone();
        let recovery = running.recovery.clone();
        let (stop, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            running
                .serve(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        Host {
            base: format!("http://{addr}"),
            addr,
            app,
            data_dir,
            recovery,
            http: reqwest::Client::new(),
            stop: Some(stop),
            task: Some(task),
            _dir: None,
        }
    }

    /// Stops the server and waits for the writer's last commit; keeps the data dir.
    pub async fn stop(mut self) -> Option<tempfile::TempDir> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let Host { app, task, _dir, .. } = self;
        drop(app);
        if let Some(t) = task {
            t.await.unwrap();
        }
        _dir
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (s, _, v) = self.call_h(method, path, token, body, &[]).await;
        (s, v)
    }

    pub async fn call_h(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut r = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, headers, v)
    }

    pub async fn health(&self) -> Value {
        self.call(Method::GET, "/health", None, None).await.1
    }

    pub async fn state_hash(&self) -> String {
        self.health().await["state_hash"].as_str().unwrap().to_string()
    }

    pub async fn deposit(
        &self,
        token: &str,
        account: u64,
        key: &str,
        asset: &str,
        amount: &str,
    ) -> (StatusCode, Value) {
        let (s, _, v) = self
            .call_h(
                Method::POST,
                &format!("/api/v1/accounts/{account}/deposits"),
                Some(token),
                Some(json!({"asset": asset, "amount": amount})),
                &[("idempotency-key", key)],
            )
            .await;
        (s, v)
    }

    pub async fn place(&self, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, "/api/v1/orders", Some(token), Some(body)).await
    }
}

pub fn token(account: u64) -> String {
    sign(SECRET, account, false, 3600).unwrap()
}

pub fn admin_token() -> String {
    sign(SECRET, 999, true, 3600).unwrap()
}

pub fn limit(side: &str, price: &str, qty: &str) -> Value {
    json!({"symbol": "ACME/USD", "side": side, "price": price, "quantity": qty})
}
