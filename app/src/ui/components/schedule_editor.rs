//! The schedule editor: name, IANA time zone, weekly intervals, holidays and exceptions, and
//! the "open now?" preview the server computes from the form as it stands.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::admin::{
    get_schedule, preview_schedule, save_schedule, set_schedule_active, time_zones,
};
use crate::error::AppError;
use crate::format::format_datetime;
use crate::i18n::*;
use crate::model::schedule::{
    OpenPreview, ScheduleDetail, ScheduleException, ScheduleForm, TimeSpan, WeeklyInterval,
    DEFAULT_TIME_ZONE,
};
use crate::ui::components::ErrorMessage;
use crate::ui::pages::admin_users::{Editing, SaveFeedback};

fn weekday_name(locale: Locale, weekday: u8) -> &'static str {
    match weekday {
        0 => td_string!(locale, admin.schedules.monday),
        1 => td_string!(locale, admin.schedules.tuesday),
        2 => td_string!(locale, admin.schedules.wednesday),
        3 => td_string!(locale, admin.schedules.thursday),
        4 => td_string!(locale, admin.schedules.friday),
        5 => td_string!(locale, admin.schedules.saturday),
        _ => td_string!(locale, admin.schedules.sunday),
    }
}

/// A new schedule: Monday to Friday, 08:00–18:00, in São Paulo.
fn blank() -> ScheduleForm {
    ScheduleForm {
        id: None,
        name: String::new(),
        time_zone: DEFAULT_TIME_ZONE.to_owned(),
        intervals: (0..5)
            .map(|weekday| WeeklyInterval {
                weekday,
                start: "08:00".to_owned(),
                end: "18:00".to_owned(),
            })
            .collect(),
        exceptions: Vec::new(),
        version: 0,
    }
}

fn form_of(schedule: &ScheduleDetail) -> ScheduleForm {
    ScheduleForm {
        id: Some(schedule.id),
        name: schedule.name.clone(),
        time_zone: schedule.time_zone.clone(),
        intervals: schedule.intervals.clone(),
        exceptions: schedule.exceptions.clone(),
        version: schedule.version,
    }
}

/// An exception's spans as typed: "09:00-13:00, 14:00-17:00" (empty: closed all day).
fn spans_text(spans: &[TimeSpan]) -> String {
    spans
        .iter()
        .map(|s| format!("{}-{}", s.start, s.end))
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_spans(typed: &str) -> Vec<TimeSpan> {
    typed
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (start, end) = part.split_once('-').unwrap_or((part, ""));
            TimeSpan {
                start: start.trim().to_owned(),
                end: end.trim().to_owned(),
            }
        })
        .collect()
}

