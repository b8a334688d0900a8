//! The API server's proxy to a Service, `GET /api/v1/namespaces/{ns}/services/{name}[:{port}]
//! /proxy/{path}`, as `kubectl get --raw` and a rollout's health gate use it. The simulated
//! cluster has no process behind a pod to forward to: it answers 200 when a ready pod backs
//! the Service, and 503 with the API server's words when none does.

use std::time::Instant;

use axum::http::StatusCode;
use serde_json::Value;

use super::api_error::ApiError;
use super::resources::{pods, services};
use super::selector::Selector;
use super::store::Store;

/// A proxied request's namespace and Service, if the path is one.
pub fn parse(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/api/v1/namespaces/")?;
    let (namespace, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("services/")?;
    let (service, rest) = rest.split_once('/')?;
    (rest == "proxy" || rest.starts_with("proxy/")).then_some(())?;
    let name = service.split(':').next().unwrap_or(service);
    (!namespace.is_empty() && !name.is_empty()).then_some((namespace, name))
}

/// What the Service answers: 200 with a ready pod behind it, else 503.
pub fn answer(
    store: &mut Store,
    namespace: &str,
    service: &str,
    now: Instant,
) -> Result<(StatusCode, Value), ApiError> {
    let object = store.get(services(), Some(namespace), service, now)?;
    let terms: Vec<String> = object["spec"]["selector"]
        .as_object()
        .map(|labels| {
            labels
                .iter()
                .filter_map(|(key, value)| Some(format!("{key}={}", value.as_str()?)))
                .collect()
        })
        .unwrap_or_default();
    let selector =
        Selector::parse(&terms.join(",")).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let backing = store.list(
        pods(),
        Some(namespace),
        &selector,
        &Selector::default(),
        now,
    );
    let ready = backing["items"].as_array().is_some_and(|items| {
        !terms.is_empty()
            && items.iter().any(|pod| {
                pod["status"]["conditions"]
                    .as_array()
                    .is_some_and(|conditions| {
                        conditions
                            .iter()
                            .any(|c| c["type"] == "Ready" && c["status"] == "True")
                    })
            })
    });
    if ready {
        Ok((StatusCode::OK, Value::String("ok".to_owned())))
    } else {
        Err(ApiError::Unavailable(format!(
            "no endpoints available for service \"{service}\""
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_the_service_of_a_proxied_path() {
        assert_eq!(
            parse("/api/v1/namespaces/store-acme/services/web:80/proxy/healthz"),
            Some(("store-acme", "web"))
        );
        assert_eq!(
            parse("/api/v1/namespaces/store-acme/services/web/proxy"),
            Some(("store-acme", "web"))
        );
        assert_eq!(parse("/api/v1/namespaces/store-acme/services/web"), None);
        assert_eq!(
            parse("/api/v1/namespaces/store-acme/pods/web/proxy/x"),
            None
        );
        assert_eq!(parse("/api/v1/namespaces//services/web/proxy/x"), None);
    }
}
