//! Hosts with their own addresses, on one machine: network namespaces joined by veth
//! pairs stand in for a server host and two client hosts. The server host's address
//! (10.77.0.1, on its loopback device) is routed over each client's own link (10.77.K.1
//! on the server's side, 10.77.K.2 on the client's), so nothing between them is loopback.
//!
//! Two ways across hosts: a standalone `conlab serve` on the server host with the same
//! client sweep on each client host, merged by `conlab merge` (one document naming each
//! host); and a server cell (`serve-http`, `serve-tcp` with `generators=2`) run on the
//! server host whose two load generators run on the client hosts (`--listen`,
//! `--generator-hosts`), merged as `generators=K` merges them, each share naming its host.
//!
//! The veth pairs are made inside the namespaces (`ip -n SRV link add ... peer ... netns
//! CLIENT`), so nothing is ever added to this machine's own namespace, and deleting the
//! namespaces deletes every link; a guard does so by name when dropped, also when an
//! assertion fails, and each test then checks `ip netns list`. Names carry the test's pid
//! and its own word, so tests running side by side (or other checkouts' runs) never meet.
//! Needs root and iproute2; elsewhere each says so in one line and passes.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::*;
use serde_json::Value;

/// The server host's address.
const SERVER: &str = "10.77.0.1";

fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn ip_ok(args: &[&str]) {
    let out = Command::new("ip").args(args).output().unwrap();
    assert!(out.status.success(), "ip {}: {}", args.join(" "), stderr(&out));
}

fn netns_list() -> String {
    stdout(&Command::new("ip").args(["netns", "list"]).output().unwrap())
}

/// A server host and two client hosts, removed by name when dropped (with them every
/// veth, all of which live inside them), and the processes a test started there,
/// stopped by pid first.
struct Hosts {
    tag: String,
    server: String,
    clients: [String; 2],
    made: Vec<String>,
    children: Vec<Child>,
}

impl Drop for Hosts {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        for name in &self.made {
            ip(&["netns", "delete", name]);
        }
    }
}

impl Hosts {
    /// The three hosts, joined; `None` (after one line saying so) without root or iproute2.
    fn make(word: &str) -> Option<Hosts> {
        let tag = format!("clnsB-{}-{word}", std::process::id());
        let server = format!("{tag}-srv");
        if !nix::unistd::Uid::effective().is_root() || !ip(&["netns", "add", &server]) {
            println!("netns: skipped, cannot create network namespaces (needs root and iproute2)");
            return None;
        }
        let mut hosts = Hosts {
            clients: [format!("{tag}-a"), format!("{tag}-b")],
            tag,
            server: server.clone(),
            made: vec![server.clone()],
            children: Vec::new(),
        };
        ip_ok(&["-n", &server, "link", "set", "lo", "up"]);
        ip_ok(&["-n", &server, "addr", "add", &format!("{SERVER}/32"), "dev", "lo"]);
        for (k, client) in hosts.clients.clone().iter().enumerate() {
            let k = k + 1;
            ip_ok(&["netns", "add", client]);
            hosts.made.push(client.clone());
            // Born in the server's namespace, its peer in the client's: never in ours.
            let (s_end, c_end) = (format!("s{k}"), format!("c{k}"));
            ip_ok(&[
                "-n", &server, "link", "add", &s_end, "type", "veth", "peer", "name", &c_end, "netns", client,
            ]);
            ip_ok(&["-n", &server, "addr", "add", &format!("10.77.{k}.1/24"), "dev", &s_end]);
            ip_ok(&["-n", client, "addr", "add", &format!("10.77.{k}.2/24"), "dev", &c_end]);
            ip_ok(&["-n", &server, "link", "set", &s_end, "up"]);
            ip_ok(&["-n", client, "link", "set", &c_end, "up"]);
            ip_ok(&["-n", client, "link", "set", "lo", "up"]);
            let via = format!("10.77.{k}.1");
            ip_ok(&["-n", client, "route", "add", &format!("{SERVER}/32"), "via", &via]);
        }
        Some(hosts)
    }

