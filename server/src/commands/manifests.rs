//! `storefleet manifests render`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, Context};

use app::domain::Subdomain;

use crate::config::{ClusterConfig, DbConfig};
use crate::db::{catalog, tenants};
use crate::provision::manifests::{self, Mode, TenantSpec};
use crate::serve;

/// Writes one YAML file per object of a tenant with default settings into `out`, in apply
/// order, and prints their names. Secret values are redacted.
pub async fn render(
    db: &DbConfig,
    subdomain: &str,
    plan: &str,
    out: &Path,
    cluster: &ClusterConfig,
) -> anyhow::Result<()> {
    let subdomain = Subdomain::parse(subdomain)?;
    let database = serve::open_database(db).await?;
    let plan = catalog::plan(&database.pool, plan)
        .await?
        .ok_or_else(|| anyhow!("no plan named {plan:?}"))?;
    let blueprint = catalog::blueprint(&database.pool, &plan.blueprint)
        .await?
        .ok_or_else(|| {
            anyhow!(
                "plan {} names a missing blueprint {}",
                plan.name,
                plan.blueprint
            )
        })?;
    let settings = BTreeMap::new();
    let release = BTreeMap::new();
    // A store that exists keeps its namespace; a new one would get a fresh key.
    let existing = tenants::by_subdomain(&database.pool, subdomain.as_str()).await?;
    let key = existing
        .as_ref()
        .map_or_else(crate::tenants::key::new_key, |t| t.key.clone());
    let owner = existing.as_ref().and_then(|t| t.owner_id.clone());
    eprintln!("namespace {}", cluster.settings().namespace(&key));
    let spec = TenantSpec {
        subdomain: &subdomain,
        key: &key,
        owner: owner.as_deref(),
        standby: false,
        plan: &plan,
        blueprint: &blueprint,
        settings: &settings,
        release: &release,
        database_password: "redacted",
        mode: Mode::Serving,
    };
    let objects = manifests::render(&spec, &cluster.settings())?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for (order, object) in objects.iter().enumerate() {
        let path = out.join(object.file_name(order + 1));
        std::fs::write(&path, object.redacted().to_yaml())
            .with_context(|| format!("writing {}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(())
}
