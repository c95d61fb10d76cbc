use app::model::Role;
use atende_server::domain::account::NewPassword;
use atende_server::startup::Application;
use atende_server::store::users;
use chrono::Utc;
use secrecy::SecretString;
use serde_json::Value;

use crate::helpers::{spawn_app, spawn_app_with, TestDb};
use crate::on_both_backends;

on_both_backends!(
    disabling_a_user_ends_their_sessions,
    changing_a_password_ends_the_sessions,
    sessions_end_at_the_absolute_timeout,
    sessions_survive_a_restart,
    idle_sessions_expire,
);

async fn disabling_a_user_ends_their_sessions(db: TestDb) {
    let app = spawn_app(db).await;
    let id = app.create_user("ana", Role::Agent, "senha-da-ana").await;
    app.login(&app.client, "ana", "senha-da-ana").await;
    assert_eq!(app.current_user(&app.client).await["username"], "ana");
    users::set_active(app.store.pool(), id, false, Utc::now())
        .await
        .expect("disable");
    assert_eq!(app.current_user(&app.client).await, Value::Null);
    assert_eq!(
        app.login(&app.client, "ana", "senha-da-ana").await.status(),
        401,
        "disabled users cannot log in"
    );
}

async fn changing_a_password_ends_the_sessions(db: TestDb) {
    let app = spawn_app(db).await;
    let id = app.create_user("ana", Role::Agent, "senha-da-ana").await;
    app.login(&app.client, "ana", "senha-da-ana").await;
    let password =
        NewPassword::parse(SecretString::from("nova-senha-da-ana".to_owned())).expect("valid");
    assert!(app
        .accounts
        .set_password(id, password)
        .await
        .expect("changed"));
    assert_eq!(app.current_user(&app.client).await, Value::Null);
    assert_eq!(
        app.login(&app.client, "ana", "nova-senha-da-ana")
            .await
            .status(),
        200
    );
}

async fn sessions_end_at_the_absolute_timeout(db: TestDb) {
    let mut settings = db.settings();
    settings.session_absolute_hours = 0;
    let app = spawn_app_with(db, settings).await;
    app.create_user("ana", Role::Agent, "senha-da-ana").await;
    assert_eq!(
        app.login(&app.client, "ana", "senha-da-ana").await.status(),
        200
    );
    assert_eq!(app.current_user(&app.client).await, Value::Null);
}

async fn sessions_survive_a_restart(db: TestDb) {
    let first = spawn_app(db).await;
    first.create_user("ana", Role::Agent, "senha-da-ana").await;
    first.login(&first.client, "ana", "senha-da-ana").await;
    // A second instance on the same database (a restart, or another node behind the balancer).
    let second = Application::build(first.db.settings())
        .await
        .expect("second instance");
    let address = format!("http://{}", second.local_addr().expect("address"));
    tokio::spawn(second.run_until(std::future::pending()));
    let response = first
        .client
        .post(format!("{address}/api/auth/current_user"))
        .header("Origin", &address)
        .send()
        .await
        .expect("sent");
    let user: Value = response.json().await.expect("JSON");
    assert_eq!(user["username"], "ana");
}

async fn idle_sessions_expire(db: TestDb) {
    let mut settings = db.settings();
    settings.session_idle_minutes = 0;
    let app = spawn_app_with(db, settings).await;
    app.create_user("ana", Role::Agent, "senha-da-ana").await;
    assert_eq!(
        app.login(&app.client, "ana", "senha-da-ana").await.status(),
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(app.current_user(&app.client).await, Value::Null);
}
