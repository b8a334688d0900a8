//! The way in: an Ingress for the tenant's host, or a LoadBalancer Service.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{maintenance, Context, Exposure, Mode, TenantObject, Tls};
use crate::provision::labels;

/// The name of the Ingress or LoadBalancer Service.
pub const PUBLIC: &str = "public";

pub(super) fn render(ctx: &Context<'_>) -> Vec<TenantObject> {
    let maintenance = maintenance::component();
    let front = match ctx.tenant.mode {
        Mode::Serving => ctx.tenant.blueprint.public_component(),
        Mode::Suspended | Mode::Archived | Mode::Restoring => Some(&maintenance),
    };
    let Some(front) = front else {
        return Vec::new();
    };
    let host = ctx.tenant.host(ctx.cluster);
    match &ctx.cluster.exposure {
        Exposure::LoadBalancer => vec![Service {
            metadata: ctx.meta(PUBLIC, Some(&front.name)),
            spec: Some(ServiceSpec {
                type_: Some("LoadBalancer".to_owned()),
                selector: Some(labels::selector(ctx.key, &front.name)),
                ports: Some(vec![ServicePort {
                    name: Some("http".to_owned()),
                    port: 80,
                    target_port: Some(IntOrString::Int(i32::from(front.port))),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }
        .into()],
        Exposure::Ingress { class, tls } => {
            let mut metadata = ctx.meta(PUBLIC, Some(&front.name));
            let tls = match tls {
                Tls::None => None,
                Tls::Secret(secret) => Some(secret.clone()),
                Tls::CertManager(issuer) => {
                    metadata.annotations = Some(BTreeMap::from([(
                        "cert-manager.io/cluster-issuer".to_owned(),
                        issuer.clone(),
                    )]));
                    Some(format!("{}-tls", ctx.tenant.subdomain))
                }
            };
            vec![Ingress {
                metadata,
                spec: Some(IngressSpec {
                    ingress_class_name: class.clone(),
                    tls: tls.map(|secret_name| {
                        vec![IngressTLS {
                            hosts: Some(vec![host.clone()]),
                            secret_name: Some(secret_name),
                        }]
                    }),
                    rules: Some(vec![IngressRule {
                        host: Some(host.clone()),
                        http: Some(HTTPIngressRuleValue {
                            paths: vec![HTTPIngressPath {
                                path: Some("/".to_owned()),
                                path_type: "Prefix".to_owned(),
                                backend: IngressBackend {
                                    service: Some(IngressServiceBackend {
                                        name: front.name.clone(),
                                        port: Some(ServiceBackendPort {
                                            number: Some(i32::from(front.service_port)),
                                            ..Default::default()
                                        }),
                                    }),
                                    ..Default::default()
                                },
                            }],
                        }),
                    }]),
                    ..Default::default()
                }),
                ..Default::default()
            }
            .into()]
        }
    }
}
