//! `kafkette groups`: list, describe (with lag), reset and delete consumer groups, printing what
//! Apache Kafka's `kafka-consumer-groups` prints (same columns, same messages).

use kafkette::admin::lag::{format_lag_table, format_reset_table, parse_datetime_ms, ResetTo};
use kafkette::admin::GroupDescription;
use kafkette::local::{Admin, TopicSelection};

pub const USAGE: &str =
    "usage: kafkette groups --bootstrap-server HOST:PORT [--timeout MS] [--config KEY=VALUE]... <action>

  --timeout MS                    how long each call may take (default.api.timeout.ms; default 60000)
  --config KEY=VALUE              an admin client property, Kafka's names (repeatable)

actions:
  --list [--state [STATE,...]]    the groups of every broker (with --state: with their state, only
                                  those in the states named)
  --describe (--group G... | --all-groups) [--isolation read_committed|read_uncommitted]
                                  each partition's committed offset, log end offset, lag and owner
             [--members | --state]  (after --describe) each member and its partition count, or the group's coordinator,
                                  assignor, state and member count
  --reset-offsets --group G --topic T[:P,P...]... (--to-earliest | --to-latest | --to-offset N |
                  --to-datetime YYYY-MM-DDTHH:mm:SS.sss[Z|+HH:MM]) (--dry-run | --execute)
                                  move an inactive group's offsets (the plan only, unless --execute)
  --delete --group G...           delete inactive groups and their offsets
  --delete-offsets --group G --topic T[:P,P...]...
                                  delete a group's offsets of topics it no longer consumes";

#[derive(Default)]
struct Args {
    bootstrap: Option<String>,
    /// Admin client properties (`--config`, `--timeout`).
    config: Vec<(String, String)>,
    action: Option<&'static str>,
    groups: Vec<String>,
    all_groups: bool,
    states: Vec<String>,
    topics: Vec<String>,
    to: Option<ResetTo>,
    execute: bool,
    dry_run: bool,
    read_committed: bool,
    /// `--describe --members` / `--describe --state` (else `--offsets`, the default).
    view: &'static str,
    /// `--list --state [S]`: print each group's state.
    list_states: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut a = Args::default();
    let mut it = args.iter();
    let set_action = |a: &mut Args, name: &'static str| match a.action {
        Some(other) if other != name => Err(format!("--{other} and --{name} cannot be combined")),
        _ => {
            a.action = Some(name);
            Ok(())
        }
    };
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        // A flag with no value after it (`--list --state` alone).
        let bare = inline.is_none() && it.clone().next().is_none_or(|n| n.starts_with("--"));
        let mut value = || inline.clone().or_else(|| it.next().cloned()).ok_or(format!("{flag} needs a value"));
        match flag {
            "--bootstrap-server" => a.bootstrap = Some(value()?),
            "--timeout" => {
                let v = value()?;
                let ms: u32 = v.parse().map_err(|_| format!("--timeout expects milliseconds, got {v:?}"))?;
                a.config.push(("default.api.timeout.ms".into(), ms.to_string()));
                a.config.push(("request.timeout.ms".into(), ms.min(30_000).to_string()));
            }
            "--config" => {
                let v = value()?;
                let (k, v) = v.split_once('=').ok_or(format!("--config expects KEY=VALUE, got {v:?}"))?;
                a.config.push((k.trim().to_string(), v.to_string()));
            }
            "--list" => set_action(&mut a, "list")?,
            "--describe" => set_action(&mut a, "describe")?,
            "--reset-offsets" => set_action(&mut a, "reset-offsets")?,
            "--delete" => set_action(&mut a, "delete")?,
            "--delete-offsets" => set_action(&mut a, "delete-offsets")?,
            "--group" => a.groups.push(value()?),
            "--all-groups" => a.all_groups = true,
            "--members" => a.view = "members",
            "--state" if a.action == Some("describe") => a.view = "state",
            "--offsets" => a.view = "offsets",
            // `--list --state` alone: every group with its state.
            "--state" if bare => a.list_states = true,
            "--state" => {
                a.list_states = true;
                a.states.extend(value()?.split(',').map(|s| s.trim().to_string()));
            }
            "--topic" => a.topics.push(value()?),
            "--to-earliest" => a.to = Some(ResetTo::Earliest),
            "--to-latest" => a.to = Some(ResetTo::Latest),
            "--to-offset" => {
                let v = value()?;
                a.to =
                    Some(ResetTo::Offset(v.parse().map_err(|_| format!("--to-offset expects an offset, got {v:?}"))?));
            }
            "--to-datetime" => {
                a.to = Some(ResetTo::Timestamp(parse_datetime_ms(&value()?).map_err(|e| e.to_string())?))
            }
            "--execute" => a.execute = true,
            "--dry-run" => a.dry_run = true,
            "--isolation" => {
                a.read_committed = match value()?.as_str() {
                    "read_committed" => true,
                    "read_uncommitted" => false,
                    v => return Err(format!("--isolation expects read_committed or read_uncommitted, got {v:?}")),
                }
            }
            _ => return Err(format!("unknown option `{arg}`\n\n{USAGE}")),
        }
    }
    Ok(a)
}

