// SIASN units (UNOR) and the OPDs they belong to: upload SIASN's unit reference (or a
// two-column unit→OPD file), see the units whose officials are held because they map to
// no OPD, and assign each one once; the held officials are imported at that moment.
// Starts when admin.js has accepted the admin token; refreshes after a roster import.
import { api, el, errorText, replace, status, table } from "./common.js";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async function assign(unit, row) {
  const code = row.querySelector(".unit-opd").value.trim();
  const name = row.querySelector(".unit-opd-name").value.trim();
  if (!code) { status("#units-result", "bad", `Isi kode OPD untuk unit ${unit.name}.`); return; }
  const body = name ? { opd_code: code, opd_name: name } : { opd_code: code };
  const reply = await api(`/api/units/${encodeURIComponent(unit.id)}`, { method: "PUT", auth: true, body });
  if (!reply.ok) { status("#units-result", "bad", errorText(reply)); return; }
  const r = reply.data.released;
  status("#units-result", "ok",
    `Unit ${reply.data.name} ditetapkan ke OPD ${reply.data.opd_code}: ${r.created} pegawai baru diimpor, ${r.updated} diperbarui.`);
  show(reply.data.unmapped_units);
}

function show(units) {
  const box = document.querySelector("#unmapped");
  box.dataset.loaded = "yes";
  if (units.length === 0) {
    replace(box, el("p", { class: "note", id: "no-unmapped" }, "Semua unit sudah terpetakan ke OPD."));
    return;
  }
  replace(box, table(["Unit (UNOR)", "Pegawai ditahan", "Kode OPD", "Nama OPD (bila OPD baru)", ""],
    units.map((u) => {
      const row = el("tr", { dataset: { unit: u.id } },
        el("td", {}, u.name, el("br"), el("small", { class: "note" }, u.id)),
        el("td", { class: "num" }, u.officials),
        el("td", {}, el("input", { type: "text", class: "unit-opd", placeholder: "BKPSDM", "aria-label": `Kode OPD untuk ${u.name}` })),
        el("td", {}, el("input", { type: "text", class: "unit-opd-name", "aria-label": `Nama OPD untuk ${u.name}` })));
      row.append(el("td", {}, el("button", { type: "button", class: "assign-unit", onclick: () => assign(u, row) }, "Tetapkan dan impor")));
      return row;
    }), { id: "unmapped-units" }));
}

async function load() {
  const reply = await api("/api/units/unmapped", { auth: true });
  if (!reply.ok) { status("#units-result", "bad", errorText(reply)); return; }
  show(reply.data.units);
}

document.querySelector("#units-import").addEventListener("click", async () => {
  const file = document.querySelector("#units-file").files[0];
  if (!file) { status("#units-result", "bad", "Pilih berkas unit (.xlsx atau CSV) terlebih dahulu."); return; }
  const contentType = /\.xlsx$/i.test(file.name) ? XLSX : "text/csv";
  const reply = await api("/api/units/import", { method: "POST", auth: true, contentType, body: await file.arrayBuffer() });
  if (!reply.ok) { status("#units-result", "bad", errorText(reply)); return; }
  const r = reply.data;
  const waiting = r.opd_units_without_code.map((u) => u.name).join(", ");
  status("#units-result", r.rejected.length || waiting ? "info" : "ok",
    `${r.units} unit disimpan, ${r.mapped} terpetakan ke OPD, ${r.rejected.length} baris ditolak; ` +
    `${r.released.created} pegawai yang ditahan kini diimpor.` +
    (r.rejected.length ? ` Baris ditolak: ${r.rejected.map((x) => `${x.line} (${x.reason})`).join("; ")}` : "") +
    (waiting ? ` Unit setingkat OPD tanpa kode OPD: ${waiting}.` : ""));
  show(r.unmapped_units);
});

document.addEventListener("roster-imported", (event) => show(event.detail.unmapped_units ?? []));
document.addEventListener("admin-ready", load);
