//! `pakta pledge`: the whole signing for an official without a smartphone, from a key
//! file made by `pakta keygen` and enrolled with the registry (signing protocol
//! version 2). It times a statement request by the registry's clock (`GET /api/info`,
//! so a computer whose clock is off still gets an answer), signs it with the key, asks
//! for the statement, shows it exactly, asks the official to confirm on the terminal,
//! signs the statement's bytes unchanged, submits the signature and saves the receipt
//! in a new file (never over an existing one).
//!
//! Nothing is signed without a "ya" typed on the terminal, or `--yes` given by a script.
//! A submission whose reply is lost is sent again: the registry answers a repeated
//! statement and signature with the original receipt.

use std::fs::OpenOptions;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, SubsecRound, Utc};
use clap::Args;
use ed25519_dalek::{Signer, SigningKey};
use serde::Deserialize;
use serde_json::{Value, json};

use pakta::domain::crypto::encode_base64;
use pakta::domain::identifier::Identifier;
use pakta::domain::ids::CeremonyId;
use pakta::domain::signing_protocol::StatementRequest;
use pakta::domain::statement::Statement;
use pakta::domain::zone::Zone;
use pakta::keyfile;

/// The question asked before signing; only this answer signs.
const QUESTION: &str = "Tanda tangani pernyataan ini? Ketik 'ya' untuk menandatangani:";
const YES: &str = "ya";
/// How many times a signature is sent when the reply does not arrive.
const SUBMIT_ATTEMPTS: u32 = 3;
const RULE: &str = "------------------------------------------------------------------------";

#[derive(Args)]
pub struct PledgeArgs {
    /// Your key file, made by `pakta keygen` and enrolled with the registry.
    #[arg(long)]
    key: PathBuf,
    /// The registry's base URL, e.g. https://pakta.example.go.id
    #[arg(long)]
    server: String,
    /// The ceremony's number (as shown on the signing page or by the BKPSDM).
    #[arg(long)]
    ceremony: u64,
    /// Your NIP (18 digits), NI PPPK, or NIK (16 digits) for non-ASN staff.
    #[arg(long)]
    nip: String,
    /// Where to save the receipt; default tanda-terima-<NIP>-upacara-<N>.tlog-proof in
    /// the current directory. An existing file is never overwritten.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Sign without asking (for scripts); without it, the statement is signed only
    /// after 'ya' is typed.
    #[arg(long)]
    yes: bool,
}

/// What `GET /api/info` says; only the fields used here.
#[derive(Deserialize)]
struct Info {
    now: DateTime<Utc>,
    #[serde(default)]
    timezone: String,
}

/// The reply to a statement request.
#[derive(Deserialize)]
struct Issued {
    statement: String,
    mode: String,
    expires_at: DateTime<Utc>,
}

/// The reply to an accepted signature; only the fields used here.
#[derive(Deserialize)]
struct Accepted {
    index: u64,
    mode: String,
    signed_at: DateTime<Utc>,
    #[serde(default)]
    late: bool,
    receipt: String,
}

