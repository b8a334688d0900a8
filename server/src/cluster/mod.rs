//! Clusters: the engine talks to Kubernetes only through `kube::Client`, built here for a real
//! cluster (kubeconfig or in-cluster credentials) or for the simulated cluster in [`sim`].

pub mod admission;
pub mod authz;
pub mod client;
pub mod connect;
pub mod fault;
pub mod measured;
pub mod quantity;
pub mod sim;

pub use sim::{SimCluster, SimOptions};
