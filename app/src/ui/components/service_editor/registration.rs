//! Registration tab: name, service type, cifra (the page or Instagram account ID), active.

use leptos::prelude::*;

use super::Draft;
use crate::i18n::*;

#[component]
pub(super) fn Registration(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    let form = draft.form;
    view! {
        <label>{t!(i18n, admin.services.name)}
            <input name="name" required=true maxlength="100" prop:value=move || form.with(|f| f.name.clone())
                on:input=move |e| form.update(|f| f.name = event_target_value(&e)) />
        </label>
        <label>{t!(i18n, admin.services.service_type)}
            // Messaging is the only type Atende runs (Tactium also has voice and e-mail).
            <select name="service_type" disabled=true>
                <option selected=true>{t!(i18n, admin.services.messaging)}</option>
            </select>
        </label>
        <label>{t!(i18n, admin.services.cifra)}
            <input name="cifra" required=true inputmode="numeric" pattern="[0-9]+" maxlength="32"
                prop:value=move || form.with(|f| f.cifra.clone())
                on:input=move |e| form.update(|f| f.cifra = event_target_value(&e)) />
            <span class="hint">{t!(i18n, admin.services.cifra_hint)}</span>
        </label>
        <label class="check">
            <input type="checkbox" name="active" prop:checked=move || form.with(|f| f.active)
                on:change=move |e| form.update(|f| f.active = event_target_checked(&e)) />
            {t!(i18n, admin.services.active)}
        </label>
    }
}