/// Runs `kafkette groups ARGS`; an error message on failure.
pub fn run(args: &[String]) -> Result<(), String> {
    let a = parse(args)?;
    let bootstrap = a.bootstrap.clone().ok_or(format!("--bootstrap-server is required\n\n{USAGE}"))?;
    let action =
        a.action.ok_or(format!("one of --list, --describe, --reset-offsets, --delete is required\n\n{USAGE}"))?;
    let mut pairs = vec![("bootstrap.servers".to_string(), bootstrap), ("client.id".into(), "kafkette-groups".into())];
    pairs.extend(a.config.iter().cloned());
    let mut admin = Admin::new(pairs).map_err(|e| e.to_string())?;
    match action {
        "list" => list(&mut admin, &a.states, a.list_states),
        "describe" => describe(&mut admin, &a),
        "reset-offsets" => reset(&mut admin, &a),
        "delete" => delete(&mut admin, &a.groups),
        _ => delete_offsets(&mut admin, &a),
    }
}

fn list(admin: &mut Admin, states: &[String], show_states: bool) -> Result<(), String> {
    let listed = admin.list_groups(states.to_vec()).map_err(|e| e.to_string())?;
    for (broker, e) in &listed.errors {
        eprintln!("Error: listing the groups of broker {broker}: {e}");
    }
    if !show_states {
        for g in &listed.groups {
            println!("{}", g.group_id);
        }
    } else {
        let width = listed.groups.iter().map(|g| g.group_id.len()).max().unwrap_or(0).max(15);
        println!("{:<width$} STATE", "GROUP");
        for g in &listed.groups {
            println!("{:<width$} {}", g.group_id, g.state.as_deref().unwrap_or("-"));
        }
    }
    if listed.errors.is_empty() {
        Ok(())
    } else {
        Err("some brokers could not list their groups".into())
    }
}

fn describe(admin: &mut Admin, a: &Args) -> Result<(), String> {
    let groups = if a.all_groups {
        admin.list_groups(Vec::new()).map_err(|e| e.to_string())?.groups.into_iter().map(|g| g.group_id).collect()
    } else if a.groups.is_empty() {
        return Err("--describe needs --group G or --all-groups".into());
    } else {
        a.groups.clone()
    };
    match a.view {
        "members" => return describe_members(admin, &groups),
        "state" => return describe_state(admin, &groups),
        _ => {}
    }
    let mut failed = false;
    for group in groups {
        let lag = match admin.describe_group_lag(&group, a.read_committed) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("Error: describing group '{group}': {e}");
                failed = true;
                continue;
            }
        };
        match lag.description.state.as_str() {
            "Dead" => {
                eprintln!("\nError: Consumer group '{group}' does not exist.");
                failed = true;
                continue;
            }
            "Empty" => eprintln!("\nConsumer group '{group}' has no active members."),
            "PreparingRebalance" | "CompletingRebalance" => {
                eprintln!("\nWarning: Consumer group '{group}' is rebalancing.")
            }
            _ => {}
        }
        println!();
        print!("{}", format_lag_table(&lag.rows));
    }
    if failed {
        Err("some groups could not be described".into())
    } else {
        Ok(())
    }
}

