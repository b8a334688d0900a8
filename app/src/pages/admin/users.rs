//! The admin panel's list of accounts.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::list_users;
use crate::error::AppError;

/// Every account with its role; only admins see it.
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let users = Resource::new(|| (), |_| list_users());
    view! {
        <Title text="Admin · storefleet"/>
        <section class="card wide">
            <h1>"Accounts"</h1>
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
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {users
                                            .into_iter()
                                            .map(|user| {
                                                view! {
                                                    <tr>
                                                        <td>{user.email}</td>
                                                        <td>{user.role.as_str()}</td>
                                                        <td>{user.created_at}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            }
                                .into_any()
                        }
                        Err(AppError::Unauthenticated) => {
                            view! { <p>"Please " <A href="/login">"log in"</A> " as an admin."</p> }
                                .into_any()
                        }
                        Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
