//! Hosts with their own addresses, on one machine: network namespaces joined by veth
//! pairs stand in for a server host and two client hosts. The server host runs `conlab
//! serve` on its own address (10.77.0.1, no loopback in between); each client host runs
//! the same sweep against that address under its own `--host-label`; `conlab merge` puts
//! both into one document that names each host. Every namespace (and with it every veth)
//! is removed again. Needs root and iproute2; elsewhere it says so in one line and passes.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::common::*;
use serde_json::Value;

/// The server host's address, on its loopback device; each client routes to it through
/// its own veth link (10.77.K.1 on the server's side, 10.77.K.2 on the client's).
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

/// The namespaces this test made and the server it started: removed and stopped, by
/// name and pid, when dropped (also when an assertion fails).
struct Hosts {
    names: Vec<String>,
    links: Vec<String>,
    server: Option<Child>,
}

impl Drop for Hosts {
    fn drop(&mut self) {
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
        for name in &self.names {
            // Deleting a namespace destroys the veth ends inside it, and their peers.
            ip(&["netns", "delete", name]);
        }
        // A veth still in this namespace (a setup step failed before it moved).
        for link in &self.links {
            ip(&["link", "delete", link]);
        }
    }
}

fn netns_list() -> String {
    let out = Command::new("ip").args(["netns", "list"]).output().unwrap();
    stdout(&out)
}

#[test]
fn two_client_hosts_and_a_server_host_merge_into_one_document_naming_each() {
    let tag = format!("conlab{}", std::process::id() % 100_000);
    let (srv, clients) = (format!("{tag}-srv"), [format!("{tag}-a"), format!("{tag}-b")]);
    if !nix::unistd::Uid::effective().is_root() || !ip(&["netns", "add", &srv]) {
        println!("netns: skipped, cannot create network namespaces (needs root and iproute2)");
        return;
    }
    let mut hosts = Hosts {
        names: vec![srv.clone()],
        links: Vec::new(),
        server: None,
    };
    ip_ok(&["-n", &srv, "link", "set", "lo", "up"]);
    ip_ok(&["-n", &srv, "addr", "add", &format!("{SERVER}/32"), "dev", "lo"]);
    for (k, client) in clients.iter().enumerate() {
        let k = k + 1;
        ip_ok(&["netns", "add", client]);
        hosts.names.push(client.clone());
        // Interface names stay under 16 bytes: v<pid>s<k> on the server, v<pid>c<k> here.
        let (s_end, c_end) = (format!("v{}s{k}", &tag[6..]), format!("v{}c{k}", &tag[6..]));
        ip_ok(&["link", "add", &s_end, "type", "veth", "peer", "name", &c_end]);
        hosts.links.push(s_end.clone());
        ip_ok(&["link", "set", &s_end, "netns", &srv]);
        ip_ok(&["link", "set", &c_end, "netns", client]);
        ip_ok(&["-n", &srv, "addr", "add", &format!("10.77.{k}.1/24"), "dev", &s_end]);
        ip_ok(&["-n", client, "addr", "add", &format!("10.77.{k}.2/24"), "dev", &c_end]);
        ip_ok(&["-n", &srv, "link", "set", &s_end, "up"]);
        ip_ok(&["-n", client, "link", "set", &c_end, "up"]);
        ip_ok(&["-n", client, "link", "set", "lo", "up"]);
        ip_ok(&[
            "-n",
            client,
            "route",
            "add",
            &format!("{SERVER}/32"),
            "via",
            &format!("10.77.{k}.1"),
        ]);
    }

    // The server host: conlab's target server on the host's own address.
    let conlab_bin = env!("CARGO_BIN_EXE_conlab");
    let mut server = Command::new("ip")
        .args([
            "netns",
            "exec",
            &srv,
            conlab_bin,
            "serve",
            "--listen",
            &format!("{SERVER}:0"),
        ])
        .args(["--latency", "10ms"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    hosts.server = Some(server);
    let ready: Value = serde_json::from_str(&ready).expect("serve prints its address");
    let url = ready["http"].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("http://{SERVER}:")), "{url}");

    // Each client host: the same sweep against the server's address, under its label.
    let dir = tempfile::tempdir().unwrap();
    for (client, label) in clients.iter().zip(["client-a", "client-b"]) {
        let out = Command::new("ip")
            .args(["netns", "exec", client, conlab_bin, "bench"])
            .args(["--workload", "http:latency=10ms", "--models", "rs-async,rs-thread"])
            .args(["--tasks", "1,10", "--repeat", "1", "--quiet", "--target", &url])
            .args(["--host-label", label, "--out"])
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
    let out = Command::new("ip")
        .args(["netns", "exec", &clients[0], conlab_bin, "bench"])
        .args([
            "--workload",
            "http:latency=10ms",
            "--models",
            "rs-async",
            "--tasks",
            "1",
        ])
        .args(["--repeat", "1", "--quiet", "--target"])
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

    drop(hosts);
    let left = netns_list();
    assert!(!left.contains(&tag), "namespaces left: {left}");
    let links = Command::new("ip").args(["-o", "link"]).output().unwrap();
    assert!(
        !stdout(&links).contains(&format!("v{}", &tag[6..])),
        "{}",
        stdout(&links)
    );
}
