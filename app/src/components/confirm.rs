//! A button that asks before it acts: the browser's confirmation dialog, shown once the page
//! is hydrated (an inline `onclick` would be refused by the Content-Security-Policy). Without
//! JavaScript the form submits at once, as every other form does.

use leptos::prelude::*;

/// Whether the person agrees to `question`; always, where there is no browser to ask.
fn confirmed(question: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().confirm_with_message(question).unwrap_or(true)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = question;
        true
    }
}

/// A submit button that asks `question` first; a "no" stops the submission.
#[component]
pub fn ConfirmButton(
    /// What the person is asked.
    question: &'static str,
    /// Its `data-testid`, if any.
    #[prop(optional)]
    testid: Option<&'static str>,
    /// Its class (`danger` for what cannot be undone), if any.
    #[prop(optional)]
    class: Option<&'static str>,
    /// Its label.
    children: Children,
) -> impl IntoView {
    view! {
        <button type="submit" data-testid=testid class=class
            on:click=move |ev| {
                if !confirmed(question) {
                    ev.prevent_default();
                }
            }>{children()}</button>
    }
}
