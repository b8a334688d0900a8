//! The namespace and what guards it: quota, limits, network isolation, a tokenless account.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    LimitRange, LimitRangeItem, LimitRangeSpec, Namespace, ResourceQuota, ResourceQuotaSpec,
    ServiceAccount,
};
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use app::domain::plan::Quota;

use super::workloads::SERVICE_ACCOUNT;
use super::{Context, Exposure, TenantObject};
use crate::provision::labels;

fn quantities(pairs: &[(&str, &str)]) -> BTreeMap<String, Quantity> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Quantity((*v).to_owned())))
        .collect()
}

/// What the plan's ResourceQuota allows (`spec.hard`): CPU and memory for requests and
/// limits alike, storage requested by claims, and pods.
pub fn quota_hard(quota: &Quota) -> BTreeMap<String, Quantity> {
    let pods = quota.pods.to_string();
    quantities(&[
        ("requests.cpu", &quota.cpu),
        ("limits.cpu", &quota.cpu),
        ("requests.memory", &quota.memory),
        ("limits.memory", &quota.memory),
        ("requests.storage", &quota.storage),
        ("pods", &pods),
    ])
}

/// The LimitRange item giving containers that set no requests or limits their defaults.
pub fn container_defaults() -> LimitRangeItem {
    LimitRangeItem {
        type_: "Container".to_owned(),
        default_request: Some(quantities(&[("cpu", "50m"), ("memory", "64Mi")])),
        default: Some(quantities(&[("cpu", "500m"), ("memory", "256Mi")])),
        ..Default::default()
    }
}

pub(super) fn render(ctx: &Context<'_>) -> Vec<TenantObject> {
    let namespace = Namespace {
        metadata: ObjectMeta {
            name: Some(ctx.namespace.clone()),
            labels: Some({
                let mut labels = labels::tenant(ctx.key, ctx.plan);
                labels.extend(ctx.identity());
                labels
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let resource_quota = ResourceQuota {
        metadata: ctx.meta("plan", None),
        spec: Some(ResourceQuotaSpec {
            hard: Some(quota_hard(&ctx.tenant.plan.quota)),
            ..Default::default()
        }),
        ..Default::default()
    };
    let limit_range = LimitRange {
        metadata: ctx.meta("defaults", None),
        spec: Some(LimitRangeSpec {
            limits: vec![container_defaults()],
        }),
    };
    let isolation = NetworkPolicy {
        metadata: ctx.meta("isolate-tenant", None),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector::default()),
            policy_types: Some(vec!["Ingress".to_owned()]),
            ingress: Some(ingress_rules(ctx)),
            ..Default::default()
        }),
    };
    let account = ServiceAccount {
        metadata: ctx.meta(SERVICE_ACCOUNT, None),
        automount_service_account_token: Some(false),
        ..Default::default()
    };
    vec![
        namespace.into(),
        resource_quota.into(),
        limit_range.into(),
        isolation.into(),
        account.into(),
    ]
}

/// Who may reach the tenant's pods: its own pods and the ingress controller; behind a load
/// balancer, also anyone, on the public component's port only (what the load balancer
/// publishes anyway; every other port stays closed to other tenants).
fn ingress_rules(ctx: &Context<'_>) -> Vec<NetworkPolicyIngressRule> {
    let mut rules = vec![NetworkPolicyIngressRule {
        from: Some(vec![
            // The tenant's own pods.
            NetworkPolicyPeer {
                pod_selector: Some(LabelSelector::default()),
                ..Default::default()
            },
            // The ingress controller, and nothing else from outside.
            NetworkPolicyPeer {
                namespace_selector: Some(LabelSelector {
                    match_labels: Some(BTreeMap::from([(
                        "kubernetes.io/metadata.name".to_owned(),
                        ctx.cluster.ingress_namespace.clone(),
                    )])),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ]),
        ..Default::default()
    }];
    let maintenance = super::maintenance::component();
    let public = match ctx.tenant.mode {
        super::Mode::Serving => ctx.tenant.blueprint.public_component(),
        super::Mode::Suspended | super::Mode::Archived | super::Mode::Restoring => {
            Some(&maintenance)
        }
    };
    if let (Exposure::LoadBalancer, Some(front)) = (&ctx.cluster.exposure, public) {
        let anywhere = |cidr: &str| NetworkPolicyPeer {
            ip_block: Some(IPBlock {
                cidr: cidr.to_owned(),
                except: None,
            }),
            ..Default::default()
        };
        rules.push(NetworkPolicyIngressRule {
            from: Some(vec![anywhere("0.0.0.0/0"), anywhere("::/0")]),
            ports: Some(vec![NetworkPolicyPort {
                port: Some(IntOrString::Int(i32::from(front.port))),
                protocol: Some("TCP".to_owned()),
                ..Default::default()
            }]),
        });
    }
    rules
}
