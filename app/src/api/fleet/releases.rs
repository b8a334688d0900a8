//! Releases, for admins: the list, and making one.

use leptos::prelude::*;

use crate::domain::ReleaseView;
use crate::error::AppError;

/// The newest releases first; admins only.
#[server(prefix = "/api", endpoint = "admin/releases")]
pub async fn list_releases() -> Result<Vec<ReleaseView>, AppError> {
    use crate::api::guard::{answer, require_admin, services};

    answer(
        async {
            require_admin().await?;
            services()?.fleet.releases().await
        }
        .await,
    )
}

/// Makes a release of `blueprint` named `name`; `images` holds one `component=tag` per line
/// (or separated by spaces or commas). Admins only.
#[server(prefix = "/api", endpoint = "admin/releases/create")]
pub async fn create_release(
    blueprint: String,
    name: String,
    images: String,
    notes: String,
) -> Result<ReleaseView, AppError> {
    use crate::api::guard::{actor, answer, is_plain_form_post, require_admin, services};
    use crate::domain::release::parse_images;
    use crate::domain::NewRelease;

    answer(
        async {
            let admin = require_admin().await?;
            let release = NewRelease {
                blueprint: blueprint.trim().to_owned(),
                name: name.trim().to_owned(),
                images: parse_images(&images).map_err(AppError::Invalid)?,
                notes,
            };
            let made = services()?
                .fleet
                .create_release(&actor(&admin), &release)
                .await?;
            if is_plain_form_post() {
                leptos_axum::redirect("/admin/releases");
            }
            Ok(made)
        }
        .await,
    )
}
