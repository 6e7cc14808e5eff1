//! kcat (librdkafka) against the TCP server: metadata, keyed produce with headers into an
//! auto-created three-partition topic, and a consume of everything back. Skipped, with a note,
//! where kcat is not installed (`apt-get install kcat`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Stdio};

use kafkette::broker::BrokerConfig;
use kafkette::net::server::BackgroundServer;

fn kcat_available() -> bool {
    Command::new("kcat").arg("-V").output().is_ok_and(|o| o.status.success())
}

fn kcat(args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new("timeout")
        .arg("30")
        .arg("kcat")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kcat runs");
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "kcat {args:?} failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

#[test]
fn kcat_lists_produces_and_consumes() {
    if !kcat_available() {
        eprintln!("kcat is not installed: skipping");
        return;
    }
    let config = BrokerConfig::from_pairs([("num.partitions", "3")]).unwrap();
    let server = BackgroundServer::start(config, "127.0.0.1:0").unwrap();
    let broker = server.bootstrap_servers();
    let listing = kcat(&["-b", &broker, "-L"], None);
    assert!(listing.contains(&format!("broker 0 at {broker}")), "{listing}");
    round_trip(&broker);
}

/// Three nodes (`--brokers 3`): librdkafka sees three brokers and routes each partition to its
/// leader, bootstrapping from one of them.
#[test]
fn kcat_against_three_nodes() {
    if !kcat_available() {
        eprintln!("kcat is not installed: skipping");
        return;
    }
    let config = BrokerConfig::from_pairs([("num.partitions", "6")]).unwrap();
    let server = BackgroundServer::start_nodes(config, "127.0.0.1:0".parse().unwrap(), 3).unwrap();
    let first = server.local_addr().to_string();
    let listing = kcat(&["-b", &first, "-L"], None);
    assert!(listing.contains(" 3 brokers:"), "{listing}");
    for (i, addr) in server.local_addrs().iter().enumerate() {
        assert!(listing.contains(&format!("broker {i} at {addr}")), "{listing}");
    }
    round_trip(&first);
}

/// Keyed records with a header into an auto-created topic, then every one read back.
fn round_trip(broker: &str) {
    let n = 300;
    let input: String = (0..n).map(|i| format!("key-{}:value-{i}\n", i % 17)).collect();
    kcat(&["-b", broker, "-P", "-t", "events", "-K:", "-H", "origin=kcat"], Some(&input));

    let out = kcat(&["-b", broker, "-C", "-t", "events", "-o", "beginning", "-e", "-f", "%p %o %k %s %h\\n"], None);
    let mut values = BTreeSet::new();
    let mut offsets: BTreeMap<i32, Vec<i64>> = BTreeMap::new();
    let mut key_partition: BTreeMap<String, i32> = BTreeMap::new();
    for line in out.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts.len(), 5, "{line}");
        let (p, o): (i32, i64) = (parts[0].parse().unwrap(), parts[1].parse().unwrap());
        assert_eq!(parts[4], "origin=kcat", "{line}");
        offsets.entry(p).or_default().push(o);
        assert_eq!(*key_partition.entry(parts[2].to_string()).or_insert(p), p, "a key on two partitions: {line}");
        let i: usize = parts[3].trim_start_matches("value-").parse().unwrap();
        assert_eq!(parts[2], format!("key-{}", i % 17));
        values.insert(i);
    }
    assert_eq!(values.len(), n, "every record back once");
    for (p, os) in offsets {
        assert_eq!(os, (0..os.len() as i64).collect::<Vec<_>>(), "partition {p}: offsets dense from 0");
    }
}

/// Records the request frames kcat (librdkafka) sends, through a proxy in front of the server,
/// into `tests/corpus/requests/`: the real-client seeds of `make fuzz`. The server advertises
/// 127.0.0.2 (same port), where the proxy listens, so that kcat's broker connections pass through
/// it too. Run by `make fuzz-corpus`.
#[test]
#[ignore = "rewrites tests/corpus/requests; run by `make fuzz-corpus`"]
fn record_kcat_requests() {
    use std::io::Read;
    use std::net::{TcpListener, TcpStream};
    use std::sync::{Arc, Mutex};

    assert!(kcat_available(), "kcat is needed to record its requests");
    let config =
        BrokerConfig::from_pairs([("num.partitions", "2"), ("advertised.listeners", "PLAINTEXT://127.0.0.2:1")])
            .unwrap();
    let server = BackgroundServer::start(config, "127.0.0.1:0").unwrap();
    let upstream = server.local_addr();
    let proxy = TcpListener::bind(("127.0.0.2", upstream.port())).expect("127.0.0.2 on the server's port");
    let frames: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    {
        let frames = frames.clone();
        std::thread::spawn(move || {
            for client in proxy.incoming().flatten() {
                let Ok(server_side) = TcpStream::connect(upstream) else { continue };
                let (mut from_server, mut to_client) = (server_side.try_clone().unwrap(), client.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from_server, &mut to_client);
                });
                let (mut from_client, mut to_server) = (client, server_side);
                let frames = frames.clone();
                std::thread::spawn(move || loop {
                    let mut size = [0u8; 4];
                    if from_client.read_exact(&mut size).is_err() {
                        return;
                    }
                    let mut frame = vec![0u8; i32::from_be_bytes(size).max(0) as usize];
                    if from_client.read_exact(&mut frame).is_err() {
                        return;
                    }
                    frames.lock().unwrap().push(frame.clone());
                    if to_server.write_all(&size).and_then(|_| to_server.write_all(&frame)).is_err() {
                        return;
                    }
                });
            }
        });
    }
    let bootstrap = format!("127.0.0.2:{}", upstream.port());
    let input: String = (0..20).map(|i| format!("key-{i}:value-{i}\n")).collect();
    kcat(&["-b", &bootstrap, "-L"], None);
    kcat(&["-b", &bootstrap, "-P", "-t", "seeds", "-K:", "-H", "h=v", "-z", "gzip"], Some(&input));
    kcat(&["-b", &bootstrap, "-P", "-t", "seeds", "-K:"], Some(&input));
    kcat(&["-b", &bootstrap, "-C", "-t", "seeds", "-o", "beginning", "-e"], None);

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/requests");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut seen = BTreeSet::new();
    for frame in frames.lock().unwrap().iter() {
        // Correlation ids aside, one file per distinct request.
        let mut key = frame.clone();
        if key.len() >= 8 {
            key[4..8].fill(0);
        }
        if frame.len() < 4 || !seen.insert(key) {
            continue;
        }
        let (api, version) = (i16::from_be_bytes([frame[0], frame[1]]), i16::from_be_bytes([frame[2], frame[3]]));
        let path = dir.join(format!("kcat-key{api}-v{version}-{:03}.bin", seen.len()));
        std::fs::write(path, frame).unwrap();
    }
    assert!(seen.len() >= 5, "{} distinct requests recorded", seen.len());
}
