//! The audit log: who did what to which target, when and from where; and the search of it
//! the admin page asks for.

use serde::{Deserialize, Serialize};

use super::paging::{parse_page, query_string};

/// The actions the audit log records.
pub mod action {
    /// An admin created a tenant.
    pub const TENANT_CREATE: &str = "tenant.create";
    /// An admin started deleting a tenant.
    pub const TENANT_DELETE: &str = "tenant.delete";
    /// An admin retried a tenant's failed job.
    pub const TENANT_RETRY: &str = "tenant.retry";
    /// An admin gave an account another role.
    pub const USER_SET_ROLE: &str = "user.set_role";
    /// An account signed in.
    pub const ACCOUNT_LOG_IN: &str = "account.log_in";
    /// An account signed out.
    pub const ACCOUNT_LOG_OUT: &str = "account.log_out";
    /// An account was created by its owner.
    pub const ACCOUNT_SIGN_UP: &str = "account.sign_up";
    /// A tenant was suspended, by an admin or by billing.
    pub const TENANT_SUSPEND: &str = "tenant.suspend";
    /// A suspended tenant was resumed, by an admin or by billing.
    pub const TENANT_RESUME: &str = "tenant.resume";
    /// An admin cancelled a tenant's unfinished job.
    pub const TENANT_CANCEL: &str = "tenant.cancel";
    /// An admin turned a tenant's self-heal on or off.
    pub const TENANT_SELF_HEAL: &str = "tenant.self_heal";
    /// An admin re-provisioned a tenant.
    pub const TENANT_REPROVISION: &str = "tenant.reprovision";
    /// An owner (or admin) changed a store's settings.
    pub const SETTINGS_CHANGE: &str = "settings.change";
    /// Billing started provisioning a store on its first payment.
    pub const TENANT_PROVISION: &str = "tenant.provision";
    /// Billing archived a store whose retention period ran out.
    pub const TENANT_ARCHIVE: &str = "tenant.archive";
    /// A customer created a store from the sign-up form.
    pub const STORE_CREATE: &str = "store.create";
    /// An owner went to pay for a store, or to its billing portal.
    pub const BILLING_OPEN: &str = "billing.open";
    /// A release was made.
    pub const RELEASE_CREATE: &str = "release.create";
    /// An API token was made.
    pub const TOKEN_CREATE: &str = "token.create";
    /// An API token was revoked.
    pub const TOKEN_REVOKE: &str = "token.revoke";
    /// A call with an API token was refused.
    pub const TOKEN_REFUSED: &str = "token.refused";
    /// A rollout was started.
    pub const ROLLOUT_START: &str = "rollout.start";
    /// A rollout was paused.
    pub const ROLLOUT_PAUSE: &str = "rollout.pause";
    /// A paused rollout was resumed.
    pub const ROLLOUT_RESUME: &str = "rollout.resume";
    /// A rollout was aborted.
    pub const ROLLOUT_ABORT: &str = "rollout.abort";
    /// A rollout, or one store of it, was rolled back.
    pub const ROLLOUT_ROLLBACK: &str = "rollout.rollback";
    /// A tenant was pinned to its release, or unpinned.
    pub const TENANT_PIN: &str = "tenant.pin";
    /// A tenant was made a canary, or no longer one.
    pub const TENANT_CANARY: &str = "tenant.canary";
    /// A backup of a store was asked for.
    pub const BACKUP_CREATE: &str = "backup.create";
    /// A backup was restored into its store.
    pub const BACKUP_RESTORE: &str = "backup.restore";
    /// A link to download a backup was handed out.
    pub const BACKUP_DOWNLOAD: &str = "backup.download";
    /// A restore drill of a store's latest backup was asked for.
    pub const BACKUP_DRILL: &str = "backup.drill";
    /// How many standby stores a plan keeps was set.
    pub const POOL_SET: &str = "pool.set";

    /// Every action, for the filter.
    pub const ALL: [&str; 33] = [
        TENANT_CREATE,
        TENANT_DELETE,
        TENANT_RETRY,
        USER_SET_ROLE,
        ACCOUNT_LOG_IN,
        ACCOUNT_LOG_OUT,
        ACCOUNT_SIGN_UP,
        TENANT_SUSPEND,
        TENANT_RESUME,
        TENANT_REPROVISION,
        TENANT_CANCEL,
        TENANT_SELF_HEAL,
        TENANT_PROVISION,
        TENANT_ARCHIVE,
        SETTINGS_CHANGE,
        STORE_CREATE,
        BILLING_OPEN,
        RELEASE_CREATE,
        TOKEN_CREATE,
        TOKEN_REVOKE,
        TOKEN_REFUSED,
        ROLLOUT_START,
        ROLLOUT_PAUSE,
        ROLLOUT_RESUME,
        ROLLOUT_ABORT,
        ROLLOUT_ROLLBACK,
        TENANT_PIN,
        TENANT_CANARY,
        BACKUP_CREATE,
        BACKUP_RESTORE,
        BACKUP_DOWNLOAD,
        BACKUP_DRILL,
        POOL_SET,
    ];
}

