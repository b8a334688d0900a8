//! A time as people read it: how long ago ("3 min ago"), with the exact time on hover. The
//! server writes the exact time in UTC; once the page is hydrated it is the viewer's own time
//! zone, and the relative time is counted from the viewer's clock.

use leptos::prelude::*;

use crate::domain::clock::{parse_rfc3339, relative, utc_text};

/// Now, in milliseconds since the epoch, on whichever side renders.
fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// `at` (RFC 3339, as the server writes times) as a `<time>`; text it cannot read is shown as
/// it is.
#[component]
pub fn When(#[prop(into)] at: String) -> impl IntoView {
    let ms = parse_rfc3339(&at);
    let text = RwSignal::new(ms.map_or_else(|| at.clone(), |ms| relative(ms, now_ms())));
    let exact = RwSignal::new(ms.map(utc_text).unwrap_or_default());
    #[cfg(feature = "hydrate")]
    if let Some(ms) = ms {
        Effect::new(move |_| {
            let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
            exact.set(String::from(
                date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED),
            ));
            text.set(relative(ms, now_ms()));
        });
    }
    view! { <time datetime=at title=move || exact.get()>{move || text.get()}</time> }
}
