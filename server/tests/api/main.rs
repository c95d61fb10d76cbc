//! Full-stack tests: the real application on port 0, real HTTP, a fresh database per test.
//! Every scenario runs on SQLite, and on PostgreSQL when `ATENDE_TEST_POSTGRES_URL` is set.

mod graph_stub;
mod helpers;

mod aborted_pages;
mod admin_groups;
mod admin_pause_reasons;
mod admin_schedules;
mod admin_services;
mod admin_settings;
mod admin_users;
mod architecture;
mod auth;
mod console;
mod delivery_faults;
mod handover;
mod health;
mod ingest;
mod languages;
mod limits;
mod live;
mod lost_answers;
mod media;
mod outbound;
mod pages;
mod policies;
mod profiles;
mod provision;
mod restart;
mod retention;
mod routing;
mod sandbox;
mod scripts;
mod sessions;
mod surveys;
mod timeouts;
mod webhook;
