use leptos::prelude::*;

use crate::api::admin::delivery_issues;
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
            view! {
                <tr>
                    <td>{move || format_datetime(i18n.get_locale(), received_at)}</td>
                    <td>{issue.channel}</td>
                    <td>{move || problem_name(i18n.get_locale(), problem)}</td>
                    <td>{issue.note.unwrap_or_default()}</td>
                    <td>
                        <details>
                            <summary>{t!(i18n, admin.deliveries.show_body)}</summary>
                            <pre>{issue.preview}</pre>
                        </details>
                    </td>
                </tr>
            }
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
