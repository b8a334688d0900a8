//! The WASM entry point: hydrates the server-rendered storefleet UI.

/// Called by the hydration script once the WASM has loaded.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(app::hydrate());
}