#[component]
pub fn ScheduleEditor(editing: RwSignal<Editing>, saved: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let form = RwSignal::new(blank());
    let active = RwSignal::new(true);
    let error = RwSignal::new(None::<AppError>);
    let notice = RwSignal::new(None::<&'static str>);
    let preview = RwSignal::new(None::<Result<OpenPreview, AppError>>);
    let zones = Resource::new(|| (), |_| time_zones());
    let id = move || match editing.get() {
        Editing::Existing(id) => Some(id),
        _ => None,
    };
    let detail = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_schedule(id).await.map(Some),
            None => Ok(None),
        }
    });
    let check = move || {
        let current = form.get_untracked();
        spawn_local(async move { preview.set(Some(preview_schedule(current).await)) });
    };
    let fill = move |schedule: Option<&ScheduleDetail>| {
        form.set(schedule.map(form_of).unwrap_or_else(blank));
        active.set(schedule.is_none_or(|s| s.active));
        error.set(None);
        preview.set(None);
        check();
    };
    Effect::new(move |_| {
        if editing.get() == Editing::New {
            fill(None);
        }
    });
    Effect::new(move |_| match detail.get() {
        Some(Ok(Some(schedule))) => fill(Some(&schedule)),
        Some(Ok(None)) | None => {}
        Some(Err(failure)) => error.set(Some(failure)),
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let current = form.get_untracked();
        let feedback = SaveFeedback {
            editing,
            error,
            notice,
            saved,
        };
        spawn_local(async move {
            let result = save_schedule(current).await;
            feedback.show(
                result,
                td_string!(i18n.get_locale_untracked(), admin.schedules.saved),
            );
            detail.refetch();
        });
    };
    let toggle = move |_| {
        let Some(schedule) = id() else { return };
        let (next, at) = (!active.get_untracked(), form.with_untracked(|f| f.version));
        spawn_local(async move {
            match set_schedule_active(schedule, next, at).await {
                Ok(()) => {
                    detail.refetch();
                    saved.run(());
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let interval_count = Memo::new(move |_| form.with(|f| f.intervals.len()));
    let exception_count = Memo::new(move |_| form.with(|f| f.exceptions.len()));
    let interval = move |index: usize| {
        let get = move |pick: fn(&WeeklyInterval) -> String| {
            move || form.with(|f| f.intervals.get(index).map(pick).unwrap_or_default())
        };
        let set = move |change: fn(&mut WeeklyInterval, String), value: String| {
            form.update(|f| {
                if let Some(i) = f.intervals.get_mut(index) {
                    change(i, value)
                }
            })
        };
        let weekday = move || form.with(|f| f.intervals.get(index).map(|i| i.weekday));
        view! {
            <tr data-interval=index>
                <td>
                    <select name="weekday" on:change=move |e| set(|i, v| i.weekday = v.parse().unwrap_or(0), event_target_value(&e))>
                        {(0..7u8).map(|day| view! {
                            <option value=day.to_string() selected=move || weekday() == Some(day)>{move || weekday_name(i18n.get_locale(), day)}</option>
                        }).collect_view()}
                    </select>
                </td>
                <td><input name="start" size="5" maxlength="5" placeholder="08:00" prop:value=get(|i| i.start.clone()) on:change=move |e| set(|i, v| i.start = v, event_target_value(&e)) /></td>
                <td><input name="end" size="5" maxlength="5" placeholder="18:00" prop:value=get(|i| i.end.clone()) on:change=move |e| set(|i, v| i.end = v, event_target_value(&e)) /></td>
                <td><button type="button" class="link danger" on:click=move |_| form.update(|f| { if index < f.intervals.len() { f.intervals.remove(index); } })>{t!(i18n, admin.services.remove)}</button></td>
            </tr>
        }
        .into_any()
    };
    let exception = move |index: usize| {
        let get = move |pick: fn(&ScheduleException) -> String| {
            move || form.with(|f| f.exceptions.get(index).map(pick).unwrap_or_default())
        };
        let set = move |change: fn(&mut ScheduleException, String), value: String| {
            form.update(|f| {
                if let Some(x) = f.exceptions.get_mut(index) {
                    change(x, value)
                }
            })
        };
        view! {
            <tr data-exception=index>
                <td><input type="date" name="exception_date" prop:value=get(|x| x.date.clone()) on:change=move |e| set(|x, v| x.date = v, event_target_value(&e)) /></td>
                <td><input name="exception_name" maxlength="80" prop:value=get(|x| x.name.clone()) on:change=move |e| set(|x, v| x.name = v, event_target_value(&e)) /></td>
                <td><input name="exception_spans" placeholder=move || t_string!(i18n, admin.schedules.closed_all_day)
                    prop:value=get(|x| spans_text(&x.spans)) on:change=move |e| set(|x, v| x.spans = parse_spans(&v), event_target_value(&e)) /></td>
                <td><button type="button" class="link danger" on:click=move |_| form.update(|f| { if index < f.exceptions.len() { f.exceptions.remove(index); } })>{t!(i18n, admin.services.remove)}</button></td>
            </tr>
        }
        .into_any()
    };
    let add_interval = move |_| {
        form.update(|f| {
            let weekday = f.intervals.last().map(|i| (i.weekday + 1) % 7).unwrap_or(0);
            f.intervals.push(WeeklyInterval {
                weekday,
                start: "08:00".to_owned(),
                end: "18:00".to_owned(),
            });
        })
    };
    let add_exception = move |_| {
        form.update(|f| {
            f.exceptions.push(ScheduleException {
                date: String::new(),
                name: String::new(),
                spans: Vec::new(),
            })
        })
    };
    let shown_preview = move || {
        preview.get().map(|result| match result {
        Ok(open) => {
            let locale = i18n.get_locale();
            let when = open.next_change.map(|at| format_datetime(locale, at));
            let text = match (open.open, when) {
                (true, Some(when)) => td_string!(locale, admin.schedules.open_until, when = when),
                (true, None) => td_string!(locale, admin.schedules.always_open).to_owned(),
                (false, Some(when)) => td_string!(locale, admin.schedules.closed_until, when = when),
                (false, None) => td_string!(locale, admin.schedules.never_open).to_owned(),
            };
            view! { <span class="open-state" class:open=open.open data-open=open.open.to_string()>{text}</span> }.into_any()
        }
        Err(error) => view! { <span class="form-error"><ErrorMessage error /></span> }.into_any(),
    })
    };
    let title = move || match id() {
        Some(_) => t_string!(
            i18n,
            admin.schedules.edit_title,
            name = form.with(|f| f.name.clone())
        ),
        None => t_string!(i18n, admin.schedules.new_title).to_owned(),
    };
    let weekly = view! {
            <fieldset>
                <legend>{t!(i18n, admin.schedules.weekly)}</legend>
                <table class="data intervals">
                    <thead><tr><th>{t!(i18n, admin.schedules.weekday)}</th><th>{t!(i18n, admin.schedules.start)}</th><th>{t!(i18n, admin.schedules.end)}</th><th></th></tr></thead>
                    <tbody>{move || (0..interval_count.get()).map(interval).collect_view()}</tbody>
                </table>
                <p class="hint">{t!(i18n, admin.schedules.midnight_hint)}</p>
                <button type="button" name="add_interval" on:click=add_interval>{t!(i18n, admin.schedules.add_interval)}</button>
            </fieldset>
    }
    .into_any();
    let exceptions = view! {
            <fieldset>
                <legend>{t!(i18n, admin.schedules.exceptions)}</legend>
                <table class="data exceptions">
                    <thead><tr><th>{t!(i18n, admin.schedules.date)}</th><th>{t!(i18n, admin.schedules.exception_name)}</th><th>{t!(i18n, admin.schedules.hours)}</th><th></th></tr></thead>
                    <tbody>{move || (0..exception_count.get()).map(exception).collect_view()}</tbody>
                </table>
                <button type="button" name="add_exception" on:click=add_exception>{t!(i18n, admin.schedules.add_exception)}</button>
            </fieldset>
    }
    .into_any();
    view! {
        <form class="editor schedule-editor" on:submit=submit>
            <h2>{title}</h2>
            <label>{t!(i18n, admin.schedules.name)}
                <input name="name" required=true maxlength="80" prop:value=move || form.with(|f| f.name.clone())
                    on:input=move |e| form.update(|f| f.name = event_target_value(&e)) />
            </label>
            <label>{t!(i18n, admin.schedules.time_zone)}
                <input name="time_zone" list="time-zones" required=true prop:value=move || form.with(|f| f.time_zone.clone())
                    on:change=move |e| form.update(|f| f.time_zone = event_target_value(&e)) />
                <datalist id="time-zones">
                    {move || zones.get().and_then(Result::ok).map(|names| names.into_iter().map(|name| view! { <option value=name /> }).collect_view())}
                </datalist>
            </label>
            {weekly}
            {exceptions}
            <div class="open-preview" role="status">
                <button type="button" name="preview" on:click=move |_| check()>{t!(i18n, admin.schedules.check_now)}</button>
                {shown_preview}
            </div>
            <p class="form-error" role="alert">{move || error.get().map(|error| view! { <ErrorMessage error /> })}</p>
            <p class="notice-ok" role="status">{move || notice.get()}</p>
            <div class="editor-actions">
                <button type="submit" class="primary">{t!(i18n, admin.schedules.save)}</button>
                <button type="button" on:click=move |_| editing.set(Editing::Nobody)>{t!(i18n, admin.services.cancel)}</button>
                <Show when=move || id().is_some()>
                    <button type="button" class:danger=move || active.get() on:click=toggle>
                        {move || if active.get() { t_string!(i18n, admin.services.disable) } else { t_string!(i18n, admin.services.enable) }}
                    </button>
                </Show>
            </div>
        </form>
    }
    .into_any()
}
