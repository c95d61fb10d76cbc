//! Admin > Audit log: who changed what and when, with each field before and after.

use leptos::prelude::*;

use crate::api::admin::audit_log;
use crate::format::format_datetime;
use crate::i18n::*;
use crate::model::admin::AuditEntry;
use crate::model::Role;
use crate::ui::components::{AdminNav, AppHeader, ErrorMessage, RequireRole};
use crate::ui::pages::audit_terms::term_or_code;

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    view! {
        <RequireRole allowed=&[Role::Admin, Role::Supervisor] render=|user| view! {
            <AppHeader user=user />
            <main class="page" data-page="admin-audit">
                <AdminNav />
                <Audit />
            </main>
        } />
    }
}

/// "field: before → after" for each changed field, the field named in `locale`.
fn describe(locale: Locale, changes: &str) -> Vec<String> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(changes) else {
        return Vec::new();
    };
    let show = |value: &serde_json::Value| match value {
        serde_json::Value::Null => "—".to_owned(),
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    fields
        .iter()
        .map(|(field, pair)| {
            let field = term_or_code(locale, field);
            format!("{field}: {} → {}", show(&pair[0]), show(&pair[1]))
        })
        .collect()
}

#[component]
fn Audit() -> impl IntoView {
    let i18n = use_i18n();
    let before = RwSignal::new(None::<i64>);
    let entries = Resource::new(move || before.get(), audit_log);
    view! {
        <section class="panel" data-section="audit">
            <h1>{t!(i18n, admin.audit.title)}</h1>
            <p class="hint">{t!(i18n, admin.audit.intro)}</p>
            <Transition>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty">{t!(i18n, admin.audit.empty)}</p> }.into_any(),
                        Ok(list) => {
                            let oldest = list.last().map(|e| e.id);
                            view! {
                                <AuditTable list />
                                <div class="pager">
                                    <button on:click=move |_| before.set(oldest)>{t!(i18n, admin.audit.older)}</button>
                                </div>
                            }.into_any()
                        }
                        Err(error) => view! { <p class="form-error"><ErrorMessage error /></p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AuditTable(list: Vec<AuditEntry>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = list
        .into_iter()
        .map(|entry| {
            let at = entry.at;
            let changes = entry.changes.clone();
            let lines = move || {
                describe(i18n.get_locale(), &changes)
                    .into_iter()
                    .map(|line| view! { <li>{line}</li> })
                    .collect_view()
            };
            let (entity, entity_id, action) = (entry.entity.clone(), entry.entity_id, entry.action.clone());
            view! {
                <tr data-entity=entry.entity.clone()>
                    <td>{move || format_datetime(i18n.get_locale(), at)}</td>
                    <td>{entry.actor.unwrap_or_default()}</td>
                    <td>{move || format!("{} #{entity_id}", term_or_code(i18n.get_locale(), &entity))}</td>
                    <td>{move || term_or_code(i18n.get_locale(), &action)}</td>
                    <td><ul class="changes">{lines}</ul></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data audit">
            <thead>
                <tr>
                    <th>{t!(i18n, admin.audit.when)}</th>
                    <th>{t!(i18n, admin.audit.who)}</th>
                    <th>{t!(i18n, admin.audit.what)}</th>
                    <th>{t!(i18n, admin.audit.action)}</th>
                    <th>{t!(i18n, admin.audit.changes)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::describe;
    use crate::i18n::Locale;

    #[test]
    fn each_changed_field_reads_before_and_after_in_the_readers_language() {
        let changes = r#"{"name":["Vendas","Vendas Online"],"positions":[null,3],"odd":[1,2]}"#;
        let lines = describe(Locale::en, changes);
        assert_eq!(
            lines,
            [
                "Name: Vendas → Vendas Online",
                "odd: 1 → 2",
                "Positions: — → 3"
            ]
        );
        let lines = describe(Locale::pt_BR, changes);
        assert_eq!(lines[0], "Nome: Vendas → Vendas Online");
        assert!(describe(Locale::en, "not json").is_empty());
    }
}
