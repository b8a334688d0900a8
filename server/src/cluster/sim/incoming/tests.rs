use serde_json::json;

use super::*;
use crate::cluster::sim::resources::{namespaces, parse_path};

fn config_maps() -> &'static Resource {
    parse_path("/api/v1/configmaps").unwrap().resource
}

fn reason(result: Result<Incoming>) -> &'static str {
    result.expect_err("refused").reason()
}

#[test]
fn fills_in_the_path_and_drops_server_fields() {
    let body = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "settings",
            "uid": "forged",
            "resourceVersion": "7",
            "labels": { "tier": "web" },
        },
        "data": { "a": "1" },
        "status": { "forged": true },
    });
    let incoming = prepare(
        config_maps(),
        Some("shop"),
        Some("settings"),
        body,
        Verb::Apply,
    )
    .unwrap();
    assert_eq!(incoming.name, "settings");
    assert_eq!(incoming.resource_version.as_deref(), Some("7"));
    assert_eq!(
        incoming.object,
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": { "name": "settings", "namespace": "shop", "labels": { "tier": "web" } },
            "data": { "a": "1" },
        })
    );

    let bare = json!({ "metadata": { "name": "settings" } });
    let created = prepare(config_maps(), Some("shop"), None, bare, Verb::Create).unwrap();
    assert_eq!(created.object["kind"], "ConfigMap");
    assert_eq!(created.object["apiVersion"], "v1");
}

#[test]
fn refuses_a_body_for_another_object() {
    let secret = json!({ "apiVersion": "v1", "kind": "Secret", "metadata": { "name": "a" } });
    let other = json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": "b" } });
    let elsewhere = json!({ "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": { "name": "a", "namespace": "other" } });
    let cm = config_maps();
    assert_eq!(
        reason(prepare(cm, Some("shop"), Some("a"), secret, Verb::Apply)),
        "Invalid"
    );
    assert_eq!(
        reason(prepare(cm, Some("shop"), Some("a"), other, Verb::Apply)),
        "Invalid"
    );
    assert_eq!(
        reason(prepare(cm, Some("shop"), Some("a"), elsewhere, Verb::Apply)),
        "BadRequest"
    );
}

#[test]
fn refuses_malformed_objects() {
    let cm = config_maps();
    let cases = [
        (json!({ "metadata": {} }), Verb::Create, "Invalid"),
        (
            json!({ "metadata": { "name": "Bad_Name" } }),
            Verb::Create,
            "Invalid",
        ),
        (
            json!({ "metadata": { "name": "a", "labels": { "n": 1 } } }),
            Verb::Create,
            "Invalid",
        ),
        (json!({ "metadata": "a" }), Verb::Create, "Invalid"),
        (json!(["a"]), Verb::Create, "BadRequest"),
        (
            json!({ "metadata": { "name": "a" } }),
            Verb::Apply,
            "BadRequest",
        ),
    ];
    for (body, verb, expected) in cases {
        let shown = body.to_string();
        assert_eq!(
            reason(prepare(cm, Some("shop"), None, body, verb)),
            expected,
            "{shown}"
        );
    }
}

#[test]
fn namespaces_carry_no_namespace() {
    let body = json!({ "apiVersion": "v1", "kind": "Namespace",
        "metadata": { "name": "shop", "namespace": "default" } });
    let incoming = prepare(namespaces(), None, Some("shop"), body, Verb::Apply).unwrap();
    assert_eq!(incoming.object["metadata"], json!({ "name": "shop" }));
}

#[test]
fn reads_json_and_yaml_bodies() {
    let yaml = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";
    assert_eq!(
        parse_body(yaml, Verb::Apply).unwrap()["metadata"]["name"],
        "a"
    );
    assert!(parse_body(yaml, Verb::Create).is_err());
    assert!(parse_body(b"{\"a\":", Verb::Apply).is_err());
}

#[test]
fn the_spec_is_everything_but_metadata_and_status() {
    let old = json!({ "kind": "ConfigMap", "metadata": { "labels": { "a": "1" } }, "data": { "k": "v" } });
    let relabelled = json!({ "kind": "ConfigMap", "metadata": { "labels": { "a": "2" } }, "data": { "k": "v" } });
    let changed = json!({ "kind": "ConfigMap", "metadata": {}, "data": { "k": "w" } });
    let extended =
        json!({ "kind": "ConfigMap", "metadata": {}, "data": { "k": "v" }, "immutable": true });
    assert!(same_spec(&old, &relabelled));
    assert!(!same_spec(&old, &changed));
    assert!(!same_spec(&old, &extended));
    assert!(!same_spec(&extended, &old));
}
