//! Provisioning: turning a tenant into Kubernetes objects.

pub mod apply;
pub mod causes;
pub mod drift;
pub mod engine;
pub mod inspect;
pub mod labels;
pub mod manifests;
pub mod readiness;
pub mod reconciler;
pub mod watch;
