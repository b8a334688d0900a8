//! `SelfSubjectAccessReview`, as a real API server answers it: may the caller do this verb on
//! this resource? The simulated cluster enforces no RBAC, so it allows everything but the
//! permissions its options deny, which lets a test see a cluster whose role is too narrow.

use serde_json::{json, Value};

use super::api_error::{ApiError, Result};

/// The path reviews are created at.
pub const PATH: &str = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

/// The review `body` asks for, answered: allowed unless `denied` holds its
/// `"<verb> <resource>[/<subresource>]"`.
pub fn answer(body: &[u8], denied: &[String]) -> Result<Value> {
    let mut review: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("the review is not JSON: {e}")))?;
    let attributes = &review["spec"]["resourceAttributes"];
    let verb = attributes["verb"].as_str().unwrap_or_default();
    let resource = attributes["resource"].as_str().unwrap_or_default();
    if verb.is_empty() || resource.is_empty() {
        return Err(ApiError::BadRequest(
            "spec.resourceAttributes needs a verb and a resource".to_owned(),
        ));
    }
    let resource = match attributes["subresource"].as_str() {
        Some(sub) if !sub.is_empty() => format!("{resource}/{sub}"),
        _ => resource.to_owned(),
    };
    let asked = format!("{verb} {resource}");
    let allowed = !denied.contains(&asked);
    review["status"] = if allowed {
        json!({"allowed": true, "reason": "the simulated cluster enforces no RBAC"})
    } else {
        json!({"allowed": false, "reason": "denied by the simulated cluster's options"})
    };
    Ok(review)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(verb: &str, resource: &str, sub: &str) -> Vec<u8> {
        json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
               "spec": {"resourceAttributes": {"verb": verb, "group": "",
                        "resource": resource, "subresource": sub}}})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn everything_is_allowed_but_what_is_denied() {
        let denied = vec![
            "delete namespaces".to_owned(),
            "get services/proxy".to_owned(),
        ];
        let allowed = |body: Vec<u8>| answer(&body, &denied).unwrap()["status"]["allowed"] == true;
        assert!(allowed(review("get", "namespaces", "")));
        assert!(!allowed(review("delete", "namespaces", "")));
        assert!(!allowed(review("get", "services", "proxy")));
        assert!(allowed(review("get", "services", "")));
        assert!(answer(b"{}", &denied).is_err());
    }
}
