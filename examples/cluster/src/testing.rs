//! Test support: a throwaway 3-node JetStream cluster on loopback.
//!
//! [`NatsCluster::start`] installs Debian's `nats-server` when it is missing
//! (`apt-get install -y --no-install-recommends nats-server`, as root), writes
//! one config per node with free 127.0.0.1 ports and a temporary store
//! directory, starts the three servers and waits until the cluster has a meta
//! leader and every node sees both routes. Dropping it kills the servers and
//! removes the directories. Nodes can be killed (`SIGKILL`) and restarted on
//! the same ports and store, which is what the failure tests do.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use thiserror::Error;

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TestClusterError {
    #[error("nats-server is not installed and apt-get failed: {0}")]
    Install(String),
    #[error("test cluster i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("the cluster did not form within {0:?}: {1}")]
    NotFormed(Duration, String),
    #[error("no node {0}")]
    NoNode(usize),
}

#[derive(Debug, Clone, Copy)]
struct Ports {
    client: u16,
    http: u16,
    route: u16,
}

#[derive(Debug)]
struct Node {
    name: String,
    ports: Ports,
    config: PathBuf,
    child: Option<Child>,
}

/// Three `nats-server` processes forming one JetStream cluster.
#[derive(Debug)]
pub struct NatsCluster {
    nodes: Vec<Node>,
    // Kept for its Drop: removes configs, logs and stores.
    dir: tempfile::TempDir,
}

/// The `nats-server` binary, installing Debian's package when it is missing.
///
/// # Errors
/// `Install` when it is absent and apt-get cannot install it.
pub fn ensure_nats_server() -> Result<PathBuf, TestClusterError> {
    for p in ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"] {
        if Path::new(p).exists() {
            return Ok(PathBuf::from(p));
        }
    }
    let run = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
    };
    let mut out = run(&["install", "-y", "--no-install-recommends", "nats-server"])?;
    if !out.status.success() {
        // A fresh machine may not have the package lists yet.
        let _ = run(&["update"]);
        out = run(&["install", "-y", "--no-install-recommends", "nats-server"])?;
    }
    if !out.status.success() {
        return Err(TestClusterError::Install(String::from_utf8_lossy(&out.stderr).into_owned()));
    }
    for p in ["/usr/sbin/nats-server", "/usr/bin/nats-server"] {
        if Path::new(p).exists() {
            return Ok(PathBuf::from(p));
        }
    }
    Err(TestClusterError::Install("installed, but no nats-server binary found".into()))
}

/// A port the kernel had free a moment ago. Held listeners stop two calls
/// from handing out the same one.
fn free_ports(n: usize) -> Result<Vec<u16>, std::io::Error> {
    let listeners: Vec<TcpListener> = (0..n).map(|_| TcpListener::bind("127.0.0.1:0")).collect::<Result<_, _>>()?;
    listeners.iter().map(|l| l.local_addr().map(|a| a.port())).collect()
}

/// `GET path` on a node's monitoring port, body as text.
fn http_get(port: u16, path: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut body = String::new();
    s.read_to_string(&mut body)?;
    Ok(body.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default())
}

