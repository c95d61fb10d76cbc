use leptos::prelude::*;

use crate::api::admin::{delivery_issues, retry_delivery};
use crate::format::format_datetime;
use crate::i18n::*;
use crate::model::{DeliveryIssue, DeliveryProblem};
use crate::ui::components::{ErrorMessage, Loading};

/// Webhook deliveries kept for inspection: what Meta sent that did not become messages.
#[component]
pub fn DeliveryIssues() -> impl IntoView {
    let i18n = use_i18n();
    let issues = Resource::new(|| (), |_| delivery_issues());
    view! {
        <section class="panel" data-section="delivery-issues">
            <h2>{t!(i18n, admin.deliveries.title)}</h2>
            <p class="hint">{t!(i18n, admin.deliveries.intro)}</p>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match issues.await {
                        Ok(list) if list.is_empty() => {
                            view! { <p class="empty">{t!(i18n, admin.deliveries.empty)}</p> }
                                .into_any()
                        }
                        Ok(list) => view! { <IssueTable list /> }.into_any(),
                        Err(error) => {
                            view! { <p class="form-error"><ErrorMessage error /></p> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

fn problem_name(locale: Locale, problem: DeliveryProblem) -> &'static str {
    match problem {
        DeliveryProblem::Malformed => td_string!(locale, admin.deliveries.malformed),
        DeliveryProblem::Failed => td_string!(locale, admin.deliveries.failed),
        DeliveryProblem::UnknownPage => td_string!(locale, admin.deliveries.unknown_page),
        DeliveryProblem::PartlyUnknown => td_string!(locale, admin.deliveries.partly_unknown),
        DeliveryProblem::Retrying => td_string!(locale, admin.deliveries.retrying),
    }
}

#[component]
fn IssueTable(list: Vec<DeliveryIssue>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = list
        .into_iter()
        .map(|issue| {
            let received_at = issue.received_at;
            let problem = issue.problem;
            let id = issue.id;
            view! {
                <tr>
                    <td>{move || format_datetime(i18n.get_locale(), received_at)}</td>
                    <td>{issue.channel}</td>
                    <td>{move || problem_name(i18n.get_locale(), problem)}</td>
                    <td>
                        {issue.note.unwrap_or_default()}
                        {(problem == DeliveryProblem::Failed).then(|| view! { <RetryButton id /> })}
                    </td>
                    <td>
                        <details>
                            <summary>{t!(i18n, admin.deliveries.show_body)}</summary>
                            <pre>{issue.preview}</pre>
                        </details>
                    </td>
                </tr>
            }
            // Erased so the table's type stays shallow: the nested row type overflowed the
            // compiler's query depth in the wasm release build.
            .into_any()
        })
        .collect_view();
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th>{t!(i18n, admin.deliveries.received)}</th>
                    <th>{t!(i18n, admin.deliveries.channel)}</th>
                    <th>{t!(i18n, admin.deliveries.problem)}</th>
                    <th>{t!(i18n, admin.deliveries.note)}</th>
                    <th>{t!(i18n, admin.deliveries.body)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// Queues a set-aside delivery again (after the cause was fixed, e.g. a newer Atende).
#[component]
fn RetryButton(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let done = RwSignal::new(false);
    let error = RwSignal::new(None::<crate::error::AppError>);
    let retry = move |_| {
        leptos::task::spawn_local(async move {
            match retry_delivery(id).await {
                Ok(()) => done.set(true),
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    view! {
        <Show when=move || !done.get()
            fallback=move || view! { <span class="notice-ok" role="status">{t!(i18n, admin.deliveries.retried)}</span> }>
            <button type="button" name="retry_delivery" on:click=retry>{t!(i18n, admin.deliveries.retry)}</button>
        </Show>
        {move || error.get().map(|error| view! { <span class="form-error"><ErrorMessage error /></span> })}
    }
    .into_any()
}
