// The per-OPD report: counts per unit and the list of who has not signed, with their
// status in words, for heads of OPD, the Inspektorat and the BKPSDM; printable on one
// sheet as a report to file (kop, ceremony, counts with totals, the list, a signature
// block), and as CSV.
import {
  api, apiAll, el, errorText, formatDate, formatTime, header, info, param, replace, setToken, status,
  table, token, STATE_WORDS, STATUS_WORDS, download, downloadFile,
} from "./common.js";

header();
const { instansi, timezone } = await info();
const tokenInput = document.querySelector("#report-token");
const select = document.querySelector("#ceremony");
tokenInput.value = token() || "";
// A token remembered on this device needs no field; "Keluar" in the header forgets it.
document.querySelector("#token-row").classList.toggle("hidden", Boolean(token()));

// The ceremony a supervisor means is today's, not the first ever held: open ones first,
// then the rest newest first, and the first of those is chosen unless the link names one.
const rank = (c) => (c.state === "open" ? 0 : 1);
const ceremonies = ((await apiAll("/api/ceremonies", "ceremonies", { limit: 1000 })).data.ceremonies ?? [])
  .filter((c) => c.state !== "draft")
  .sort((a, b) => rank(a) - rank(b) || new Date(b.starts_at) - new Date(a.starts_at) || b.id - a.id);
replace(select, ceremonies.map((c) =>
  el("option", { value: c.id }, `${c.title} — ${formatDate(c.starts_at, timezone)} (${STATE_WORDS[c.state] || c.state})`)));
if (ceremonies.some((c) => String(c.id) === param("upacara"))) select.value = param("upacara");

function query() {
  const opd = document.querySelector("#opd").value.trim();
  return opd ? `?opd=${encodeURIComponent(opd)}` : "";
}

/** One group per OPD: an OPD that runs over a page boundary comes in two groups. */
function joinPages(opds) {
  const joined = [];
  for (const o of opds) {
    const last = joined.at(-1);
    if (last && last.code === o.code) last.unsigned.push(...o.unsigned);
    else joined.push({ ...o, unsigned: [...o.unsigned] });
  }
  return joined;
}

const byName = (a, b) => a.name.localeCompare(b.name, "id");

/** Takes away what an earlier request showed, so a refusal never sits above old names. */
function clear() {
  replace(document.querySelector("#summary"));
  replace(document.querySelector("#unsigned"));
  document.querySelector("#report-head").classList.add("hidden");
  document.querySelector("#signature-block").classList.add("hidden");
  document.querySelector("#report-actions").classList.add("hidden");
  document.querySelector("#main").dataset.shown = "";
}

function stamp() {
  const now = new Date().toISOString();
  document.querySelector("#report-printed").textContent = `Dicetak ${formatTime(now, timezone)}`;
  document.querySelector("#sign-date").textContent = `${formatDate(now, timezone)}`;
}

function summaryTable(opds) {
  const columns = [
    ["Diundang", (o) => o.invited], ["Hadir", (o) => o.attended],
    ["Tanda tangan di upacara", (o) => o.signed_ceremony], ["Ikrar mandiri", (o) => o.signed_mandiri],
    ["Belum", (o) => o.pending], ["Lewat batas", (o) => o.overdue], ["Terlambat", (o) => o.late],
    ["Data dihapus (PDP)", (o) => o.erased],
    ["Diwakili", (o) => o.represented ?? 0],
  ];
  const summary = table(["OPD", ...columns.map(([h]) => h)],
    opds.map((o) => el("tr", {}, el("td", {}, o.name), columns.map(([, f]) => el("td", { class: "num" }, f(o))))),
    { id: "summary-table", class: "counts" });
  const totals = el("tr", {}, el("th", { scope: "row", "data-label": "" }, "Jumlah"),
    columns.map(([h, f]) => el("td", { class: "num", "data-label": h }, opds.reduce((n, o) => n + f(o), 0))));
  summary.append(el("tfoot", {}, totals));
  return summary;
}

/** True when the server sent phone numbers (admin, or the OPD's supervisor). */
const hasPhones = (opds) => opds.some((o) => o.unsigned.some((u) => "phone" in u));

