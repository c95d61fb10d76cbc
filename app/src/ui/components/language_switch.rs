use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::auth::save_locale;
use crate::i18n::*;
use crate::locale::parse_locale;

/// pt-BR / English. Switches the page at once; signed-in users also get it saved.
#[component]
pub fn LanguageSwitch(save_for_user: bool) -> impl IntoView {
    let i18n = use_i18n();
    let on_change = move |event| {
        let Some(locale) = parse_locale(&event_target_value(&event)) else {
            return;
        };
        i18n.set_locale(locale);
        if save_for_user {
            spawn_local(async move {
                // The switch already happened on screen; a failed save only means the next
                // sign-in starts in the previously saved language.
                if let Err(error) = save_locale(locale.as_str().to_owned()).await {
                    leptos::logging::warn!("could not save the language: {error}");
                }
            });
        }
    };
    let selected = move |locale: Locale| move || i18n.get_locale() == locale;
    view! {
        <label class="language-switch">
            <span>{t!(i18n, language.label)}</span>
            <select name="locale" on:change=on_change data-testid="language">
                <option value="pt-BR" selected=selected(Locale::pt_BR)>{t!(i18n, language.pt_BR)}</option>
                <option value="en" selected=selected(Locale::en)>{t!(i18n, language.en)}</option>
            </select>
        </label>
    }
}
