//! Refuses state-changing requests that a browser sent from another origin.

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;

/// What the request says of where it came from.
#[derive(Debug, Default, Clone, Copy)]
pub struct Provenance<'a> {
    /// The `Origin` header.
    pub origin: Option<&'a str>,
    /// The `Referer` header.
    pub referer: Option<&'a str>,
    /// The `Sec-Fetch-Site` header.
    pub fetch_site: Option<&'a str>,
    /// The `Host` header.
    pub host: Option<&'a str>,
}

/// Whether a request may go on. Safe methods always may. Otherwise a browser's request must
/// come from the public origin, or from the host it was sent to under the public scheme; a
/// request with no browser headers at all (a command-line client) carries no ambient cookies
/// to abuse and may.
pub fn allowed(method: &Method, from: Provenance<'_>, public_origin: &str) -> bool {
    if matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return true;
    }
    let Some(public) = Site::parse(public_origin) else {
        return false;
    };
    let addressed = from
        .host
        .and_then(|host| Site::parse(&format!("{}://{host}", public.scheme)));
    let same = |url: &str| {
        Site::parse(url).is_some_and(|site| site == public || Some(&site) == addressed.as_ref())
    };
    if let Some(origin) = from.origin {
        return same(origin);
    }
    if let Some(referer) = from.referer {
        return same(referer);
    }
    !matches!(from.fetch_site, Some("cross-site" | "same-site"))
}

/// What two origins must share to be the same: scheme, host and port, the port filled in
/// when the scheme implies it (so `https://a` and `https://a:443` are one origin).
#[derive(Debug, PartialEq, Eq)]
struct Site {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Site {
    /// The site of an `http` or `https` URL or origin; `None` for anything else (`null`).
    fn parse(url: &str) -> Option<Self> {
        let url = url::Url::parse(url).ok()?;
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        Some(Self {
            scheme: url.scheme().to_owned(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port_or_known_default(),
        })
    }
}

/// Middleware applying [`allowed`]: 403 and nothing done when refused.
pub async fn refuse_cross_origin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    // Stripe's webhook carries no browser headers and no cookies; its signature is its
    // authentication.
    if request.uri().path() == crate::billing::webhook::PATH {
        return next.run(request).await;
    }
    let headers = request.headers();
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
    };
    let from = Provenance {
        origin: text(header::ORIGIN),
        referer: text(header::REFERER),
        fetch_site: text(header::HeaderName::from_static("sec-fetch-site")),
        host: text(header::HOST),
    };
    if allowed(request.method(), from, &state.public_origin) {
        next.run(request).await
    } else {
        tracing::warn!(origin = ?from.origin, path = %request.uri().path(), "cross-origin request refused");
        (StatusCode::FORBIDDEN, "Cross-origin request refused.").into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: &str = "https://fleet.example.com";

    fn post(from: Provenance<'_>) -> bool {
        allowed(&Method::POST, from, PUBLIC)
    }

    #[test]
    fn safe_methods_pass() {
        let from = Provenance {
            origin: Some("https://evil.example"),
            ..Default::default()
        };
        assert!(allowed(&Method::GET, from, PUBLIC));
    }

    #[test]
    fn same_origin_posts_pass() {
        assert!(post(Provenance {
            origin: Some(PUBLIC),
            ..Default::default()
        }));
        assert!(post(Provenance {
            origin: Some("https://fleet.internal:4000"),
            host: Some("fleet.internal:4000"),
            ..Default::default()
        }));
        assert!(post(Provenance {
            referer: Some("https://fleet.example.com/login?x=1"),
            ..Default::default()
        }));
    }

    #[test]
    fn other_origins_are_refused_even_sibling_subdomains() {
        for origin in [
            "https://evil.example",
            "https://shop.fleet.example.com",
            "null",
        ] {
            assert!(
                !post(Provenance {
                    origin: Some(origin),
                    host: Some("fleet.example.com"),
                    ..Default::default()
                }),
                "{origin}"
            );
        }
        assert!(!post(Provenance {
            referer: Some("https://evil.example/page"),
            ..Default::default()
        }));
        assert!(!post(Provenance {
            fetch_site: Some("cross-site"),
            ..Default::default()
        }));
    }

    #[test]
    fn scheme_host_and_port_must_all_match() {
        for origin in [
            "http://fleet.example.com",
            "https://fleet.example.com:8443",
            "https://fleet.example.org",
        ] {
            assert!(
                !post(Provenance {
                    origin: Some(origin),
                    ..Default::default()
                }),
                "{origin}"
            );
        }
        assert!(!post(Provenance {
            referer: Some("http://fleet.example.com/login"),
            ..Default::default()
        }));
        let plain = |origin| {
            allowed(
                &Method::POST,
                Provenance {
                    origin: Some(origin),
                    host: Some("127.0.0.1:4000"),
                    ..Default::default()
                },
                "http://127.0.0.1:3000",
            )
        };
        assert!(plain("http://127.0.0.1:4000"));
        assert!(!plain("https://127.0.0.1:4000"), "another scheme");
        assert!(!plain("http://127.0.0.1:4001"), "another port");
        assert!(!plain("http://localhost:4000"), "another host");
    }

    #[test]
    fn a_default_port_equals_an_absent_one() {
        assert!(post(Provenance {
            origin: Some("https://fleet.example.com:443"),
            ..Default::default()
        }));
        assert!(allowed(
            &Method::POST,
            Provenance {
                origin: Some("http://fleet.example.com"),
                ..Default::default()
            },
            "http://fleet.example.com:80",
        ));
        assert!(allowed(
            &Method::POST,
            Provenance {
                origin: Some("https://shop.example.com"),
                host: Some("shop.example.com:443"),
                ..Default::default()
            },
            PUBLIC,
        ));
    }

    #[test]
    fn clients_without_browser_headers_pass() {
        assert!(post(Provenance::default()));
    }
}
