//! `pakta token list|create|revoke --data DIR`: the admin's tokens from a shell on the
//! server, the same use cases as `/api/tokens`, acting as the admin.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use pakta::app::{App, Caller, Config, PageRequest, TokenRequest, TokenView};
use pakta::clock::SystemClock;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// List every token: number, holder, role, scope, expiry and state. Secrets are never
    /// shown: only their hashes are kept.
    List(DataArg),
    /// Make a token for one person; its secret is printed once.
    Create {
        #[command(flatten)]
        data: DataArg,
        /// operator, supervisor, inspektorat, or auditor (counts only).
        #[arg(long)]
        role: String,
        /// Who holds it, e.g. "Budi, meja registrasi 2".
        #[arg(long)]
        name: String,
        /// For an operator: the ceremony number.
        #[arg(long)]
        ceremony: Option<u64>,
        /// For a supervisor: the OPD code.
        #[arg(long)]
        opd: Option<String>,
        /// Days it works (1 to 366).
        #[arg(long, default_value_t = 30)]
        days: u64,
    },
    /// Revoke a token by its number (from `pakta token list`): its next request is refused.
    Revoke {
        id: u64,
        #[command(flatten)]
        data: DataArg,
    },
}

#[derive(Args)]
pub struct DataArg {
    #[arg(long, default_value = "./pakta-data")]
    data: PathBuf,
}

fn open(data: &Path) -> Result<App> {
    App::open(data, Arc::new(SystemClock), Config::default(), None)
        .with_context(|| format!("opening the registry in {}", data.display()))
}

fn line(t: &TokenView) -> String {
    let scope = match (t.ceremony, &t.opd) {
        (Some(c), _) => format!("upacara {c}"),
        (None, Some(opd)) => format!("OPD {opd}"),
        (None, None) => "semua OPD".into(),
    };
    format!(
        "{:>4}  {:<11} {:<16} {:<15} berlaku s.d. {}  {}  {}",
        t.id,
        t.role,
        scope,
        t.state,
        t.expires_at.format("%Y-%m-%d %H:%M UTC"),
        t.revoked_at
            .map(|r| format!("dicabut {}", r.format("%Y-%m-%d %H:%M UTC")))
            .unwrap_or_default(),
        t.name
    )
}

pub fn token(command: TokenCommand) -> Result<ExitCode> {
    let admin = Caller::admin("admin (pakta token)");
    let runtime = actix_web::rt::System::new();
    match command {
        TokenCommand::List(DataArg { data }) => {
            let app = open(&data)?;
            let mut after: Option<u64> = None;
            let mut count = 0;
            loop {
                let request = PageRequest {
                    limit: None,
                    after: after.map(|a| a.to_string()),
                };
                let page = runtime.block_on(app.tokens(&admin, request))?;
                for t in &page.tokens {
                    println!("{}", line(t));
                }
                count += page.tokens.len();
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            if count == 0 {
                println!(
                    "belum ada token; buat dengan: pakta token create --role ROLE --name NAMA"
                );
            }
        }
        TokenCommand::Create {
            data: DataArg { data },
            role,
            name,
            ceremony,
            opd,
            days,
        } => {
            let app = open(&data)?;
            let made = runtime.block_on(app.create_token(
                &admin,
                TokenRequest {
                    role,
                    ceremony,
                    opd,
                    name: Some(name),
                    days: Some(days),
                },
            ))?;
            println!("{}", line(&made.view));
            println!("token (ditampilkan sekali ini saja): {}", made.token);
        }
        TokenCommand::Revoke {
            id,
            data: DataArg { data },
        } => {
            let app = open(&data)?;
            let revoked = runtime.block_on(app.revoke_token(&admin, id))?;
            println!("{}", line(&revoked));
        }
    }
    Ok(ExitCode::SUCCESS)
}
