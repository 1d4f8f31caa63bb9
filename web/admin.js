// The BKPSDM admin console: login (remembered on this device for the working day), the
// ceremonies (today's and coming ones first, closed ones folded) with per-OPD progress
// bars, totals and percentages that refresh by themselves while a ceremony is open, and
// their open/close buttons; the roster with search, key status and one official's
// enrollment-code card; roster import with rejected lines, pledge publication and
// ceremony creation. Every value from the server is inserted as text.
import {
  api, apiAll, el, errorText, formatTime, header, info, labelCells, qrUrl, replace, setToken, status, table, token,
  STATE_WORDS,
} from "./common.js";

header();
const { instansi, timezone } = await info();
const consoleBox = document.querySelector("#console");
const loginForm = document.querySelector("#login");
/** The live totals of open ceremonies come from the public counts, which read no names. */
const COUNTS_EVERY_MS = 10_000;
/** The per-OPD table is a read of the report, recorded in the access log: less often. */
const OPDS_EVERY_MS = 60_000;

async function enter() {
  const check = await api("/api/whoami", { auth: true });
  if (!check.ok || check.data.role !== "admin") {
    setToken(null);
    status("#result", "bad", check.ok
      ? "Token ini bukan token admin. Halaman admin memerlukan token admin BKPSDM; token operator, supervisor, Inspektorat dan auditor dipakai di halaman Meja registrasi atau Laporan."
      : `${errorText(check)} Masukkan token admin yang dicetak saat server pertama kali dijalankan.`);
    return;
  }
  loginForm.classList.add("hidden");
  consoleBox.classList.remove("hidden");
  document.dispatchEvent(new Event("admin-ready"));
  await Promise.all([loadCeremonies(), loadPledges()]);
  setTimeout(refreshLive, COUNTS_EVERY_MS);
}

loginForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  setToken(document.querySelector("#token").value.trim());
  await enter();
});
if (token()) enter();

const byName = (a, b) => a.name.localeCompare(b.name, "id");
const percent = (part, whole) => (whole ? Math.round((100 * part) / whole) : 0);

/** A progress bar with its percentage beside it; the width is set through the CSSOM, which the page's CSP allows. */
function bar(share) {
  const fill = el("span");
  fill.style.width = `${share}%`;
  return el("div", { class: "progress" },
    el("div", { class: "bar", role: "img", "aria-label": `${share}% sudah tanda tangan` }, fill),
    el("span", { class: "pct" }, `${share}%`));
}

function totals(report) {
  const sum = (f) => report.reduce((n, o) => n + f(o), 0);
  return {
    invited: sum((o) => o.invited), attended: sum((o) => o.attended),
    signed: sum((o) => o.signed_ceremony + o.signed_mandiri), pending: sum((o) => o.pending),
    overdue: sum((o) => o.overdue),
    // Officials whose data was erased are no longer anyone's to sign.
    expected: sum((o) => o.invited - o.erased),
  };
}

function progress(report) {
  const rows = [...report].sort(byName).map((o) => {
    const signed = o.signed_ceremony + o.signed_mandiri;
    return el("tr", { dataset: { opd: o.code } },
      el("td", {}, o.name), el("td", { class: "num" }, o.invited), el("td", { class: "num" }, o.attended),
      el("td", { class: "num" }, signed), el("td", { class: "num" }, o.pending), el("td", { class: "num" }, o.overdue),
      el("td", {}, bar(percent(signed, o.invited - o.erased))));
  });
  const headings = ["OPD", "Diundang", "Hadir", "Sudah tanda tangan", "Belum", "Lewat batas", "Kemajuan"];
  const t = totals(report);
  const progressTable = table(headings, rows, { class: "opd-progress" });
  progressTable.append(el("tfoot", {}, el("tr", {},
    el("th", { scope: "row" }, "Jumlah"),
    [t.invited, t.attended, t.signed, t.pending, t.overdue].map((n, i) => el("td", { class: "num", "data-label": headings[i + 1] }, n)),
    el("td", { "data-label": "Kemajuan" }, bar(percent(t.signed, t.expected))))));
  return el("div", { class: "table-wrap" }, progressTable);
}

function totalLine(checkedIn, signed, invited) {
  return `${checkedIn} hadir · ${signed} dari ${invited} sudah tanda tangan (${percent(signed, invited)}%)`;
}

async function progressBlock(article, c) {
  const report = await api(`/api/ceremonies/${c.id}/report`, { auth: true });
  const box = article.querySelector(".progress-box");
  if (!report.ok) { replace(box, el("p", { class: "note" }, errorText(report))); return; }
  const t = totals(report.data.opds);
  article.querySelector(".progress-total").textContent = totalLine(t.attended, t.signed, t.expected);
  replace(box, progress(report.data.opds));
  article.dataset.opdsAt = String(Date.now());
}

