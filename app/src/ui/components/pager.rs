use leptos::prelude::*;

use crate::i18n::*;

/// Previous / "page 2 of 5 (120)" / next, under a paged list; `page` is the list's page signal.
#[component]
pub fn Pager(current: i64, total: i64, per_page: i64, page: RwSignal<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let pages = ((total + per_page - 1) / per_page.max(1)).max(1);
    view! {
        <div class="pager">
            <button disabled={current <= 1} on:click=move |_| page.update(|p| *p -= 1)>
                {t!(i18n, admin.users.previous_page)}
            </button>
            <span>{move || t_string!(i18n, admin.users.page, page = current, pages = pages, total = total)}</span>
            <button disabled={current >= pages} on:click=move |_| page.update(|p| *p += 1)>
                {t!(i18n, admin.users.next_page)}
            </button>
        </div>
    }
}

/// The search box above a paged list: typing goes back to the first page. `label` is already
/// in the reader's language.
#[component]
pub fn SearchBox(
    label: Signal<String>,
    search: RwSignal<String>,
    page: RwSignal<i64>,
) -> impl IntoView {
    view! {
        <input type="search" class="search" name="search"
            placeholder=move || label.get()
            aria-label=move || label.get()
            on:input=move |e| { search.set(event_target_value(&e)); page.set(1); } />
    }
}