/// The longest actor or target text accepted in a search.
pub const MAX_FILTER_LEN: usize = 200;

/// Why an audit URL cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditQueryError {
    /// The action filter names no action.
    #[error("There is no action named \"{0}\".")]
    UnknownAction(String),
    /// A filter is longer than [`MAX_FILTER_LEN`].
    #[error("A filter is too long (at most {MAX_FILTER_LEN} characters).")]
    TooLong,
}

/// A search of the audit log, newest first: text in the actor's email and in the target
/// (substrings, any case), one action, and a page (from 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Text in the actor's email; empty matches everyone.
    pub actor: String,
    /// Only this action.
    pub action: Option<String>,
    /// Text in the target; empty matches every target.
    pub target: String,
    /// The page asked for, from 1.
    pub page: u32,
}

fn present(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl AuditQuery {
    /// Reads the URL's parameters `actor`, `action`, `target` and `page`. A bad page is the
    /// first; an unknown action or an overlong filter is an error.
    pub fn parse(param: impl Fn(&str) -> Option<String>) -> Result<Self, AuditQueryError> {
        let actor = present(param("actor")).unwrap_or_default();
        let target = present(param("target")).unwrap_or_default();
        if actor.chars().count() > MAX_FILTER_LEN || target.chars().count() > MAX_FILTER_LEN {
            return Err(AuditQueryError::TooLong);
        }
        let action = present(param("action"))
            .map(|name| {
                if action::ALL.contains(&name.as_str()) {
                    Ok(name)
                } else {
                    Err(AuditQueryError::UnknownAction(name))
                }
            })
            .transpose()?;
        Ok(Self {
            actor,
            action,
            target,
            page: parse_page(param("page").as_deref()),
        })
    }

    /// The address of the audit page showing this search.
    pub fn href(&self) -> String {
        let page = if self.page > 1 {
            self.page.to_string()
        } else {
            String::new()
        };
        let query = query_string(&[
            ("actor", self.actor.clone()),
            ("action", self.action.clone().unwrap_or_default()),
            ("target", self.target.clone()),
            ("page", page),
        ]);
        if query.is_empty() {
            "/admin/audit".to_owned()
        } else {
            format!("/admin/audit?{query}")
        }
    }

    /// The same search on another page.
    pub fn on_page(&self, page: u32) -> Self {
        Self {
            page,
            ..self.clone()
        }
    }
}

/// An action to record. Never holds a secret: `detail` says what changed, not with what key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// What kind of actor acted.
    pub actor_kind: super::ActorKind,
    /// The account that acted, if it is known.
    pub actor_id: Option<String>,
    /// Its email, kept as it was then.
    pub actor_email: String,
    /// What it did: one of [`action::ALL`].
    pub action: String,
    /// What it did it to (a subdomain, an email).
    pub target: String,
    /// More about it (e.g. `role=admin`), without secrets.
    pub detail: String,
    /// Where the request came from.
    pub client_addr: String,
}

/// A recorded action as the audit page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntryView {
    /// Its id.
    pub id: String,
    /// When, RFC 3339.
    pub at: String,
    /// What kind of actor: an account, an operator, a token, a webhook, storefleet.
    pub actor_kind: super::ActorKind,
    /// Who: an account's email, an operator's login name, a provider.
    pub actor_email: String,
    /// What.
    pub action: String,
    /// To what.
    pub target: String,
    /// More about it.
    pub detail: String,
    /// From which address.
    pub client_addr: String,
}

/// One page of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    /// The entries on this page, newest first.
    pub rows: Vec<AuditEntryView>,
    /// How many entries match in all.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u32,
    /// How many pages there are (at least 1).
    pub pages: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<AuditQuery, AuditQueryError> {
        AuditQuery::parse(|key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn filters_and_page_are_read_and_written_back() {
        let query = parse(&[
            ("actor", " ada "),
            ("action", "tenant.create"),
            ("target", "acme"),
            ("page", "2"),
        ])
        .unwrap();
        assert_eq!(query.actor, "ada");
        assert_eq!(query.action.as_deref(), Some("tenant.create"));
        assert_eq!(
            query.href(),
            "/admin/audit?actor=ada&action=tenant.create&target=acme&page=2"
        );
        assert_eq!(parse(&[]).unwrap().href(), "/admin/audit");
        assert_eq!(parse(&[("page", "-1")]).unwrap().page, 1);
    }

    #[test]
    fn an_unknown_action_or_a_long_filter_is_an_error() {
        assert_eq!(
            parse(&[("action", "drop")]),
            Err(AuditQueryError::UnknownAction("drop".into()))
        );
        let long = "x".repeat(MAX_FILTER_LEN + 1);
        assert_eq!(parse(&[("target", &long)]), Err(AuditQueryError::TooLong));
    }
}
