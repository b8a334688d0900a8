//! The system page's service: the doctor's checks, run by the server with its own
//! connections.

use std::sync::Arc;

use async_trait::async_trait;

use app::domain::system::SystemCheck;
use app::error::AppError;
use app::ports::SystemHealth;

use super::{examine, ClusterSubject, Subjects};
use crate::config::ServeConfig;
use crate::db::Db;

/// Runs the checks against the server's settings, database and cluster.
pub struct SystemService {
    config: Arc<ServeConfig>,
    database_url: String,
    database: Db,
    cluster: kube::Client,
    simulated: bool,
}

impl SystemService {
    /// The service over what the server runs with.
    pub fn new(
        config: Arc<ServeConfig>,
        database_url: String,
        database: Db,
        cluster: kube::Client,
        simulated: bool,
    ) -> Self {
        Self {
            config,
            database_url,
            database,
            cluster,
            simulated,
        }
    }
}

#[async_trait]
impl SystemHealth for SystemService {
    async fn checks(&self) -> Result<Vec<SystemCheck>, AppError> {
        Ok(examine(&Subjects {
            config: &self.config,
            database_url: &self.database_url,
            database: Ok(&self.database),
            cluster: Ok(ClusterSubject {
                client: &self.cluster,
                simulated: self.simulated,
            }),
        })
        .await)
    }
}