/** A person's number with a WhatsApp link carrying the reminder, or a dash. */
function contact(u) {
  if (!u.phone) return el("span", { class: "note" }, "tidak ada nomor HP");
  // Only a wa.me link is made a link: anything else is shown as text.
  const link = typeof u.whatsapp === "string" && u.whatsapp.startsWith("https://wa.me/")
    ? el("a", { href: u.whatsapp, target: "_blank", rel: "noopener noreferrer", class: "whatsapp" }, "Kirim pengingat WhatsApp")
    : null;
  return [u.phone, link ? el("br") : null, link];
}

function unsignedTable(opds) {
  const phones = hasPhones(opds);
  const rows = [];
  for (const o of opds) {
    rows.push(el("tr", { class: "group", dataset: { opd: o.code } },
      el("th", { colspan: phones ? 5 : 4, scope: "colgroup", "data-label": "" }, `${o.name} (${o.code}) · ${o.unsigned.length} belum`)));
    for (const u of o.unsigned) {
      rows.push(el("tr", { dataset: { opd: o.code, nip: u.nip } },
        el("td", {}, u.name), el("td", {}, u.nip), el("td", {}, u.position),
        el("td", {}, el("span", { class: `badge ${u.status}` },
          u.status === "represented" && u.represented_by ? `diwakili oleh ${u.represented_by}` : STATUS_WORDS[u.status] || u.status)),
        phones ? el("td", { class: "no-print contact" }, contact(u)) : null));
    }
  }
  return table(["Nama", "NIP", "Jabatan", "Status", ...(phones ? ["Hubungi"] : [])], rows, { id: "unsigned-table" });
}

async function show() {
  const entered = tokenInput.value.trim();
  if (!entered) {
    clear();
    status("#result", "bad", "Masukkan token Anda dahulu (diberikan oleh admin BKPSDM), lalu tekan Tampilkan.");
    return;
  }
  setToken(entered);
  const ceremony = ceremonies.find((c) => String(c.id) === select.value);
  if (!ceremony) { clear(); status("#result", "info", "Belum ada upacara yang dibuka."); return; }
  const id = ceremony.id;
  const [report, unsigned] = await Promise.all([
    api(`/api/ceremonies/${id}/report${query()}`, { auth: true }),
    apiAll(`/api/ceremonies/${id}/unsigned${query()}`, "opds", { auth: true, limit: 1000 }),
  ]);
  // An auditor's token reads the counts and no names: the list is refused with 403.
  const countsOnly = report.ok && unsigned.status === 403;
  if (!report.ok || (!unsigned.ok && !countsOnly)) {
    const refusal = report.ok ? unsigned : report;
    clear();
    status("#result", "bad", errorText(refusal));
    // An expired or revoked token is of no more use on this device: ask for a new one.
    if (refusal.status === 401) {
      setToken(null);
      tokenInput.value = "";
      document.querySelector("#token-row").classList.remove("hidden");
    }
    return;
  }
  const opds = [...report.data.opds].sort(byName);
  const lists = countsOnly ? [] : joinPages(unsigned.data.opds).filter((o) => o.unsigned.length > 0).sort(byName);
  const missing = opds.reduce((n, o) => n + o.pending + o.overdue, 0);

  document.querySelector("#kop-instansi").textContent = instansi.toUpperCase();
  document.querySelector("#report-title").textContent = ceremony.title;
  document.querySelector("#report-when").textContent =
    `${ceremony.place} · ${formatTime(ceremony.starts_at, timezone)} · ${STATE_WORDS[ceremony.state] || ceremony.state}` +
    (ceremony.mandiri_due ? ` · batas ikrar mandiri ${formatTime(ceremony.mandiri_due, timezone)}` : "");
  stamp();
  document.querySelector("#report-head").classList.remove("hidden");
  document.querySelector("#report-actions").classList.remove("hidden");
  // An auditor reads counts only: there is no list of names to download.
  document.querySelector("#download-csv").classList.toggle("hidden", countsOnly);
  document.querySelector("#download-wa-csv").classList.toggle("hidden", countsOnly || !hasPhones(unsigned.data.opds ?? []));
  document.querySelector("#signature-block").classList.toggle("hidden", countsOnly);
  if (opds.length === 0) {
    clear();
    status("#result", "info", `Tidak ada pegawai yang diundang ke ${ceremony.title} di OPD yang boleh Anda lihat. Pilih upacara lain.`);
    return;
  }
  status("#result", missing === 0 ? "ok" : "info", missing === 0
    ? `Semua pegawai yang diundang sudah menandatangani: ${ceremony.title}.`
    : countsOnly
      ? `${missing} pegawai belum menandatangani. Token ini hanya membaca rekapitulasi angka, tanpa nama.`
      : `${missing} pegawai belum menandatangani.`);
  replace(document.querySelector("#summary"),
    el("h3", {}, "Rekapitulasi per OPD"), el("div", { class: "table-wrap" }, summaryTable(opds)),
    // A ceremony of a campaign: the units whose head countersigned the campaign's recap.
    opds.some((o) => o.recap) ? el("ul", { id: "recap-marks" }, opds.filter((o) => o.recap).map((o) =>
      el("li", {}, `${o.name}: ${o.recap.text}`))) : []);
  replace(document.querySelector("#unsigned"), lists.length === 0 ? [] : [
    el("h3", {}, "Daftar pegawai yang belum menandatangani"),
    el("div", { class: "table-wrap" }, unsignedTable(lists)),
  ]);
  document.querySelector("#main").dataset.shown = String(id);
}