/// Each group's description, or why not (printed as Kafka's tool does).
fn descriptions(admin: &mut Admin, groups: &[String]) -> Result<Vec<GroupDescription>, String> {
    let mut out = Vec::new();
    let mut failed = false;
    for (group, r) in admin.describe_groups(groups.to_vec()).map_err(|e| e.to_string())? {
        match r {
            Ok(d) if d.state == "Dead" => {
                eprintln!("\nError: Consumer group '{group}' does not exist.");
                failed = true;
            }
            Ok(d) => out.push(d),
            Err(e) => {
                eprintln!("Error: describing group '{group}': {e}");
                failed = true;
            }
        }
    }
    if failed && out.is_empty() {
        return Err("no group could be described".into());
    }
    Ok(out)
}

fn width<'a>(values: impl Iterator<Item = &'a str>) -> usize {
    values.map(str::len).max().unwrap_or(0).max(15)
}

/// `--describe --members`: GROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS.
fn describe_members(admin: &mut Admin, groups: &[String]) -> Result<(), String> {
    for d in descriptions(admin, groups)? {
        let g = width(std::iter::once(d.group_id.as_str()));
        let c = width(d.members.iter().map(|m| m.member_id.as_str()));
        let h = width(d.members.iter().map(|m| m.host.as_str()));
        let i = width(d.members.iter().map(|m| m.client_id.as_str()));
        println!();
        println!("{:<g$} {:<c$} {:<h$} {:<i$} {:<15} ", "GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS");
        for m in &d.members {
            println!(
                "{:<g$} {:<c$} {:<h$} {:<i$} {:<15} ",
                d.group_id,
                m.member_id,
                m.host,
                m.client_id,
                m.assignment.len()
            );
        }
    }
    Ok(())
}

/// `--describe --state`: GROUP COORDINATOR (ID) ASSIGNMENT-STRATEGY STATE #MEMBERS.
fn describe_state(admin: &mut Admin, groups: &[String]) -> Result<(), String> {
    let descriptions = descriptions(admin, groups)?;
    // The coordinators' addresses, from the cluster's metadata.
    admin.list_topics().map_err(|e| e.to_string())?;
    let brokers = admin.listed_cluster().map(|c| c.brokers.clone()).unwrap_or_default();
    for d in descriptions {
        let coordinator = match brokers.iter().find(|(id, _, _)| *id == d.coordinator) {
            Some((id, host, port)) => format!("{host}:{port}  ({id})"),
            None => format!("-  ({})", d.coordinator),
        };
        let g = width(std::iter::once(d.group_id.as_str()));
        let c = coordinator.len().max(25);
        println!();
        println!("{:<g$} {:<c$} {:<20} {:<20} #MEMBERS", "GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE");
        println!("{:<g$} {:<c$} {:<20} {:<20} {}", d.group_id, coordinator, d.assignor, d.state, d.members.len());
    }
    Ok(())
}

fn one_group(a: &Args, what: &str) -> Result<String, String> {
    match a.groups.as_slice() {
        [g] => Ok(g.clone()),
        _ => Err(format!("--{what} needs exactly one --group")),
    }
}

fn selections(a: &Args, what: &str) -> Result<Vec<TopicSelection>, String> {
    if a.topics.is_empty() {
        return Err(format!("--{what} needs --topic T or T:P,P..."));
    }
    a.topics.iter().map(|t| TopicSelection::parse(t).map_err(|e| e.to_string())).collect()
}

fn reset(admin: &mut Admin, a: &Args) -> Result<(), String> {
    let group = one_group(a, "reset-offsets")?;
    let topics = selections(a, "reset-offsets")?;
    let to = a.to.ok_or("--reset-offsets needs --to-earliest, --to-latest, --to-offset N or --to-datetime T")?;
    if a.execute && a.dry_run {
        return Err("--dry-run and --execute cannot be combined".into());
    }
    if !a.execute && !a.dry_run {
        eprintln!("WARN: No action will be performed as the --execute option is missing.");
    }
    let plan = admin.reset_group_offsets(&group, &topics, to, a.execute).map_err(|e| format!("Error: {e}"))?;
    println!();
    print!("{}", format_reset_table(&group, &plan));
    Ok(())
}

