//! The `pakta` command line: one subcommand per job. Each command is a thin wrapper
//! over the library; errors are reported with `anyhow` context saying what to do next.

mod audit;
mod backup;
mod bench_signing;
mod erase;
mod generate;
mod mirror;
mod pledge;
mod publish;
mod serve;
mod sign;
mod token;
mod witness;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "pakta",
    version,
    about = "A verifiable registry for the ASN neutrality pledge (Pakta Integritas Netralitas ASN)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API on an embedded SQLite database in the data directory.
    Serve(serve::ServeArgs),
    /// Serve with a fictional kabupaten loaded (generated names, never real people).
    Demo(serve::DemoArgs),
    /// Import a roster: Pakta's CSV (nip, name, position, rank, category, opd_code,
    /// opd_name), or SIASN's "Export Data ASN" as .xlsx or CSV. With --units, first
    /// import SIASN units (the unit tree ID, NAMA UNOR, DIATASAN ID, or UNOR ID, OPD CODE).
    Import {
        /// The roster file; may be left out when only --units is given.
        file: Option<PathBuf>,
        /// SIASN units grouping units into OPDs (.xlsx or CSV).
        #[arg(long)]
        units: Option<PathBuf>,
        #[arg(long, default_value = "./pakta-data")]
        data: PathBuf,
    },
    /// Make a new Ed25519 key pair in a file only you can read; prints the public key.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Sign a statement file with a key file; prints the base64 signature.
    Sign {
        #[arg(long)]
        key: PathBuf,
        statement_file: PathBuf,
    },
    /// Sign the pledge from a key file: get the statement, show it, sign it after you type
    /// 'ya', and save the receipt (for officials without a smartphone).
    Pledge(pledge::PledgeArgs),
    /// Audit a whole registry offline: chain, keys and every signature.
    Verify {
        /// A data directory (as used by `pakta serve`).
        #[arg(long, required_unless_present = "export", conflicts_with = "export")]
        data: Option<PathBuf>,
        /// A file written by `pakta export`.
        #[arg(long)]
        export: Option<PathBuf>,
    },
    /// Check a receipt offline: signature, entry, inclusion proof and the log's checkpoint.
    VerifyReceipt {
        file: PathBuf,
        /// The log's verifier key, or a file holding it.
        #[arg(long)]
        vkey: String,
        /// A witness's verifier key (or a file holding it) whose cosignature on the
        /// receipt's checkpoint is checked; repeatable.
        #[arg(long = "witness", value_name = "VKEY")]
        witnesses: Vec<String>,
        /// How many of the --witness keys must have cosigned (default: all of them).
        #[arg(long, value_name = "K")]
        quorum: Option<usize>,
    },
    /// Cosign registries' checkpoints as a witness (c2sp.org/tlog-witness), only when
    /// each extends what this witness saw before; prints its verifier key first.
    Witness(witness::WitnessArgs),
    /// Follow a registry from its checkpoint and tiles, keeping a verified copy; stops
    /// with exit status 3 on a fork. With --registries FILE, watch many registries and
    /// report forks and logs that stopped growing.
    Mirror(mirror::MirrorArgs),
    /// Publish the log's tiles, entry bundles and checkpoint, the verifier key and the
    /// verification page to object storage (S3-compatible) or a directory, for a CDN or
    /// a plain web server to serve; uploads only what is new since the last round.
    Publish(publish::PublishArgs),
    /// Erase one official's personal data (UU 27/2022): roster row, signed statements,
    /// enrollment messages. The log records the erasure and still verifies.
    Erase {
        /// The official's NIP (or NIK for non-ASN staff).
        nip: String,
        #[arg(long, default_value = "./pakta-data")]
        data: PathBuf,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// List, make or revoke the tokens of supervisors, operators, the Inspektorat and
    /// auditors.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Benchmarks (README, "Performance, measured").
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Copy a registry, while it serves, into one file (database snapshot, log key,
    /// checkpoint, manifest); keep it as you keep the log key.
    Backup(backup::BackupArgs),
    /// Bring a backup back into a new data directory, only once it is shown consistent
    /// with the checkpoint it had published (and with --checkpoint, a later one).
    Restore(backup::RestoreArgs),
    /// Write the log and the statements kept beside it to one file for an auditor.
    Export {
        #[arg(long, default_value = "./pakta-data")]
        data: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Build a registry of exactly N valid entries in a new data directory (roster,
    /// enrollments, ceremonies, check-ins, signatures, ikrar mandiri), for benchmarks.
    Generate(generate::GenerateArgs),
    /// Sign with many officials at once, in process and over HTTP, then audit the
    /// registry made.
    Signing(bench_signing::SigningArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // A monitor makes a new copy per registry it meets, and the schema migrations of
    // hundreds of copies would bury its report; a server's operator wants to see them.
    let default_filter = match &cli.command {
        Command::Mirror(_) => "info,actix_server=warn,pakta::store::migrate=warn",
        _ => "info,actix_server=warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let outcome = match cli.command {
        Command::Serve(args) => serve::serve(args),
        Command::Demo(args) => serve::demo(args),
        Command::Import { file, units, data } => {
            serve::import(file.as_deref(), units.as_deref(), &data)
        }
        Command::Keygen { out } => sign::keygen(&out),
        Command::Sign {
            key,
            statement_file,
        } => sign::sign(&key, &statement_file),
        Command::Pledge(args) => pledge::pledge(args),
        Command::Verify { data, export } => audit::verify(data.as_deref(), export.as_deref()),
        Command::Export { data, out } => audit::export(&data, &out),
        Command::Backup(args) => backup::backup(args),
        Command::Restore(args) => backup::restore(args),
        Command::VerifyReceipt {
            file,
            vkey,
            witnesses,
            quorum,
        } => audit::verify_receipt(&file, &vkey, &witnesses, quorum),
        Command::Witness(args) => witness::witness(args),
        Command::Mirror(args) => mirror::mirror(args),
        Command::Publish(args) => publish::publish(args),
        Command::Token(command) => token::token(command),
        Command::Erase { nip, data, yes } => erase::erase(&nip, &data, yes),
        Command::Bench(BenchCommand::Generate(args)) => generate::generate(&args),
        Command::Bench(BenchCommand::Signing(args)) => bench_signing::signing(args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) if mirror::is_fork(&e) => {
            eprintln!("{e}");
            ExitCode::from(mirror::FORK_EXIT)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