pub fn pledge(args: PledgeArgs) -> Result<ExitCode> {
    // Everything that can be checked here is checked before anything is sent.
    let nip = Identifier::parse_any(&args.nip).with_context(|| {
        format!(
            "NIP '{}' tidak valid; periksa --nip: NIP atau NI PPPK 18 angka, atau NIK 16 angka untuk pegawai non-ASN",
            args.nip
        )
    })?;
    let ceremony = CeremonyId::new(args.ceremony).ok_or_else(|| {
        anyhow!("nomor upacara harus 1 atau lebih; lihat nomornya di halaman tanda tangan atau tanyakan ke BKPSDM")
    })?;
    let key = keyfile::read(&args.key).with_context(|| {
        "berkas kunci tidak terbaca; gunakan berkas yang dibuat dengan `pakta keygen` dan sudah didaftarkan ke registri"
    })?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "tanda-terima-{}-upacara-{ceremony}.tlog-proof",
            nip.as_str()
        ))
    });
    if out.exists() {
        bail!(
            "{} sudah ada; tanda terima tidak pernah ditimpa. Pilih nama lain dengan --out, atau pindahkan berkas lama",
            out.display()
        );
    }
    let base = args.server.trim_end_matches('/').to_string();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .max_idle_age(pakta::http::CLIENT_IDLE_AGE)
        .build()
        .into();

    // 1. The registry's clock, which the request is judged by.
    let info: Info = get_json(&agent, &format!("{base}/api/info")).with_context(|| {
        format!("tidak dapat membaca jam registri di {base}; periksa alamat --server dan koneksi jaringan")
    })?;
    let zone = Zone::parse(&info.timezone).ok();

    // 2. The statement request, signed by the official's key.
    let request = StatementRequest {
        ceremony,
        nip: nip.clone(),
        time: info.now.trunc_subsecs(0),
    }
    .encode();
    let body = json!({"request": request, "signature": sign(&key, &request)});
    let issued: Issued = post_json(
        &agent,
        &format!("{base}/api/ceremonies/{ceremony}/statement"),
        &body,
    )
    .map_err(|e| match e {
        Failure::Refused { status: 401, .. } => anyhow!(e).context(
            "registri tidak mengenali permintaan ini sebagai milik Anda; pastikan --nip benar dan --key adalah berkas kunci yang terdaftar (kunci terbaru) untuk NIP ini",
        ),
        e => anyhow!(e).context("pernyataan tidak dapat diminta"),
    })?;
    let statement = &issued.statement;
    check_statement(statement, &nip, ceremony)?;

    // 3. The statement, exactly as it will be signed.
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "Pernyataan yang akan ditandatangani, persis seperti diterbitkan registri:"
    )?;
    writeln!(stdout, "{RULE}")?;
    write!(stdout, "{statement}")?;
    if !statement.ends_with('\n') {
        writeln!(stdout)?;
    }
    writeln!(stdout, "{RULE}")?;
    writeln!(stdout, "Mode: {}", mode_label(&issued.mode))?;
    writeln!(
        stdout,
        "Pernyataan ini berlaku sampai {}.",
        show_time(issued.expires_at, zone)
    )?;

    // 4. The official's consent.
    if args.yes {
        writeln!(
            stdout,
            "--yes diberikan: pernyataan ditandatangani tanpa bertanya."
        )?;
    } else {
        write!(stdout, "{QUESTION} ")?;
        stdout.flush()?;
        let mut answer = String::new();
        let read = std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .context("jawaban tidak terbaca dari terminal; tidak ada yang ditandatangani")?;
        if read == 0 || !std::io::stdin().is_terminal() {
            // A typed answer ends the prompt's line; a piped one or Ctrl-D does not.
            writeln!(stdout)?;
        }
        if read == 0 {
            bail!(
                "tidak ada jawaban (masukan tertutup); tidak ada yang ditandatangani. Jalankan perintah ini di terminal dan ketik 'ya', atau tambahkan --yes bila dijalankan oleh skrip"
            );
        }
        if answer.trim().to_lowercase() != YES {
            writeln!(
                stdout,
                "Dibatalkan: pernyataan tidak ditandatangani dan tidak ada yang dikirim ke registri."
            )?;
            return Ok(ExitCode::FAILURE);
        }
    }

    // 5. The signature over the statement's exact bytes.
    let signed = json!({"statement": statement, "signature": sign(&key, statement)});
    let accepted = submit(&agent, &format!("{base}/api/signatures"), &signed)?;
    let receipt_saved = save_receipt(&out, &accepted.receipt);
    writeln!(
        stdout,
        "Tanda tangan diterima dan tercatat di registri sebagai entri nomor {} ({}, {}).",
        accepted.index,
        mode_label(&accepted.mode),
        show_time(accepted.signed_at, zone)
    )?;
    if accepted.late {
        writeln!(
            stdout,
            "Catatan: tanda tangan ini diterima setelah batas waktu ikrar mandiri dan dicatat terlambat."
        )?;
    }
    if let Err(e) = receipt_saved {
        // The signature is in the registry; the receipt must not be lost with the file.
        writeln!(
            stdout,
            "Tanda terima (simpan sebagai berkas .tlog-proof):\n{RULE}\n{}{RULE}",
            accepted.receipt
        )?;
        return Err(e);
    }
    writeln!(stdout, "Tanda terima disimpan di {}", out.display())?;
    writeln!(
        stdout,
        "Simpan berkas itu. Siapa pun dapat memeriksanya: pakta verify-receipt {} --vkey registry.vkey",
        out.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn sign(key: &SigningKey, text: &str) -> String {
    encode_base64(&key.sign(text.as_bytes()).to_bytes())
}

/// Refuses a statement that is not for this official and ceremony, before it is shown
/// for signing: the signature is the official's, whatever the server sends.
fn check_statement(text: &str, nip: &Identifier, ceremony: CeremonyId) -> Result<()> {
    let statement = Statement::parse(text)
        .context("registri mengirim pernyataan yang tidak terbaca; tidak ada yang ditandatangani. Laporkan ke BKPSDM")?;
    if statement.nip != *nip || statement.ceremony != ceremony {
        bail!(
            "registri mengirim pernyataan untuk NIP {} dan upacara {}, bukan untuk NIP {} dan upacara {ceremony}; tidak ada yang ditandatangani. Laporkan ke BKPSDM",
            statement.nip.as_str(),
            statement.ceremony,
            nip.as_str()
        );
    }
    Ok(())
}

fn mode_label(mode: &str) -> &str {
    match mode {
        "ceremony" => "ikrar bersama di upacara",
        "mandiri" => "ikrar mandiri",
        other => other,
    }
}

fn show_time(time: DateTime<Utc>, zone: Option<Zone>) -> String {
    match zone {
        Some(zone) => zone.format_indonesian(time),
        None => format!("{} UTC", time.format("%Y-%m-%d %H:%M")),
    }
}

/// Sends the signature, again when no reply arrives: the registry answers the same
/// statement and signature with the original receipt, so sending twice signs once.
fn submit(agent: &ureq::Agent, url: &str, body: &Value) -> Result<Accepted> {
    let mut attempt = 1;
    loop {
        match post_json(agent, url, body) {
            Ok(accepted) => return Ok(accepted),
            Err(Failure::Transport(e)) if attempt < SUBMIT_ATTEMPTS => {
                eprintln!(
                    "Jawaban registri tidak sampai ({e}); mengirim ulang tanda tangan yang sama ({}/{SUBMIT_ATTEMPTS})…",
                    attempt + 1
                );
                std::thread::sleep(Duration::from_secs(2));
                attempt += 1;
            }
            Err(e @ Failure::Transport(_)) => {
                return Err(anyhow!(e).context(format!(
                    "tanda tangan mungkin sudah tercatat tetapi tanda terima tidak sampai. Kirim ulang isi berikut (pernyataan dan tanda tangan yang sama) ke {url} untuk mendapatkan tanda terima aslinya:\n{body}\n"
                )));
            }
            Err(e) => {
                return Err(anyhow!(e).context("tanda tangan tidak diterima registri"));
            }
        }
    }
}

/// Writes the receipt to a new file; refuses to replace one.
fn save_receipt(path: &Path, receipt: &str) -> Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| {
            format!(
                "tanda terima tidak dapat disimpan di {} (berkas sudah ada atau folder tidak dapat ditulisi); salin tanda terima di bawah ini ke berkas baru",
                path.display()
            )
        })?;
    file.write_all(receipt.as_bytes())
        .and_then(|_| file.sync_all())
        .with_context(|| {
            format!(
                "tanda terima tidak tersimpan utuh di {}; salin tanda terima di bawah ini ke berkas baru",
                path.display()
            )
        })
}

