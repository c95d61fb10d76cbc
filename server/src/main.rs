use clap::Parser;

use atende_server::auth::accounts::AccountService;
use atende_server::cli::{run_user_command, Cli, Command};
use atende_server::config::Settings;
use atende_server::secret_box::SecretBox;
use atende_server::startup::{shutdown_signal, throttle_policy, Application};
use atende_server::{provision, store, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(&cli.config)?;
    telemetry::init(&settings.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            Application::build(settings)
                .await?
                .run_until(shutdown_signal())
                .await
        }
        Command::Migrate => {
            open_store(&settings).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::User(command) => run_user_command(&accounts(&settings).await?, command).await,
        Command::Provision { file } => {
            let secrets =
                SecretBox::load_or_create(settings.secret_key.as_ref(), &settings.secret_key_file)?;
            let content = provision::read(&file, settings.external_url.as_str())?;
            let report = provision::apply(&accounts(&settings).await?, &secrets, content).await?;
            println!(
                "provisioned {}: created {:?}, updated {:?}",
                file.display(),
                report.created,
                report.updated
            );
            Ok(())
        }
    }
}

async fn open_store(settings: &Settings) -> anyhow::Result<store::Store> {
    let store = store::connect(&settings.database_url, 2).await?;
    store.migrate().await?;
    Ok(store)
}

async fn accounts(settings: &Settings) -> anyhow::Result<AccountService> {
    Ok(AccountService::new(
        open_store(settings).await?,
        throttle_policy(settings),
    ))
}
