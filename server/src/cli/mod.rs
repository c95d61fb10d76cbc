//! The command line: `atende [serve]`, `migrate`, `user …`, `provision FILE`.

mod user;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use user::run as run_user_command;

#[derive(Debug, Parser)]
#[command(
    name = "atende",
    version,
    about = "Atende: an omnichannel contact center (Messenger, Instagram Direct)"
)]
pub struct Cli {
    /// Settings file (optional; ATENDE_* environment variables override it).
    #[arg(
        long,
        short,
        global = true,
        default_value = "atende.toml",
        env = "ATENDE_CONFIG"
    )]
    pub config: PathBuf,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Create or update the entities described in a TOML file (idempotent).
    Provision {
        /// The provisioning file, e.g. demo/demo.toml.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. Without --password-stdin a random password is generated and printed.
    Add {
        username: String,
        /// admin, supervisor or agent.
        #[arg(long)]
        role: app::model::Role,
        /// The name colleagues see (defaults to the username).
        #[arg(long)]
        name: Option<String>,
        /// pt-BR or en.
        #[arg(long, default_value = "pt-BR")]
        locale: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
    /// Set a user's password (ends their sessions).
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable a user (ends their sessions).
    Disable { username: String },
    /// Enable a disabled user.
    Enable { username: String },
}
