// The campaign report (issue 10, part 2): per current OPD over everyone invited to any
// ceremony of the campaign, who signed (in whichever ceremony, or by ikrar mandiri), who
// is represented, pending or overdue, and whether the head of OPD has countersigned the
// unit's recap; then, for readers allowed names, who has not signed. Every value from
// the server is inserted as text.
import { api, el, errorText, header, param, replace, setToken, status, table, token } from "./common.js";

header();
const tokenInput = document.querySelector("#campaign-token");
const select = document.querySelector("#campaign");
tokenInput.value = token() || "";
document.querySelector("#token-row").classList.toggle("hidden", Boolean(token()));

const list = await api("/api/campaigns");
const campaigns = list.ok ? list.data.campaigns : [];
replace(select, campaigns.map((c) => el("option", { value: c.id }, `${c.title} (${c.ceremonies.length} upacara)`)));
if (campaigns.some((c) => String(c.id) === param("kampanye"))) select.value = param("kampanye");

const STATUS = { pending: "belum, masih bisa menandatangani", overdue: "belum, lewat batas" };

function summary(opds) {
  const columns = [
    ["Diundang", (o) => o.invited], ["Sudah tanda tangan", (o) => o.signed],
    ["Diwakili", (o) => o.represented], ["Belum", (o) => o.pending], ["Lewat batas", (o) => o.overdue],
  ];
  const rows = opds.map((o) => el("tr", {},
    el("td", {}, o.name),
    columns.map(([, f]) => el("td", { class: "num" }, f(o))),
    el("td", { class: "recap" }, o.recap ? o.recap.text
      : o.ready_for_recap ? "siap direkap Kepala OPD" : "belum lengkap")));
  const t = table(["OPD", ...columns.map(([h]) => h), "Rekap Kepala OPD"], rows, { id: "campaign-table", class: "counts" });
  t.append(el("tfoot", {}, el("tr", {}, el("th", { scope: "row" }, "Jumlah"),
    columns.map(([, f]) => el("td", { class: "num" }, opds.reduce((n, o) => n + f(o), 0))), el("td", {}))));
  return t;
}

document.querySelector("#campaign-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!token() && tokenInput.value.trim()) setToken(tokenInput.value.trim());
  replace(document.querySelector("#campaign-summary"));
  replace(document.querySelector("#campaign-unsigned"));
  const id = select.value;
  if (!id) { status("#result", "bad", "Belum ada kampanye. Admin BKPSDM membuat kampanye di halaman admin."); return; }
  const opd = document.querySelector("#opd").value.trim();
  const query = opd ? `?opd=${encodeURIComponent(opd)}` : "";
  const report = await api(`/api/campaigns/${id}/report${query}`, { auth: true });
  if (!report.ok) { status("#result", "bad", errorText(report)); return; }
  document.querySelector("#campaign-title").textContent = report.data.title;
  status("#result", "ok", `${report.data.opds.length} OPD.`);
  replace(document.querySelector("#campaign-summary"), summary(report.data.opds));
  const unsigned = await api(`/api/campaigns/${id}/unsigned${query}`, { auth: true });
  if (!unsigned.ok) {
    // An auditor reads counts only: the list of names is not theirs to see.
    replace(document.querySelector("#campaign-unsigned"), el("p", { class: "note" }, errorText(unsigned)));
  } else {
    replace(document.querySelector("#campaign-unsigned"), unsigned.data.opds.filter((o) => o.unsigned.length).map((o) =>
      el("section", { class: "card" }, el("h3", {}, o.name),
        table(["Nama", "NIP", "Jabatan", "Status"], o.unsigned.map((u) =>
          el("tr", {}, el("td", {}, u.name), el("td", {}, u.nip), el("td", {}, u.position), el("td", {}, STATUS[u.status] || u.status)))))));
  }
  document.querySelector("#main").dataset.shown = id;
});
