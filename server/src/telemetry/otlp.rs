//! Traces sent to an OpenTelemetry collector over OTLP/HTTP (protobuf), through the server's
//! own HTTP client on its own runtime: the exporter's background thread hands each batch to
//! that runtime and waits for the answer.

use async_trait::async_trait;
use axum::body::Bytes;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{SpanExporter, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;

use super::TracingConfig;

/// An exporter's HTTP client: requests run on the Tokio runtime the server runs on.
#[derive(Debug)]
struct OnRuntime {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait]
impl HttpClient for OnRuntime {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        let (parts, body) = request.into_parts();
        let answer = self
            .runtime
            .spawn(async move {
                let answer = client
                    .request(parts.method, parts.uri.to_string())
                    .headers(parts.headers)
                    .body(body)
                    .send()
                    .await?;
                let status = answer.status();
                let body = answer.bytes().await?;
                Ok::<_, reqwest::Error>((status, body))
            })
            .await??;
        let (status, body) = answer;
        Ok(Response::builder().status(status).body(body)?)
    }
}

/// The tracer provider for `config`'s collector, and a tracer of it; `None` when no
/// collector is configured.
pub fn provider(config: &TracingConfig) -> Result<Option<(SdkTracerProvider, SdkTracer)>, String> {
    let Some(endpoint) = &config.otlp_endpoint else {
        return Ok(None);
    };
    let traces = format!("{}/v1/traces", endpoint.as_str().trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Handle::try_current().map_err(|e| e.to_string())?;
    let exporter = SpanExporter::builder()
        .with_http()
        .with_http_client(OnRuntime { client, runtime })
        .with_endpoint(traces)
        .build()
        .map_err(|e| e.to_string())?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(config.service_name.clone())
                .build(),
        )
        .build();
    let tracer = provider.tracer("storefleet");
    Ok(Some((provider, tracer)))
}
