//! The admin panel's list of accounts.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{list_users, SetRole};
use crate::components::form_error::FormError;
use crate::components::load_error::AdminLoadError;
use crate::components::when::When;
use crate::domain::Role;

/// Every account with its role; only admins see it.
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let change = ServerAction::<SetRole>::new();
    let users = Resource::new(move || change.version().get(), |_| list_users());
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    view! {
        <Title text="Admin · storefleet"/>
        <section class="card wide">
            <h1>"Accounts"</h1>
            <FormError error/>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(users) => {
                            view! {
                                <table data-testid="users-table">
                                    <thead>
                                        <tr>
                                            <th>"Email"</th>
                                            <th>"Role"</th>
                                            <th>"Created"</th>
                                            <th></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {users
                                            .into_iter()
                                            .map(|user| {
                                                let (target, label) = match user.role {
                                                    Role::Admin => (Role::Customer, "Make customer"),
                                                    Role::Customer => (Role::Admin, "Make admin"),
                                                };
                                                view! {
                                                    <tr>
                                                        <td>{user.email}</td>
                                                        <td>{user.role.as_str()}</td>
                                                        <td><When at=user.created_at/></td>
                                                        <td>
                                                            <ActionForm action=change attr:class="inline">
                                                                <input type="hidden" name="user_id" value=user.id.to_string()/>
                                                                <input type="hidden" name="role" value=target.as_str()/>
                                                                <button type="submit" class="link">{label}</button>
                                                            </ActionForm>
                                                        </td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <AdminLoadError error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
