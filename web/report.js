// The per-OPD report: counts per unit and the list of who has not signed, with their
// status, for heads of OPD, the Inspektorat and the BKPSDM; printable, and as CSV.
import { api, apiAll, el, errorText, header, param, replace, setToken, status, token, STATUS_WORDS, download } from "./common.js";

header();
const tokenInput = document.querySelector("#report-token");
tokenInput.value = token() || "";
const ceremonies = (await apiAll("/api/ceremonies", "ceremonies", { limit: 1000 })).data.ceremonies?.filter((c) => c.state !== "draft") ?? [];
replace(document.querySelector("#ceremony"), ceremonies.map((c) => el("option", { value: c.id }, c.title)));
if (param("upacara")) document.querySelector("#ceremony").value = param("upacara");

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

async function show() {
  setToken(tokenInput.value.trim());
  const id = document.querySelector("#ceremony").value;
  const [report, unsigned] = await Promise.all([
    api(`/api/ceremonies/${id}/report${query()}`, { auth: true }),
    apiAll(`/api/ceremonies/${id}/unsigned${query()}`, "opds", { auth: true, limit: 1000 }),
  ]);
  // An auditor's token reads the counts and no names: the list is refused with 403.
  const countsOnly = report.ok && unsigned.status === 403;
  if (!report.ok || (!unsigned.ok && !countsOnly)) { status("#result", "bad", errorText(report.ok ? unsigned : report)); return; }
  unsigned.data = countsOnly ? { opds: [] } : unsigned.data;
  unsigned.data.opds = joinPages(unsigned.data.opds);
  const missing = report.data.opds.reduce((n, o) => n + o.pending + o.overdue, 0);
  status("#result", missing === 0 ? "ok" : "info", missing === 0
    ? "Semua pegawai yang diundang sudah menandatangani."
    : countsOnly
      ? `${missing} pegawai belum menandatangani. Token ini hanya membaca rekapitulasi angka, tanpa nama.`
      : `${missing} pegawai belum menandatangani.`);
  replace(document.querySelector("#summary"), el("table", {},
    el("thead", {}, el("tr", {}, ["OPD", "Diundang", "Hadir", "Tanda tangan di upacara", "Ikrar mandiri", "Belum", "Lewat batas", "Terlambat", "Data dihapus (PDP)"].map((h) => el("th", {}, h)))),
    el("tbody", {}, report.data.opds.map((o) => el("tr", {},
      el("td", {}, o.name), el("td", {}, o.invited), el("td", {}, o.attended), el("td", {}, o.signed_ceremony),
      el("td", {}, o.signed_mandiri), el("td", {}, o.pending), el("td", {}, o.overdue), el("td", {}, o.late),
      el("td", {}, o.erased))))));
  replace(document.querySelector("#unsigned"), unsigned.data.opds.filter((o) => o.unsigned.length > 0).map((o) =>
    el("section", { class: "card", dataset: { opd: o.code } },
      el("h2", {}, `${o.name} (${o.code})`),
      el("div", { class: "table-wrap" }, el("table", {},
        el("thead", {}, el("tr", {}, el("th", {}, "NIP"), el("th", {}, "Nama"), el("th", {}, "Jabatan"), el("th", {}, "Status"))),
        el("tbody", {}, o.unsigned.map((u) => el("tr", {},
          el("td", {}, u.nip), el("td", {}, u.name), el("td", {}, u.position),
          el("td", {}, el("span", { class: `badge ${u.status}` }, STATUS_WORDS[u.status] || u.status))))))))));
}

document.querySelector("#report-form").addEventListener("submit", (event) => { event.preventDefault(); show(); });
document.querySelector("#print").addEventListener("click", () => window.print());
document.querySelector("#download-csv").addEventListener("click", async () => {
  setToken(tokenInput.value.trim());
  const id = document.querySelector("#ceremony").value;
  const sep = query() ? "&" : "?";
  // The server sends the list as it reads it; a transfer broken off midway rejects
  // here, and nothing is saved rather than a file that looks complete but is not.
  const reply = await api(`/api/ceremonies/${id}/unsigned${query()}${sep}format=csv`, { auth: true })
    .catch(() => ({ ok: false, data: { error: { message: "Unduhan CSV terputus sebelum selesai, jadi berkas tidak disimpan. Coba unduh lagi." } } }));
  if (!reply.ok) { status("#result", "bad", errorText(reply)); return; }
  // fetch() drops the byte order mark Excel needs to read names as UTF-8; put it back.
  const text = reply.data.startsWith("\ufeff") ? reply.data : `\ufeff${reply.data}`;
  download(`belum-tanda-tangan-upacara-${id}.csv`, text, "text/csv");
});
if (token() && param("upacara")) show();
