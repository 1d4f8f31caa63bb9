//! `pakta serve`, `pakta demo` and `pakta import`: opening a data directory, first-start
//! setup (log key, admin token), and serving the HTTP API.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;

use pakta::app::{App, Config, WitnessEndpoint};
use pakta::clock::{Clock, SystemClock};
use pakta::demo::kabupaten::DemoKabupaten;
use pakta::demo::load::{DEMO_OFFICIALS, DEMO_SEED, load};
use pakta::domain::zone::Zone;
use pakta::http::Limits;

#[derive(Args)]
pub struct ServeArgs {
    /// Where the database and the log key live.
    #[arg(long, default_value = "./pakta-data")]
    data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// The instansi running this registry, as shown to people.
    #[arg(long, default_value = "Pemerintah Daerah")]
    instansi: String,
    /// The instansi's time zone: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT).
    #[arg(long, default_value = "Asia/Jakarta")]
    timezone: String,
    /// The log's name in its checkpoints, fixed at first start (default: from --instansi),
    /// e.g. pakta.bkpsdm.example.go.id/netralitas-2024.
    #[arg(long)]
    origin: Option<String>,
    /// A witness asked to cosign each new checkpoint, as NAME=VKEY@URL (VKEY as
    /// `pakta witness` prints it, URL its address); repeatable.
    #[arg(long = "witness", value_name = "NAME=VKEY@URL")]
    witnesses: Vec<WitnessEndpoint>,
    /// How many witnesses must cosign a checkpoint before it is served and put in
    /// receipts (default: all of them).
    #[arg(long, value_name = "K")]
    witness_quorum: Option<usize>,
    /// Also publish the tiles, entry bundles and checkpoint to object storage after the
    /// log grows, so a CDN can serve every read of the log (see `pakta publish --help`).
    #[arg(long, value_name = "URL", long_help = super::publish::DESTINATION_HELP)]
    publish: Option<String>,
    /// With --publish: at most one publishing round per this many seconds.
    #[arg(long, value_name = "SECONDS", default_value = "1", value_parser = super::publish::parse_interval)]
    publish_interval: std::time::Duration,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Args)]
pub struct DemoArgs {
    /// Where the demo registry lives; kept apart from a real registry's ./pakta-data.
    #[arg(long, default_value = "./pakta-demo-data")]
    data: PathBuf,
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    #[command(flatten)]
    limits: LimitArgs,
}

/// The bounds on slow and greedy clients that an operator may need to change.
#[derive(Args)]
pub struct LimitArgs {
    /// Requests one client address may have in flight at once; 0: no cap. A hall's
    /// phones behind one NAT share an address; load tests from one machine pass 0.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_connections_per_address)]
    max_connections_per_address: usize,
    /// Requests per second one client address may make to the public routes (enroll,
    /// statement, signatures, presence, verify), bursts of twice as many; 0: no limit.
    /// The default lets a hall of 1,000 officials behind one NAT all sign at once.
    #[arg(long, value_name = "N", default_value_t = Limits::default().rate_limit)]
    rate_limit: u32,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            max_connections_per_address: self.max_connections_per_address,
            rate_limit: self.rate_limit,
            ..Limits::default()
        }
    }
}

const DEMO_MARKER: &str = "demo-tokens.txt";

fn open(data: &Path, config: Config, origin: Option<&str>) -> Result<(App, Option<String>)> {
    let app = App::open(data, Arc::new(SystemClock), config, origin)
        .with_context(|| format!("opening the registry in {}", data.display()))?;
    let admin_env = std::env::var("PAKTA_ADMIN_TOKEN").ok();
    let new_token = app
        .setup_admin_token(admin_env.as_deref())
        .context("setting up the admin token")?;
    println!("log verifier key (auditors pin this): {}", app.vkey());
    Ok((app, new_token))
}

fn bind(listen: &str) -> Result<TcpListener> {
    TcpListener::bind(listen).with_context(|| {
        format!(
            "cannot listen on {listen}: is another program using it? Choose another with --listen"
        )
    })
}

fn run(app: App, listener: TcpListener, limits: Limits) -> Result<ExitCode> {
    let url = format!("http://{}", listener.local_addr()?);
    println!("Pakta is serving on {url}  (API under {url}/api)");
    actix_web::rt::System::new()
        .block_on(async move { pakta::http::serve_with(app, listener, limits)?.await })
        .context("the HTTP server stopped with an error")?;
    Ok(ExitCode::SUCCESS)
}

