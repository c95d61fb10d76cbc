//! Full-stack tests: the real application on port 0, real HTTP, a fresh database per test.
//! Every scenario runs on SQLite, and on PostgreSQL when `ATENDE_TEST_POSTGRES_URL` is set.

mod graph_stub;
mod helpers;

mod admin_groups;
mod admin_pause_reasons;
mod admin_schedules;
mod admin_services;
mod admin_settings;
mod admin_users;
mod auth;
mod console;
mod handover;
mod health;
mod ingest;
mod languages;
mod live;
mod media;
mod outbound;
mod pages;
mod policies;
mod profiles;
mod provision;
mod restart;
mod routing;
mod sandbox;
mod scripts;
mod sessions;
mod surveys;
mod timeouts;
mod webhook;