impl NatsCluster {
    /// Starts three nodes and waits (up to 30 s) for the cluster to form.
    ///
    /// # Errors
    /// See [`TestClusterError`].
    pub fn start() -> Result<NatsCluster, TestClusterError> {
        let bin = ensure_nats_server()?;
        let dir = tempfile::Builder::new().prefix("brokerx-nats-").tempdir()?;
        let p = free_ports(9)?;
        let ports: Vec<Ports> =
            (0..3).map(|i| Ports { client: p[3 * i], http: p[3 * i + 1], route: p[3 * i + 2] }).collect();
        let routes: Vec<String> = ports.iter().map(|p| format!("nats-route://127.0.0.1:{}", p.route)).collect();
        let mut nodes = Vec::new();
        for (i, pt) in ports.iter().enumerate() {
            let name = format!("n{}", i + 1);
            let store = dir.path().join(format!("data{}", i + 1));
            let config = dir.path().join(format!("{name}.conf"));
            let text = format!(
                "server_name: {name}\nlisten: 127.0.0.1:{c}\nhttp: 127.0.0.1:{h}\n\
                 jetstream {{ store_dir: \"{store}\", max_memory_store: 256MB, max_file_store: 4GB }}\n\
                 cluster {{ name: brokerx, listen: 127.0.0.1:{r}, routes: [{routes}] }}\n",
                c = pt.client,
                h = pt.http,
                r = pt.route,
                store = store.display(),
                routes = routes.join(", "),
            );
            std::fs::write(&config, text)?;
            nodes.push(Node { name, ports: *pt, config, child: None });
        }
        let mut cluster = NatsCluster { nodes, dir };
        for i in 0..3 {
            cluster.spawn(i, &bin)?;
        }
        cluster.wait_formed(Duration::from_secs(30))?;
        Ok(cluster)
    }

    fn spawn(&mut self, i: usize, bin: &Path) -> Result<(), TestClusterError> {
        let log = self.dir.path().join(format!("n{}.log", i + 1));
        let node = self.nodes.get_mut(i).ok_or(TestClusterError::NoNode(i))?;
        let child = Command::new(bin)
            .arg("-c")
            .arg(&node.config)
            .arg("-l")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        node.child = Some(child);
        Ok(())
    }

    /// Waits until every running node reports a meta leader and two routes.
    ///
    /// # Errors
    /// `NotFormed` after `within`.
    pub fn wait_formed(&self, within: Duration) -> Result<(), TestClusterError> {
        let start = Instant::now();
        let mut last = String::new();
        while start.elapsed() < within {
            let running: Vec<&Node> = self.nodes.iter().filter(|n| n.child.is_some()).collect();
            let ok = running.iter().all(|n| {
                let jsz = http_get(n.ports.http, "/jsz").unwrap_or_default();
                let routez = http_get(n.ports.http, "/routez").unwrap_or_default();
                let formed = jsz.contains("\"leader\"") && routez.contains(&format!("\"num_routes\": {}", 2));
                if !formed {
                    last = format!("{}: {jsz}", n.name);
                }
                formed
            });
            if ok {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(TestClusterError::NotFormed(within, last))
    }

    /// `nats://127.0.0.1:port` of every node, comma-separated (for a client that fails over).
    pub fn urls(&self) -> String {
        self.nodes.iter().map(|n| format!("nats://127.0.0.1:{}", n.ports.client)).collect::<Vec<_>>().join(",")
    }

    /// One node's URL.
    pub fn url(&self, i: usize) -> Option<String> {
        self.nodes.get(i).map(|n| format!("nats://127.0.0.1:{}", n.ports.client))
    }

    /// The monitoring port of node `i` (`/jsz`, `/routez`).
    pub fn http_port(&self, i: usize) -> Option<u16> {
        self.nodes.get(i).map(|n| n.ports.http)
    }

    /// `GET path` on node `i`'s monitoring port.
    ///
    /// # Errors
    /// I/O, or no such node.
    pub fn monitor(&self, i: usize, path: &str) -> Result<String, TestClusterError> {
        let port = self.http_port(i).ok_or(TestClusterError::NoNode(i))?;
        Ok(http_get(port, path)?)
    }

    /// `SIGKILL`s node `i` and reaps it.
    ///
    /// # Errors
    /// `NoNode`, or the kill failing.
    pub fn kill(&mut self, i: usize) -> Result<(), TestClusterError> {
        let node = self.nodes.get_mut(i).ok_or(TestClusterError::NoNode(i))?;
        if let Some(mut child) = node.child.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    /// Starts node `i` again on its ports and store.
    ///
    /// # Errors
    /// See [`TestClusterError`].
    pub fn restart(&mut self, i: usize) -> Result<(), TestClusterError> {
        let bin = ensure_nats_server()?;
        self.kill(i)?;
        self.spawn(i, &bin)
    }
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Some(mut child) = node.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}