fn delete(admin: &mut Admin, groups: &[String]) -> Result<(), String> {
    if groups.is_empty() {
        return Err("--delete needs --group G".into());
    }
    let results = admin.delete_groups(groups.to_vec()).map_err(|e| e.to_string())?;
    let failed: Vec<_> = results.iter().filter_map(|(g, r)| Some((g, r.as_ref().err()?))).collect();
    if failed.is_empty() {
        let names: Vec<String> = results.iter().map(|(g, _)| format!("'{g}'")).collect();
        println!("Deletion of requested consumer groups ({}) was successful.", names.join(", "));
        return Ok(());
    }
    println!("Deletion of some consumer groups failed:");
    for (g, e) in failed {
        println!("* Group '{g}' could not be deleted due to: {e}");
    }
    Err("some groups were not deleted".into())
}

fn delete_offsets(admin: &mut Admin, a: &Args) -> Result<(), String> {
    let group = one_group(a, "delete-offsets")?;
    let mut partitions = Vec::new();
    for sel in selections(a, "delete-offsets")? {
        match sel.partitions {
            Some(ps) => {
                partitions.extend(ps.into_iter().map(|p| kafkette::consumer::TopicPartition::new(&sel.topic, p)))
            }
            None => {
                // Every partition the group committed for the topic.
                let committed = admin.list_group_offsets(&group, None, false).map_err(|e| e.to_string())?;
                partitions.extend(committed.into_iter().map(|(tp, _)| tp).filter(|tp| tp.topic == sel.topic));
            }
        }
    }
    let results = admin.delete_group_offsets(&group, partitions).map_err(|e| format!("Error: {e}"))?;
    let width = results.iter().map(|(tp, _)| tp.topic.len()).max().unwrap_or(0).max(15);
    println!("\n{:<width$} {:<10} STATUS", "TOPIC", "PARTITION");
    let mut failed = false;
    for (tp, r) in &results {
        let status = match r {
            Ok(()) => "Successful".to_string(),
            Err(e) => {
                failed = true;
                format!("Error: {e}")
            }
        };
        println!("{:<width$} {:<10} {status}", tp.topic, tp.partition);
    }
    if failed {
        Err("some offsets were not deleted".into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn options_parse_as_kafkas_tool_spells_them() {
        let a = parse(&args(
            "--bootstrap-server h:1 --reset-offsets --group g --topic t:0,2 --topic u --to-offset 7 --execute --timeout 90000",
        ))
        .unwrap();
        assert_eq!((a.action, a.groups, a.topics), (Some("reset-offsets"), vec!["g".to_string()], args("t:0,2 u")));
        assert_eq!((a.to, a.execute, a.dry_run), (Some(ResetTo::Offset(7)), true, false));
        assert!(a.config.contains(&("request.timeout.ms".into(), "30000".into())));
        let a = parse(&args("--describe --all-groups --isolation=read_committed --to-datetime 1970-01-01T00:00:01Z"))
            .unwrap();
        assert!(a.all_groups && a.read_committed);
        assert_eq!(a.to, Some(ResetTo::Timestamp(1000)));
        let a = parse(&args("--list --state --bootstrap-server h:1")).unwrap();
        assert!(a.list_states && a.states.is_empty() && a.bootstrap.is_some());
        let a = parse(&args("--list --state Empty,Stable")).unwrap();
        assert_eq!(a.states, args("Empty Stable"));
        let a = parse(&args("--describe --group g --state")).unwrap();
        assert_eq!((a.view, a.list_states), ("state", false));
        for bad in ["--list --delete", "--to-offset x", "--isolation maybe", "--group", "--frobnicate", "--timeout -1"]
        {
            assert!(parse(&args(bad)).is_err(), "{bad}");
        }
        assert!(run(&args("--list")).unwrap_err().contains("--bootstrap-server is required"));
        assert!(run(&args("--bootstrap-server h:1")).unwrap_err().contains("one of --list"));
    }
}
