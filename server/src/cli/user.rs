//! `atende user …`: account administration from the shell.

use std::io::BufRead;

use anyhow::Context;
use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};

use super::UserCommand;
use crate::auth::accounts::AccountService;
use crate::auth::password;
use crate::domain::account::{DisplayName, NewPassword, Username};
use crate::store::users;

pub async fn run(accounts: &AccountService, command: UserCommand) -> anyhow::Result<()> {
    let pool = accounts.store().pool();
    match command {
        UserCommand::Add {
            username,
            role,
            name,
            locale,
            password_stdin,
        } => {
            let username = Username::parse(&username)?;
            let name = DisplayName::parse(name.as_deref().unwrap_or(username.as_str()))?;
            anyhow::ensure!(
                app::locale::parse_locale(&locale).is_some(),
                "locale must be pt-BR or en"
            );
            let (secret, generated) = read_or_generate(password_stdin)?;
            let created = accounts
                .create_user(
                    &username,
                    &name,
                    NewPassword::parse(secret.clone())?,
                    role,
                    &locale,
                )
                .await?;
            anyhow::ensure!(created.is_some(), "user {username} already exists");
            println!("created {username} ({})", role.as_str());
            if generated {
                println!("password: {}", secret.expose_secret());
            }
        }
        UserCommand::List => {
            println!(
                "{:<24} {:<11} {:<6} {:<7} name",
                "username", "role", "locale", "active"
            );
            for user in users::list(pool).await? {
                let active = if user.active { "yes" } else { "no" };
                println!(
                    "{:<24} {:<11} {:<6} {:<7} {}",
                    user.username,
                    user.role.as_str(),
                    user.locale,
                    active,
                    user.display_name
                );
            }
        }
        UserCommand::Passwd {
            username,
            password_stdin,
        } => {
            let user = find(accounts, &username).await?;
            let (secret, generated) = read_or_generate(password_stdin)?;
            accounts
                .set_password(user.id, NewPassword::parse(secret.clone())?)
                .await?;
            println!(
                "password changed for {}; their sessions have ended",
                user.username
            );
            if generated {
                println!("password: {}", secret.expose_secret());
            }
        }
        UserCommand::Disable { username } => {
            let user = find(accounts, &username).await?;
            users::set_active(pool, user.id, false, Utc::now()).await?;
            println!("disabled {}; their sessions have ended", user.username);
        }
        UserCommand::Enable { username } => {
            let user = find(accounts, &username).await?;
            users::set_active(pool, user.id, true, Utc::now()).await?;
            println!("enabled {}", user.username);
        }
    }
    Ok(())
}

async fn find(accounts: &AccountService, username: &str) -> anyhow::Result<users::UserRecord> {
    let username = Username::parse(username)?;
    users::find_by_username(accounts.store().pool(), username.as_str())
        .await?
        .with_context(|| format!("no user named {username}"))
}

fn read_or_generate(from_stdin: bool) -> anyhow::Result<(SecretString, bool)> {
    if !from_stdin {
        return Ok((password::random_password(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("Failed to read the password")?;
    Ok((
        SecretString::from(line.trim_end_matches(['\r', '\n']).to_owned()),
        false,
    ))
}
