//! Security headers on every answer, and how long browsers keep the site's files.
//!
//! Each request gets a fresh nonce; the pages render it on their inline scripts (Leptos'
//! hydration and resource scripts read it from context, [`provide_nonce`]) and the page's
//! Content-Security-Policy allows only scripts carrying it, the site's own files, and the
//! compiling of the site's WebAssembly. Nothing may frame a page, no answer is sniffed for
//! another type, and with an https public URL browsers are told to come back over https only.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use leptos::prelude::{provide_context, use_context};
use rand::RngCore as _;

/// The nonce of the request being answered.
#[derive(Debug, Clone)]
pub struct CspNonce(pub Arc<str>);

/// What every answer carries, set once at start.
#[derive(Debug, Clone)]
pub struct HeaderPolicy {
    /// Whether the public URL is https: browsers are then told to use nothing else.
    pub https: bool,
    /// Where the site's compiled files are served (`/pkg/`).
    pub assets: String,
    /// Whether their names carry a hash of their contents, so they can be kept for good.
    pub hashed_assets: bool,
}

/// The policy of a page whose inline scripts carry `nonce`.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
}

fn fresh_nonce() -> Arc<str> {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(bytes)
        .into()
}

/// Gives the request its nonce, and the answer its headers.
pub async fn secure(
    State(policy): State<Arc<HeaderPolicy>>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = fresh_nonce();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let assets = request.uri().path().starts_with(&policy.assets);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        if let Ok(value) = HeaderValue::from_str(&content_security_policy(&nonce)) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    } else {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if policy.https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    if assets && response.status().is_success() {
        let keep = if policy.hashed_assets {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(keep));
    }
    response
}

/// Puts the request's nonce where Leptos' scripts look for it. Called in the context of every
/// page render, after Leptos provided its own.
pub fn provide_nonce() {
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(nonce)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_allows_no_inline_script_but_its_nonce() {
        let policy = content_security_policy("abc");
        let directive = |name: &str| {
            policy
                .split("; ")
                .find(|d| d.split(' ').next() == Some(name))
                .map(str::to_owned)
        };
        assert_eq!(
            directive("script-src").as_deref(),
            Some("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'")
        );
        // Only style attributes (a progress bar's width) may be inline.
        assert_eq!(policy.matches("'unsafe-inline'").count(), 1);
        assert!(directive("style-src-attr").is_some_and(|d| d.contains("'unsafe-inline'")));
        assert_eq!(
            directive("frame-ancestors").as_deref(),
            Some("frame-ancestors 'none'")
        );
    }

    #[test]
    fn nonces_are_fresh_and_long_enough() {
        let (a, b) = (fresh_nonce(), fresh_nonce());
        assert_ne!(a, b);
        assert_eq!(a.len(), 22, "128 bits, base64 without padding");
    }
}
