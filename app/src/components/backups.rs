//! A store's backups on its owner's page and the admin's: "back up now", each backup's kind,
//! state and size, a download link for the owner, and a restore confirmed by typing the
//! store's subdomain. While a backup is under way the list is read again every two seconds
//! (without JavaScript the page refreshes itself).

use leptos::prelude::*;

use crate::api::backups::{list_backups, BackUpNow, CloneStore, RestoreBackup};
use crate::components::form_error::FormError;
use crate::components::when::When;
use crate::domain::backup::{size_text, BackupState, BackupView, StoreBackups};

/// One backup's row.
#[component]
fn BackupRow(
    backup: BackupView,
    subdomain: String,
    downloadable: bool,
    restore: ServerAction<RestoreBackup>,
    clone: Option<ServerAction<CloneStore>>,
) -> impl IntoView {
    let stored = backup.state == BackupState::Done;
    let download = format!("/stores/{subdomain}/backups/{}/download", backup.id);
    let size = backup.size.map(size_text).unwrap_or_default();
    let label = format!("Type {subdomain} to restore this backup");
    let (row, id) = (format!("backup-{}", backup.id), backup.id);
    let copy = clone.filter(|_| stored).map(|clone| {
        let (subdomain, id) = (subdomain.clone(), id.clone());
        view! {
            <ActionForm action=clone attr:class="row-form">
                <input type="hidden" name="subdomain" value=subdomain/>
                <input type="hidden" name="backup_id" value=id/>
                <input name="into" required aria-label="Subdomain of a new store to copy it into" placeholder="new store" autocomplete="off"/>
                <button type="submit" class="small">"Copy into a new store"</button>
            </ActionForm>
        }
    });
    view! {
        <tr data-testid=row>
            <td><When at=backup.created_at/></td>
            <td>{backup.kind.as_str().replace('_', "-")}</td>
            <td><span class=format!("state backup-{}", backup.state.as_str())>{backup.state.as_str()}</span>
                {backup.error.map(|e| view! { <small class="form-error">" "{e}</small> })}</td>
            <td>{size}</td>
            <td>{(stored && downloadable).then(|| view! { <a href=download>"Download"</a> })}</td>
            <td>{stored.then(move || view! {
                <ActionForm action=restore attr:class="row-form">
                    <input type="hidden" name="subdomain" value=subdomain.clone()/>
                    <input type="hidden" name="backup_id" value=id.clone()/>
                    <input name="confirm" required aria-label=label.clone() placeholder=subdomain.clone() autocomplete="off"/>
                    <button type="submit" class="danger">"Restore"</button>
                </ActionForm>
            })}{copy}</td>
        </tr>
    }
}

/// The store's backups, read again whenever `reload` changes (the page's job ending, say).
#[component]
pub fn BackupsPanel(
    subdomain: String,
    restore: ServerAction<RestoreBackup>,
    #[prop(into)] reload: Signal<u32>,
) -> impl IntoView {
    let create = ServerAction::<BackUpNow>::new();
    let clone = ServerAction::<CloneStore>::new();
    let refresh = RwSignal::new(0u32);
    let named = subdomain.clone();
    let list = Resource::new(
        move || {
            (
                named.clone(),
                create.version().get(),
                restore.version().get(),
                refresh.get(),
                reload.get(),
            )
        },
        |(subdomain, ..)| list_backups(subdomain),
    );
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if list.with(|l| matches!(l, Some(Ok(b)) if under_way(b))) {
            set_timeout(
                move || refresh.try_update(|n| *n += 1).unwrap_or_default(),
                std::time::Duration::from_secs(2),
            );
        }
    });
    let error = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| restore.value().get().and_then(Result::err))
            .or_else(|| clone.value().get().and_then(Result::err))
    });
    let copied = move || {
        clone.value().get().and_then(Result::ok).map(|made| {
            let href = format!("/admin/tenants/{made}");
            view! { <p data-testid="copy-made">"Copying into " <a href=href>{made}</a> "."</p> }
        })
    };
    view! {
        <h2>"Backups"</h2>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let subdomain = subdomain.clone();
                Suspend::new(async move {
                    let data = match list.await {
                        Ok(data) => data,
                        Err(error) => return view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    };
                    if !data.enabled {
                        return view! { <p data-testid="backups-off">"Backups are off: no object storage is configured."</p> }.into_any();
                    }
                    let live = under_way(&data);
                    let downloadable = data.downloadable;
                    let clone = data.clonable.then_some(clone);
                    let rows_subdomain = subdomain.clone();
                    view! {
                        {live.then(|| view! { <noscript inner_html=r#"<meta http-equiv="refresh" content="2">"#></noscript> })}
                        <ActionForm action=create attr:class="row-form">
                            <input type="hidden" name="subdomain" value=subdomain.clone()/>
                            <button type="submit" data-testid="back-up-now">"Back up now"</button>
                        </ActionForm>
                        <FormError error/>
                        {copied}
                        {if data.backups.is_empty() {
                            view! { <p class="empty">"No backup yet: “Back up now” takes one; the plan's schedule takes the next."</p> }.into_any()
                        } else {
                            view! {
                                <table data-testid="backups">
                                    <thead><tr><th>"Taken"</th><th>"Why"</th><th>"State"</th><th>"Size"</th><th></th><th></th></tr></thead>
                                    <tbody>
                                        {data.backups.into_iter().map(|backup| view! {
                                            <BackupRow backup subdomain=rows_subdomain.clone() downloadable restore clone/>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                    }.into_any()
                })
            }}
        </Suspense>
    }
}

/// Whether any backup may still change by itself.
fn under_way(backups: &StoreBackups) -> bool {
    backups.backups.iter().any(|b| !b.state.is_final())
}
