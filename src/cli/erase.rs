//! `pakta erase NIP --data DIR`: erases one official's personal data on the server
//! (UU 27/2022), the same use case as `DELETE /api/officials/{nip}`. Asks first, since
//! it cannot be undone.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use pakta::app::{App, Caller, Config};
use pakta::clock::SystemClock;

pub fn erase(nip: &str, data: &Path, yes: bool) -> Result<ExitCode> {
    if !yes {
        print!(
            "Menghapus data pribadi pegawai {nip} (data pegawai, pernyataan yang ditandatangani, pesan pendaftaran) tidak dapat dibatalkan. Ketik 'ya' untuk melanjutkan: "
        );
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != "ya" {
            bail!("not erased: the answer was not 'ya'");
        }
    }
    let app = App::open(data, Arc::new(SystemClock), Config::default(), None)
        .with_context(|| format!("opening the registry in {}", data.display()))?;
    let erasure = actix_web::rt::System::new()
        .block_on(app.erase_official(&Caller::admin("admin (pakta erase)"), nip))?;
    println!(
        "erased: subject {}, {} documents erased, person.erased at entry {} ({})",
        erasure.subject, erasure.documents_erased, erasure.index, erasure.entry_hash
    );
    if erasure.invitations_rewritten > 0 {
        println!(
            "invitations rewritten without the NIP: {}",
            erasure.invitations_rewritten
        );
    }
    if !erasure.files_cleared {
        println!(
            "note: the write-ahead log could not be emptied yet (long reads); stop the server and run this again, or wait for the next checkpoint"
        );
    }
    Ok(ExitCode::SUCCESS)
}
