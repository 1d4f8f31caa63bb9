// Representatives (perwakilan) on the admin console: for a ceremony that allows it, name
// per OPD the representative and the officials they sign for, and see who represents
// whom and whether the representation is signed. Starts when admin.js has accepted the
// admin token. Every value from the server is inserted as text.
import { api, apiAll, el, errorText, formatTime, info, labelCells, replace, status } from "./common.js";

const select = document.querySelector("#rep-ceremony");
const form = document.querySelector("#rep-form");

/** NIPs as a clerk pastes them: one per line, or separated by commas or spaces. */
export function nipsOf(text) {
  return text.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
}

async function loadCeremonies() {
  const list = (await apiAll("/api/ceremonies", "ceremonies", { limit: 1000 })).data.ceremonies ?? [];
  const usable = list.filter((c) => c.state !== "closed");
  const chosen = select.value;
  replace(select, usable.map((c) => el("option", { value: c.id }, `${c.title} (nomor ${c.id})`)));
  if (chosen && usable.some((c) => String(c.id) === chosen)) select.value = chosen;
  await loadNamings();
}

async function loadNamings() {
  const box = document.querySelector("#rep-list");
  const id = select.value;
  if (!id) { replace(box, el("p", { class: "note" }, "Belum ada upacara draf atau dibuka.")); return; }
  const { timezone } = await info();
  const details = await api(`/api/ceremonies/${id}`);
  const allowed = details.ok && details.data.allow_representation;
  form.querySelector("button").disabled = !allowed;
  document.querySelector("#rep-allowed").textContent = allowed
    ? "Upacara ini mengizinkan perwakilan."
    : "Upacara ini tidak mengizinkan perwakilan. Buat upacara dengan pilihan \"Izinkan perwakilan\" bila instansi mengizinkannya.";
  if (!allowed) { replace(box); box.dataset.loaded = "yes"; return; }
  const reply = await api(`/api/ceremonies/${id}/representatives`, { auth: true });
  if (!reply.ok) { replace(box, el("p", { class: "status bad" }, errorText(reply))); return; }
  const rows = reply.data.representatives.map((n) => el("tr", { dataset: { opd: n.opd, nip: n.representative.nip } },
    el("td", {}, `${n.opd_name} (${n.opd})`),
    el("td", {}, `${n.representative.name} (${n.representative.nip})`),
    el("td", {}, n.represents.map((p) => `${p.name} (${p.nip})`).join("; ")),
    el("td", {}, n.signed_at ? `ditandatangani ${formatTime(n.signed_at, timezone)} (entri ${n.index})` : "belum ditandatangani")));
  const table = el("table", { id: "rep-table" },
    el("thead", {}, el("tr", {}, ["OPD", "Perwakilan", "Mewakili", "Status"].map((h) => el("th", {}, h)))),
    el("tbody", {}, rows));
  replace(box, rows.length ? table : el("p", { class: "note" }, "Belum ada perwakilan yang ditunjuk."));
  if (rows.length) labelCells(table);
  box.dataset.loaded = "yes";
}

select.addEventListener("change", loadNamings);
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const reply = await api(`/api/ceremonies/${select.value}/representatives`, { method: "POST", auth: true, body: {
    opd: document.querySelector("#rep-opd").value.trim(),
    representative: document.querySelector("#rep-nip").value.trim(),
    represents: nipsOf(document.querySelector("#rep-represents").value),
  } });
  status("#rep-result", reply.ok ? "ok" : "bad", reply.ok
    ? `${reply.data.representative.name} ditunjuk sebagai perwakilan ${reply.data.opd_name} untuk ${reply.data.represents.length} pegawai.`
    : errorText(reply));
  if (reply.ok) await loadNamings();
});

document.addEventListener("admin-ready", loadCeremonies);
document.addEventListener("ceremonies-changed", loadCeremonies);
