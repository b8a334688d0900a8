//! The parts of an admin's tenant page read from the cluster and the renderer: the tenant's
//! settings, its objects with their status, and its manifests (view and download).

use leptos::prelude::*;

use crate::api::tenants::inspect_tenant;
use crate::error::AppError;
use crate::pages::stores::store::SettingsHistory;

/// Percent-encodes text for a `data:` URL.
fn data_url(yaml: &str) -> String {
    let mut out = String::from("data:application/yaml;charset=utf-8,");
    for byte in yaml.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Settings, cluster objects and manifests of one tenant.
#[component]
pub fn TenantInspectionView(
    /// The tenant.
    #[prop(into)]
    subdomain: Signal<String>,
    /// Changes when the page reloads its data.
    #[prop(into)]
    version: Signal<u32>,
) -> impl IntoView {
    let inspection = Resource::new(
        move || (subdomain.get(), version.get()),
        |(subdomain, _)| inspect_tenant(subdomain),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading the cluster view…"</p> }>
            {move || {
                let file = format!("{}.yaml", subdomain.get());
                Suspend::new(async move {
                    match inspection.await {
                        Ok(data) => view! {
                            <h2>"Settings"</h2>
                            <dl class="facts" data-testid="tenant-settings">
                                {data.settings.fields.into_iter().map(|f| view! {
                                    <dt>{f.spec.label}</dt>
                                    <dd>{match f.value {
                                        Some(value) => value,
                                        None if f.is_set => "(secret, set)".to_owned(),
                                        None => "(secret, not set)".to_owned(),
                                    }}</dd>
                                }).collect_view()}
                            </dl>
                            <SettingsHistory history=data.settings.history/>
                            <h2>"Cluster objects"</h2>
                            {match data.objects {
                                Ok(objects) => view! {
                                    <table class="tenants" data-testid="cluster-objects">
                                        <thead><tr><th>"Kind"</th><th>"Name"</th><th>"Status"</th></tr></thead>
                                        <tbody>
                                            {objects.into_iter().map(|o| view! {
                                                <tr><td>{o.kind}</td><td>{o.name}</td><td>{o.status}</td></tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                }.into_any(),
                                Err(reason) => view! { <p class="form-error">{reason}</p> }.into_any(),
                            }}
                            <h2>"Manifests"</h2>
                            <p><a href=data_url(&data.manifests) download=file>"Download as YAML"</a></p>
                            <details>
                                <summary>"Show the rendered manifests"</summary>
                                <pre class="manifests" data-testid="manifests">{data.manifests}</pre>
                            </details>
                        }.into_any(),
                        // The page above says there is no such tenant.
                        Err(AppError::NotFound) => ().into_any(),
                        Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    use super::data_url;

    #[test]
    fn data_urls_escape_everything_but_plain_characters() {
        assert_eq!(
            data_url("a: b\n---\n"),
            "data:application/yaml;charset=utf-8,a%3A%20b%0A---%0A"
        );
    }
}