function ceremonyBlock(c) {
  const article = el("article", { class: "card", dataset: { ceremony: c.id, state: c.state } },
    el("h3", {}, `${c.title} — ${STATE_WORDS[c.state] || c.state}`),
    el("p", { class: "note" }, `${c.place} · ${formatTime(c.starts_at, timezone)}`,
      c.mandiri_due ? ` · batas ikrar mandiri ${formatTime(c.mandiri_due, timezone)}` : ""),
    c.state === "draft" ? null : el("p", { class: "progress-total" }),
    c.state === "draft" ? null : el("div", { class: "progress-box" }),
    c.state === "open" ? el("p", { class: "note refreshed" }) : null,
    el("p", { class: "no-print" },
      c.state === "draft" ? el("button", { type: "button", class: "open-ceremony", onclick: () => change(c.id, "open") }, "Buka upacara") : null,
      c.state === "open" ? el("button", { type: "button", class: "close-ceremony danger", onclick: () => change(c.id, "close") }, "Tutup upacara") : null,
      c.state === "open" ? el("a", { class: "button secondary", href: `/layar.html?upacara=${c.id}` }, "Layar aula") : null,
      c.state === "open" ? el("a", { class: "button secondary", href: `/meja.html?upacara=${c.id}` }, "Meja registrasi") : null,
      c.state !== "draft" ? el("a", { class: "button secondary", href: `/laporan.html?upacara=${c.id}` }, "Belum tanda tangan") : null));
  return article;
}

async function loadCeremonies() {
  const box = document.querySelector("#ceremonies");
  const list = (await apiAll("/api/ceremonies", "ceremonies", { limit: 1000 })).data.ceremonies ?? [];
  box.dataset.loaded = "yes";
  if (list.length === 0) { replace(box, el("p", { class: "note" }, "Belum ada upacara.")); return; }
  // What the clerk works on today comes first: the open ceremonies, then the coming
  // ones by date; the closed ones, newest first, are folded away below.
  const when = (c) => new Date(c.starts_at).getTime();
  const current = list.filter((c) => c.state === "open").sort((a, b) => when(a) - when(b));
  const coming = list.filter((c) => c.state === "draft").sort((a, b) => when(a) - when(b));
  const closed = list.filter((c) => c.state === "closed").sort((a, b) => when(b) - when(a));
  const shown = [...current, ...coming].map((c) => [c, ceremonyBlock(c)]);
  const folded = closed.map((c) => [c, ceremonyBlock(c)]);
  const details = folded.length === 0 ? null : el("details", { class: "closed-ceremonies" },
    el("summary", {}, `Upacara yang sudah ditutup (${folded.length})`), folded.map(([, a]) => a));
  // A closed ceremony's progress no longer changes: read it when someone unfolds it.
  details?.addEventListener("toggle", () => {
    if (details.open) for (const [c, a] of folded) if (!a.dataset.opdsAt) progressBlock(a, c);
  });
  replace(box, shown.map(([, a]) => a), details);
  await Promise.all(shown.filter(([c]) => c.state !== "draft").map(([c, a]) => progressBlock(a, c)));
  for (const [, a] of shown) stampRefreshed(a);
}