/// Why a request to the registry failed.
#[derive(Debug, thiserror::Error)]
enum Failure {
    /// No reply: the network, a timeout, the server down.
    #[error("{0}")]
    Transport(String),
    /// A reply refusing the request, with the registry's message when it sent one.
    #[error("registri menjawab HTTP {status}{}: {message}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Refused {
        status: u16,
        code: Option<String>,
        message: String,
    },
}

fn get_json<T: serde::de::DeserializeOwned>(agent: &ureq::Agent, url: &str) -> Result<T, Failure> {
    finish(url, agent.get(url).call())
}

fn post_json<T: serde::de::DeserializeOwned>(
    agent: &ureq::Agent,
    url: &str,
    body: &Value,
) -> Result<T, Failure> {
    finish(url, agent.post(url).send_json(body))
}

fn finish<T: serde::de::DeserializeOwned>(
    url: &str,
    sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<T, Failure> {
    let mut response = sent.map_err(|e| Failure::Transport(format!("{url}: {e}")))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(16 << 20)
        .read_to_string()
        .map_err(|e| Failure::Transport(format!("{url}: {e}")))?;
    if !(200..300).contains(&status) {
        let envelope: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let error = &envelope["error"];
        return Err(Failure::Refused {
            status,
            code: error["code"].as_str().map(str::to_string),
            message: error["message"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| {
                    let text = text.trim();
                    if text.is_empty() {
                        format!("jawaban kosong dari {url}")
                    } else {
                        text.chars().take(300).collect()
                    }
                }),
        });
    }
    serde_json::from_str(&text).map_err(|e| Failure::Refused {
        status,
        code: None,
        message: format!(
            "jawaban {url} tidak dapat dibaca ({e}); periksa bahwa --server menunjuk ke registri Pakta"
        ),
    })
}
