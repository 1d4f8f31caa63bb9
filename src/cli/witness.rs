//! `pakta witness --data DIR --listen ADDR --log VKEY … [--name NAME]`: runs a witness
//! (c2sp.org/tlog-witness) for the registries whose verifier keys it is given. The first
//! line it prints is its own verifier key, for registries (`--witness`) and readers
//! (`verify-receipt --witness`) to pin; it serves the same at `GET /vkey`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;

use pakta::clock::SystemClock;
use pakta::domain::cosignature::WitnessKey;
use pakta::witness::Witness;

#[derive(Args)]
pub struct WitnessArgs {
    /// Where the witness keeps its key and the checkpoints it cosigned.
    #[arg(long, default_value = "./pakta-witness")]
    data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: String,
    /// The verifier key of a registry to witness (as `pakta serve` prints it and
    /// /api/registry/vkey serves it), or a file holding it; repeatable.
    #[arg(long = "log", value_name = "VKEY", required = true)]
    logs: Vec<String>,
    /// The witness's name, part of its key: fixed at first start. A host and path
    /// without https://, e.g. saksi.bawaslu.example.go.id/1.
    #[arg(long, default_value = "pakta-witness")]
    name: String,
}

/// Reads a witness's verifier key given as itself or as a file holding it.
pub fn read_witness_key(arg: &str) -> Result<WitnessKey> {
    let text = super::mirror::key_argument(arg, "witness key")?;
    WitnessKey::parse(&text).with_context(|| {
        format!(
            "'{text}' is not a witness verifier key: it must look like name+1a2b3c4d+BAbC…= (as `pakta witness` prints it first and serves at /vkey)"
        )
    })
}

pub fn witness(args: WitnessArgs) -> Result<ExitCode> {
    let logs = args
        .logs
        .iter()
        .map(|l| super::mirror::read_vkey(l))
        .collect::<Result<Vec<_>>>()?;
    let listener = TcpListener::bind(&args.listen).with_context(|| {
        format!(
            "cannot listen on {}: is another program using it? Choose another with --listen",
            args.listen
        )
    })?;
    let witness = Witness::open(&args.data, &args.name, logs.clone(), Arc::new(SystemClock))
        .with_context(|| format!("opening the witness in {}", args.data.display()))?;
    println!("{}", witness.vkey());
    for log in &logs {
        println!("witnessing {log}");
    }
    let url = format!("http://{}", listener.local_addr()?);
    println!("Pakta witness is serving on {url}  (POST {url}/add-checkpoint)");
    let witness = Arc::new(witness);
    actix_web::rt::System::new()
        .block_on(async move { pakta::http::serve_witness(witness, listener)?.await })
        .context("the witness's HTTP server stopped with an error")?;
    Ok(ExitCode::SUCCESS)
}
