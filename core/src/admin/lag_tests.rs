//! Lag arithmetic, row order, reset plans and time parsing.

use super::*;
use crate::admin::MemberDescription;

fn tp(t: &str, p: i32) -> TopicPartition {
    TopicPartition::new(t, p)
}

fn member(id: &str, tps: &[(&str, i32)]) -> MemberDescription {
    MemberDescription {
        member_id: id.into(),
        group_instance_id: None,
        client_id: format!("client-{id}"),
        host: "/127.0.0.1".into(),
        assignment: tps.iter().map(|(t, p)| tp(t, *p)).collect(),
    }
}

fn group(members: Vec<MemberDescription>) -> GroupDescription {
    GroupDescription {
        group_id: "g".into(),
        state: "Stable".into(),
        protocol_type: "consumer".into(),
        assignor: "range".into(),
        members,
        coordinator: 1,
    }
}

#[test]
fn lag_is_end_minus_committed_when_both_are_known() {
    assert_eq!(lag(Some(3), Some(10)), Some(7));
    assert_eq!(lag(Some(10), Some(10)), Some(0));
    assert_eq!(lag(None, Some(10)), None);
    assert_eq!(lag(Some(-1), Some(10)), None);
    assert_eq!(lag(Some(3), None), None);
    assert_eq!(lag(Some(3), Some(-1)), None);
}

#[test]
fn rows_list_members_by_partition_count_then_unowned_commits() {
    let desc = group(vec![member("small", &[("t", 2)]), member("idle", &[]), member("big", &[("t", 1), ("t", 0)])]);
    let committed: BTreeMap<_, _> = [(tp("t", 0), 5), (tp("t", 2), 9), (tp("old", 0), 4)].into_iter().collect();
    let ends: BTreeMap<_, _> =
        [(tp("t", 0), 8), (tp("t", 1), 3), (tp("t", 2), 9), (tp("old", 0), 10)].into_iter().collect();
    assert_eq!(lag_partitions(&desc, &committed), vec![tp("old", 0), tp("t", 0), tp("t", 1), tp("t", 2)]);
    let rows = lag_rows(&desc, &committed, &ends);
    type Summary = (String, i32, Option<i64>, Option<i64>, Option<String>);
    let summary: Vec<Summary> =
        rows.iter().map(|r| (r.topic.clone(), r.partition, r.current_offset, r.lag, r.consumer_id.clone())).collect();
    assert_eq!(
        summary,
        vec![
            ("t".into(), 0, Some(5), Some(3), Some("big".into())),
            ("t".into(), 1, None, None, Some("big".into())),
            ("t".into(), 2, Some(9), Some(0), Some("small".into())),
            ("old".into(), 0, Some(4), Some(6), None),
        ]
    );
    assert_eq!(rows[0].client_id.as_deref(), Some("client-big"));
    assert_eq!(rows[3].host, None);

    let table = format_lag_table(&rows);
    let lines: Vec<Vec<&str>> = table.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(
        lines[0],
        ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"]
    );
    assert_eq!(lines[2], ["g", "t", "1", "-", "3", "-", "big", "/127.0.0.1", "client-big"]);
    assert_eq!(lines[4], ["g", "old", "0", "4", "10", "6", "-", "-", "-"]);
    // Columns line up: every line has the header's width up to CLIENT-ID.
    let at = table.lines().next().unwrap().find("CLIENT-ID").unwrap();
    assert!(table.lines().skip(1).all(|l| l[at - 1..at] == *" " && l[..at].ends_with(' ')));
}

#[test]
fn reset_plans_follow_kafkas_rules() {
    let tps = [tp("t", 1), tp("t", 0)];
    let earliest: BTreeMap<_, _> = [(tp("t", 0), 2), (tp("t", 1), 0)].into_iter().collect();
    let latest: BTreeMap<_, _> = [(tp("t", 0), 10), (tp("t", 1), 5)].into_iter().collect();
    let by_time: BTreeMap<_, _> = [(tp("t", 0), 7), (tp("t", 1), -1)].into_iter().collect();
    let none = BTreeMap::new();
    let plan = |to, by: &BTreeMap<TopicPartition, i64>| reset_plan(to, &tps, &earliest, &latest, by).unwrap();
    assert_eq!(plan(ResetTo::Earliest, &none), vec![(tp("t", 0), 2), (tp("t", 1), 0)]);
    assert_eq!(plan(ResetTo::Latest, &none), vec![(tp("t", 0), 10), (tp("t", 1), 5)]);
    // Below the earliest: the earliest; past the latest: the latest.
    assert_eq!(plan(ResetTo::Offset(1), &none), vec![(tp("t", 0), 2), (tp("t", 1), 1)]);
    assert_eq!(plan(ResetTo::Offset(7), &none), vec![(tp("t", 0), 7), (tp("t", 1), 5)]);
    // A time past every record: the latest.
    assert_eq!(plan(ResetTo::Timestamp(5), &by_time), vec![(tp("t", 0), 7), (tp("t", 1), 5)]);
    let e = reset_plan(ResetTo::Earliest, &[tp("x", 0)], &earliest, &latest, &none).unwrap_err();
    assert_eq!(e.code(), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);

    let table = format_reset_table("g", &plan(ResetTo::Latest, &none));
    let lines: Vec<Vec<&str>> = table.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(
        lines,
        vec![vec!["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"], vec!["g", "t", "0", "10"], vec!["g", "t", "1", "5"]]
    );
}

#[test]
fn datetimes_parse_as_kafkas_tool_takes_them() {
    assert_eq!(parse_datetime_ms("1970-01-01T00:00:00.000").unwrap(), 0);
    assert_eq!(parse_datetime_ms("1970-01-01T00:00:01Z").unwrap(), 1000);
    assert_eq!(parse_datetime_ms("2024-02-29T12:30:15.250").unwrap(), 1_709_209_815_250);
    assert_eq!(parse_datetime_ms("2024-02-29T14:30:15.250+02:00").unwrap(), 1_709_209_815_250);
    assert_eq!(parse_datetime_ms("2024-02-29T07:30:15.25-05:00").unwrap(), 1_709_209_815_250);
    for bad in ["yesterday", "2024-13-01T00:00:00", "2024-01-01", "2024-01-01T25:00:00", "2024-01-01Tx:00:00"] {
        assert_eq!(parse_datetime_ms(bad).unwrap_err().code(), ErrorCode::INVALID_REQUEST, "{bad}");
    }
}
