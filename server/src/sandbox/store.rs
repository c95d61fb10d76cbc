//! The sandbox's records (see the `sandbox_*` tables): what Meta keeps on its side.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{AnyPool, FromRow};

use crate::store::to_millis;

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Customer {
    pub psid: String,
    pub name: String,
    pub has_profile: i64,
    /// What the User Profile API reports as the customer's `locale`.
    pub locale: String,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct ChatMessage {
    pub id: i64,
    pub author: String,
    pub mid: String,
    pub text: Option<String>,
    pub attachment_kind: Option<String>,
    pub attachment_url: Option<String>,
    pub messaging_type: Option<String>,
    pub tag: Option<String>,
    /// JSON array of {title, payload}: the buttons shown under the page's message.
    pub quick_replies: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

pub struct NewChatMessage<'a> {
    pub page_id: &'a str,
    pub psid: &'a str,
    pub author: &'static str,
    pub mid: &'a str,
    pub text: Option<&'a str>,
    pub attachment_kind: Option<&'a str>,
    pub attachment_url: Option<&'a str>,
    pub messaging_type: Option<&'a str>,
    pub tag: Option<&'a str>,
    pub quick_replies: &'a str,
}

pub async fn customers(pool: &AnyPool) -> anyhow::Result<Vec<Customer>> {
    sqlx::query_as("SELECT psid, name, has_profile, locale FROM sandbox_customers ORDER BY id")
        .fetch_all(pool)
        .await
        .context("Failed to list sandbox customers")
}

pub async fn customer(pool: &AnyPool, psid: &str) -> anyhow::Result<Option<Customer>> {
    sqlx::query_as("SELECT psid, name, has_profile, locale FROM sandbox_customers WHERE psid = $1")
        .bind(psid)
        .fetch_optional(pool)
        .await
        .context("Failed to read a sandbox customer")
}

pub async fn create_customer(
    pool: &AnyPool,
    customer: &Customer,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sandbox_customers (psid, name, has_profile, created_at, locale)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&customer.psid)
    .bind(&customer.name)
    .bind(customer.has_profile)
    .bind(to_millis(now))
    .bind(&customer.locale)
    .execute(pool)
    .await
    .context("Failed to create a sandbox customer")?;
    Ok(())
}

pub async fn insert_message(
    pool: &AnyPool,
    message: &NewChatMessage<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sandbox_messages (page_id, psid, author, mid, text, attachment_kind,
                                       attachment_url, messaging_type, tag, created_at,
                                       quick_replies)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(message.page_id)
    .bind(message.psid)
    .bind(message.author)
    .bind(message.mid)
    .bind(message.text)
    .bind(message.attachment_kind)
    .bind(message.attachment_url)
    .bind(message.messaging_type)
    .bind(message.tag)
    .bind(to_millis(now))
    .bind(message.quick_replies)
    .execute(pool)
    .await
    .context("Failed to store a sandbox message")?;
    Ok(())
}

/// The chat between a customer and a page, oldest first (the last 500 messages).
pub async fn chat(pool: &AnyPool, psid: &str, page_id: &str) -> anyhow::Result<Vec<ChatMessage>> {
    let mut messages: Vec<ChatMessage> = sqlx::query_as(
        "SELECT id, author, mid, text, attachment_kind, attachment_url, messaging_type, tag,
                quick_replies, created_at, read_at
         FROM sandbox_messages WHERE psid = $1 AND page_id = $2 ORDER BY id DESC LIMIT 500",
    )
    .bind(psid)
    .bind(page_id)
    .fetch_all(pool)
    .await
    .context("Failed to read a sandbox chat")?;
    messages.reverse();
    Ok(messages)
}

/// When the customer last wrote to the page (the start of Meta's messaging window).
pub async fn last_customer_message_at(
    pool: &AnyPool,
    psid: &str,
    page_id: &str,
) -> anyhow::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT MAX(created_at) FROM sandbox_messages
         WHERE psid = $1 AND page_id = $2 AND author = 'customer'",
    )
    .bind(psid)
    .bind(page_id)
    .fetch_one(pool)
    .await
    .context("Failed to read the sandbox window")
}

/// The customer has seen the page's messages: returns how many were newly read.
pub async fn mark_read(
    pool: &AnyPool,
    psid: &str,
    page_id: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<u64> {
    let done = sqlx::query(
        "UPDATE sandbox_messages SET read_at = $1
         WHERE psid = $2 AND page_id = $3 AND author = 'page' AND read_at IS NULL",
    )
    .bind(to_millis(now))
    .bind(psid)
    .bind(page_id)
    .execute(pool)
    .await
    .context("Failed to mark sandbox messages read")?;
    Ok(done.rows_affected())
}

pub async fn insert_media(
    pool: &AnyPool,
    token: &str,
    content_type: &str,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sandbox_media (token, content_type, bytes, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token)
    .bind(content_type)
    .bind(bytes)
    .bind(to_millis(now))
    .execute(pool)
    .await
    .context("Failed to store sandbox media")?;
    Ok(())
}

pub async fn media(pool: &AnyPool, token: &str) -> anyhow::Result<Option<(String, Vec<u8>)>> {
    sqlx::query_as("SELECT content_type, bytes FROM sandbox_media WHERE token = $1")
        .bind(token)
        .fetch_optional(pool)
        .await
        .context("Failed to read sandbox media")
}
