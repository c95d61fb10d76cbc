use atende_server::provision::{self, ProvisionFile};
use atende_server::store::users;

use crate::helpers::{client, secret_box, spawn_app, TestDb};
use crate::on_both_backends;

on_both_backends!(
    provisioning_is_idempotent_and_updates_what_changed,
    provisioning_refuses_invalid_entries
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
