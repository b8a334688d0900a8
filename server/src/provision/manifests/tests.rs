//! Rendering tests: snapshots of the YAML an operator would apply, and the rules the objects
//! must keep.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;

use app::domain::{Blueprint, Plan, SettingValue, Subdomain};

use super::*;
use crate::catalog::defaults;
use crate::provision::labels;

const PASSWORD: &str = "fake-database-password";

fn cluster(exposure: Exposure) -> ClusterSettings {
    ClusterSettings {
        namespace_prefix: "store".into(),
        base_domain: "shops.example.com".into(),
        ingress_namespace: "ingress-nginx".into(),
        exposure,
        storage_class: None,
    }
}

fn ingress() -> Exposure {
    Exposure::Ingress {
        class: Some("nginx".into()),
        tls: Tls::CertManager("letsencrypt".into()),
    }
}

struct Fixture {
    subdomain: Subdomain,
    key: String,
    owner: Option<String>,
    standby: bool,
    plan: Plan,
    blueprint: Blueprint,
    settings: BTreeMap<String, SettingValue>,
    release: BTreeMap<String, String>,
}

impl Fixture {
    fn new() -> Self {
        Self {
            subdomain: Subdomain::parse("acme").unwrap(),
            key: "acme".into(),
            owner: None,
            standby: false,
            plan: defaults::plans().remove(0),
            blueprint: defaults::store_blueprint(),
            settings: BTreeMap::new(),
            release: BTreeMap::new(),
        }
    }

    fn set(&mut self, key: &str, raw: &str) {
        let spec = self
            .blueprint
            .settings
            .iter()
            .find(|s| s.key == key)
            .unwrap();
        let value = SettingValue::parse(spec, raw).unwrap();
        self.settings.insert(key.into(), value);
    }

    fn render(&self, exposure: Exposure) -> Vec<TenantObject> {
        self.render_for(exposure, Mode::Serving)
    }

    fn render_for(&self, exposure: Exposure, mode: Mode) -> Vec<TenantObject> {
        let spec = TenantSpec {
            subdomain: &self.subdomain,
            key: &self.key,
            owner: self.owner.as_deref(),
            standby: self.standby,
            plan: &self.plan,
            blueprint: &self.blueprint,
            settings: &self.settings,
            release: &self.release,
            database_password: PASSWORD,
            mode,
        };
        render(&spec, &cluster(exposure)).unwrap()
    }
}

fn find<'a>(objects: &'a [TenantObject], kind: &str, name: &str) -> &'a TenantObject {
    objects
        .iter()
        .find(|o| o.kind() == kind && o.name() == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn config_map<'a>(objects: &'a [TenantObject], name: &str) -> &'a ConfigMap {
    match find(objects, "ConfigMap", name) {
        TenantObject::ConfigMap(map) => map,
        _ => unreachable!(),
    }
}

fn checksum_of(objects: &[TenantObject], deployment: &str) -> String {
    let TenantObject::Deployment(Deployment {
        spec: Some(spec), ..
    }) = find(objects, "Deployment", deployment)
    else {
        unreachable!()
    };
    spec.template
        .metadata
        .as_ref()
        .unwrap()
        .annotations
        .as_ref()
        .unwrap()[labels::CONFIG_CHECKSUM]
        .clone()
}

#[test]
fn the_default_store_behind_an_ingress() {
    let mut fixture = Fixture::new();
    fixture.set("store_name", "Acme Tools");
    fixture.set("payment_api_key", "sk_test_fake_0000");
    insta::assert_snapshot!(yaml_stream(&fixture.render(ingress())));
}

#[test]
fn the_default_store_behind_a_load_balancer() {
    let objects = Fixture::new().render(Exposure::LoadBalancer);
    assert!(objects.iter().all(|o| o.kind() != "Ingress"));
    insta::assert_snapshot!(find(&objects, "Service", "public").to_yaml());
}