pub fn serve(args: ServeArgs) -> Result<ExitCode> {
    let zone = Zone::parse(&args.timezone)?;
    let witness_quorum = args.witness_quorum.unwrap_or(args.witnesses.len());
    let config = Config {
        instansi: args.instansi,
        zone,
        witnesses: args.witnesses,
        witness_quorum,
        ..Config::default()
    };
    let listener = bind(&args.listen)?;
    let (app, new_token) = open(&args.data, config, args.origin.as_deref())?;
    match new_token {
        Some(token) => println!(
            "admin token (shown once, only its hash is stored; set PAKTA_ADMIN_TOKEN to choose your own): {token}"
        ),
        None => println!(
            "admin token: as set before (PAKTA_ADMIN_TOKEN or the one printed at first start)"
        ),
    }
    if let Some(url) = &args.publish {
        super::publish::start(app.clone(), url, args.publish_interval)
            .with_context(|| format!("cannot publish to {url}"))?;
        println!("publishing the log to {url}");
    }
    run(app, listener, args.limits.limits())
}

pub fn demo(args: DemoArgs) -> Result<ExitCode> {
    let kab = DemoKabupaten::generate(DEMO_SEED, DEMO_OFFICIALS);
    let config = Config {
        instansi: kab.name.clone(),
        zone: Zone::parse(kab.timezone)?,
        ..Config::default()
    };
    let listener = bind(&args.listen)?;
    let marker = args.data.join(DEMO_MARKER);
    let fresh = !args.data.join(pakta::store::DATABASE_FILE).exists();
    if !fresh && !marker.exists() {
        bail!(
            "{} holds a registry that is not a demo; give `pakta demo` an empty --data directory",
            args.data.display()
        );
    }
    let (app, new_token) = open(&args.data, config, None)?;
    if fresh {
        let admin = new_token
            .clone()
            .unwrap_or_else(|| "(PAKTA_ADMIN_TOKEN)".into());
        println!(
            "loading the demo kabupaten ({}), a few seconds...",
            kab.name
        );
        let now = SystemClock.now();
        let tokens = actix_web::rt::System::new()
            .block_on(load(&app, now))
            .context("loading the demo data")?;
        let text = format!(
            "admin: {admin}\noperator (ceremony {}): {}\nsupervisor ({}): {}\ninspektorat: {}\nauditor (counts only): {}\n",
            tokens.operator_ceremony,
            tokens.operator,
            tokens.supervisor_opd,
            tokens.supervisor,
            tokens.inspektorat,
            tokens.auditor
        );
        write_private(&marker, &text)?;
    }
    let tokens = std::fs::read_to_string(&marker)
        .with_context(|| format!("reading {}", marker.display()))?;
    println!("demo tokens (also in {}):\n{tokens}", marker.display());
    run(app, listener, args.limits.limits())
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .with_context(|| format!("writing {}", path.display()))
}

pub fn import(file: Option<&Path>, units: Option<&Path>, data: &Path) -> Result<ExitCode> {
    if file.is_none() && units.is_none() {
        bail!("give a roster file to import, --units FILE, or both");
    }
    let app = App::open(data, Arc::new(SystemClock), Config::default(), None)
        .with_context(|| format!("opening the registry in {}", data.display()))?;
    let mut clean = true;
    if let Some(units) = units {
        let bytes =
            std::fs::read(units).with_context(|| format!("cannot read {}", units.display()))?;
        let report = app.import_units_blocking(&bytes)?;
        println!(
            "units ({}): stored {}, mapped to an OPD {}, rejected {}; held officials imported: created {}, updated {}",
            report.kind,
            report.units,
            report.mapped,
            report.rejected.len(),
            report.released.created,
            report.released.updated
        );
        for r in &report.rejected {
            println!("units line {}: {}", r.line, r.reason);
        }
        for u in &report.opd_units_without_code {
            println!("OPD-level unit without an OPD code: {} ({})", u.id, u.name);
        }
        clean &= report.rejected.is_empty();
        if file.is_none() {
            print_unmapped(&report.unmapped_units);
        }
    }
    let Some(file) = file else {
        return Ok(if clean {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        });
    };
    let csv = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let report = app.import_roster_blocking(&csv)?;
    println!(
        "created {}, updated {}, unchanged {}, rejected {}",
        report.created,
        report.updated,
        report.unchanged,
        report.rejected.len()
    );
    for r in &report.rejected {
        println!("line {}: {}", r.line, r.reason);
    }
    for left in &report.left_out {
        println!("left out (kedudukan hukum {}): {}", left.reason, left.count);
    }
    for w in &report.warnings {
        println!("line {} (imported): {}", w.line, w.reason);
    }
    if report.held > 0 {
        println!("held until their unit is mapped to an OPD: {}", report.held);
    }
    print_unmapped(&report.unmapped_units);
    Ok(if clean && report.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn print_unmapped(units: &[pakta::app::UnmappedUnit]) {
    for u in units {
        println!(
            "unit {} ({}) maps to no OPD: {} officials held; map it in the admin page or with --units",
            u.id, u.name, u.officials
        );
    }
}
