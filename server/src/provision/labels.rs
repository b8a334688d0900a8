//! The labels and annotations storefleet puts on every object, so that an operator finds a
//! tenant's objects with `kubectl get all -l storefleet.io/tenant=<subdomain> -A`.

use std::collections::BTreeMap;

/// The field manager of every server-side apply.
pub const MANAGER: &str = "storefleet";
/// `app.kubernetes.io/managed-by`: always [`MANAGER`].
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The tenant's subdomain.
pub const TENANT: &str = "storefleet.io/tenant";
/// The tenant's plan.
pub const PLAN: &str = "storefleet.io/plan";
/// The component a workload, Service or pod belongs to.
pub const COMPONENT: &str = "storefleet.io/component";
/// Pod-template annotation: checksum of the configuration, so a settings change rolls pods.
pub const CONFIG_CHECKSUM: &str = "storefleet.io/config-checksum";

/// Labels every object of a tenant carries.
pub fn tenant(subdomain: &str, plan: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY.to_owned(), MANAGER.to_owned()),
        (TENANT.to_owned(), subdomain.to_owned()),
        (PLAN.to_owned(), plan.to_owned()),
    ])
}

/// The selector of one component's pods (stable across plan changes).
pub fn selector(subdomain: &str, component: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (TENANT.to_owned(), subdomain.to_owned()),
        (COMPONENT.to_owned(), component.to_owned()),
    ])
}

/// Tenant labels plus the component.
pub fn component(subdomain: &str, plan: &str, component: &str) -> BTreeMap<String, String> {
    let mut labels = tenant(subdomain, plan);
    labels.insert(COMPONENT.to_owned(), component.to_owned());
    labels
}
