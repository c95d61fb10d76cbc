//! First start: an empty database gets an `admin` account, with `ATENDE_ADMIN_PASSWORD` or a
//! random password printed once.

use app::model::Role;
use secrecy::{ExposeSecret, SecretString};

use crate::auth::accounts::AccountService;
use crate::auth::password;
use crate::domain::account::{DisplayName, NewPassword, Username};
use crate::store::users;

pub async fn ensure_admin(
    accounts: &AccountService,
    configured: Option<SecretString>,
) -> anyhow::Result<()> {
    if users::count(accounts.store().pool()).await? > 0 {
        return Ok(());
    }
    let generated = configured.is_none();
    let secret = configured.unwrap_or_else(password::random_password);
    let password = NewPassword::parse(secret.clone())
        .map_err(|e| anyhow::anyhow!("ATENDE_ADMIN_PASSWORD is not acceptable: {e}"))?;
    let username = Username::parse("admin")?;
    let name = DisplayName::parse("Administrator")?;
    if accounts
        .create_user(&username, &name, password, Role::Admin, "pt-BR")
        .await?
        .is_some()
    {
        if generated {
            // Printed on purpose, once: the operator has no other way to learn it. Not logged
            // through tracing, so it does not end up in log aggregation.
            println!(
                "\n  First start: created user 'admin' with password: {}\n  \
                 Change it with `atende user passwd admin`.\n",
                secret.expose_secret()
            );
        } else {
            tracing::info!("First start: created user 'admin' with the configured password");
        }
    }
    Ok(())
}
