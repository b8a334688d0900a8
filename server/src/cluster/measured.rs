//! Every call the engine makes to the cluster, measured: its latency by verb and resource, and
//! its failures by answer, for `/metrics`. The verb and resource are read from the request the
//! way the API server's authoriser reads them ([`authorized_as`]), so they are the RBAC
//! rules' words; a path that names no resource (`/version`, discovery) counts as `other`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::http::{Request, Response};
use tower::{Layer, Service};

use super::authz::authorized_as;

/// The layer measuring every call of a `kube::Client`.
#[derive(Debug, Clone, Copy, Default)]
pub struct MeasureLayer;

impl<S> Layer<S> for MeasureLayer {
    type Service = Measured<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Measured { inner }
    }
}

/// A client's service with every call measured.
#[derive(Debug, Clone)]
pub struct Measured<S> {
    inner: S,
}

type Answer<R, E> = Pin<Box<dyn Future<Output = Result<R, E>> + Send>>;

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Measured<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Answer<S::Response, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (verb, resource) = authorized_as(
            request.method(),
            request.uri().path(),
            request.uri().query(),
        )
        .map_or_else(
            || ("get".to_owned(), "other".to_owned()),
            |seen| (seen.verb, seen.resource),
        );
        let started = Instant::now();
        let answer = self.inner.call(request);
        Box::pin(async move {
            let answer = answer.await;
            let status = answer
                .as_ref()
                .ok()
                .map(|response| response.status().as_u16());
            crate::metrics::cluster_call(&verb, &resource, status, started.elapsed());
            answer
        })
    }
}