function stampRefreshed(article) {
  const note = article.querySelector(".refreshed");
  if (!note) return;
  const time = new Intl.DateTimeFormat("id-ID", { timeZone: timezone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
    .format(new Date()).replaceAll(":", ".");
  note.textContent = `Diperbarui otomatis pukul ${time}.`;
}

/** Keeps open ceremonies current while the console is open: totals often, OPDs less. */
async function refreshLive() {
  if (!document.hidden) {
    for (const article of document.querySelectorAll("#ceremonies article[data-state=open]")) {
      const id = article.dataset.ceremony;
      if (Date.now() - Number(article.dataset.opdsAt || 0) >= OPDS_EVERY_MS) {
        await progressBlock(article, { id });
      } else {
        const counts = await api(`/api/ceremonies/${id}/counts`);
        if (counts.ok) {
          article.querySelector(".progress-total").textContent =
            totalLine(counts.data.checked_in, counts.data.signed, counts.data.invited);
        }
      }
      article.dataset.refreshes = String(Number(article.dataset.refreshes || 0) + 1);
      stampRefreshed(article);
    }
  }
  setTimeout(refreshLive, COUNTS_EVERY_MS);
}

async function change(id, action) {
  if (action === "close" && !confirm("Tutup upacara? Pegawai yang belum tanda tangan akan dialihkan ke ikrar mandiri.")) return;
  const reply = await api(`/api/ceremonies/${id}/${action}`, { method: "POST", auth: true, body: {} });
  if (!reply.ok) { status("#result", "bad", errorText(reply)); return; }
  status("#result", "ok", action === "open"
    ? `Upacara dibuka; ${reply.data.invited} pegawai diundang.`
    : `Upacara ditutup; ${reply.data.routed_to_mandiri} pegawai dialihkan ke ikrar mandiri.`);
  await loadCeremonies();
}

// The roster: search by name or NIP, a page at a time, with each official's key status
// and a card with a fresh enrollment code for one official (a new phone, a lost card).
const ID_LABEL = { PNS: "NIP", PPPK: "NI PPPK", NON_ASN: "NIK" };
const ROSTER_PAGE = 50;
let rosterNext = null;
let rosterShown = 0;

async function searchRoster(more) {
  const params = new URLSearchParams({ limit: ROSTER_PAGE });
  const q = document.querySelector("#roster-q").value.trim();
  const opd = document.querySelector("#roster-opd").value.trim();
  if (q) params.set("q", q);
  if (opd) params.set("opd", opd);
  if (more && rosterNext !== null) params.set("after", rosterNext);
  const reply = await api(`/api/officials?${params}`, { auth: true });
  const box = document.querySelector("#roster");
  if (!reply.ok) {
    replace(box);
    document.querySelector("#roster-more").classList.add("hidden");
    status("#roster-result", "bad", errorText(reply));
    return;
  }
  const rows = reply.data.officials.map((o) => el("tr", { dataset: { nip: o.nip } },
    el("td", {}, o.name), el("td", {}, o.nip), el("td", {}, o.position), el("td", {}, o.opd_name),
    el("td", {}, el("span", { class: `badge key-${o.key_status}` }, o.key_status === "active" ? "kunci aktif" : "belum punya kunci")),
    el("td", {}, el("button", { type: "button", class: "secondary card-code", onclick: () => issueCard(o) }, "Kartu kode"))));
  if (more && box.querySelector("tbody")) {
    box.querySelector("tbody").append(...rows);
    // The new rows need their headings for the phone's card view.
    labelCells(box.querySelector("table"));
  } else {
    replace(box, table(["Nama", "NIP / NIK", "Jabatan", "OPD", "Kunci", ""], rows, { id: "roster-table" }));
    rosterShown = 0;
  }
  rosterShown += rows.length;
  rosterNext = reply.data.next;
  document.querySelector("#roster-more").classList.toggle("hidden", rosterNext === null);
  status("#roster-result", rosterShown ? "info" : "bad", rosterShown
    ? `${rosterShown} pegawai ditampilkan${rosterNext === null ? "." : "; tekan Tampilkan berikutnya untuk yang lain."}`
    : "Tidak ada pegawai yang cocok. Periksa ejaan nama atau NIP, atau kosongkan kode OPD.");
}

async function issueCard(o) {
  if (o.key_status === "active" && !confirm(`${o.name} sudah punya kunci aktif. Buat kode baru untuk mendaftarkan kunci pengganti (misalnya ponsel baru)?`)) return;
  const reply = await api(`/api/officials/${encodeURIComponent(o.nip)}/enrollment-code`, { method: "POST", auth: true, body: {} });
  const box = document.querySelector("#one-card");
  if (!reply.ok) { replace(box); status("#roster-result", "bad", errorText(reply)); return; }
  const link = `${location.origin}/daftar.html?nip=${encodeURIComponent(o.nip)}&kode=${encodeURIComponent(reply.data.code)}`;
  // The same card as the cards page prints for a whole OPD (web/cards.js).
  replace(box,
    el("h3", { class: "no-print" }, `Kartu kode untuk ${o.name}`),
    el("div", { class: "cards" }, el("article", { class: "enroll-card", dataset: { nip: o.nip } },
      el("header", {},
        el("span", { class: "card-instansi" }, instansi),
        el("span", { class: "card-purpose" }, "Kode pendaftaran kunci tanda tangan Pakta Integritas Netralitas ASN")),
      el("div", { class: "card-body" },
        el("div", { class: "card-who" },
          el("strong", {}, o.name),
          el("span", {}, `${ID_LABEL[o.category] || "NIP"} ${o.nip}`),
          el("span", { class: "note" }, `${o.position}, ${o.opd_name}`)),
        el("img", { src: qrUrl(link), alt: `Kode QR pendaftaran untuk ${o.name}` })),
      el("p", { class: "card-code" }, el("span", { class: "label" }, "Kode: "), el("span", { class: "code" }, reply.data.code)),
      el("p", { class: "card-how" }, `Berlaku sampai ${formatTime(reply.data.expires_at, timezone)}. Pindai kode QR dengan ponsel Anda, atau buka ${location.host}/daftar.html.`))),
    el("p", { class: "no-print" }, el("button", { type: "button", id: "print-card", onclick: printCard }, "Cetak kartu ini")));
  status("#roster-result", "ok", `Kode baru untuk ${o.name} dibuat; kode lama yang belum dipakai tidak berlaku lagi. Cetak kartunya lalu berikan kepada yang bersangkutan.`);
  box.scrollIntoView({ block: "nearest" });
}

function printCard() {
  document.body.classList.add("print-one-card");
  window.addEventListener("afterprint", () => document.body.classList.remove("print-one-card"), { once: true });
  window.print();
}

document.querySelector("#roster-form").addEventListener("submit", (event) => { event.preventDefault(); searchRoster(false); });
document.querySelector("#roster-more").addEventListener("click", () => searchRoster(true));

async function loadPledges() {
  const pledges = (await apiAll("/api/pledges", "pledges", { limit: 20 })).data.pledges ?? [];
  replace(document.querySelector("#c-pledge"), pledges.map((p) => el("option", { value: p.id }, p.title)));
}

document.querySelector("#import").addEventListener("click", async () => {
  const file = document.querySelector("#roster-file").files[0];
  if (!file) { status("#import-result", "bad", "Pilih berkas .xlsx atau CSV terlebih dahulu."); return; }
  // An Excel workbook goes as one (SIASN's export); anything else as CSV.
  const xlsx = /\.xlsx$/i.test(file.name);
  const contentType = xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv";
  const reply = await api("/api/officials/import", { method: "POST", auth: true, contentType, body: await file.arrayBuffer() });
  if (!reply.ok) { status("#import-result", "bad", errorText(reply)); return; }
  const r = reply.data;
  const leftOut = (r.left_out ?? []).reduce((n, x) => n + x.count, 0);
  status("#import-result", r.rejected.length || r.held ? "info" : "ok",
    `${r.created} pegawai baru, ${r.updated} diperbarui, ${r.unchanged} tidak berubah, ${r.rejected.length} baris ditolak` +
    (leftOut ? `, ${leftOut} tidak aktif tidak diimpor` : "") +
    (r.held ? `, ${r.held} ditahan karena unitnya belum terpetakan ke OPD (lihat "Unit kerja SIASN")` : "") + ".");
  replace(document.querySelector("#import-details"),
    (r.left_out ?? []).length === 0 ? [] : el("p", { id: "left-out" },
      `Tidak diimpor karena kedudukan hukum: ${r.left_out.map((x) => `${x.reason} ${x.count}`).join(", ")}.`),
    (r.warnings ?? []).length === 0 ? [] : table(["Baris", "Catatan (pegawai tetap diimpor)"],
      r.warnings.map((x) => el("tr", {}, el("td", {}, x.line), el("td", {}, x.reason))), { id: "import-warnings" }));
  document.dispatchEvent(new CustomEvent("roster-imported", { detail: r }));
  replace(document.querySelector("#rejected"), r.rejected.length === 0 ? [] : table(["Baris", "Alasan"],
    r.rejected.map((x) => el("tr", {}, el("td", {}, x.line), el("td", {}, x.reason))), { id: "rejected-lines" }));
});

document.querySelector("#pledge-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const reply = await api("/api/pledges", { method: "POST", auth: true,
    body: { title: document.querySelector("#pledge-title").value, text: document.querySelector("#pledge-body").value } });
  status("#result", reply.ok ? "ok" : "bad", reply.ok ? `Teks pakta diterbitkan (SHA-256 ${reply.data.sha256}).` : errorText(reply));
  if (reply.ok) await loadPledges();
});