#[test]
fn behind_a_load_balancer_only_the_public_port_opens_to_the_world() {
    let objects = Fixture::new().render(Exposure::LoadBalancer);
    let TenantObject::NetworkPolicy(policy) = find(&objects, "NetworkPolicy", "isolate-tenant")
    else {
        unreachable!()
    };
    let rules = policy.spec.as_ref().unwrap().ingress.as_ref().unwrap();
    assert_eq!(rules.len(), 2);
    let ports = rules[1].ports.as_ref().unwrap();
    assert_eq!(ports.len(), 1);
    assert_eq!(
        ports[0].port,
        Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(8080))
    );
    let ingress_only = Fixture::new().render(ingress());
    let TenantObject::NetworkPolicy(policy) =
        find(&ingress_only, "NetworkPolicy", "isolate-tenant")
    else {
        unreachable!()
    };
    assert_eq!(
        policy
            .spec
            .as_ref()
            .unwrap()
            .ingress
            .as_ref()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn objects_come_in_apply_order() {
    let objects = Fixture::new().render(ingress());
    let order: Vec<String> = objects
        .iter()
        .map(|o| format!("{}/{}", o.kind(), o.name()))
        .collect();
    assert_eq!(
        order,
        [
            "Namespace/store-acme",
            "ResourceQuota/plan",
            "LimitRange/defaults",
            "NetworkPolicy/isolate-tenant",
            "ServiceAccount/store",
            "Secret/store",
            "ConfigMap/admin",
            "ConfigMap/app",
            "ConfigMap/nginx",
            "ConfigMap/web",
            "PersistentVolumeClaim/database",
            "PersistentVolumeClaim/files",
            "Deployment/web",
            "Deployment/api",
            "StatefulSet/database",
            "Service/web",
            "Service/api",
            "Service/database",
            "Ingress/public",
        ]
    );
}

#[test]
fn every_object_is_labelled_and_in_the_tenant_namespace() {
    for object in Fixture::new().render(ingress()) {
        let meta = object.meta();
        let labels = meta.labels.as_ref().expect("labels");
        assert_eq!(labels[labels::TENANT], "acme", "{}", object.kind());
        assert_eq!(labels[labels::MANAGED_BY], "storefleet");
        assert_eq!(labels[labels::PLAN], "starter");
        if object.kind() != "Namespace" {
            assert_eq!(meta.namespace.as_deref(), Some("store-acme"));
        }
    }
}

#[test]
fn secrets_stay_in_the_secret() {
    let mut fixture = Fixture::new();
    fixture.set("payment_api_key", "sk_test_fake_0000");
    let objects = fixture.render(ingress());
    for object in objects.iter().filter(|o| o.kind() != "Secret") {
        let yaml = object.to_yaml();
        assert!(!yaml.contains("sk_test_fake_0000"), "{}", object.kind());
        assert!(!yaml.contains(PASSWORD), "{}", object.kind());
    }
    let shown = find(&objects, "Secret", "store").redacted().to_yaml();
    assert!(
        !shown.contains("c2tf"),
        "base64 of the key must not be shown: {shown}"
    );
}

#[test]
fn a_settings_change_rolls_the_pods_and_nothing_else_does() {
    let mut fixture = Fixture::new();
    let before = checksum_of(&fixture.render(ingress()), "api");
    assert_eq!(
        before,
        checksum_of(&fixture.render(ingress()), "api"),
        "stable"
    );
    fixture.set("theme_color", "#ff0000");
    let after = fixture.render(ingress());
    assert_ne!(before, checksum_of(&after, "api"));
    assert_eq!(
        config_map(&after, "web").data.as_ref().unwrap()["THEME_COLOR"],
        "#ff0000"
    );
}

#[test]
fn hostile_values_stay_inert_data() {
    let mut fixture = Fixture::new();
    let hostile = r#"x"}; rm -rf / ; {'---' $HOME `id` <script>"#;
    fixture.set("store_name", hostile);
    let objects = fixture.render(ingress());
    let yaml = find(&objects, "ConfigMap", "web").to_yaml();
    let parsed: ConfigMap = serde_yaml_ng::from_str(&yaml).unwrap();
    let data = parsed.data.unwrap();
    assert_eq!(
        data["STORE_NAME"], hostile,
        "the YAML round-trips to the very same string"
    );
    let json: BTreeMap<String, String> = serde_json::from_str(&data["settings.json"]).unwrap();
    assert_eq!(json["store_name"], hostile);
    let nginx = &config_map(&objects, "nginx").data.as_ref().unwrap()["default.conf"];
    assert!(
        !nginx.contains("rm -rf"),
        "owner values never reach the nginx configuration"
    );
}

#[test]
fn the_release_decides_image_tags() {
    let mut fixture = Fixture::new();
    fixture.release.insert("api".into(), "2.3.1".into());
    let objects = fixture.render(ingress());
    let yaml = find(&objects, "Deployment", "api").to_yaml();
    assert!(
        yaml.contains("image: ghcr.io/storefleet/store-api:2.3.1"),
        "{yaml}"
    );
    let web = find(&objects, "Deployment", "web").to_yaml();
    assert!(
        web.contains("image: docker.io/library/nginx:1.27-alpine"),
        "{web}"
    );
}

#[test]
fn a_plan_for_another_blueprint_is_refused() {
    let mut fixture = Fixture::new();
    fixture.plan.blueprint = "blog".into();
    let spec = TenantSpec {
        subdomain: &fixture.subdomain,
        key: fixture.subdomain.as_str(),
        owner: None,
        standby: false,
        plan: &fixture.plan,
        blueprint: &fixture.blueprint,
        settings: &fixture.settings,
        release: &fixture.release,
        database_password: PASSWORD,
        mode: Mode::Serving,
    };
    let error = render(&spec, &cluster(ingress())).unwrap_err();
    assert_eq!(
        error.to_string(),
        "plan starter runs blueprint blog, not store"
    );
}

fn replicas(objects: &[TenantObject]) -> BTreeMap<String, i32> {
    objects
        .iter()
        .filter_map(|object| match object {
            TenantObject::Deployment(d) => Some((
                d.metadata.name.clone().unwrap(),
                d.spec.as_ref().unwrap().replicas.unwrap(),
            )),
            TenantObject::StatefulSet(s) => Some((
                s.metadata.name.clone().unwrap(),
                s.spec.as_ref().unwrap().replicas.unwrap(),
            )),
            _ => None,
        })
        .collect()
}

fn ingress_backend(objects: &[TenantObject]) -> String {
    let TenantObject::Ingress(ingress) = find(objects, "Ingress", exposure::PUBLIC) else {
        unreachable!()
    };
    let rules = ingress.spec.as_ref().unwrap().rules.as_ref().unwrap();
    let path = &rules[0].http.as_ref().unwrap().paths[0];
    path.backend.service.as_ref().unwrap().name.clone()
}

#[test]
fn a_suspended_store_runs_no_pod_and_its_host_shows_the_maintenance_page() {
    let fixture = Fixture::new();
    let objects = fixture.render_for(ingress(), Mode::Suspended);
    let replicas = replicas(&objects);
    assert_eq!(replicas["maintenance"], 1);
    for name in ["web", "api", "database"] {
        assert_eq!(replicas[name], 0, "{name}");
    }
    assert_eq!(ingress_backend(&objects), maintenance::MAINTENANCE);
    let page = config_map(&objects, maintenance::MAINTENANCE);
    assert!(page.data.as_ref().unwrap()["default.conf"].contains("return 503"));
    // Data and configuration stay.
    for (kind, name) in [
        ("PersistentVolumeClaim", "database"),
        ("PersistentVolumeClaim", "files"),
        ("Secret", config::SECRET),
        ("ConfigMap", "web"),
    ] {
        find(&objects, kind, name);
    }
    assert_eq!(ingress_backend(&fixture.render(ingress())), "web");
}

#[test]
fn an_archived_store_keeps_its_volumes_but_no_workload() {
    let objects = Fixture::new().render_for(Exposure::LoadBalancer, Mode::Archived);
    assert_eq!(
        replicas(&objects).into_keys().collect::<Vec<_>>(),
        ["maintenance"]
    );
    assert!(!objects
        .iter()
        .any(|o| o.kind() == "Service" && ["web", "api", "database"].contains(&o.name())));
    find(&objects, "PersistentVolumeClaim", "database");
    find(&objects, "PersistentVolumeClaim", "files");
    let TenantObject::Service(public) = find(&objects, "Service", exposure::PUBLIC) else {
        unreachable!()
    };
    let selector = public.spec.as_ref().unwrap().selector.as_ref().unwrap();
    assert!(selector.values().any(|v| v == maintenance::MAINTENANCE));
}

#[test]
fn a_standby_is_unpublished_and_claiming_it_changes_only_who_it_is_for() {
    let mut fixture = Fixture::new();
    fixture.key = "k7x2mq9bz4".into();
    fixture.subdomain = Subdomain::stored("standby-k7x2mq9bz4".into()).unwrap();
    fixture.standby = true;
    let standby = fixture.render(ingress());
    assert!(
        !standby.iter().any(|o| o.kind() == "Ingress"),
        "a standby has no host to publish"
    );
    let namespace = find(&standby, "Namespace", "store-k7x2mq9bz4").to_json();
    assert_eq!(
        namespace["metadata"]["labels"]["storefleet.io/tenant"],
        "k7x2mq9bz4"
    );

    fixture.subdomain = Subdomain::parse("acme").unwrap();
    fixture.owner = Some("8d0c5e4e-owner".into());
    fixture.standby = false;
    let claimed = fixture.render(ingress());
    let namespace = find(&claimed, "Namespace", "store-k7x2mq9bz4").to_json();
    let labels = &namespace["metadata"]["labels"];
    assert_eq!(labels["storefleet.io/subdomain"], "acme");
    assert_eq!(labels["storefleet.io/owner"], "8d0c5e4e-owner");
    assert_eq!(ingress_host(&claimed), "acme.shops.example.com");
    for before in standby
        .iter()
        .filter(|o| matches!(o.kind(), "Deployment" | "StatefulSet"))
    {
        let after = find(&claimed, before.kind(), before.name()).to_json();
        let before = before.to_json();
        assert_eq!(
            after["spec"]["selector"], before["spec"]["selector"],
            "selectors cannot change on a real cluster"
        );
        // The store's public address is in its configuration, so pods roll for it; nothing
        // else about them changes (no new image, no new volume to initialise).
        let mut after_template = after["spec"]["template"].clone();
        let mut before_template = before["spec"]["template"].clone();
        for template in [&mut after_template, &mut before_template] {
            template["metadata"]["annotations"]
                .as_object_mut()
                .map(|a| a.remove("storefleet.io/config-checksum"));
        }
        assert_eq!(after_template, before_template);
    }
}

fn ingress_host(objects: &[TenantObject]) -> String {
    let ingress = objects
        .iter()
        .find(|o| o.kind() == "Ingress")
        .expect("an Ingress")
        .to_json();
    ingress["spec"]["rules"][0]["host"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}
