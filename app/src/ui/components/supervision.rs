use std::time::Duration;

use leptos::prelude::*;

use crate::api::admin::supervision_overview;
use crate::format::format_time;
use crate::i18n::*;
use crate::model::console::{AgentLoad, Presence, QueueLoad};
use crate::ui::components::{ErrorMessage, Loading};

/// Every agent (state, reason, load) and every queue (waiting, oldest), refreshed every 3 s.
#[component]
pub fn Supervision() -> impl IntoView {
    let i18n = use_i18n();
    let tick = RwSignal::new(0u64);
    // Runs in the browser only (effects do not run on the server).
    Effect::new(move |started: Option<()>| {
        if started.is_none() {
            let _ =
                set_interval_with_handle(move || tick.update(|n| *n += 1), Duration::from_secs(3));
        }
    });
    let overview = Resource::new(move || tick.get(), |_| supervision_overview());
    view! {
        <section class="panel" data-section="supervision">
            <h2>{t!(i18n, admin.supervision.title)}</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(overview) => view! {
                            <AgentTable agents=overview.agents />
                            <QueueTable queues=overview.queues />
                        }.into_any(),
                        Err(error) => view! { <p class="form-error"><ErrorMessage error /></p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AgentTable(agents: Vec<AgentLoad>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = agents
        .into_iter()
        .map(|agent| {
            let presence = agent.presence;
            let reason = agent.pause_reason.clone();
            let state = move || {
                let locale = i18n.get_locale();
                match (presence, &reason) {
                    (Presence::Operating, _) => td_string!(locale, console.operating).to_owned(),
                    (Presence::Paused, Some(reason)) => {
                        let name = crate::ui::console::reason_name(locale, reason);
                        td_string!(locale, console.paused_with, reason = name)
                    }
                    (Presence::Paused, None) => td_string!(locale, console.paused).to_owned(),
                    (Presence::Offline, _) => td_string!(locale, console.offline).to_owned(),
                }
            };
            let name = agent.name.clone();
            view! {
                <tr data-agent=name>
                    <td>{agent.name}</td>
                    <td>{state}</td>
                    <td>{format!("{}/{}", agent.open, agent.positions)}
                        {(agent.overdue > 0).then(|| view! {
                            <span class="overdue">{t_string!(i18n, admin.supervision.overdue, count = agent.overdue)}</span>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data">
            <thead><tr>
                <th>{t!(i18n, admin.supervision.agent)}</th>
                <th>{t!(i18n, admin.supervision.state)}</th>
                <th>{t!(i18n, admin.supervision.load)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
fn QueueTable(queues: Vec<QueueLoad>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = queues
        .into_iter()
        .map(|queue| {
            let oldest = queue.oldest_since;
            let service = queue.service_name.clone();
            view! {
                <tr data-queue=service>
                    <td>{queue.service_name}</td>
                    <td>{queue.waiting}</td>
                    <td>{move || oldest.map(|at| format_time(i18n.get_locale(), at)).unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data">
            <thead><tr>
                <th>{t!(i18n, admin.supervision.queue)}</th>
                <th>{t!(i18n, admin.supervision.waiting)}</th>
                <th>{t!(i18n, admin.supervision.oldest)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
