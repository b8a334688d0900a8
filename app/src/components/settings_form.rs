//! The settings form generated from a blueprint's settings: one field per setting, checked in
//! the browser as the owner types (the same parser the server runs again on save).

use leptos::prelude::*;

use crate::api::stores::SaveSettings;
use crate::components::form_error::FormError;
use crate::domain::setting::SettingKind;
use crate::domain::{SettingField, SettingValue};

/// One field, with its error shown as soon as the value is wrong.
#[component]
fn Field(field: SettingField) -> impl IntoView {
    let spec = field.spec.clone();
    let name = format!("values[{}]", spec.key);
    let value = RwSignal::new(field.value.clone().unwrap_or_default());
    let secret = spec.is_secret();
    let check = spec.clone();
    let error = move || {
        let raw = value.get();
        if secret && raw.trim().is_empty() {
            return None;
        }
        SettingValue::parse(&check, &raw)
            .err()
            .map(|e| e.to_string())
    };
    // `value` renders on the server; `prop:value` also resets a field the owner had typed in
    // when the saved values come back.
    let initial = field.value.clone().unwrap_or_default();
    let input = match &spec.kind {
        SettingKind::Choice { options } => {
            let current = field.value.clone().unwrap_or_default();
            view! {
                <select name=name on:change=move |ev| value.set(event_target_value(&ev))>
                    {options.iter().map(|option| {
                        let selected = *option == current;
                        view! { <option value=option.clone() selected=selected>{option.clone()}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        SettingKind::Secret { .. } => {
            let placeholder = if field.is_set {
                "set — leave empty to keep it"
            } else {
                "not set"
            };
            view! {
                <input type="password" name=name autocomplete="new-password" placeholder=placeholder
                    on:input=move |ev| value.set(event_target_value(&ev))/>
            }
            .into_any()
        }
        SettingKind::Color => view! {
            <input type="text" name=name value=initial.clone() prop:value=initial pattern="#[0-9a-fA-F]{6}"
                on:input=move |ev| value.set(event_target_value(&ev))/>
        }
        .into_any(),
        _ => view! {
            <input type="text" name=name value=initial.clone() prop:value=initial
                on:input=move |ev| value.set(event_target_value(&ev))/>
        }
        .into_any(),
    };
    view! {
        <label data-testid=format!("setting-{}", spec.key)>
            {spec.label.clone()}
            {input}
            {move || error().map(|e| view! { <span class="form-error field-error">{e}</span> })}
        </label>
    }
}

/// The form: saving starts the store's update job.
#[component]
pub fn SettingsFormView(
    /// The store.
    subdomain: String,
    /// The form's fields.
    fields: Vec<SettingField>,
    /// The save action, created by the page.
    action: ServerAction<SaveSettings>,
) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <ActionForm action=action attr:class="settings-form">
            <input type="hidden" name="subdomain" value=subdomain/>
            {fields.into_iter().map(|field| view! { <Field field/> }).collect_view()}
            <FormError error/>
            <button type="submit">"Save settings"</button>
        </ActionForm>
    }
}
