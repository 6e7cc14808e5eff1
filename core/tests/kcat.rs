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

    let n = 300;
    let input: String = (0..n).map(|i| format!("key-{}:value-{i}\n", i % 17)).collect();
    kcat(&["-b", &broker, "-P", "-t", "events", "-K:", "-H", "origin=kcat"], Some(&input));

    let out = kcat(&["-b", &broker, "-C", "-t", "events", "-o", "beginning", "-e", "-f", "%p %o %k %s %h\\n"], None);
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
