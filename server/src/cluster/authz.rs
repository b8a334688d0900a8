//! A request to the API server as its authoriser names it (verb, API group, resource): the
//! words of RBAC rules, used to hold the engine's ClusterRole to its calls and to label the
//! metrics of those calls.

use axum::http::Method;
use serde::{Deserialize, Serialize};

/// One request as an authorizer sees it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ApiRequest {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete` or `deletecollection`.
    pub verb: String,
    /// The API group, empty for the core group.
    #[serde(rename = "apiGroup")]
    pub api_group: String,
    /// The resource, with its subresource when there is one (`deployments/status`).
    pub resource: String,
}

/// The authorizer's view of a request: `None` for paths that name no resource (discovery,
/// `/version`), which RBAC grants every authenticated user anyway.
pub fn authorized_as(method: &Method, path: &str, query: Option<&str>) -> Option<ApiRequest> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, rest) = match segments.as_slice() {
        ["api", _version, rest @ ..] => ("", rest),
        ["apis", group, _version, rest @ ..] => (*group, rest),
        _ => return None,
    };
    let rest = match rest {
        // A namespaced path, unless it names a namespace itself (`namespaces/shop[/status]`).
        ["namespaces", _namespace, "status" | "finalize"] => rest.to_vec(),
        ["namespaces", _namespace, resource, tail @ ..] => {
            let mut all = vec![*resource];
            all.extend_from_slice(tail);
            all
        }
        other => other.to_vec(),
    };
    let (resource, name, subresource) = match rest.as_slice() {
        // A proxied request's path goes on after `proxy`.
        [resource, name, "proxy", ..] => (*resource, Some(*name), Some("proxy")),
        [resource] => (*resource, None, None),
        [resource, name] => (*resource, Some(*name), None),
        [resource, name, subresource] => (*resource, Some(*name), Some(*subresource)),
        _ => return None,
    };
    if resource.is_empty() || name.is_some_and(str::is_empty) {
        return None;
    }
    let watching = query.is_some_and(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .any(|(key, value)| key == "watch" && matches!(&*value, "true" | "1"))
    });
    let verb = match (method, name) {
        (&Method::GET | &Method::HEAD, None) if watching => "watch",
        (&Method::GET | &Method::HEAD, None) => "list",
        (&Method::GET | &Method::HEAD, Some(_)) => "get",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::PATCH, _) => "patch",
        (&Method::DELETE, None) => "deletecollection",
        (&Method::DELETE, Some(_)) => "delete",
        _ => return None,
    };
    Some(ApiRequest {
        verb: verb.to_owned(),
        api_group: group.to_owned(),
        resource: subresource.map_or_else(|| resource.to_owned(), |s| format!("{resource}/{s}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(method: Method, path: &str, query: Option<&str>) -> Option<(String, String, String)> {
        authorized_as(&method, path, query).map(|r| (r.verb, r.api_group, r.resource))
    }

    fn named(verb: &str, group: &str, resource: &str) -> Option<(String, String, String)> {
        Some((verb.to_owned(), group.to_owned(), resource.to_owned()))
    }

    #[test]
    fn names_requests_as_the_authorizer_does() {
        assert_eq!(
            seen(Method::GET, "/api/v1/namespaces/store-a/pods", None),
            named("list", "", "pods")
        );
        assert_eq!(
            seen(
                Method::GET,
                "/api/v1/namespaces/store-a/events",
                Some("watch=true&fieldSelector=x")
            ),
            named("watch", "", "events")
        );
        assert_eq!(
            seen(
                Method::GET,
                "/apis/apps/v1/namespaces/s/deployments/web",
                None
            ),
            named("get", "apps", "deployments")
        );
        assert_eq!(
            seen(
                Method::PATCH,
                "/apis/apps/v1/namespaces/s/deployments/web/status",
                None
            ),
            named("patch", "apps", "deployments/status")
        );
        assert_eq!(
            seen(Method::DELETE, "/api/v1/namespaces/store-a", None),
            named("delete", "", "namespaces")
        );
        assert_eq!(
            seen(Method::PATCH, "/api/v1/namespaces/store-a", None),
            named("patch", "", "namespaces")
        );
        assert_eq!(
            seen(Method::PUT, "/api/v1/namespaces/store-a/finalize", None),
            named("update", "", "namespaces/finalize")
        );
        assert_eq!(
            seen(Method::GET, "/api/v1/namespaces", None),
            named("list", "", "namespaces")
        );
        assert_eq!(
            seen(Method::DELETE, "/api/v1/namespaces/s/configmaps", None),
            named("deletecollection", "", "configmaps")
        );
        assert_eq!(
            seen(
                Method::POST,
                "/apis/events.k8s.io/v1/namespaces/s/events",
                None
            ),
            named("create", "events.k8s.io", "events")
        );
        assert_eq!(
            seen(
                Method::PUT,
                "/apis/apps/v1/namespaces/s/replicasets/r",
                None
            ),
            named("update", "apps", "replicasets")
        );
        assert_eq!(
            seen(Method::GET, "/apis/apps/v1/deployments", None),
            named("list", "apps", "deployments")
        );
    }

    #[test]
    fn paths_naming_no_resource_are_not_recorded() {
        for path in [
            "/version",
            "/api",
            "/apis",
            "/apis/apps/v1",
            "/api/v1/a/b/c/d",
        ] {
            assert_eq!(seen(Method::GET, path, None), None, "{path}");
        }
    }
}
