//! Who did something: a signed-in account, an operator at the command line, an automation
//! token, a billing webhook, or storefleet itself. Every audited action names its actor.

use serde::{Deserialize, Serialize};

use super::{Role, UserId, UserView};

/// The kinds of actor, as the audit log stores them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ActorKind {
    /// An account signed in to the web UI.
    User,
    /// Someone running `storefleet` on the command line.
    Operator,
    /// An automation (CI) calling with a token.
    Token,
    /// A provider's webhook, such as Stripe's.
    Webhook,
    /// storefleet's own workers.
    System,
}

impl ActorKind {
    /// Every kind, in the order the audit page lists them.
    pub const ALL: [ActorKind; 5] = [
        ActorKind::User,
        ActorKind::Operator,
        ActorKind::Token,
        ActorKind::Webhook,
        ActorKind::System,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Who acts, and from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// What kind of actor.
    pub kind: ActorKind,
    /// The account, for a user.
    pub user_id: Option<UserId>,
    /// The account's role when it acted, for a user.
    pub role: Option<Role>,
    /// How the audit log names it: an email for a user, a login name for an operator.
    pub name: String,
    /// Where the request came from: a client address, or `command line`.
    pub origin: String,
}

impl Actor {
    /// A signed-in account, calling from `client_addr`.
    pub fn user(user: &UserView, client_addr: &str) -> Self {
        Self {
            kind: ActorKind::User,
            user_id: Some(user.id.clone()),
            role: Some(user.role),
            name: user.email.clone(),
            origin: client_addr.to_owned(),
        }
    }

    /// An operator at the command line, by login name.
    pub fn operator(login: &str) -> Self {
        Self {
            kind: ActorKind::Operator,
            user_id: None,
            role: None,
            name: login.to_owned(),
            origin: "command line".to_owned(),
        }
    }

    /// A provider's webhook, by provider.
    pub fn webhook(provider: &str) -> Self {
        Self {
            kind: ActorKind::Webhook,
            user_id: None,
            role: None,
            name: provider.to_owned(),
            origin: provider.to_owned(),
        }
    }

    /// An automation calling with the API token of this name, from `client_addr`.
    pub fn token(name: &str, client_addr: &str) -> Self {
        Self {
            kind: ActorKind::Token,
            user_id: None,
            role: None,
            name: name.to_owned(),
            origin: client_addr.to_owned(),
        }
    }

    /// storefleet itself, by the worker acting.
    pub fn system(worker: &str) -> Self {
        Self {
            kind: ActorKind::System,
            user_id: None,
            role: None,
            name: worker.to_owned(),
            origin: "storefleet".to_owned(),
        }
    }

    /// How a tenant's history names this actor as the cause of a change: `admin <email>`
    /// for an admin, the email for a customer, `operator <login>` at the command line.
    pub fn cause(&self) -> String {
        match (self.kind, self.role) {
            (ActorKind::User, Some(Role::Admin)) => format!("admin {}", self.name),
            (ActorKind::User, _) => self.name.clone(),
            (kind, _) => format!("{} {}", kind.as_str(), self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_one_stored_name() {
        for kind in ActorKind::ALL {
            assert_eq!(kind.as_str().parse::<ActorKind>().ok(), Some(kind));
        }
        assert_eq!("admin".parse::<ActorKind>().ok(), None);
    }

    #[test]
    fn a_cause_names_the_actor_and_what_it_is() {
        let user = UserView {
            id: UserId::new("u1"),
            email: "root@example.com".to_owned(),
            role: Role::Admin,
            created_at: String::new(),
        };
        assert_eq!(
            Actor::user(&user, "10.0.0.1").cause(),
            "admin root@example.com"
        );
        let customer = UserView {
            role: Role::Customer,
            ..user.clone()
        };
        assert_eq!(
            Actor::user(&customer, "10.0.0.1").cause(),
            "root@example.com"
        );
        assert_eq!(Actor::operator("ops").cause(), "operator ops");
        assert_eq!(Actor::webhook("stripe").cause(), "webhook stripe");
        assert_eq!(
            Actor::user(&user, "10.0.0.1").user_id,
            Some(UserId::new("u1"))
        );
    }
}
