use k8s_openapi::api::core::v1::{Event, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::*;

fn event(kind: &str, name: &str, reason: &str, message: &str, second: i64) -> Event {
    Event {
        involved_object: ObjectReference {
            kind: Some(kind.to_owned()),
            name: Some(name.to_owned()),
            ..Default::default()
        },
        type_: Some("Warning".to_owned()),
        reason: Some(reason.to_owned()),
        message: Some(message.to_owned()),
        last_timestamp: Some(Time(
            Timestamp::from_second(1_800_000_000 + second).unwrap(),
        )),
        ..Default::default()
    }
}

const QUOTA: &str = "create Pod database-0 in StatefulSet database failed error: pods \"database-0\" is forbidden: exceeded quota: plan, requested: limits.cpu=1,limits.memory=1Gi, used: limits.cpu=1500m,limits.memory=640Mi, limited: limits.cpu=1,limits.memory=2Gi";

#[test]
fn a_quota_refusal_is_permanent_and_short() {
    let cause = explain(&event("StatefulSet", "database", "FailedCreate", QUOTA, 0)).unwrap();
    assert_eq!(
        cause.text,
        "pod database-0 forbidden: exceeded quota: plan, limits.cpu, limits.memory"
    );
    assert!(cause.permanent);

    let web = "Error creating: pods \"web-7d9c8f6b5d-x2x4z\" is forbidden: exceeded quota: plan, requested: limits.cpu=500m, used: limits.cpu=1, limited: limits.cpu=1";
    let cause = explain(&event(
        "ReplicaSet",
        "web-7d9c8f6b5d",
        "FailedCreate",
        web,
        0,
    ))
    .unwrap();
    assert_eq!(
        cause.text,
        "pod web-7d9c8f6b5d-x2x4z forbidden: exceeded quota: plan, limits.cpu"
    );
}

#[test]
fn invalid_pods_and_missing_images_are_permanent_other_trouble_is_not() {
    let invalid = "Error creating: Pod \"api-1-a\" is invalid: spec.containers[0].resources.requests: Invalid value: \"1\": must be less than or equal to cpu limit of 500m";
    let cause = explain(&event("ReplicaSet", "api-1", "FailedCreate", invalid, 0)).unwrap();
    assert!(cause.permanent);
    assert!(cause
        .text
        .starts_with("pod api-1-a invalid: spec.containers[0]"));

    let missing = "Failed to pull image \"shop:9\": rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/shop:9\": failed to resolve reference \"docker.io/library/shop:9\": docker.io/library/shop:9: not found";
    let cause = explain(&event("Pod", "web-1-a", "Failed", missing, 0)).unwrap();
    assert_eq!(cause.text, "pod web-1-a: image shop:9 not found");
    assert!(cause.permanent);

    let offline =
        "Failed to pull image \"shop:9\": rpc error: code = Unknown desc = dial tcp: i/o timeout";
    let cause = explain(&event("Pod", "web-1-a", "Failed", offline, 0)).unwrap();
    assert_eq!(
        cause.text,
        "pod web-1-a: image shop:9 cannot be pulled: i/o timeout"
    );
    assert!(!cause.permanent);

    let terminating = "Error creating: pods \"web-1-a\" is forbidden: unable to create new content in namespace store-a because it is being terminated";
    assert!(
        !explain(&event(
            "ReplicaSet",
            "web-1",
            "FailedCreate",
            terminating,
            0
        ))
        .unwrap()
        .permanent
    );

    let crash = "Back-off restarting failed container api in pod api-1-a_store-a(uid)";
    assert!(
        !explain(&event("Pod", "api-1-a", "BackOff", crash, 0))
            .unwrap()
            .permanent
    );

    let mut normal = event("Pod", "api-1-a", "Pulling", "Pulling image", 0);
    normal.type_ = Some("Normal".to_owned());
    assert_eq!(explain(&normal), None);
}

#[test]
fn only_events_about_the_awaited_objects_count() {
    let web = Target::Deployment("web");
    assert!(web.concerns(&event("Deployment", "web", "X", "", 0)));
    assert!(web.concerns(&event("ReplicaSet", "web-7d9c8f6b5d", "X", "", 0)));
    assert!(web.concerns(&event("Pod", "web-7d9c8f6b5d-x2x4z", "X", "", 0)));
    assert!(!web.concerns(&event("Pod", "web-admin-7d9c8f6b5d-x2x4z", "X", "", 0)));
    assert!(!web.concerns(&event("ReplicaSet", "webshop-1", "X", "", 0)));
    let database = Target::StatefulSet("database");
    assert!(database.concerns(&event("Pod", "database-0", "X", "", 0)));
    assert!(!database.concerns(&event("Pod", "database-x", "X", "", 0)));
    assert!(Target::Claim("files").concerns(&event("PersistentVolumeClaim", "files", "X", "", 0)));
}

#[test]
fn the_newest_permanent_cause_wins_and_old_events_are_ignored() {
    let events = [
        event("StatefulSet", "database", "FailedCreate", QUOTA, 10),
        event(
            "Pod",
            "database-0",
            "BackOff",
            "Back-off restarting failed container",
            20,
        ),
        event("Pod", "web-1-a", "BackOff", "not ours", 30),
    ];
    let targets = [Target::StatefulSet("database")];
    let cause = newest(&events, &targets, None).unwrap();
    assert!(cause.permanent, "{cause:?}");

    let since = Timestamp::from_second(1_800_000_015).unwrap();
    let cause = newest(&events, &targets, Some(since)).unwrap();
    assert_eq!(
        cause.text,
        "pod database-0: Back-off restarting failed container"
    );
    assert!(!cause.permanent);
    assert_eq!(newest(&events, &[Target::Claim("files")], None), None);
}
