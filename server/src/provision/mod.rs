//! Provisioning: turning a tenant into Kubernetes objects.

pub mod labels;
pub mod manifests;
