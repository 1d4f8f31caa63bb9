// The admin's tokens: make one for a named person (operator of one ceremony, supervisor
// of one OPD, Inspektorat, or auditor with counts only), see every token with its
// expiry and state, and revoke one. A new token's secret is shown once; the server keeps
// only its hash. Starts when admin.js has accepted the admin token.
import { api, el, errorText, formatTime, info, labelCells, replace, status } from "./common.js";

const STATE_TEXT = {
  active: "berlaku",
  expired: "kedaluwarsa",
  revoked: "dicabut",
  ceremony_closed: "berakhir (upacara ditutup)",
};
const ROLE_TEXT = {
  operator: "operator meja",
  supervisor: "supervisor OPD",
  inspektorat: "Inspektorat",
  auditor: "auditor (angka saja)",
};

const form = document.querySelector("#token-form");
const role = document.querySelector("#t-role");

function showScopeFields() {
  document.querySelector("#t-ceremony-row").classList.toggle("hidden", role.value !== "operator");
  document.querySelector("#t-opd-row").classList.toggle("hidden", role.value !== "supervisor");
}
role.addEventListener("change", showScopeFields);
showScopeFields();

async function allTokens() {
  const tokens = [];
  let after = null;
  for (;;) {
    const reply = await api(`/api/tokens${after === null ? "" : `?after=${after}`}`, { auth: true });
    if (!reply.ok) throw new Error(errorText(reply));
    tokens.push(...reply.data.tokens);
    if (reply.data.next === null || reply.data.next === undefined) return tokens;
    after = reply.data.next;
  }
}

async function revoke(t) {
  if (!confirm(`Cabut token "${t.name}"? Pemegangnya tidak dapat memakainya lagi.`)) return;
  const reply = await api(`/api/tokens/${t.id}`, { method: "DELETE", auth: true });
  status("#token-result", reply.ok ? "ok" : "bad", reply.ok ? `Token "${t.name}" dicabut.` : errorText(reply));
  await loadTokens();
}

async function loadTokens() {
  const { timezone } = await info();
  const box = document.querySelector("#tokens");
  let tokens;
  try {
    tokens = await allTokens();
  } catch (e) {
    status("#token-result", "bad", e.message);
    return;
  }
  box.dataset.loaded = "yes";
  if (tokens.length === 0) { replace(box, el("p", { class: "note" }, "Belum ada token.")); return; }
  replace(box, labelCells(el("table", { id: "token-list" },
    el("thead", {}, el("tr", {}, ["No.", "Pemegang", "Peran", "Lingkup", "Berlaku sampai", "Keadaan", ""].map((h) => el("th", {}, h)))),
    el("tbody", {}, tokens.map((t) => el("tr", { dataset: { token: t.id, state: t.state } },
      el("td", {}, t.id),
      el("td", {}, t.name),
      el("td", {}, ROLE_TEXT[t.role] || t.role),
      el("td", {}, t.ceremony ? `upacara ${t.ceremony}` : t.opd ? `OPD ${t.opd}` : "semua OPD"),
      el("td", {}, formatTime(t.expires_at, timezone)),
      el("td", {}, STATE_TEXT[t.state] || t.state),
      el("td", {}, t.state === "active"
        ? el("button", { type: "button", class: "danger revoke-token", onclick: () => revoke(t) }, "Cabut")
        : null)))))));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = {
    role: role.value,
    name: document.querySelector("#t-name").value,
    days: Number(document.querySelector("#t-days").value),
  };
  if (role.value === "operator") body.ceremony = Number(document.querySelector("#t-ceremony").value);
  if (role.value === "supervisor") body.opd = document.querySelector("#t-opd").value.trim();
  const reply = await api("/api/tokens", { method: "POST", auth: true, body });
  if (!reply.ok) { status("#token-result", "bad", errorText(reply)); return; }
  status("#token-result", "ok", `Token untuk ${reply.data.name} dibuat. Salin sekarang: token ini hanya ditampilkan sekali.`);
  replace(document.querySelector("#new-token"), el("code", { id: "new-token-secret" }, reply.data.token));
  await loadTokens();
});

document.addEventListener("admin-ready", loadTokens);
