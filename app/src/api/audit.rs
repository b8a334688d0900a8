//! Recording what admins and owners did, after it succeeded: who, what, to which target, and
//! from which address.

use crate::api::guard::{client_addr, current_user, services};
use crate::domain::{NewAuditEntry, UserView};

/// Records an action of the signed-in account. A failure to record is logged and does not
/// undo or fail the action, which has already happened.
pub async fn record(action: &str, target: &str, detail: &str) {
    match current_user().await {
        Ok(Some(actor)) => record_as(&actor, action, target, detail).await,
        Ok(None) => tracing::error!(action, target, "no account to record the action for"),
        Err(error) => tracing::error!(%error, action, target, "reading the actor failed"),
    }
}

/// Records an action of `actor` (for log-out, whose session is gone by then).
pub async fn record_as(actor: &UserView, action: &str, target: &str, detail: &str) {
    let entry = NewAuditEntry {
        actor_id: Some(actor.id.clone()),
        actor_email: actor.email.clone(),
        action: action.to_owned(),
        target: target.to_owned(),
        detail: detail.to_owned(),
        client_addr: client_addr().0,
    };
    let recorded = match services() {
        Ok(services) => services.audit.record(entry).await,
        Err(error) => Err(error),
    };
    if let Err(error) = recorded {
        tracing::error!(%error, action, target, "recording the action in the audit log failed");
    }
}
