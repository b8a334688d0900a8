//! Releases and the API tokens CI announces them with: the lists, a form to make a release,
//! and a form to make a token, which is shown once.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::fleet::{list_releases, list_tokens, CreateRelease, CreateToken, RevokeToken};
use crate::components::confirm::ConfirmButton;
use crate::components::form_error::FormError;
use crate::components::load_error::AdminLoadError;
use crate::components::when::When;

/// The releases, newest first, with the form that makes one; then the tokens.
#[component]
pub fn AdminReleasesPage() -> impl IntoView {
    let create = ServerAction::<CreateRelease>::new();
    let releases = Resource::new(move || create.version().get(), |_| list_releases());
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    view! {
        <Title text="Releases · storefleet"/>
        <section class="card wide">
            <h1>"Releases"</h1>
            <p class="muted">"A release names the image tag of each component it changes; it never changes. Roll it out from "<a href="/admin/rollouts">"Rollouts"</a>"."</p>
            <ActionForm action=create attr:class="row-form" attr:data-testid="release-form">
                <label>"Blueprint"<input name="blueprint" value="store" required/></label>
                <label>"Name"<input name="name" placeholder="1.4.0" required autocomplete="off"/></label>
                <label>"Images"<textarea name="images" rows="2" placeholder="api=1.4.0\nweb=1.27.3-alpine" required></textarea></label>
                <label>"Notes"<input name="notes" autocomplete="off"/></label>
                <FormError error/>
                <button type="submit" disabled=move || create.pending().get()>"Make release"</button>
            </ActionForm>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match releases.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No release yet: make one above, or let CI make them with a token (below)."</p> }.into_any(),
                        Ok(list) => view! {
                            <table data-testid="releases-table">
                                <thead><tr><th>"Release"</th><th>"Blueprint"</th><th>"Images"</th><th>"Notes"</th><th>"Made"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|r| {
                                        let images: Vec<String> = r.images.iter().map(|(c, t)| format!("{c}={t}")).collect();
                                        view! {
                                            <tr>
                                                <td>{r.name}</td>
                                                <td>{r.blueprint}</td>
                                                <td><code>{images.join(" ")}</code></td>
                                                <td>{r.notes}</td>
                                                <td><When at=r.created_at/>" by "{r.created_by}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(error) => view! { <AdminLoadError error/> }.into_any(),
                    }
                })}
            </Suspense>
            <Tokens/>
        </section>
    }
}

/// The API tokens, a form to make one (shown once, here) and a button to revoke each.
#[component]
fn Tokens() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_tokens(),
    );
    let error = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| revoke.value().get().and_then(Result::err))
    });
    let made = move || create.value().get().and_then(Result::ok);
    view! {
        <h2>"API tokens"</h2>
        <p class="muted">"Automations (CI) call "<code>"POST /api/v1/releases"</code>" and "<code>"POST /api/v1/rollouts"</code>" with a token: "<code>"Authorization: Bearer sf_…"</code>". Only a hash of it is kept."</p>
        <ActionForm action=create attr:class="row-form" attr:data-testid="token-form">
            <label>"Name"<input name="name" placeholder="github-actions" required autocomplete="off"/></label>
            <label class="check"><input type="checkbox" name="releases" value="on" checked/>"releases:write"</label>
            <label class="check"><input type="checkbox" name="rollouts" value="on"/>"rollouts:write"</label>
            <FormError error/>
            <button type="submit" disabled=move || create.pending().get()>"Make token"</button>
        </ActionForm>
        {move || made().map(|made| view! {
            <p class="notice" data-testid="new-token">
                "Token "<strong>{made.view.name}</strong>", shown this once: "<code>{made.secret}</code>
            </p>
        })}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No token yet: make one above for CI to publish releases with."</p> }.into_any(),
                    Ok(list) => view! {
                        <table data-testid="tokens-table">
                            <thead><tr><th>"Token"</th><th>"Scopes"</th><th>"Made"</th><th>"Last used"</th><th></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|t| {
                                    let scopes: Vec<&str> = t.scopes.iter().map(|s| s.as_str()).collect();
                                    let name = t.name.clone();
                                    view! {
                                        <tr>
                                            <td>{t.name}</td>
                                            <td><code>{scopes.join(" ")}</code></td>
                                            <td><When at=t.created_at/>" by "{t.created_by}</td>
                                            <td>{match t.last_used_at {
                                                Some(at) => view! { <When at/> }.into_any(),
                                                None => "never".into_any(),
                                            }}</td>
                                            <td>{match t.revoked_at {
                                                Some(at) => view! { <span class="muted">"revoked "<When at/></span> }.into_any(),
                                                None => view! {
                                                    <ActionForm action=revoke attr:class="row-form">
                                                        <input type="hidden" name="name" value=name/>
                                                        <ConfirmButton class="danger"
                                                            question="Revoke this token? Every later call with it is refused.">"Revoke"</ConfirmButton>
                                                    </ActionForm>
                                                }.into_any(),
                                            }}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(error) => view! { <AdminLoadError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
