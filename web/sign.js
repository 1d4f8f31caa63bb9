// Signing the pledge on the official's own device: pick the key (by NIP) and the
// ceremony, check in with the hall's presence code when the page was opened from the
// hall screen's QR, read the pledge, the prohibited acts and the sanctions, see the
// statement exactly as it will be signed, sign it, and keep the receipt.
import { api, apiAll, el, errorText, header, info, param, qrUrl, replace, status, download, formatTime } from "./common.js";
import * as keys from "./keys.js";

header();
const nipSelect = document.querySelector("#nip");
const ceremonySelect = document.querySelector("#ceremony");
const { timezone } = await info();

const stored = await keys.all();
if (stored.length === 0) {
  const box = document.querySelector("#no-key");
  replace(box, "Belum ada kunci tanda tangan di perangkat ini. ", el("a", { href: "/daftar.html" }, "Daftarkan kunci terlebih dahulu"), " dengan kode dari BKPSDM.");
  box.classList.remove("hidden");
  document.querySelector("#choose").classList.add("hidden");
}
replace(nipSelect, stored.map((k) => el("option", { value: k.nip }, k.nip)));
if (param("nip")) nipSelect.value = param("nip");

const ceremonies = (await apiAll("/api/ceremonies", "ceremonies", { limit: 1000 })).data.ceremonies?.filter((c) => c.state !== "draft") ?? [];
replace(ceremonySelect, ceremonies.map((c) =>
  el("option", { value: c.id }, `${c.title} (${c.state === "open" ? "upacara berlangsung" : "ikrar mandiri"})`)));
if (param("upacara")) ceremonySelect.value = param("upacara");

let issued = null;
let record = null;

// The registry's clock, in RFC 3339 UTC seconds, read fresh: a phone's own clock may be
// minutes off, and a statement request must be within 10 minutes of the registry's.
async function registryTime() {
  const reply = await api("/api/info");
  const now = reply.ok ? new Date(reply.data.now) : new Date();
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function showDeskQr() {
  const chosen = ceremonies.find((c) => String(c.id) === ceremonySelect.value);
  const box = document.querySelector("#desk-qr");
  box.classList.toggle("hidden", !(chosen && chosen.state === "open" && nipSelect.value));
  document.querySelector("#nip-qr").src = qrUrl(`pakta-nip:${nipSelect.value}`);
}
nipSelect.addEventListener("change", showDeskQr);
ceremonySelect.addEventListener("change", showDeskQr);
showDeskQr();

// Opened from the hall screen's QR: check in with the presence code, signed by our key.
const presence = param("hadir");
if (presence && stored.length > 0) {
  const nip = nipSelect.value;
  const ceremony = ceremonySelect.value;
  const pair = (await keys.load(nip)).pair;
  const message = `pakta/presence/v1\nceremony: ${ceremony}\nnip: ${nip}\ncode: ${presence}\n`;
  const signature = await keys.sign(pair, message);
  const reply = await api(`/api/ceremonies/${ceremony}/presence`, { method: "POST", body: { nip, code: presence, signature } });
  if (reply.ok) status("#result", "ok", "Kehadiran Anda tercatat. Silakan tampilkan pernyataan lalu tanda tangani.");
  else if (reply.data?.error?.code === "already_checked_in") status("#result", "info", "Kehadiran Anda sudah tercatat sebelumnya.");
  else status("#result", "bad", errorText(reply));
}

document.querySelector("#choose").addEventListener("submit", async (event) => {
  event.preventDefault();
  const nip = nipSelect.value;
  const ceremony = ceremonySelect.value;
  record = await keys.load(nip);
  const details = await api(`/api/ceremonies/${ceremony}`);
  // Signing protocol v2: only the holder of this NIP's key gets its statement, so the
  // request is signed with the key kept on this device.
  const request = `pakta/statement-request/v1\nceremony: ${ceremony}\nnip: ${nip}\ntime: ${await registryTime()}\n`;
  const requestSignature = await keys.sign(record.pair, request);
  const reply = await api(`/api/ceremonies/${ceremony}/statement`, { method: "POST", body: { request, signature: requestSignature } });
  if (!reply.ok) {
    status("#result", "bad", errorText(reply));
    document.querySelector("#pledge").classList.add("hidden");
    return;
  }
  issued = reply.data;
  status("#result", "info", `Pernyataan berlaku sampai ${formatTime(issued.expires_at, timezone)}.`);
  document.querySelector("#mode").textContent =
    issued.mode === "mandiri" ? "Ikrar mandiri" : "Ikrar bersama di upacara";
  const due = document.querySelector("#due");
  due.classList.toggle("hidden", issued.mode !== "mandiri");
  if (issued.mode === "mandiri") {
    due.textContent = `Batas waktu ikrar mandiri: ${details.data.mandiri_due_local}. Tanda tangan setelah batas ini tetap diterima tetapi dicatat terlambat.`;
  }
  document.querySelector("#pledge-title").textContent = details.data.pledge.title;
  document.querySelector("#pledge-text").textContent = details.data.pledge.text;
  document.querySelector("#statement").textContent = issued.statement;
  document.querySelector("#consent").checked = false;
  document.querySelector("#sign").disabled = true;
  document.querySelector("#pledge").classList.remove("hidden");
  document.querySelector("#receipt-section").classList.add("hidden");
});

document.querySelector("#consent").addEventListener("change", (event) => {
  document.querySelector("#sign").disabled = !event.target.checked;
});

let receipt = "";
document.querySelector("#sign").addEventListener("click", async () => {
  const signature = await keys.sign(record.pair, issued.statement);
  const reply = await api("/api/signatures", { method: "POST", body: { statement: issued.statement, signature } });
  if (!reply.ok) {
    status("#result", "bad", errorText(reply));
    return;
  }
  receipt = reply.data.receipt;
  record.receipts = [...(record.receipts || []), receipt];
  await keys.save(record);
  status("#result", "ok", reply.data.late
    ? "Tanda tangan diterima dan tercatat, tetapi setelah batas waktu ikrar mandiri (terlambat)."
    : "Tanda tangan diterima dan tercatat di registri.");
  document.querySelector("#receipt-summary").textContent =
    `Entri registri nomor ${reply.data.index}, ditandatangani ${formatTime(reply.data.signed_at, timezone)}.`;
  const check = `${location.origin}/verifikasi.html#entri=${reply.data.index}&hash=${reply.data.entry_hash}`;
  document.querySelector("#receipt-qr").src = qrUrl(check);
  document.querySelector("#verify-link").href = check;
  document.querySelector("#receipt-text").textContent = receipt;
  document.querySelector("#pledge").classList.add("hidden");
  document.querySelector("#receipt-section").classList.remove("hidden");
});

document.querySelector("#download-receipt").addEventListener("click", () =>
  download(`tanda-terima-${nipSelect.value}.tlog-proof`, receipt));
