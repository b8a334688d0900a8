//! Every answer carries the security headers; a page's Content-Security-Policy allows only
//! inline scripts carrying that answer's nonce, and every inline script of the page carries
//! it; pages are compressed for browsers that ask; HSTS only with an https public URL.

use crate::support::{client, test_config, Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_allows_only_its_own_nonce_and_every_script_carries_it() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let answer = client()
            .get(format!("{}/signup", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let headers = answer.headers().clone();
        let header = |name: &str| {
            headers
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let policy = header("content-security-policy");
        let nonce = policy
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("no nonce in {policy:?}"))
            .to_owned();
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("x-frame-options"), "DENY");
        assert_eq!(header("referrer-policy"), "strict-origin-when-cross-origin");
        assert_eq!(header("strict-transport-security"), "", "not over http");

        let page = answer.text().await.unwrap();
        let scripts: Vec<&str> = page.split("<script").skip(1).collect();
        assert!(
            !scripts.is_empty(),
            "the page hydrates through an inline script"
        );
        for script in scripts {
            let tag = script.split('>').next().unwrap();
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "a script without the nonce: <script{tag}>"
            );
        }
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "each answer has its own nonce");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_answers_allow_nothing_and_pages_are_compressed_when_asked() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let health = client()
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        health.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    assert_eq!(health.headers()["x-content-type-options"], "nosniff");

    for (asked, sent) in [
        ("br", Some("br")),
        ("gzip", Some("gzip")),
        ("identity", None),
    ] {
        let answer = client()
            .get(format!("{}/signup", app.base))
            .header("accept-encoding", asked)
            .send()
            .await
            .unwrap();
        let encoding = answer
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(encoding.as_deref(), sent, "asked for {asked}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_public_url_tells_browsers_to_keep_to_https() {
    let mut config = test_config();
    config.public_url = "https://fleet.example.com".parse().unwrap();
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, config).await else {
        return;
    };
    let answer = client()
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.headers()["strict-transport-security"],
        "max-age=63072000; includeSubDomains"
    );
}
