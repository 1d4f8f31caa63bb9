// The per-OPD report: counts per unit and the list of who has not signed, with their
// status, for heads of OPD, the Inspektorat and the BKPSDM; printable, and as CSV.
import { api, el, errorText, header, param, replace, setToken, status, token, STATUS_WORDS, download } from "./common.js";

header();
const tokenInput = document.querySelector("#report-token");
tokenInput.value = token() || "";
const ceremonies = (await api("/api/ceremonies")).data.ceremonies?.filter((c) => c.state !== "draft") ?? [];
replace(document.querySelector("#ceremony"), ceremonies.map((c) => el("option", { value: c.id }, c.title)));
if (param("upacara")) document.querySelector("#ceremony").value = param("upacara");

function query() {
  const opd = document.querySelector("#opd").value.trim();
  return opd ? `?opd=${encodeURIComponent(opd)}` : "";
}

async function show() {
  setToken(tokenInput.value.trim());
  const id = document.querySelector("#ceremony").value;
  const [report, unsigned] = await Promise.all([
    api(`/api/ceremonies/${id}/report${query()}`, { auth: true }),
    api(`/api/ceremonies/${id}/unsigned${query()}`, { auth: true }),
  ]);
  if (!report.ok || !unsigned.ok) { status("#result", "bad", errorText(report.ok ? unsigned : report)); return; }
  const missing = unsigned.data.opds.reduce((n, o) => n + o.unsigned.length, 0);
  status("#result", missing === 0 ? "ok" : "info", missing === 0
    ? "Semua pegawai yang diundang sudah menandatangani."
    : `${missing} pegawai belum menandatangani.`);
  replace(document.querySelector("#summary"), el("table", {},
    el("thead", {}, el("tr", {}, ["OPD", "Diundang", "Hadir", "Tanda tangan di upacara", "Ikrar mandiri", "Belum", "Lewat batas", "Terlambat"].map((h) => el("th", {}, h)))),
    el("tbody", {}, report.data.opds.map((o) => el("tr", {},
      el("td", {}, o.name), el("td", {}, o.invited), el("td", {}, o.attended), el("td", {}, o.signed_ceremony),
      el("td", {}, o.signed_mandiri), el("td", {}, o.pending), el("td", {}, o.overdue), el("td", {}, o.late))))));
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
  const reply = await api(`/api/ceremonies/${id}/unsigned${query()}${sep}format=csv`, { auth: true });
  if (!reply.ok) { status("#result", "bad", errorText(reply)); return; }
  // fetch() drops the byte order mark Excel needs to read names as UTF-8; put it back.
  const text = reply.data.startsWith("\ufeff") ? reply.data : `\ufeff${reply.data}`;
  download(`belum-tanda-tangan-upacara-${id}.csv`, text, "text/csv");
});
if (token() && param("upacara")) show();
