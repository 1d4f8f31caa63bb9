// The BKPSDM admin console: token login, the ceremonies with per-OPD progress bars and
// their open/close buttons, roster import with rejected lines, pledge publication and
// ceremony creation. Every value from the server is inserted as text.
import { api, apiAll, el, errorText, formatTime, header, info, replace, setToken, status, token, STATE_WORDS } from "./common.js";

header();
const { timezone } = await info();
const consoleBox = document.querySelector("#console");
const loginForm = document.querySelector("#login");

async function enter() {
  const check = await api("/api/whoami", { auth: true });
  if (!check.ok || check.data.role !== "admin") {
    setToken(null);
    status("#result", "bad", "Token tidak diterima sebagai token admin. Periksa token yang dicetak saat server pertama dijalankan.");
    return;
  }
  loginForm.classList.add("hidden");
  consoleBox.classList.remove("hidden");
  document.dispatchEvent(new Event("admin-ready"));
  await Promise.all([loadCeremonies(), loadPledges()]);
}

loginForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  setToken(document.querySelector("#token").value.trim());
  await enter();
});
document.querySelector("#logout").addEventListener("click", () => { setToken(null); location.reload(); });
if (token()) enter();

/** A progress bar; its width is set through the CSSOM, which the page's CSP allows. */
function bar(share) {
  const fill = el("span");
  fill.style.width = `${share}%`;
  return el("div", { class: "bar", role: "img", "aria-label": `${share}% sudah tanda tangan` }, fill);
}

function progress(report) {
  return el("table", {},
    el("thead", {}, el("tr", {}, ["OPD", "Diundang", "Hadir", "Sudah tanda tangan", "Belum", "Lewat batas", ""].map((h) => el("th", {}, h)))),
    el("tbody", {}, report.map((o) => {
      const signed = o.signed_ceremony + o.signed_mandiri;
      // Officials whose data was erased are no longer anyone's to sign.
      const expected = o.invited - o.erased;
      const share = expected ? Math.round((100 * signed) / expected) : 0;
      return el("tr", {},
        el("td", {}, o.name),
        el("td", {}, o.invited), el("td", {}, o.attended), el("td", {}, signed),
        el("td", {}, o.pending), el("td", {}, o.overdue),
        el("td", {}, bar(share)));
    })));
}

async function loadCeremonies() {
  const box = document.querySelector("#ceremonies");
  const list = (await apiAll("/api/ceremonies", "ceremonies", { limit: 1000 })).data.ceremonies ?? [];
  box.dataset.loaded = "yes";
  if (list.length === 0) { replace(box, el("p", { class: "note" }, "Belum ada upacara.")); return; }
  const blocks = [];
  for (const c of list) {
    const report = c.state === "draft" ? null : await api(`/api/ceremonies/${c.id}/report`, { auth: true });
    blocks.push(el("article", { class: "card", dataset: { ceremony: c.id } },
      el("h3", {}, `${c.title} — ${STATE_WORDS[c.state] || c.state}`),
      el("p", { class: "note" }, `${c.place} · ${formatTime(c.starts_at, timezone)}`,
        c.mandiri_due ? ` · batas ikrar mandiri ${formatTime(c.mandiri_due, timezone)}` : ""),
      report?.ok ? el("div", { class: "table-wrap" }, progress(report.data.opds)) : null,
      el("p", {},
        c.state === "draft" ? el("button", { type: "button", class: "open-ceremony", onclick: () => change(c.id, "open") }, "Buka upacara") : null,
        c.state === "open" ? el("button", { type: "button", class: "close-ceremony danger", onclick: () => change(c.id, "close") }, "Tutup upacara") : null,
        c.state === "open" ? el("a", { class: "button secondary", href: `/layar.html?upacara=${c.id}` }, "Layar aula") : null,
        c.state === "open" ? el("a", { class: "button secondary", href: `/meja.html?upacara=${c.id}` }, "Meja registrasi") : null,
        c.state !== "draft" ? el("a", { class: "button secondary", href: `/laporan.html?upacara=${c.id}` }, "Belum tanda tangan") : null)));
  }
  replace(box, blocks);
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

async function loadPledges() {
  const pledges = (await apiAll("/api/pledges", "pledges", { limit: 20 })).data.pledges ?? [];
  replace(document.querySelector("#c-pledge"), pledges.map((p) => el("option", { value: p.id }, p.title)));
}

document.querySelector("#import").addEventListener("click", async () => {
  const file = document.querySelector("#roster-file").files[0];
  if (!file) { status("#import-result", "bad", "Pilih berkas CSV terlebih dahulu."); return; }
  const reply = await api("/api/officials/import", { method: "POST", auth: true, contentType: "text/csv", body: await file.arrayBuffer() });
  if (!reply.ok) { status("#import-result", "bad", errorText(reply)); return; }
  const r = reply.data;
  status("#import-result", r.rejected.length ? "info" : "ok",
    `${r.created} pegawai baru, ${r.updated} diperbarui, ${r.unchanged} tidak berubah, ${r.rejected.length} baris ditolak.`);
  replace(document.querySelector("#rejected"), r.rejected.length === 0 ? [] : el("table", { id: "rejected-lines" },
    el("thead", {}, el("tr", {}, el("th", {}, "Baris"), el("th", {}, "Alasan"))),
    el("tbody", {}, r.rejected.map((x) => el("tr", {}, el("td", {}, x.line), el("td", {}, x.reason))))));
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
    pledge_id: Number(document.querySelector("#c-pledge").value),
    invite: opds.length ? { opds } : { all: true },
    mandiri_days: Number(document.querySelector("#c-days").value),
  } });
  status("#result", reply.ok ? "ok" : "bad", reply.ok ? `Upacara dibuat (nomor ${reply.data.id}). Buka upacara saat acara dimulai.` : errorText(reply));
  if (reply.ok) await loadCeremonies();
});
