//! API tokens, for admins: the list, making one (shown once) and revoking one.

use leptos::prelude::*;

use crate::domain::token::{MadeToken, TokenView};
use crate::error::AppError;

/// Every token, never its secret; admins only.
#[server(prefix = "/api", endpoint = "admin/tokens")]
pub async fn list_tokens() -> Result<Vec<TokenView>, AppError> {
    use crate::api::guard::{answer, require_admin, services};

    answer(
        async {
            require_admin().await?;
            services()?.fleet.tokens().await
        }
        .await,
    )
}

/// Makes a token named `name` that may announce releases (`releases`) and start rollouts
/// (`rollouts`): a checked box sends a value. The answer holds the token, this once. Admins
/// only.
#[server(prefix = "/api", endpoint = "admin/tokens/create")]
pub async fn create_token(
    name: String,
    #[server(default)] releases: Option<String>,
    #[server(default)] rollouts: Option<String>,
) -> Result<MadeToken, AppError> {
    use crate::api::guard::{actor, answer, require_admin, services};
    use crate::domain::token::Scope;

    answer(
        async {
            let admin = require_admin().await?;
            let scopes: Vec<&str> = [
                (releases.is_some(), Scope::ReleasesWrite),
                (rollouts.is_some(), Scope::RolloutsWrite),
            ]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, scope)| scope.as_str())
            .collect();
            services()?
                .fleet
                .create_token(&actor(&admin), &name, &scopes.join(" "))
                .await
        }
        .await,
    )
}

/// Revokes the token named `name`; admins only.
#[server(prefix = "/api", endpoint = "admin/tokens/revoke")]
pub async fn revoke_token(name: String) -> Result<(), AppError> {
    use crate::api::guard::{actor, answer, is_plain_form_post, require_admin, services};

    answer(
        async {
            let admin = require_admin().await?;
            services()?
                .fleet
                .revoke_token(&actor(&admin), &name)
                .await?;
            if is_plain_form_post() {
                leptos_axum::redirect("/admin/releases");
            }
            Ok(())
        }
        .await,
    )
}
