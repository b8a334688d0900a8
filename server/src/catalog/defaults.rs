//! The blueprint and plans a new installation starts with: a store with a web front (nginx),
//! an API, a PostgreSQL database and a files volume.

use app::domain::blueprint::{
    Component, HealthCheck, Mount, MountSource, Probe, Resources, VolumeSpec, Workload,
};
use app::domain::plan::Quota;
use app::domain::retention::Retention;
use app::domain::setting::{SettingKind, SettingSpec};
use app::domain::{Blueprint, Plan};

fn resources(cpu: &str, memory: &str, cpu_limit: &str, memory_limit: &str) -> Resources {
    Resources {
        cpu_request: cpu.into(),
        memory_request: memory.into(),
        cpu_limit: cpu_limit.into(),
        memory_limit: memory_limit.into(),
    }
}

fn setting(
    key: &str,
    label: &str,
    kind: SettingKind,
    default: &str,
    config_map: &str,
) -> SettingSpec {
    SettingSpec {
        key: key.into(),
        label: label.into(),
        kind,
        default: default.into(),
        config_map: config_map.into(),
    }
}

/// The default blueprint, `store`.
pub fn store_blueprint() -> Blueprint {
    Blueprint {
        name: "store".into(),
        description: "An online store: nginx front, API, PostgreSQL and a files volume.".into(),
        components: vec![
            Component {
                name: "web".into(),
                workload: Workload::Deployment,
                image: "docker.io/library/nginx".into(),
                tag: "1.27-alpine".into(),
                port: 8080,
                service_port: 80,
                probe: Probe::Http {
                    path: "/healthz".into(),
                },
                replicas: 1,
                resources: resources("50m", "64Mi", "500m", "128Mi"),
                mounts: vec![
                    Mount {
                        source: MountSource::ConfigMap("nginx".into()),
                        path: "/etc/nginx/conf.d".into(),
                    },
                    Mount {
                        source: MountSource::ConfigMap("web".into()),
                        path: "/usr/share/nginx/html/config".into(),
                    },
                ],
                env_from_config_maps: vec![],
                env_from_secret: false,
                public: true,
            },
            Component {
                name: "api".into(),
                workload: Workload::Deployment,
                image: "ghcr.io/storefleet/store-api".into(),
                tag: "1.0.0".into(),
                port: 8000,
                service_port: 8000,
                probe: Probe::Http {
                    path: "/health".into(),
                },
                replicas: 1,
                resources: resources("100m", "128Mi", "1", "512Mi"),
                mounts: vec![Mount {
                    source: MountSource::Volume("files".into()),
                    path: "/data/files".into(),
                }],
                env_from_config_maps: vec!["app".into(), "admin".into()],
                env_from_secret: true,
                public: false,
            },
            Component {
                name: "database".into(),
                workload: Workload::Database,
                image: "docker.io/library/postgres".into(),
                tag: "16-alpine".into(),
                port: 5432,
                service_port: 5432,
                probe: Probe::Tcp,
                replicas: 1,
                resources: resources("100m", "256Mi", "1", "1Gi"),
                mounts: vec![Mount {
                    source: MountSource::Volume("database".into()),
                    path: "/var/lib/postgresql/data".into(),
                }],
                env_from_config_maps: vec![],
                env_from_secret: true,
                public: false,
            },
        ],
        volumes: vec![
            VolumeSpec {
                name: "database".into(),
                size: "5Gi".into(),
            },
            VolumeSpec {
                name: "files".into(),
                size: "10Gi".into(),
            },
        ],
        config_maps: vec!["app".into(), "admin".into(), "web".into(), "nginx".into()],
        settings: vec![
            setting(
                "store_name",
                "Store name",
                SettingKind::Text { max_len: 80 },
                "My store",
                "web",
            ),
            setting(
                "theme_color",
                "Theme colour",
                SettingKind::Color,
                "#2456d6",
                "web",
            ),
            setting(
                "contact_email",
                "Contact email",
                SettingKind::Email,
                "owner@example.com",
                "app",
            ),
            setting(
                "currency",
                "Currency",
                SettingKind::Choice {
                    options: ["EUR", "USD", "GBP", "CHF"].map(String::from).to_vec(),
                },
                "EUR",
                "app",
            ),
            setting(
                "orders_per_page",
                "Orders per admin page",
                SettingKind::Choice {
                    options: ["25", "50", "100"].map(String::from).to_vec(),
                },
                "50",
                "admin",
            ),
            setting(
                "payment_api_key",
                "Payment provider API key",
                SettingKind::Secret { min_len: 8 },
                "",
                "app",
            ),
        ],
        // The web front's own probe page, asked through its Service by a rollout's gate.
        health_check: Some(HealthCheck {
            component: "web".into(),
            path: "/healthz".into(),
        }),
    }
}

/// The default plans, `starter` and `pro`, both on the `store` blueprint; a starter store keeps
/// three months of backups, a pro store a year. Their quotas hold
/// the blueprint with room for a rolling update (`catalog::fit` checks it).
pub fn plans() -> Vec<Plan> {
    vec![
        Plan {
            name: "starter".into(),
            display_name: "Starter".into(),
            blueprint: "store".into(),
            price_id: None,
            monthly_price_cents: 1900,
            quota: Quota {
                // The CPU limits add up to 2.5, plus 0.5 while the web front rolls and 0.5
                // for a backup's dump Job meanwhile.
                cpu: "3500m".into(),
                memory: "2Gi".into(),
                storage: "20Gi".into(),
                pods: 10,
            },
            backup_schedule: "0 3 * * *".into(),
            retention: Retention {
                daily: 7,
                weekly: 4,
                monthly: 3,
            },
        },
        Plan {
            name: "pro".into(),
            display_name: "Pro".into(),
            blueprint: "store".into(),
            price_id: None,
            monthly_price_cents: 7900,
            quota: Quota {
                cpu: "4".into(),
                memory: "8Gi".into(),
                storage: "100Gi".into(),
                pods: 30,
            },
            backup_schedule: "0 */6 * * *".into(),
            retention: Retention {
                daily: 14,
                weekly: 8,
                monthly: 12,
            },
        },
    ]
}