const OFFSETS = { "Asia/Jakarta": "+07:00", "Asia/Makassar": "+08:00", "Asia/Jayapura": "+09:00" };
document.querySelector("#ceremony-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const zone = document.querySelector("#c-zone").value;
  const opds = document.querySelector("#c-opds").value.split(",").map((s) => s.trim()).filter(Boolean);
  const reply = await api("/api/ceremonies", { method: "POST", auth: true, body: {
    title: document.querySelector("#c-title").value,
    place: document.querySelector("#c-place").value,
    starts_at: `${document.querySelector("#c-starts").value}:00${OFFSETS[zone]}`,
    timezone: zone,
    // A ceremony of a campaign uses the campaign's pledge.
    ...(document.querySelector("#c-campaign").value
      ? { campaign: Number(document.querySelector("#c-campaign").value) }
      : { pledge_id: Number(document.querySelector("#c-pledge").value) }),
    invite: opds.length ? { opds } : { all: true },
    mandiri_days: Number(document.querySelector("#c-days").value),
    allow_representation: document.querySelector("#c-representation").checked,
  } });
  status("#result", reply.ok ? "ok" : "bad", reply.ok ? `Upacara dibuat (nomor ${reply.data.id}). Buka upacara saat acara dimulai.` : errorText(reply));
  if (reply.ok) await loadCeremonies();
  if (reply.ok) document.dispatchEvent(new Event("ceremonies-changed"));
});
