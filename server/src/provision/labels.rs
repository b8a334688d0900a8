//! The labels and annotations storefleet puts on every object, so that an operator finds a
//! store's objects with `kubectl get all -l storefleet.io/subdomain=<subdomain> -A`.

use std::collections::BTreeMap;

/// The field manager of every server-side apply.
pub const MANAGER: &str = "storefleet";
/// `app.kubernetes.io/managed-by`: always [`MANAGER`].
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The tenant's namespace key, which never changes: selectors use it. (The subdomain, for
/// stores made before namespaces were named by key.)
pub const TENANT: &str = "storefleet.io/tenant";
/// The store's subdomain; a standby store's placeholder until it is claimed.
pub const SUBDOMAIN: &str = "storefleet.io/subdomain";
/// The owning account's id; none on a standby store.
pub const OWNER: &str = "storefleet.io/owner";
/// The tenant's plan.
pub const PLAN: &str = "storefleet.io/plan";
/// The component a workload, Service or pod belongs to.
pub const COMPONENT: &str = "storefleet.io/component";
/// Pod-template annotation: checksum of the configuration, so a settings change rolls pods.
pub const CONFIG_CHECKSUM: &str = "storefleet.io/config-checksum";

/// Labels every object of a tenant carries, pods included.
pub fn tenant(key: &str, plan: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY.to_owned(), MANAGER.to_owned()),
        (TENANT.to_owned(), key.to_owned()),
        (PLAN.to_owned(), plan.to_owned()),
    ])
}

/// Who a store is for: on every object of the tenant but its pods.
pub fn identity(subdomain: &str, owner: Option<&str>) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::from([(SUBDOMAIN.to_owned(), subdomain.to_owned())]);
    if let Some(owner) = owner {
        labels.insert(OWNER.to_owned(), owner.to_owned());
    }
    labels
}

/// The selector of one component's pods (stable across plan changes and claims).
pub fn selector(key: &str, component: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (TENANT.to_owned(), key.to_owned()),
        (COMPONENT.to_owned(), component.to_owned()),
    ])
}

/// Tenant labels plus the component.
pub fn component(key: &str, plan: &str, component: &str) -> BTreeMap<String, String> {
    let mut labels = tenant(key, plan);
    labels.insert(COMPONENT.to_owned(), component.to_owned());
    labels
}
