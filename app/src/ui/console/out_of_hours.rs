//! The out-of-hours folder (Conversations > Out of hours): what came in while a service was
//! closed, filtered by service and day, each with how Meta lets the agent answer now; resuming
//! one makes it the agent's (it appears among the tiles).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::ConsoleContext;
use crate::api::console::{out_of_hours, resume};
use crate::error::AppError;
use crate::format::format_datetime;
use crate::i18n::*;
use crate::model::console::{OutOfHoursConversation, OutOfHoursFilter, ReplyWindow};
use crate::ui::components::ErrorMessage;

fn reply_text(locale: Locale, reply: ReplyWindow) -> String {
    match reply {
        ReplyWindow::Standard { until } => td_string!(
            locale,
            console.out_of_hours.standard,
            when = format_datetime(locale, until)
        ),
        ReplyWindow::HumanAgent { until } => td_string!(
            locale,
            console.out_of_hours.human_agent,
            when = format_datetime(locale, until)
        ),
        ReplyWindow::Closed => td_string!(locale, console.out_of_hours.closed).to_owned(),
    }
}

#[component]
pub fn OutOfHours() -> impl IntoView {
    let i18n = use_i18n();
    let context = expect_context::<ConsoleContext>();
    let service = RwSignal::new(None::<i64>);
    let day = RwSignal::new(String::new());
    let reload = RwSignal::new(0u64);
    let error = RwSignal::new(None::<AppError>);
    let list = Resource::new(
        move || (service.get(), day.get(), reload.get()),
        |(service_id, day, _)| {
            let day = Some(day).filter(|d| !d.is_empty());
            out_of_hours(OutOfHoursFilter { service_id, day })
        },
    );
    // The services offered in the filter: every one seen in an answer so far.
    let services = RwSignal::new(Vec::<(i64, String)>::new());
    Effect::new(move |_| {
        if let Some(Ok(rows)) = list.get() {
            services.update(|known| {
                for row in rows {
                    if !known.iter().any(|(id, _)| *id == row.service_id) {
                        known.push((row.service_id, row.service_name));
                    }
                }
            });
        }
    });
    let take = move |id: i64| {
        spawn_local(async move {
            match resume(id).await {
                Ok(()) => {
                    error.set(None);
                    context.reload();
                }
                Err(failure) => error.set(Some(failure)),
            }
            reload.update(|n| *n += 1);
        });
    };
    let row = move |conversation: OutOfHoursConversation| {
        let id = conversation.id;
        let reply = conversation.reply;
        let opened = conversation.opened_at;
        let (name, external_id, channel) = (
            conversation.contact_name.clone(),
            conversation.contact_external_id.clone(),
            conversation.channel.clone(),
        );
        let name = move || {
            super::contact_label(i18n.get_locale(), name.as_deref(), &external_id, &channel)
        };
        view! {
            <tr data-out-of-hours=id>
                <td class="mono">{conversation.protocol}</td>
                <td>{name}</td>
                <td>{conversation.service_name}</td>
                <td>{move || format_datetime(i18n.get_locale(), opened)}</td>
                <td class="last-text">{conversation.last_text}</td>
                <td class:window-closed=reply == ReplyWindow::Closed>{move || reply_text(i18n.get_locale(), reply)}</td>
                <td>
                    <button class="primary" name="resume" disabled={reply == ReplyWindow::Closed}
                        on:click=move |_| take(id)>{t!(i18n, console.out_of_hours.resume)}</button>
                </td>
            </tr>
        }
        .into_any()
    };
    let filters = view! {
        <div class="filters">
            <select name="out_of_hours_service" on:change=move |e| service.set(event_target_value(&e).parse().ok())>
                <option value="">{t!(i18n, console.out_of_hours.any_service)}</option>
                {move || services.get().into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
            </select>
            <label>{t!(i18n, console.out_of_hours.day)} " "
                <input type="date" name="out_of_hours_day" on:change=move |e| day.set(event_target_value(&e)) />
            </label>
            <button type="button" on:click=move |_| reload.update(|n| *n += 1)>{t!(i18n, console.out_of_hours.refresh)}</button>
        </div>
    }
    .into_any();
    view! {
        <details class="out-of-hours" data-section="out-of-hours">
            <summary>{t!(i18n, console.out_of_hours.title)}</summary>
            <p class="hint">{t!(i18n, console.out_of_hours.intro)}</p>
            {filters}
            <p class="form-error" role="alert">{move || error.get().map(|error| view! { <ErrorMessage error /> })}</p>
            <Transition>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="empty">{t!(i18n, console.out_of_hours.empty)}</p> }.into_any(),
                        Ok(rows) => view! {
                            <table class="data out-of-hours-list"><tbody>{rows.into_iter().map(row).collect_view()}</tbody></table>
                        }.into_any(),
                        Err(error) => view! { <p class="form-error"><ErrorMessage error /></p> }.into_any(),
                    }
                })}
            </Transition>
        </details>
    }
    .into_any()
}
