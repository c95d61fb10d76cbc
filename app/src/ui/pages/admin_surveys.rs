//! Admin > Surveys: the satisfaction survey report of a service over a period (response
//! rate, average, and each question's distribution as a bar chart).

use leptos::prelude::*;

use crate::api::admin::{get_survey_report, get_survey_report_choices};
use crate::i18n::*;
use crate::model::service::AnswerType;
use crate::model::survey::{QuestionReport, SurveyReport, SurveyReportFilter};
use crate::model::Role;
use crate::ui::components::{AdminNav, AppHeader, ErrorMessage, RequireRole};

#[component]
pub fn AdminSurveysPage() -> impl IntoView {
    view! {
        <RequireRole allowed=&[Role::Admin, Role::Supervisor] render=|user| view! {
            <AppHeader user=user />
            <main class="page" data-page="admin-surveys">
                <AdminNav />
                <SurveyReportSection />
            </main>
        } />
    }
}

#[component]
fn SurveyReportSection() -> impl IntoView {
    let i18n = use_i18n();
    let choices = Resource::new(|| (), |_| get_survey_report_choices());
    let filter = RwSignal::new(None::<SurveyReportFilter>);
    let report = Resource::new(
        move || filter.get(),
        |filter| async move {
            match filter {
                Some(filter) => get_survey_report(filter).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <section class="panel" data-section="survey-report">
            <h1>{t!(i18n, admin.surveys.title)}</h1>
            <p class="hint">{t!(i18n, admin.surveys.intro)}</p>
            <Transition>
                {move || Suspend::new(async move {
                    match choices.await {
                        Ok(choices) if choices.services.is_empty() => {
                            view! { <p class="empty">{t!(i18n, admin.surveys.no_services)}</p> }.into_any()
                        }
                        Ok(choices) => view! { <FilterForm choices filter /> }.into_any(),
                        Err(error) => view! { <p class="form-error"><ErrorMessage error /></p> }.into_any(),
                    }
                })}
            </Transition>
            <Transition>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(Some(report)) => view! { <Report report /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(error) => view! { <p class="form-error"><ErrorMessage error /></p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn FilterForm(
    choices: crate::model::survey::SurveyReportChoices,
    filter: RwSignal<Option<SurveyReportFilter>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let first = choices.services.first().map(|s| s.id).unwrap_or_default();
    let service = RwSignal::new(first);
    let from = RwSignal::new(choices.from.clone());
    let to = RwSignal::new(choices.to.clone());
    let show = move || {
        filter.set(Some(SurveyReportFilter {
            service_id: service.get_untracked(),
            from: from.get_untracked(),
            to: to.get_untracked(),
        }))
    };
    // The first service's last 30 days, once the page is live (a signal set while rendering
    // would make the server's page and the browser's disagree).
    Effect::new(move |_| show());
    let options = choices
        .services
        .into_iter()
        .map(|s| view! { <option value=s.id.to_string()>{s.name}</option> })
        .collect_view();
    view! {
        <form class="filters" on:submit=move |e| { e.prevent_default(); show(); }>
            <label>{t!(i18n, admin.surveys.service)}
                <select name="service" on:change=move |e| service.set(event_target_value(&e).parse().unwrap_or(first))>
                    {options}
                </select>
            </label>
            <label>{t!(i18n, admin.surveys.from)}
                <input type="date" name="from" prop:value=from on:input=move |e| from.set(event_target_value(&e)) />
            </label>
            <label>{t!(i18n, admin.surveys.to)}
                <input type="date" name="to" prop:value=to on:input=move |e| to.set(event_target_value(&e)) />
            </label>
            <button type="submit">{t!(i18n, admin.surveys.show)}</button>
        </form>
    }
}

fn percent(rate: f64) -> String {
    format!("{:.0}%", rate * 100.0)
}

fn decimal(value: f64) -> String {
    format!("{value:.1}")
}

#[component]
fn Report(report: SurveyReport) -> impl IntoView {
    let i18n = use_i18n();
    if report.sent == 0 {
        return view! { <p class="empty" data-report="empty">{t!(i18n, admin.surveys.none_sent)}</p> }.into_any();
    }
    let rate = report.response_rate.map(percent).unwrap_or_default();
    let average = report
        .average
        .map(decimal)
        .unwrap_or_else(|| "—".to_owned());
    let figures = view! {
        <dl class="kpis">
            <div data-kpi="sent"><dt>{t!(i18n, admin.surveys.sent)}</dt><dd>{report.sent}</dd></div>
            <div data-kpi="responded"><dt>{t!(i18n, admin.surveys.responded)}</dt><dd>{report.responded}</dd></div>
            <div data-kpi="rate"><dt>{t!(i18n, admin.surveys.rate)}</dt><dd>{rate}</dd></div>
            <div data-kpi="average"><dt>{t!(i18n, admin.surveys.average)}</dt><dd>{average}</dd></div>
            <div data-kpi="expired"><dt>{t!(i18n, admin.surveys.expired)}</dt><dd>{report.expired}</dd></div>
            <div data-kpi="abandoned"><dt>{t!(i18n, admin.surveys.abandoned)}</dt><dd>{report.abandoned}</dd></div>
        </dl>
    }
    .into_any();
    let questions = report
        .questions
        .into_iter()
        .map(|question| view! { <QuestionChart question /> })
        .collect_view()
        .into_any();
    let comments = (!report.comments.is_empty()).then(|| {
        let rows = report
            .comments
            .into_iter()
            .map(|c| view! { <tr><td>{c.number}</td><td>{c.text}</td><td>{c.at}</td></tr> })
            .collect_view();
        view! {
            <h2>{t!(i18n, admin.surveys.comments)}</h2>
            <table class="data" data-report="comments">
                <thead><tr>
                    <th>{t!(i18n, admin.surveys.question)}</th>
                    <th>{t!(i18n, admin.surveys.comment)}</th>
                    <th>{t!(i18n, admin.surveys.when)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    view! { <div data-report="figures">{figures}{questions}{comments}</div> }.into_any()
}

/// One question: its text in the reader's language and a horizontal bar per answer value.
#[component]
fn QuestionChart(question: QuestionReport) -> impl IntoView {
    let i18n = use_i18n();
    let text = question.text.clone();
    let title = move || {
        let english = i18n.get_locale() == Locale::en;
        let (first, second) = if english {
            (&text.en, &text.pt_br)
        } else {
            (&text.pt_br, &text.en)
        };
        if first.trim().is_empty() {
            second.clone()
        } else {
            first.clone()
        }
    };
    let number = question.number;
    let labels: Vec<String> = match question.answer {
        AnswerType::Scale => (1..=5).map(|n| n.to_string()).collect(),
        AnswerType::YesNo => vec![
            t_string!(i18n, admin.surveys.yes).to_owned(),
            t_string!(i18n, admin.surveys.no).to_owned(),
        ],
        AnswerType::FreeText => Vec::new(),
    };
    let summary = match question.average {
        Some(average) => t_string!(
            i18n,
            admin.surveys.answers_average,
            count = question.answers,
            average = decimal(average)
        ),
        None => t_string!(i18n, admin.surveys.answers, count = question.answers),
    };
    let chart = (!labels.is_empty()).then(|| bar_chart(&labels, &question.distribution));
    view! {
        <figure class="survey-question" data-question=number>
            <figcaption><strong>{format!("{number}. ")}{title}</strong> " " <span class="hint">{summary}</span></figcaption>
            {chart}
        </figure>
    }
}

/// Bars scaled to the largest count, each with its count and share.
fn bar_chart(labels: &[String], counts: &[i64]) -> impl IntoView {
    const ROW: usize = 28;
    const BAR_X: usize = 60;
    const BAR_WIDTH: f64 = 340.0;
    let total: i64 = counts.iter().sum();
    let largest = counts.iter().copied().max().unwrap_or(0).max(1);
    let height = ROW * labels.len();
    let rows = labels
        .iter()
        .zip(counts)
        .enumerate()
        .map(|(i, (label, count))| {
            let y = i * ROW;
            let width = BAR_WIDTH * (*count as f64) / (largest as f64);
            let share = if total > 0 { percent(*count as f64 / total as f64) } else { "0%".to_owned() };
            view! {
                <g data-value=label.clone() data-count=*count>
                    <text x="0" y=(y + 18).to_string() class="chart-label">{label.clone()}</text>
                    <rect x=BAR_X.to_string() y=(y + 4).to_string() width=format!("{width:.1}") height="20" rx="3" class="chart-bar" />
                    <text x=format!("{:.1}", BAR_X as f64 + width + 6.0) y=(y + 18).to_string() class="chart-count">
                        {format!("{count} ({share})")}
                    </text>
                </g>
            }
        })
        .collect_view();
    let description = labels
        .iter()
        .zip(counts)
        .map(|(label, count)| format!("{label}: {count}"))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <svg class="chart" role="img" aria-label=description viewBox=format!("0 0 480 {height}") width="480" height=height.to_string()>
            {rows}
        </svg>
    }
}
