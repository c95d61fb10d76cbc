use atende_server::provision::{self, ProvisionFile};
use atende_server::store::users;

use crate::helpers::{client, secret_box, spawn_app, TestDb};
use crate::on_both_backends;

on_both_backends!(
    provisioning_is_idempotent_and_updates_what_changed,
    provisioning_refuses_invalid_entries,
    provisioning_learns_schedules_pause_reasons_and_service_policies,
);

fn parse(text: &str) -> ProvisionFile {
    toml::from_str(text).expect("valid provisioning TOML")
}

const FILE: &str = r#"
[[users]]
username = "ana"
display_name = "Ana Souza"
role = "agent"
password = "senha-da-ana"
positions = 4
answer_mode = "manual"

[[users]]
username = "sara"
display_name = "Sara Lima"
role = "supervisor"
locale = "en"
password = "senha-da-sara"
"#;

async fn provisioning_is_idempotent_and_updates_what_changed(db: TestDb) {
    let app = spawn_app(db).await;
    let first = provision::apply(&app.accounts, &secret_box(), parse(FILE))
        .await
        .expect("applied");
    assert_eq!(first.created, ["ana", "sara"]);
    let again = provision::apply(&app.accounts, &secret_box(), parse(FILE))
        .await
        .expect("applied");
    assert!(
        again.created.is_empty() && again.updated.is_empty(),
        "{again:?}"
    );

    let changed = FILE
        .replace("Ana Souza", "Ana S. Souza")
        .replace("senha-da-sara", "outra-senha-sara");
    let third = provision::apply(&app.accounts, &secret_box(), parse(&changed))
        .await
        .expect("applied");
    assert_eq!(third.updated, ["ana", "sara"]);
    let ana = users::find_by_username(app.store.pool(), "ana")
        .await
        .expect("query")
        .expect("ana");
    assert_eq!(ana.display_name, "Ana S. Souza");
    let settings: (i64, String) =
        sqlx::query_as("SELECT positions, answer_mode FROM agent_states WHERE user_id = $1")
            .bind(ana.id)
            .fetch_one(app.store.pool())
            .await
            .expect("ana's settings");
    assert_eq!(settings, (4, "manual".to_owned()));
    let automatic = changed.replace("answer_mode = \"manual\"", "answer_mode = \"automatic\"");
    let fourth = provision::apply(&app.accounts, &secret_box(), parse(&automatic))
        .await
        .expect("applied");
    assert_eq!(fourth.updated, ["ana"]);
    assert_eq!(
        app.login(&client(), "sara", "outra-senha-sara")
            .await
            .status(),
        200
    );
}

async fn provisioning_refuses_invalid_entries(db: TestDb) {
    let app = spawn_app(db).await;
    let bad_locale = FILE.replace("locale = \"en\"", "locale = \"fr\"");
    assert!(
        provision::apply(&app.accounts, &secret_box(), parse(&bad_locale))
            .await
            .is_err()
    );
    let ana = users::find_by_username(app.store.pool(), "ana")
        .await
        .expect("query");
    assert!(
        ana.is_none(),
        "an invalid file writes nothing, not even its valid entries"
    );
    let short_password = FILE.replace("senha-da-ana", "curta");
    assert!(
        provision::apply(&app.accounts, &secret_box(), parse(&short_password))
            .await
            .is_err()
    );
    assert!(
        toml::from_str::<ProvisionFile>("[[users]]\nusername = \"x\"\nrole = \"root\"").is_err()
    );
    for wrong in [
        FILE.replace("positions = 4", "positions = 9"),
        FILE.replace("answer_mode = \"manual\"", "answer_mode = \"sometimes\""),
        FILE.replace("locale = \"en\"", "locale = \"en\"\npositions = 2"),
    ] {
        assert!(
            provision::apply(&app.accounts, &secret_box(), parse(&wrong))
                .await
                .is_err(),
            "{wrong}"
        );
    }
}

const CATALOG: &str = r#"
pause_reasons = ["Reunião", "lunch"]

[[schedules]]
name = "Comercial"
hours = [{ days = ["mon", "tue", "wed", "thu", "fri"], start = "08:00", end = "18:00" }]
holidays = [{ date = "2026-12-25", name = "Natal" }]

[[services]]
name = "Loja"
channel = "messenger"
cifra = "123456"
integration_url = "https://graph.facebook.com/v22.0/me/messages"
schedule = "Comercial"

[services.policy.times]
queue_wait_minutes = 5

[services.policy.survey]
kind = "standard"

[services.policy.messages.closing]
pt_br = "Até logo! Protocolo {protocol}"
"#;

async fn provisioning_learns_schedules_pause_reasons_and_service_policies(db: TestDb) {
    let app = spawn_app(db).await;
    let pool = app.store.pool();
    let first = provision::apply(&app.accounts, &secret_box(), parse(CATALOG))
        .await
        .expect("applied");
    assert_eq!(
        first.created,
        [
            "schedule Comercial",
            "pause reason Reunião",
            "service 123456"
        ]
    );
    let again = provision::apply(&app.accounts, &secret_box(), parse(CATALOG))
        .await
        .expect("applied");
    assert!(
        again.created.is_empty() && again.updated.is_empty(),
        "{again:?}"
    );
    let (zone, definition): (String, String) =
        sqlx::query_as("SELECT time_zone, definition FROM schedules WHERE name = 'Comercial'")
            .fetch_one(pool)
            .await
            .expect("schedule");
    assert_eq!(zone, "America/Sao_Paulo");
    assert!(definition.contains("\"weekday\":4") && definition.contains("Natal"));
    let (schedule, policy): (Option<String>, String) = sqlx::query_as(
        "SELECT h.name, s.policy FROM services s LEFT JOIN schedules h ON h.id = s.schedule_id
         WHERE s.cifra = '123456'",
    )
    .fetch_one(pool)
    .await
    .expect("service");
    assert_eq!(schedule.as_deref(), Some("Comercial"));
    let policy: atende_server::domain::policy::ServicePolicy =
        serde_json::from_str(&policy).expect("policy");
    assert_eq!(policy.times.queue_wait_minutes, Some(5));
    assert_eq!(
        policy.survey.kind,
        atende_server::domain::policy::SurveyKind::Standard
    );
    assert_eq!(
        policy.messages.closing.pt_br,
        "Até logo! Protocolo {protocol}"
    );

    let later = CATALOG.replace("end = \"18:00\"", "end = \"19:00\"");
    let changed = provision::apply(&app.accounts, &secret_box(), parse(&later))
        .await
        .expect("applied");
    assert_eq!(changed.created, ["schedule Comercial"]);
    for wrong in [
        CATALOG.replace("days = [\"mon\"", "days = [\"segunda\""),
        CATALOG.replace("\"18:00\"", "\"25:00\""),
        CATALOG.replace("{protocol}", "{protocolo}"),
        CATALOG.replace("schedule = \"Comercial\"", "schedule = \"Noturno\""),
    ] {
        assert!(
            provision::apply(&app.accounts, &secret_box(), parse(&wrong))
                .await
                .is_err(),
            "{wrong}"
        );
    }
}
