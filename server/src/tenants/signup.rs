//! A customer's own store: whether a subdomain is free, creating the store at sign-up (waiting
//! for its first payment, or provisioned at once when billing is off), and showing it to its
//! owner only. Every check runs again here, whatever the browser said.

use std::collections::BTreeMap;

use app::domain::audit::action;
use app::domain::signup::{taken_message, STORE_NAME_SETTING};
use app::domain::{
    Actor, Availability, NewStore, SettingValue, Subdomain, TenantState, TenantView,
};

use super::error::TenantError;
use super::TenantService;
use crate::clock::now_ms;
use crate::db::tenants::{self, Created, TenantRecord};
use crate::db::{catalog, users};
use crate::jobs::JobKind;

impl TenantService {
    async fn is_taken(&self, subdomain: &Subdomain) -> Result<bool, TenantError> {
        Ok(tenants::by_subdomain(self.pool(), subdomain.as_str())
            .await?
            .is_some())
    }

    /// Whether a subdomain, as typed, can be chosen for a new store.
    pub async fn subdomain_available(&self, raw: &str) -> Result<Availability, TenantError> {
        match Subdomain::parse(raw) {
            Err(error) => Ok(Availability::invalid(&error)),
            Ok(subdomain) => {
                let taken = self.is_taken(&subdomain).await?;
                Ok(Availability::checked(&subdomain, taken, self.base_domain()))
            }
        }
    }

    /// Checks a new store against the catalogue (the plan exists, the name suits its
    /// blueprint's `store_name` setting) and the subdomains taken. Returns the settings the
    /// store starts with.
    pub async fn check_new_store(
        &self,
        store: &NewStore,
    ) -> Result<BTreeMap<String, String>, TenantError> {
        let plan = catalog::plan(self.pool(), &store.plan)
            .await?
            .ok_or_else(|| {
                TenantError::Invalid(format!("There is no plan named \"{}\".", store.plan))
            })?;
        let blueprint = catalog::blueprint(self.pool(), &plan.blueprint).await?;
        let spec = blueprint
            .as_ref()
            .and_then(|b| b.settings.iter().find(|s| s.key == STORE_NAME_SETTING));
        let store_name = match spec {
            Some(spec) => SettingValue::parse(spec, &store.store_name)
                .map_err(|e| TenantError::Invalid(e.to_string()))?
                .as_str()
                .to_owned(),
            None => store.store_name.clone(),
        };
        if self.is_taken(&store.subdomain).await? {
            return Err(TenantError::Conflict(taken_message(
                store.subdomain.as_str(),
            )));
        }
        Ok(BTreeMap::from([(
            STORE_NAME_SETTING.to_owned(),
            store_name,
        )]))
    }

    /// Creates a customer's store, owned by the actor, its name saved as its `store_name`
    /// setting. With `pay_first` it waits for its first payment (no job yet); otherwise it is
    /// provisioned at once. Returns it with its job's id, if one was queued. A subdomain taken
    /// meanwhile is a conflict and creates nothing.
    pub async fn sign_up_store(
        &self,
        actor: &Actor,
        store: &NewStore,
        pay_first: bool,
    ) -> Result<(TenantView, Option<String>), TenantError> {
        let settings = self.check_new_store(store).await?;
        let owner_id = actor.user_id.as_ref().ok_or(TenantError::NoAccount)?;
        let owner = users::by_id(self.pool(), owner_id.as_str())
            .await?
            .ok_or(TenantError::NoAccount)?;
        let (state, job) = if pay_first {
            (TenantState::PendingPayment, None)
        } else {
            (TenantState::Provisioning, Some(JobKind::Provision))
        };
        let now = now_ms();
        let record = TenantRecord {
            id: uuid::Uuid::new_v4().to_string(),
            subdomain: store.subdomain.clone(),
            key: crate::tenants::key::new_key(),
            standby: false,
            plan: store.plan.clone(),
            owner_id: Some(owner.id.clone()),
            state,
            settings,
            release: None,
            pinned: None,
            canary: false,
            created_at: now,
            drift: None,
            self_heal: true,
        };
        let cause = format!("signup by {}", actor.name);
        match tenants::create(self.pool(), &record, &cause, job, now).await? {
            Created::Created { job_id } => {
                let job_id = job.map(|_| job_id);
                tracing::info!(
                    tenant = %record.subdomain,
                    plan = %record.plan,
                    state = state.as_str(),
                    job_id = job_id.as_deref().unwrap_or("none"),
                    "store signed up"
                );
                let detail = format!("plan={} pay_first={pay_first}", record.plan);
                self.audit()
                    .record(
                        actor,
                        action::STORE_CREATE,
                        record.subdomain.as_str(),
                        &detail,
                    )
                    .await;
                Ok((self.view(&record, Some(owner.email)), job_id))
            }
            Created::SubdomainTaken => Err(TenantError::Conflict(taken_message(
                record.subdomain.as_str(),
            ))),
        }
    }
}
