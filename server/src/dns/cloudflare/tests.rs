use super::*;

fn listed(id: &str, kind: &str, name: &str, content: &str, ttl: u32) -> CloudflareRecord {
    CloudflareRecord {
        id: id.into(),
        record_type: kind.into(),
        name: name.into(),
        content: content.into(),
        ttl,
    }
}

fn wanted(address: &str) -> Record {
    Record::for_address("acme.shops.test", address).unwrap()
}

#[test]
fn a_new_name_gets_a_record_created() {
    assert_eq!(
        plan(&[], &wanted("203.0.113.7"), 300),
        Plan {
            remove: vec![],
            write: Write::Create
        }
    );
}

#[test]
fn the_same_record_is_kept_and_a_changed_one_updated_not_duplicated() {
    let same = [listed("r1", "A", "acme.shops.test", "203.0.113.7", 300)];
    assert_eq!(
        plan(&same, &wanted("203.0.113.7"), 300).write,
        Write::Keep("r1".into())
    );
    let moved = [listed("r1", "A", "acme.shops.test", "203.0.113.9", 300)];
    assert_eq!(
        plan(&moved, &wanted("203.0.113.7"), 300),
        Plan {
            remove: vec![],
            write: Write::Update("r1".into())
        }
    );
    assert_eq!(
        plan(&same, &wanted("203.0.113.7"), 60).write,
        Write::Update("r1".into()),
        "a new TTL is written"
    );
}

#[test]
fn other_address_records_and_duplicates_are_removed_and_the_rest_left_alone() {
    let existing = [
        listed("r1", "CNAME", "acme.shops.test", "old-lb.example.test", 300),
        listed("r2", "A", "acme.shops.test", "203.0.113.7", 300),
        listed("r3", "A", "acme.shops.test", "203.0.113.8", 300),
        listed("r4", "TXT", "acme.shops.test", "verify=1", 300),
        listed("r5", "A", "other.shops.test", "203.0.113.7", 300),
    ];
    assert_eq!(
        plan(&existing, &wanted("203.0.113.7"), 300),
        Plan {
            remove: vec!["r1".into(), "r3".into()],
            write: Write::Keep("r2".into())
        }
    );
}

#[test]
fn bodies_follow_the_documented_fields() {
    let record = wanted("lb.example.test");
    let body = serde_json::to_value(RecordBody::of(&record, 120)).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "type": "CNAME",
            "name": "acme.shops.test",
            "content": "lb.example.test",
            "ttl": 120,
            "proxied": false
        })
    );
}

fn answer(status: u16, body: &str) -> Answer {
    Answer {
        status,
        body: body.into(),
    }
}

#[test]
fn answers_are_read_from_the_envelope() {
    let ok = answer(
        200,
        r#"{"success":true,"errors":[],"messages":[],"result":[{"id":"r1","type":"A","name":"acme.shops.test","content":"203.0.113.7","ttl":1,"proxied":false}]}"#,
    );
    let records: Vec<CloudflareRecord> = read("listing", &ok).unwrap();
    assert_eq!(
        records,
        [listed("r1", "A", "acme.shops.test", "203.0.113.7", 1)]
    );

    let denied = answer(
        403,
        r#"{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}"#,
    );
    let error = read::<Vec<CloudflareRecord>>("listing the records of acme.shops.test", &denied)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cloudflare: listing the records of acme.shops.test was refused (HTTP 403): \
         Authentication error (10000)"
    );
    assert!(!error.retryable());

    let throttled = answer(
        429,
        r#"{"success":false,"errors":[{"code":971,"message":"Please wait and consider throttling your request speed"}]}"#,
    );
    assert!(read::<serde_json::Value>("x", &throttled)
        .unwrap_err()
        .retryable());

    let proxy = answer(502, "<html>Bad Gateway</html>");
    let error = read::<serde_json::Value>("x", &proxy).unwrap_err();
    assert!(error.retryable());
    assert!(error.to_string().contains("Bad Gateway"), "{error}");

    let garbled = answer(200, "{\"success\":true,\"result\":{\"id\":5}}");
    let error = read::<CloudflareRecord>("x", &garbled).unwrap_err();
    assert!(matches!(error, DnsError::Unreadable { .. }), "{error:?}");
}

#[test]
fn urls_escape_the_zone_and_record_ids() {
    let provider = Cloudflare::new(
        "https://api.cloudflare.com/client/v4/".parse().unwrap(),
        "zone/1",
        Secret::from("t".to_owned()),
        300,
    )
    .unwrap();
    assert_eq!(
        provider.url(None).as_str(),
        "https://api.cloudflare.com/client/v4/zones/zone%2F1/dns_records"
    );
    assert_eq!(
        provider.url(Some("r1")).as_str(),
        "https://api.cloudflare.com/client/v4/zones/zone%2F1/dns_records/r1"
    );
}
