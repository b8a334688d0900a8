//! Traces over OTLP/HTTP: a server started with `OTEL_EXPORTER_OTLP_ENDPOINT` sends its spans
//! to the collector there — each job step with its job's and tenant's ids, each server
//! function with the store it concerns. The collector here decodes what it receives with the
//! protocol's own generated types. The server runs as its own process: tracing is installed
//! once per process.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use prost::Message;

use crate::support::TEST_SECRET_KEY;

/// A span as received: its name and its attributes as text.
#[derive(Debug, Clone)]
struct Received {
    name: String,
    attributes: BTreeMap<String, String>,
    service: String,
}

type Inbox = Arc<Mutex<Vec<Received>>>;

async fn receive(State(inbox): State<Inbox>, body: Bytes) -> Vec<u8> {
    let request = ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf export");
    let text = |value: &Option<opentelemetry_proto::tonic::common::v1::AnyValue>| match value
        .as_ref()
        .and_then(|v| v.value.as_ref())
    {
        Some(Value::StringValue(s)) => s.clone(),
        Some(Value::IntValue(i)) => i.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    };
    let mut inbox = inbox.lock().unwrap();
    for resource in request.resource_spans {
        let service = resource
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .find(|kv| kv.key == "service.name")
            .map(|kv| text(&kv.value))
            .unwrap_or_default();
        for scope in resource.scope_spans {
            for span in scope.spans {
                inbox.push(Received {
                    name: span.name,
                    attributes: span
                        .attributes
                        .iter()
                        .map(|kv| (kv.key.clone(), text(&kv.value)))
                        .collect(),
                    service: service.clone(),
                });
            }
        }
    }
    ExportTraceServiceResponse::default().encode_to_vec()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server process, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    for _ in 0..300 {
        if let Some(found) = check() {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within 30 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_steps_and_server_functions_are_exported_as_spans_with_their_ids() {
    let inbox = Inbox::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let collector = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/v1/traces", post(receive))
        .with_state(inbox.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let folder = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/storefleet.db", folder.path().display());
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_storefleet"))
            .arg("serve")
            .current_dir(folder.path())
            .env("DATABASE_URL", &database_url)
            .env("STOREFLEET_BIND", format!("127.0.0.1:{port}"))
            .env("STOREFLEET_CLUSTER", "simulated")
            .env("STOREFLEET_SIM_READY_DELAY_MS", "100")
            .env("STOREFLEET_SECRET_KEY", TEST_SECRET_KEY)
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector)
            .env("OTEL_SERVICE_NAME", "storefleet-traced")
            .env("OTEL_BSP_SCHEDULE_DELAY", "100")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let http = reqwest::Client::new();
    let ready = format!("{base}/readyz");
    for _ in 0..300 {
        if http
            .get(&ready)
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A store provisioned by the server's job worker.
    let created = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_storefleet"))
            .args(["--database-url", &database_url, "tenant", "create"])
            .args(["--subdomain", "traced", "--plan", "starter", "--wait"])
            .env("RUST_LOG", "error")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(created.status.success(), "{created:?}");
    // A server function about that store (refused: nobody is signed in).
    let asked = http
        .post(format!("{base}/api/stores/overview"))
        .form(&[("subdomain", "traced")])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 401);

    let spans = || inbox.lock().unwrap().clone();
    let step = eventually("a job step's span", || {
        spans()
            .into_iter()
            .find(|s| s.name == "job_step" && s.attributes.contains_key("step"))
    })
    .await;
    assert_eq!(step.service, "storefleet-traced");
    assert!(!step.attributes["job.id"].is_empty(), "{step:?}");
    assert!(!step.attributes["tenant.id"].is_empty(), "{step:?}");
    assert_eq!(step.attributes["job.kind"], "provision", "{step:?}");
    let job = spans()
        .into_iter()
        .find(|s| s.name == "job" && s.attributes.get("job.id") == step.attributes.get("job.id"));
    assert!(job.is_some(), "no span of the whole job: {:?}", spans());
    let function = eventually("the server function's span", || {
        spans().into_iter().find(|s| {
            s.name == "request"
                && s.attributes.get("http.path").map(String::as_str) == Some("/api/stores/overview")
        })
    })
    .await;
    assert_eq!(
        function
            .attributes
            .get("tenant.subdomain")
            .map(String::as_str),
        Some("traced"),
        "{function:?}"
    );
}
