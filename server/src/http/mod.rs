//! The HTTP edge: routes, the Leptos integration and the middleware around them.

pub mod api_v1;
pub mod client_addr;
pub mod csrf;
pub mod downloads;
pub mod headers;
pub mod health;
pub mod metrics;
pub mod progress;
pub mod rollout_stream;
pub mod server_fns;

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRef, Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{middleware, Router};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

use app::api::guard::SignedIn;
use app::ports::Services;
use app::{shell, App};

use crate::config::ServeConfig;
use crate::db::Db;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "storefleet_session";

/// How long a request may take before it is answered 503. Event streams answer at once and
/// then stream for as long as they like.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Leptos' settings (site root, output name).
    pub leptos: LeptosOptions,
    /// The services server functions call, shared: each request's context holds one handle.
    pub services: Arc<Services>,
    /// The database, for readiness.
    pub db: Db,
    /// Whether the cluster is the simulated one (the UI says so).
    pub simulated: bool,
    /// The origin form posts must come from.
    pub public_origin: Arc<str>,
    /// Whether to read the client address from `X-Forwarded-For`.
    pub trust_forwarded_for: bool,
    /// The token `/metrics` asks for; `None`: metrics are off.
    pub metrics_token: Option<Arc<crate::dns::secret::Secret>>,
    /// Jobs' progress, pushed to the pages watching them.
    pub progress: Arc<crate::jobs::hub::ProgressHub>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// The app's routes, generated once per process. Generating them runs the app with resource
/// loading suppressed process-wide, so a page rendering at that moment (another server in the
/// same process, as in the tests) would wait forever on a resource; the list never changes, so
/// it is made once, before any server starts serving.
fn routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Builds the whole router, with `outside`: routes outside Leptos and its sessions' use,
/// Stripe's webhook (answering 404 while billing is off, exempt from the origin check) and
/// the token API (whose callers send no browser headers).
pub fn router(state: AppState, config: &ServeConfig, outside: Router<AppState>) -> Router {
    let routes = routes();
    let sessions = SessionManagerLayer::new(state.db.sessions.clone())
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(Duration::days(
            config.session_idle_days,
        )));
    let services = state.services.clone();

    // Server functions answer with their errors' status; the pages share their routes.
    let app = Router::new()
        .route("/api/{*function}", get(server_fn).post(server_fn))
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(services.clone());
                provide_context(SignedIn::default());
                headers::provide_nonce();
            },
            {
                let options = state.leptos.clone();
                move || shell(options.clone())
            },
        )
        .layer(middleware::from_fn(server_fns::answer));
    let policy = Arc::new(headers::HeaderPolicy {
        https: config.secure_cookies(),
        assets: format!("/{}/", state.leptos.site_pkg_dir),
        hashed_assets: state.leptos.hash_files,
    });

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/api/jobs/{id}/events", get(progress::job_events))
        .route(
            "/api/rollouts/{id}/events",
            get(rollout_stream::rollout_events),
        )
        .route(
            "/stores/{subdomain}/backups/{id}/download",
            get(downloads::backup_download),
        )
        .merge(outside)
        .merge(app)
        .route_layer(middleware::from_fn(metrics::measure))
        // The WASM, its chunks and the scripts, served as files alone. Leptos' fallback would
        // serve them too, but it answers with the status of whatever page render its context
        // happens to find, and a page loads dozens of chunks while other pages render.
        .nest_service(
            &format!("/{}", state.leptos.site_pkg_dir),
            package(&state.leptos),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            {
                let services = state.services.clone();
                move || {
                    provide_context(services.clone());
                    provide_context(SignedIn::default());
                    headers::provide_nonce();
                }
            },
            shell,
        ))
        .layer(sessions)
        .layer(DefaultBodyLimit::max(server_fns::BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            csrf::refuse_cross_origin,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            client_addr::attach,
        ))
        .layer(middleware::from_fn_with_state(policy, headers::secure))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The site's package folder (`<site root>/pkg`) as files.
fn package(options: &LeptosOptions) -> ServeDir {
    ServeDir::new(Path::new(&*options.site_root).join(&*options.site_pkg_dir))
}

/// The span of one request (a page, a server function under `/api/`): its method and path,
/// and the store it concerns once a server function knows it (`tenant.subdomain`, recorded
/// by the access checks).
fn request_span(request: &Request<Body>) -> tracing::Span {
    tracing::info_span!(
        "request",
        http.method = %request.method(),
        http.path = request.uri().path(),
        tenant.subdomain = tracing::field::Empty,
    )
}

/// Any other path under `/api/`: leptos answers 400, as no server function is there.
async fn server_fn(State(state): State<AppState>, request: Request<Body>) -> impl IntoResponse {
    let services = state.services.clone();
    leptos_axum::handle_server_fns_with_context(
        move || {
            provide_context(services.clone());
            provide_context(SignedIn::default());
        },
        request,
    )
    .await
}
