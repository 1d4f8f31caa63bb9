// The head of OPD countersigns the unit's recap (issue 10, part 4), with the key kept on
// this device (keys.js): the page signs a recap request (pakta/rekap-request/v1) to ask
// for the recap, shows it, and on consent signs its exact bytes and submits them. Every
// value from the server is inserted as text.
import { api, el, errorText, header, param, replace, status } from "./common.js";
import * as keys from "./keys.js";

header();
const nipSelect = document.querySelector("#nip");
const campaignSelect = document.querySelector("#campaign");
const stored = await keys.all();
replace(nipSelect, stored.map((k) => el("option", { value: k.nip }, k.nip)));
if (stored.length === 0) {
  const box = document.querySelector("#no-key");
  box.textContent = "Belum ada kunci tanda tangan di perangkat ini. Daftarkan kunci Anda di halaman pendaftaran dengan kode dari BKPSDM, lalu kembali ke sini.";
  box.classList.remove("hidden");
}
if (param("nip")) nipSelect.value = param("nip");
const list = await api("/api/campaigns");
replace(campaignSelect, (list.ok ? list.data.campaigns : []).map((c) => el("option", { value: c.id }, c.title)));
if (param("kampanye")) campaignSelect.value = param("kampanye");
if (param("opd")) document.querySelector("#opd").value = param("opd");

let issued = null;

/** The registry's clock: a request must be within 10 minutes of it. */
async function registryTime() {
  const reply = await api("/api/info");
  const now = reply.ok ? new Date(reply.data.now) : new Date();
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

document.querySelector("#choose").addEventListener("submit", async (event) => {
  event.preventDefault();
  issued = null;
  document.querySelector("#recap-section").classList.add("hidden");
  const record = await keys.load(nipSelect.value);
  if (!record) { status("#result", "bad", "Kunci untuk NIP ini tidak ada di perangkat ini."); return; }
  const campaign = campaignSelect.value;
  const opd = document.querySelector("#opd").value.trim().toUpperCase();
  const request = `pakta/rekap-request/v1\ncampaign: ${campaign}\nopd: ${opd}\nnip: ${record.nip}\ntime: ${await registryTime()}\n`;
  const signature = await keys.sign(record.pair, request);
  const reply = await api(`/api/campaigns/${campaign}/recap-statement`, { method: "POST", body: { request, signature } });
  if (!reply.ok) { status("#result", "bad", errorText(reply)); return; }
  issued = { text: reply.data.statement, record };
  document.querySelector("#recap").textContent = issued.text;
  document.querySelector("#recap-consent").checked = false;
  document.querySelector("#sign-recap").disabled = true;
  document.querySelector("#recap-section").classList.remove("hidden");
  status("#result", "info", "Periksa rekap di bawah, lalu tandatangani.");
});

document.querySelector("#recap-consent").addEventListener("change", (event) => {
  document.querySelector("#sign-recap").disabled = !event.target.checked;
});

document.querySelector("#sign-recap").addEventListener("click", async () => {
  if (!issued) return;
  const signature = await keys.sign(issued.record.pair, issued.text);
  const reply = await api("/api/recaps", { method: "POST", body: { statement: issued.text, signature } });
  if (!reply.ok) { status("#result", "bad", errorText(reply)); return; }
  document.querySelector("#sign-recap").disabled = true;
  status("#result", "ok", `Rekap ditandatangani dan tercatat di registri (entri ${reply.data.index}, SHA-256 ${reply.data.statement_sha256}).`);
});
