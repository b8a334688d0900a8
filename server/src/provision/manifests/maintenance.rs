//! The maintenance page a suspended or archived tenant's host serves instead of the store: a
//! small nginx answering 503 with a static page, in front of which the Ingress (or the
//! LoadBalancer Service) is pointed.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use app::domain::blueprint::{Component, Mount, MountSource, Probe, Resources, Workload};

use super::workloads::{pod_template, service};
use super::{Context, TenantObject};
use crate::provision::labels;

/// The name of the maintenance Deployment, its Service and its ConfigMap.
pub const MAINTENANCE: &str = "maintenance";

/// The page, the same for every tenant: nothing of the owner's reaches it.
const PAGE: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Store unavailable</title></head>\n<body style=\"font-family: sans-serif; text-align: center; padding: 4rem\">\n<h1>This store is unavailable</h1>\n<p>It is paused for now. Please come back later.</p>\n</body></html>\n";

/// The maintenance server as a component, so it is built like every other workload.
pub fn component() -> Component {
    Component {
        name: MAINTENANCE.to_owned(),
        workload: Workload::Deployment,
        image: "docker.io/library/nginx".to_owned(),
        tag: "1.27-alpine".to_owned(),
        port: 8080,
        service_port: 80,
        probe: Probe::Http {
            path: "/healthz".to_owned(),
        },
        replicas: 1,
        resources: Resources {
            cpu_request: "10m".to_owned(),
            memory_request: "16Mi".to_owned(),
            cpu_limit: "100m".to_owned(),
            memory_limit: "32Mi".to_owned(),
        },
        mounts: vec![Mount {
            source: MountSource::ConfigMap(MAINTENANCE.to_owned()),
            path: "/etc/nginx/conf.d".to_owned(),
        }],
        env_from_config_maps: Vec::new(),
        env_from_secret: false,
        public: true,
    }
}

fn nginx_conf() -> String {
    "server {\n    listen 8080;\n    root /etc/nginx/conf.d;\n\n    location = /healthz {\n        access_log off;\n        return 200 \"ok\";\n    }\n\n    error_page 503 /index.html;\n    location = /index.html {\n        internal;\n    }\n    location / {\n        return 503;\n    }\n}\n".to_owned()
}

pub(super) fn render(ctx: &Context<'_>) -> Vec<TenantObject> {
    let component = component();
    let config = ConfigMap {
        metadata: ctx.meta(MAINTENANCE, Some(MAINTENANCE)),
        data: Some(BTreeMap::from([
            ("default.conf".to_owned(), nginx_conf()),
            ("index.html".to_owned(), PAGE.to_owned()),
        ])),
        ..Default::default()
    };
    let deployment = Deployment {
        metadata: ctx.meta(MAINTENANCE, Some(MAINTENANCE)),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            selector: LabelSelector {
                match_labels: Some(labels::selector(ctx.key, MAINTENANCE)),
                ..Default::default()
            },
            template: pod_template(ctx, &component, "maintenance-v1"),
            ..Default::default()
        }),
        ..Default::default()
    };
    vec![
        config.into(),
        deployment.into(),
        service(ctx, &component).into(),
    ]
}
