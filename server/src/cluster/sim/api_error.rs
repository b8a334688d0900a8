//! The errors the simulated cluster answers with, as the Kubernetes `Status` objects a real
//! API server sends, so `kube::Error::Api` carries the same code and reason.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::resources::Resource;

/// A request the simulated cluster refuses.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 404: the object (or the namespace it would live in) does not exist.
    #[error("{plural} {name:?} not found")]
    NotFound {
        /// Plural of the missing object's kind.
        plural: &'static str,
        /// Its API group.
        group: &'static str,
        /// Its name.
        name: String,
    },
    /// 404: the path names no kind served here.
    #[error("the server could not find the requested resource")]
    NoSuchPath,
    /// 409: a create names an object that exists.
    #[error("{plural} {name:?} already exists")]
    AlreadyExists {
        /// Plural of the kind.
        plural: &'static str,
        /// API group of the kind.
        group: &'static str,
        /// The name.
        name: String,
    },
    /// 409: the body's `resourceVersion` is not the stored one.
    #[error("Operation cannot be fulfilled on {plural} {name:?}: the object has been modified; please apply your changes to the latest version and try again")]
    Conflict {
        /// Plural of the kind.
        plural: &'static str,
        /// API group of the kind.
        group: &'static str,
        /// The name.
        name: String,
    },
    /// 409: an apply would change a field another field manager owns, and is not forced.
    #[error("Apply failed with 1 conflict: conflict with {manager:?}: .{field}")]
    ApplyConflict {
        /// Plural of the kind.
        plural: &'static str,
        /// API group of the kind.
        group: &'static str,
        /// The name.
        name: String,
        /// The manager owning the field.
        manager: String,
        /// The field, dotted.
        field: String,
    },
    /// 422: the body does not describe the object the path names, or is not a valid one.
    #[error("{} {name:?} is invalid: {message}", qualified(kind, group))]
    Invalid {
        /// Kind named by the path.
        kind: &'static str,
        /// API group of the kind (empty for the core group).
        group: &'static str,
        /// The name, as far as known.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// 400: the request cannot be read.
    #[error("{0}")]
    BadRequest(String),
    /// 403: new objects cannot be made in a namespace that is being deleted.
    #[error("{plural} {name:?} is forbidden: unable to create new content in namespace {namespace} because it is being terminated")]
    NamespaceTerminating {
        /// Plural of the kind.
        plural: &'static str,
        /// The name.
        name: String,
        /// The namespace being deleted.
        namespace: String,
    },
    /// 403: admission refused the object (a quota it would exceed).
    #[error("{plural} {name:?} is forbidden: {message}")]
    Forbidden {
        /// Plural of the kind.
        plural: &'static str,
        /// The name.
        name: String,
        /// Why, as the admission plugin says.
        message: String,
    },
    /// 405: the verb is not served on this path.
    #[error("the server does not allow this method on the requested resource")]
    MethodNotAllowed,
    /// 503: a proxied Service has no ready pod behind it.
    #[error("{0}")]
    Unavailable(String),
    /// 415: a patch type other than server-side apply.
    #[error("the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml")]
    UnsupportedMediaType,
}

/// Result of a request to the simulated cluster.
pub type Result<T> = std::result::Result<T, ApiError>;

impl ApiError {
    /// 404 for a missing object of `resource`.
    pub fn not_found(resource: &Resource, name: &str) -> Self {
        Self::NotFound {
            plural: resource.plural,
            group: resource.group,
            name: name.to_owned(),
        }
    }

    /// 422 for a bad body sent for an object of `resource`.
    pub fn invalid(resource: &Resource, name: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            kind: resource.kind,
            group: resource.group,
            name: name.to_owned(),
            message: message.into(),
        }
    }

    /// The HTTP status code.
    pub fn code(&self) -> StatusCode {
        match self {
            Self::NotFound { .. } | Self::NoSuchPath => StatusCode::NOT_FOUND,
            Self::AlreadyExists { .. } | Self::Conflict { .. } | Self::ApplyConflict { .. } => {
                StatusCode::CONFLICT
            }
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NamespaceTerminating { .. } | Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The machine-readable `reason` of the Status.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NotFound { .. } | Self::NoSuchPath => "NotFound",
            Self::AlreadyExists { .. } => "AlreadyExists",
            Self::Conflict { .. } | Self::ApplyConflict { .. } => "Conflict",
            Self::Invalid { .. } => "Invalid",
            Self::BadRequest(_) => "BadRequest",
            Self::NamespaceTerminating { .. } | Self::Forbidden { .. } => "Forbidden",
            Self::MethodNotAllowed => "MethodNotAllowed",
            Self::UnsupportedMediaType => "UnsupportedMediaType",
            Self::Unavailable(_) => "ServiceUnavailable",
        }
    }

    /// The `Status` object sent as the body.
    pub fn to_status(&self) -> Value {
        let details = match self {
            Self::NotFound {
                plural,
                group,
                name,
            }
            | Self::AlreadyExists {
                plural,
                group,
                name,
            }
            | Self::Conflict {
                plural,
                group,
                name,
            }
            | Self::ApplyConflict {
                plural,
                group,
                name,
                ..
            } => details(name, group, plural),
            Self::Invalid {
                kind, group, name, ..
            } => details(name, group, kind),
            Self::NamespaceTerminating { plural, name, .. }
            | Self::Forbidden { plural, name, .. } => details(name, "", plural),
            _ => json!({}),
        };
        json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.to_string(),
            "reason": self.reason(),
            "details": details,
            "code": self.code().as_u16(),
        })
    }
}

/// A kind as the API server names it in messages: `Pod`, `Deployment.apps`.
fn qualified(kind: &str, group: &str) -> String {
    if group.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}.{group}")
    }
}

/// The `details` of a Status about one object, as the API server fills them.
pub fn details(name: &str, group: &str, kind: &str) -> Value {
    let mut details = json!({ "name": name, "kind": kind });
    if !group.is_empty() {
        details["group"] = json!(group);
    }
    details
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.code(), Json(self.to_status())).into_response()
    }
}