/** Downloads a CSV from the API with the token, as a file Excel opens with its accents. */
async function downloadCsv(path, filename) {
  const entered = tokenInput.value.trim();
  if (entered) setToken(entered);
  // The server sends the list as it reads it; a transfer broken off midway rejects
  // here, and nothing is saved rather than a file that looks complete but is not.
  const reply = await api(path, { auth: true })
    .catch(() => ({ ok: false, data: { error: { message: "Unduhan CSV terputus sebelum selesai, jadi berkas tidak disimpan. Coba unduh lagi." } } }));
  if (!reply.ok) { status("#result", "bad", errorText(reply)); return; }
  // fetch() drops the byte order mark Excel needs to read names as UTF-8; put it back.
  const text = reply.data.startsWith("\ufeff") ? reply.data : `\ufeff${reply.data}`;
  download(filename, text, "text/csv");
}

const csvPath = (id, list) => `/api/ceremonies/${id}/${list}${query()}${query() ? "&" : "?"}format=csv`;
document.querySelector("#report-form").addEventListener("submit", (event) => { event.preventDefault(); show(); });
document.querySelector("#print").addEventListener("click", () => window.print());
window.addEventListener("beforeprint", stamp);
document.querySelector("#download-csv").addEventListener("click", () =>
  downloadCsv(csvPath(select.value, "unsigned"), `belum-tanda-tangan-upacara-${select.value}.csv`));
document.querySelector("#download-wa-csv").addEventListener("click", () =>
  downloadCsv(csvPath(select.value, "unsigned").replace(/format=csv$/, "format=wa-csv"), `pengingat-whatsapp-upacara-${select.value}.csv`));
document.querySelector("#download-summary").addEventListener("click", () =>
  downloadCsv(csvPath(select.value, "report"), `rekap-per-opd-upacara-${select.value}.csv`));
/** Downloads one of the ceremony's PDF documents with the token; a refusal is shown. */
async function downloadPdf(path, filename) {
  const entered = tokenInput.value.trim();
  if (entered) setToken(entered);
  const reply = await downloadFile(path, filename, { auth: true });
  if (!reply.ok) status("#result", "bad", errorText(reply));
}

document.querySelector("#download-pdf").addEventListener("click", () =>
  downloadPdf(`/api/ceremonies/${select.value}/report.pdf${query()}`, `laporan-upacara-${select.value}.pdf`));
document.querySelector("#download-berita-acara").addEventListener("click", () =>
  downloadPdf(`/api/ceremonies/${select.value}/berita-acara.pdf`, `berita-acara-upacara-${select.value}.pdf`));
select.addEventListener("change", () => { if (token()) show(); else clear(); });
if (token()) show();
else status("#result", "info", "Masukkan token yang diberikan admin BKPSDM, lalu tekan Tampilkan.");
