//! The subdomain field of the sign-up form. Its rules are checked in the browser as the
//! customer types; once they pause (~300 ms), the server says whether the subdomain is free.
//! Without JavaScript it is a plain field, which the server checks on submit.

use leptos::prelude::*;

use crate::domain::subdomain::{SubdomainError, MAX_LEN};
use crate::domain::{Availability, Subdomain};
use crate::error::AppError;

/// The server's latest answer and the subdomain it is about.
type Checked = Option<(String, Result<Availability, AppError>)>;

/// The line under the field: its CSS class and text.
fn status(
    local: Option<&Result<Subdomain, SubdomainError>>,
    checked: &Checked,
) -> Option<(&'static str, String)> {
    match local? {
        Err(error) => Some(("invalid", error.to_string())),
        Ok(subdomain) => Some(match checked {
            Some((asked, Ok(answer))) if asked == subdomain.as_str() => (
                if answer.is_available() {
                    "available"
                } else {
                    "invalid"
                },
                answer.message(),
            ),
            Some((asked, Err(error))) if asked == subdomain.as_str() => {
                ("invalid", error.to_string())
            }
            _ => ("checking", "Checking…".to_owned()),
        }),
    }
}

/// A subdomain input with `.<base domain>` after it and a live availability line.
#[component]
pub fn SubdomainField(base_domain: String) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let local = Memo::new(move |_| {
        typed.with(|text| (!text.trim().is_empty()).then(|| Subdomain::parse(text)))
    });
    let checked = RwSignal::new(Checked::None);
    #[cfg(feature = "hydrate")]
    live::check_after_pause(local, checked);

    let line = move || checked.with(|checked| local.with(|local| status(local.as_ref(), checked)));
    view! {
        <label>
            "Subdomain"
            <span class="subdomain-input">
                <input
                    name="subdomain"
                    autocomplete="off"
                    autocapitalize="none"
                    spellcheck="false"
                    maxlength=MAX_LEN
                    required
                    on:input=move |event| typed.set(event_target_value(&event))
                />
                <span class="suffix">"." {base_domain}</span>
            </span>
        </label>
        <p
            class=move || format!("availability {}", line().map_or("", |(class, _)| class))
            data-testid="subdomain-availability"
            aria-live="polite"
        >
            {move || line().map(|(_, text)| text)}
        </p>
    }
}

#[cfg(feature = "hydrate")]
mod live {
    use std::time::Duration;

    use leptos::prelude::*;

    use super::Checked;
    use crate::api::store_signup::subdomain_available;
    use crate::domain::subdomain::SubdomainError;
    use crate::domain::Subdomain;

    /// How long the customer pauses before the server is asked.
    const PAUSE: Duration = Duration::from_millis(300);

    /// Asks the server about each valid subdomain typed once typing pauses. A generation
    /// counter drops the waits and answers that newer typing has made stale.
    pub fn check_after_pause(
        local: Memo<Option<Result<Subdomain, SubdomainError>>>,
        checked: RwSignal<Checked>,
    ) {
        let generation = StoredValue::new(0u64);
        Effect::new(move |_| {
            let mine = generation.get_value() + 1;
            generation.set_value(mine);
            let Some(Ok(subdomain)) = local.get() else {
                return;
            };
            let current = move || generation.try_get_value() == Some(mine);
            set_timeout(
                move || {
                    if !current() {
                        return;
                    }
                    leptos::task::spawn_local(async move {
                        let answer = subdomain_available(subdomain.to_string()).await;
                        if current() {
                            checked.try_set(Some((subdomain.to_string(), answer)));
                        }
                    });
                },
                PAUSE,
            );
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_shows_local_errors_at_once_and_server_answers_for_the_same_text() {
        assert_eq!(status(None, &None), None);
        let short = Subdomain::parse("ab");
        assert_eq!(
            status(Some(&short), &None),
            Some(("invalid", SubdomainError::TooShort.to_string()))
        );
        let shop = Subdomain::parse("shop");
        assert_eq!(
            status(Some(&shop), &None),
            Some(("checking", "Checking…".to_owned()))
        );
        let stale: Checked = Some((
            "sho".into(),
            Ok(Availability::Taken {
                subdomain: "sho".into(),
            }),
        ));
        assert_eq!(status(Some(&shop), &stale).unwrap().0, "checking");
        let free: Checked = Some((
            "shop".into(),
            Ok(Availability::Available {
                subdomain: "shop".into(),
                host: "shop.shops.test".into(),
            }),
        ));
        assert_eq!(
            status(Some(&shop), &free),
            Some(("available", "✓ shop.shops.test is available".to_owned()))
        );
    }
}
