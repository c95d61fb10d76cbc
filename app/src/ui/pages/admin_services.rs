//! Admin > Services ("Serviços e processos > Cadastrar Serviço"): the services with search and
//! filters, and the tabbed editor.

use leptos::prelude::*;

use crate::api::admin::list_services;
use crate::i18n::*;
use crate::model::service::{Channel, ServiceFilter, ServiceSummary};
use crate::model::Role;
use crate::ui::components::service_editor::{channel_label, ServiceEditor};
use crate::ui::components::{AdminNav, AppHeader, ErrorMessage, Pager, RequireRole, SearchBox};
use crate::ui::pages::admin_users::Editing;

#[component]
pub fn AdminServicesPage() -> impl IntoView {
    view! {
        <RequireRole allowed=&[Role::Admin, Role::Supervisor] render=|user| view! {
            <AppHeader user=user />
            <main class="page" data-page="admin-services">
                <AdminNav />
                <Services />
            </main>
        } />
    }
}

#[component]
fn Services() -> impl IntoView {
    let i18n = use_i18n();
    let search = RwSignal::new(String::new());
    let channel = RwSignal::new(None::<Channel>);
    let active = RwSignal::new(None::<bool>);
    let page = RwSignal::new(1i64);
    let reload = RwSignal::new(0u64);
    let editing = RwSignal::new(Editing::Nobody);
    let services = Resource::new(
        move || {
            let filter = ServiceFilter {
                search: search.get(),
                channel: channel.get(),
                active: active.get(),
                page: page.get(),
            };
            (filter, reload.get())
        },
        |(filter, _)| list_services(filter),
    );
    let saved = Callback::new(move |_: ()| reload.update(|n| *n += 1));
    view! {
        <section class="panel" data-section="services">
            <div class="panel-head">
                <h1>{t!(i18n, admin.services.title)}</h1>
                <button class="primary" on:click=move |_| editing.set(Editing::New)>{t!(i18n, admin.services.create)}</button>
            </div>
            <p class="hint">{t!(i18n, admin.services.intro)}</p>
            <div class="filters">
                <SearchBox label=Signal::derive(move || t_string!(i18n, admin.services.search).to_owned()) search page />
                <select name="channel-filter" aria-label=move || t_string!(i18n, admin.services.channel)
                    on:change=move |e| { channel.set(Channel::parse(&event_target_value(&e))); page.set(1); }>
                    <option value="">{t!(i18n, admin.services.any_channel)}</option>
                    {Channel::ALL.into_iter().map(|c| view! {
                        <option value=c.as_str()>{move || channel_label(i18n.get_locale(), c)}</option>
                    }).collect_view()}
                </select>
                <select name="status-filter" aria-label=move || t_string!(i18n, admin.services.status)
                    on:change=move |e| {
                        active.set(match event_target_value(&e).as_str() { "1" => Some(true), "0" => Some(false), _ => None });
                        page.set(1);
                    }>
                    <option value="">{t!(i18n, admin.services.any_status)}</option>
                    <option value="1">{t!(i18n, admin.services.active)}</option>
                    <option value="0">{t!(i18n, admin.services.disabled)}</option>
                </select>
            </div>
            <Show when=move || editing.get() != Editing::Nobody>
                <ServiceEditor editing saved />
            </Show>
            <Transition>
                {move || Suspend::new(async move {
                    match services.await {
                        Ok(list) if list.services.is_empty() => view! { <p class="empty">{t!(i18n, admin.services.empty)}</p> }.into_any(),
                        Ok(list) => view! {
                            <ServiceTable list=list.services editing />
                            <Pager current=list.page total=list.total per_page=list.per_page page />
                        }.into_any(),
                        Err(error) => view! { <p class="form-error"><ErrorMessage error /></p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ServiceTable(list: Vec<ServiceSummary>, editing: RwSignal<Editing>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = list
        .into_iter()
        .map(|service| {
            let (id, active, channel) = (service.id, service.active, service.channel);
            let label = service.name.clone();
            view! {
                <tr class:disabled=!active data-service=label>
                    <td><button class="link" on:click=move |_| editing.set(Editing::Existing(id))>{service.name}</button></td>
                    <td>{move || channel_label(i18n.get_locale(), channel)}</td>
                    <td class="mono">{service.cifra}</td>
                    <td>{service.groups.join(", ")}</td>
                    <td>{service.schedule.unwrap_or_default()}</td>
                    <td>{move || if active { t_string!(i18n, admin.services.active) } else { t_string!(i18n, admin.services.disabled) }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data services">
            <thead>
                <tr>
                    <th>{t!(i18n, admin.services.name)}</th>
                    <th>{t!(i18n, admin.services.channel)}</th>
                    <th>{t!(i18n, admin.services.cifra)}</th>
                    <th>{t!(i18n, admin.services.groups)}</th>
                    <th>{t!(i18n, admin.services.schedule)}</th>
                    <th>{t!(i18n, admin.services.status)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