    /// Packets client K (1 or 2) has sent over its link so far.
    fn sent(&self, k: usize) -> u64 {
        let out = Command::new("ip")
            .args([
                "-n",
                &self.clients[k - 1],
                "-j",
                "-s",
                "link",
                "show",
                "dev",
                &format!("c{k}"),
            ])
            .output()
            .unwrap();
        let links: Value = serde_json::from_str(&stdout(&out)).expect("ip -j prints JSON");
        links[0]["stats64"]["tx"]["packets"].as_u64().expect("link counters")
    }

    /// Remove the hosts now and check that none is left.
    fn remove(self) {
        let tag = self.tag.clone();
        drop(self);
        let left = netns_list();
        assert!(!left.contains(&tag), "namespaces left: {left}");
    }
}

/// `conlab ARGS` run on host `ns`, bounded in time.
fn conlab_on(ns: &str, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new("ip");
    cmd.args(["netns", "exec", ns, env!("CARGO_BIN_EXE_conlab")])
        .args(args)
        .timeout(Duration::from_secs(90));
    cmd
}

#[test]
fn two_client_hosts_and_a_server_host_merge_into_one_document_naming_each() {
    let Some(mut hosts) = Hosts::make("sweep") else { return };
    let (srv, clients) = (hosts.server.clone(), hosts.clients.clone());

    // The server host: conlab's target server on the host's own address.
    let mut server = Command::new("ip")
        .args(["netns", "exec", &srv, env!("CARGO_BIN_EXE_conlab"), "serve"])
        .args(["--listen", &format!("{SERVER}:0"), "--latency", "10ms"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    let read = BufReader::new(server.stdout.take().unwrap()).read_line(&mut ready);
    hosts.children.push(server);
    read.unwrap();
    let ready: Value = serde_json::from_str(&ready).expect("serve prints its address");
    let url = ready["http"].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("http://{SERVER}:")), "{url}");

    // Each client host: the same sweep against the server's address, under its label.
    let dir = tempfile::tempdir().unwrap();
    for (client, label) in clients.iter().zip(["client-a", "client-b"]) {
        let out = conlab_on(client, &["bench", "--workload", "http:latency=10ms"])
            .args([
                "--models",
                "rs-async,rs-thread",
                "--tasks",
                "1,10",
                "--repeat",
                "1",
                "--quiet",
            ])
            .args(["--target", &url, "--host-label", label, "--out"])
            .arg(dir.path().join(label))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{label}: {}", stderr(&out));
        let doc = read_json(&dir.path().join(label).join("results.json"));
        for cell in doc["cells"].as_array().unwrap() {
            assert_eq!(cell["status"], "ok", "{label}: {cell}");
            assert_eq!(cell["tasks_ok"], cell["tasks"], "{label}: {cell}");
        }
    }
    // Nothing listens on the client hosts' loopback: the requests went over the links.
    let out = conlab_on(&clients[0], &["bench", "--workload", "http:latency=10ms"])
        .args([
            "--models", "rs-async", "--tasks", "1", "--repeat", "1", "--quiet", "--target",
        ])
        .arg(url.replace(SERVER, "127.0.0.1"))
        .arg("--out")
        .arg(dir.path().join("loopback"))
        .output()
        .unwrap();
    let loopback = read_json(&dir.path().join("loopback/results.json"));
    assert_ne!(loopback["cells"][0]["status"], "ok", "{}", stderr(&out));

    let merged_path = dir.path().join("merged.json");
    let out = conlab()
        .arg("merge")
        .arg(dir.path().join("client-a"))
        .arg(dir.path().join("client-b"))
        .arg("-o")
        .arg(&merged_path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let merged = read_json(&merged_path);
    assert_valid("results.schema.json", &merged);
    let hosts_named: Vec<&str> = merged["merged"]["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(hosts_named, ["client-a", "client-b"]);
    let cells = merged["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 8);
    for label in ["client-a", "client-b"] {
        assert_eq!(cells.iter().filter(|c| c["host"] == label).count(), 4, "{label}");
    }
    assert_eq!(
        merged["plan"]["target"],
        format!("--target {url}"),
        "both hosts hit the server host"
    );
    println!(
        "netns: {srv} serves {url}; {} and {} ran 4 cells each; merged hosts {hosts_named:?}",
        clients[0], clients[1]
    );
    hosts.remove();
}

#[test]
fn a_server_cells_generators_run_on_two_client_hosts_each_share_naming_its_host() {
    let Some(hosts) = Hosts::make("cell") else { return };
    let (srv, clients) = (hosts.server.clone(), hosts.clients.clone());
    let host_list = format!("netns:{},netns:{}", clients[0], clients[1]);
    let sent_before = [hosts.sent(1), hosts.sent(2)];

    // The whole sweep runs on the server host; only the generators leave it.
    let dir = tempfile::tempdir().unwrap();
    let out = conlab_on(&srv, &["bench", "--workload", "serve-http:duration=500ms,generators=2"])
        .args(["--workload", "serve-tcp:duration=500ms,interval=10ms,generators=2"])
        .args(["--models", "rs-async", "--tasks", "4", "--repeat", "1", "--quiet"])
        .args([
            "--cell-timeout",
            "30s",
            "--listen",
            SERVER,
            "--generator-hosts",
            &host_list,
        ])
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = read_json(&dir.path().join("results.json"));
    assert_valid("results.schema.json", &doc);
    assert_eq!(doc["plan"]["listen"], format!("{SERVER}:0"));
    let names = [format!("netns:{}", clients[0]), format!("netns:{}", clients[1])];
    assert_eq!(doc["plan"]["generator_hosts"], serde_json::json!(names));

    let cells = doc["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 2, "{cells:?}");
    let mut per_host = [0u64; 2];
    for cell in cells {
        let what = cell["workload"].as_str().unwrap();
        assert_eq!(cell["status"], "ok", "{what}: {cell}");
        let load = &cell["load"];
        assert!(
            load["target"].as_str().unwrap().starts_with(&format!("{SERVER}:")),
            "{what}: the generators connected to the server host's address: {load}"
        );
        let shares = load["generators"].as_array().unwrap();
        let on: Vec<&str> = shares.iter().map(|g| g["host"].as_str().unwrap()).collect();
        assert_eq!(on, names, "{what}: generator i on host i");
        // Merged exactly as generators=K merges: the cell's clients are the shares' sum.
        let sum = |key: &str| shares.iter().map(|g| g[key].as_u64().unwrap()).sum::<u64>();
        assert_eq!(load["connections"], 4, "{what}");
        assert_eq!(sum("connections"), 4, "{what}");
        assert_eq!(cell["requests_ok"].as_u64(), Some(sum("requests_ok")), "{what}");
        for (k, share) in shares.iter().enumerate() {
            assert_eq!(share["status"], "ok", "{what}: {share}");
            let ok = share["requests_ok"].as_u64().unwrap();
            assert!(ok > 0, "{what}: {share}");
            per_host[k] += ok;
        }
        assert_eq!(cell["server"]["connections"], 4, "{what}: the server saw every client");
    }
    // Every request left its client host over that host's own link: at least one packet
    // each (keep-alive HTTP requests and TCP messages alike).
    for k in [1, 2] {
        let sent = hosts.sent(k) - sent_before[k - 1];
        assert!(
            sent >= per_host[k - 1],
            "client {k} sent {sent} packets for {} requests",
            per_host[k - 1]
        );
    }
    println!(
        "netns: server cells on {srv} ({SERVER}); generators on {} and {}: {} and {} requests, each share named by \
         its host",
        clients[0], clients[1], per_host[0], per_host[1]
    );
    hosts.remove();
}

#[test]
fn placements_the_generators_cannot_use_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    for (args, says) in [
        (
            &["--listen", "127.0.0.1", "--generator-hosts", "netns:a,netns:b"][..],
            "loopback",
        ),
        (&["--listen", "0.0.0.0:8080"], "wildcard"),
        (
            &["--listen", "10.77.0.1", "--generator-hosts", "netns:clnsB-none-a"],
            "no such network namespace",
        ),
    ] {
        let out = conlab()
            .args([
                "bench",
                "--workload",
                "serve-http:generators=2",
                "--models",
                "rs-async",
                "--tasks",
                "2",
            ])
            .args(args)
            .arg("--out")
            .arg(dir.path().join("never"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let out = conlab()
        .args([
            "bench",
            "--workload",
            "sleep:1ms",
            "--tasks",
            "1",
            "--listen",
            "10.0.0.1",
            "--out",
        ])
        .arg(dir.path().join("never"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no serve-* workload"), "{}", stderr(&out));
    assert!(!dir.path().join("never").exists(), "nothing was run");
}
