// Signing as a representative (perwakilan) on the signing page. Where the instansi named
// this official as their OPD's representative in an open ceremony, and once they signed
// their own pakta there, the page offers "Tandatangani sebagai perwakilan untuk N
// pegawai": it shows whom the statement lists, then the representation statement
// (pakta/perwakilan/v1) exactly as it will be signed, and signs it with the key on this
// device. The receipt is kept on the device like the others. Whether this official is a
// representative is not public: the page asks the way only the key's holder can, with a
// request signed by the key here (issuing writes nothing).
import { api, download, el, errorText, formatTime, labelCells, replace, status } from "./common.js";
import * as keys from "./keys.js";

const section = document.querySelector("#representation");
let offer = null;
let kept = null;
let settings = { timezone: "Asia/Jakarta", onReceipt: async () => {} };

/** Where the page keeps its settings: the zone and what to do with a new receipt. */
export function init(options) {
  settings = { ...settings, ...options };
}

async function registryTime() {
  const reply = await api("/api/info");
  const now = reply.ok ? new Date(reply.data.now) : new Date();
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

async function ask(nip, ceremony, pair) {
  const request = `pakta/perwakilan-request/v1\nceremony: ${ceremony}\nnip: ${nip}\ntime: ${await registryTime()}\n`;
  const signature = await keys.sign(pair, request);
  return api(`/api/ceremonies/${ceremony}/representation-statement`, { method: "POST", body: { request, signature } });
}

/** The officials a representation statement lists, in its order. */
export function listed(statement) {
  const people = [];
  for (const line of statement.split("\n")) {
    const match = /^diwakili-(\d+)-([a-z-]+): (.*)$/.exec(line);
    if (!match) continue;
    const at = Number(match[1]) - 1;
    people[at] = { ...people[at], [match[2]]: match[3] };
  }
  return people.filter(Boolean);
}

function hide() {
  offer = null;
  section.classList.add("hidden");
  document.querySelector("#representation-review").classList.add("hidden");
}

/**
 * Looks for a representation this official can sign now, in the open ceremonies, and
 * offers it. Quiet when there is none: most officials are nobody's representative.
 */
export async function check(nip, ceremonies) {
  const pair = (await keys.load(nip))?.pair;
  if (!pair) return hide();
  for (const ceremony of ceremonies.filter((c) => c.state === "open" && c.allow_representation)) {
    const reply = await ask(nip, ceremony.id, pair);
    if (reply.ok) {
      offer = { nip, ceremony, pair, ...reply.data };
      document.querySelector("#representation-offer").textContent =
        `Tandatangani sebagai perwakilan untuk ${reply.data.represented} pegawai`;
      document.querySelector("#representation-intro").textContent =
        `Anda ditunjuk sebagai perwakilan OPD Anda di ${ceremony.title}, dan pakta Anda sendiri sudah tercatat. ` +
        "Tanda tangan perwakilan mencatat bahwa Anda menandatangani atas nama pegawai yang ditunjuk; itu bukan tanda tangan pakta mereka sendiri.";
      status("#representation-result", "info", "");
      document.querySelector("#representation-receipt").classList.add("hidden");
      document.querySelector("#representation-offer").classList.remove("hidden");
      section.classList.remove("hidden");
      return;
    }
  }
  if (!kept) hide();
}

document.querySelector("#representation-offer").addEventListener("click", () => {
  if (!offer) return;
  const people = listed(offer.statement);
  replace(document.querySelector("#represented-list"),
    el("thead", {}, el("tr", {}, el("th", {}, "Nama"), el("th", {}, "NIP / NIK"), el("th", {}, "Jabatan"), el("th", {}, "Unit kerja"))),
    el("tbody", {}, people.map((p) => el("tr", {},
      el("td", { "data-label": "Nama" }, p.nama), el("td", { "data-label": "NIP / NIK" }, p.nip),
      el("td", { "data-label": "Jabatan" }, p.jabatan), el("td", { "data-label": "Unit kerja" }, p["unit-kerja"])))));
  labelCells(document.querySelector("#represented-list"));
  document.querySelector("#representation-count").textContent = String(people.length);
  document.querySelector("#representation-statement").textContent = offer.statement;
  document.querySelector("#representation-consent").checked = false;
  document.querySelector("#representation-sign").disabled = true;
  document.querySelector("#representation-review").classList.remove("hidden");
  status("#representation-result", "info", `Pernyataan berlaku sampai ${formatTime(offer.expires_at, settings.timezone)}.`);
});

document.querySelector("#representation-consent").addEventListener("change", (event) => {
  document.querySelector("#representation-sign").disabled = !event.target.checked;
});

document.querySelector("#representation-sign").addEventListener("click", async () => {
  if (!offer) return;
  const signature = await keys.sign(offer.pair, offer.statement);
  const reply = await api("/api/representations", { method: "POST", body: { statement: offer.statement, signature } });
  if (!reply.ok) {
    status("#representation-result", "bad", errorText(reply));
    return;
  }
  await keys.keepReceipt(offer.nip, reply.data.receipt);
  kept = reply.data;
  status("#representation-result", "ok",
    `Tanda tangan perwakilan atas nama ${reply.data.represented} pegawai diterima dan tercatat di registri (entri nomor ${reply.data.index}).`);
  document.querySelector("#representation-summary").textContent =
    `Entri registri nomor ${reply.data.index}, ditandatangani ${formatTime(reply.data.signed_at, settings.timezone)}. ` +
    "Tanda terima ini membuktikan tanda tangan perwakilan Anda, bukan tanda tangan pakta pegawai yang diwakili.";
  document.querySelector("#representation-review").classList.add("hidden");
  document.querySelector("#representation-offer").classList.add("hidden");
  document.querySelector("#representation-receipt").classList.remove("hidden");
  offer = null;
  await settings.onReceipt();
});

document.querySelector("#download-representation").addEventListener("click", () => {
  if (kept) download(`tanda-terima-perwakilan-upacara-${kept.ceremony}-entri-${kept.index}.tlog-proof`, kept.receipt);
});
