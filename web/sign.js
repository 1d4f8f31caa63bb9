// Signing the pledge on the official's own device: pick the key (by NIP) and the
// ceremony, check in with the hall's presence code when the page was opened from the
// hall screen's QR, read the pledge, the prohibited acts and the sanctions, see the
// statement exactly as it will be signed, sign it, and keep the receipt. Every receipt
// kept on this device is listed under "Tanda terima saya".
//
// Which ceremony to offer first (issue 9: an official who had just enrolled was offered
// the old, closed ceremony and told they were not invited): the one this official can
// sign now. Which ceremonies invite a person is not public, so the page finds out the
// way only the key's holder can: it asks for the statement of each open ceremony, then
// of each closed one (ikrar mandiri), with requests signed by the key on this device.
// Issuing a statement writes nothing, so asking costs the registry only a check.
import { api, apiAll, download, el, errorText, formatTime, header, info, param, qrUrl, replace, status } from "./common.js";
import * as keys from "./keys.js";
import * as receipts from "./receipt-view.js";
import * as perwakilan from "./perwakilan.js";

header();
const nipSelect = document.querySelector("#nip");
const ceremonySelect = document.querySelector("#ceremony");
const { timezone } = await info();

let stored = await keys.all();
if (stored.length === 0) {
  const box = document.querySelector("#no-key");
  replace(box, "Belum ada kunci tanda tangan di perangkat ini. ", el("a", { href: "/daftar.html" }, "Daftarkan kunci terlebih dahulu"), " dengan kode dari BKPSDM.");
  box.classList.remove("hidden");
  document.querySelector("#choose").classList.add("hidden");
}

const ceremonies = (await apiAll("/api/ceremonies", "ceremonies", { limit: 1000 })).data.ceremonies?.filter((c) => c.state !== "draft") ?? [];
replace(ceremonySelect, ceremonies.map((c) =>
  el("option", { value: c.id }, `${c.title} (${c.state === "open" ? "upacara berlangsung" : "ikrar mandiri"})`)));

/** Every receipt kept on this device, read, newest entry first. */
async function keptReceipts() {
  const read = [];
  for (const record of stored) {
    for (const text of record.receipts || []) {
      const receipt = await receipts.readReceipt(text);
      if (receipt) read.push(receipt);
    }
  }
  return read.sort((a, b) => Number(b.index) - Number(a.index));
}

/** The NIP choices, named after the person where a kept statement gives the name. */
async function fillNips() {
  const names = new Map((await keptReceipts()).filter((r) => r.name).map((r) => [r.nip, r.name]));
  const chosen = nipSelect.value;
  replace(nipSelect, stored.map((k) => el("option", { value: k.nip }, names.has(k.nip) ? `${names.get(k.nip)} (${k.nip})` : k.nip)));
  if (chosen) nipSelect.value = chosen;
}
await fillNips();
if (param("nip")) nipSelect.value = param("nip");

let issued = null;
let record = null;
/** Ceremonies this official must first be checked in at: the desk QR is shown for them. */
const awaitingCheckIn = new Set();

// The registry's clock, in RFC 3339 UTC seconds, read fresh: a phone's own clock may be
// minutes off, and a statement request must be within 10 minutes of the registry's.
async function registryTime() {
  const reply = await api("/api/info");
  const now = reply.ok ? new Date(reply.data.now) : new Date();
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Asks for this official's statement of one ceremony, signed with the key here. */
async function requestStatement(nip, ceremony, pair, time) {
  const request = `pakta/statement-request/v1\nceremony: ${ceremony}\nnip: ${nip}\ntime: ${time ?? await registryTime()}\n`;
  const signature = await keys.sign(pair, request);
  return api(`/api/ceremonies/${ceremony}/statement`, { method: "POST", body: { request, signature } });
}

function showDeskQr() {
  const box = document.querySelector("#desk-qr");
  box.classList.toggle("hidden", !(nipSelect.value && awaitingCheckIn.has(ceremonySelect.value)));
  document.querySelector("#nip-qr").src = qrUrl(`pakta-nip:${nipSelect.value}`);
}

/** Takes away what was shown for an earlier request: it is not this answer's. */
function clearShown() {
  issued = null;
  document.querySelector("#statement").textContent = "";
  document.querySelector("#pledge").classList.add("hidden");
  document.querySelector("#receipt-section").classList.add("hidden");
}

/**
 * The ceremony this official can sign now: an open one they are invited to (signable
 * at once, or after check-in at the desk), else a closed one with their ikrar mandiri
 * still to do, due soonest first (an overdue one is still accepted, as late).
 */
async function findSignable(nip) {
  const pair = (await keys.load(nip))?.pair;
  if (!pair) return null;
  const time = await registryTime();
  const open = ceremonies.filter((c) => c.state === "open").sort((a, b) => b.id - a.id);
  const now = Date.parse(time);
  const closed = ceremonies.filter((c) => c.state === "closed").sort((a, b) => {
    const [due, other] = [Date.parse(a.mandiri_due) || 0, Date.parse(b.mandiri_due) || 0];
    const [late, otherLate] = [due < now, other < now];
    return late === otherLate ? (late ? other - due : due - other) : (late ? 1 : -1);
  });
  for (const ceremony of [...open, ...closed]) {
    const reply = await requestStatement(nip, ceremony.id, pair, time);
    if (reply.ok) return { ceremony, mode: reply.data.mode };
    if (reply.data?.error?.code === "not_checked_in") return { ceremony, mode: "check-in" };
  }
  return null;
}

/** Chooses the ceremony to offer for the chosen NIP, and says why. */
async function chooseDefault() {
  clearShown();
  const nip = nipSelect.value;
  if (!nip) return;
  status("#result", "info", "Mencari upacara yang dapat Anda tanda tangani…");
  const found = await findSignable(nip);
  if (nip !== nipSelect.value) return;
  if (!found) {
    awaitingCheckIn.clear();
    showDeskQr();
    const kept = (await keptReceipts()).some((r) => r.kind === "statement" && r.nip === nip);
    status("#result", "info", `Tidak ada upacara yang menunggu tanda tangan Anda saat ini.${kept ? " Tanda terima Anda ada di bagian Tanda terima saya." : ""}`);
    return;
  }
  ceremonySelect.value = String(found.ceremony.id);
  if (found.mode === "check-in") {
    awaitingCheckIn.add(String(found.ceremony.id));
    status("#result", "info", `Anda diundang ke ${found.ceremony.title}, yang sedang berlangsung. Tunjukkan kode QR di bawah kepada petugas meja registrasi (atau pindai kode QR di layar aula), lalu tekan "Tampilkan pernyataan".`);
  } else if (found.mode === "mandiri") {
    status("#result", "info", `Ikrar mandiri Anda untuk ${found.ceremony.title} belum ditandatangani (batas waktu ${found.ceremony.mandiri_due_local}). Tekan "Tampilkan pernyataan".`);
  } else {
    status("#result", "info", `${found.ceremony.title} sedang berlangsung dan kehadiran Anda sudah tercatat. Tekan "Tampilkan pernyataan".`);
  }
  showDeskQr();
}

nipSelect.addEventListener("change", () => {
  awaitingCheckIn.clear();
  chooseDefault();
  perwakilan.check(nipSelect.value, ceremonies);
});
ceremonySelect.addEventListener("change", () => { clearShown(); showDeskQr(); });

/** "Tanda terima saya": every receipt kept on this device. */
async function showReceipts() {
  const all = await keptReceipts();
  const list = document.querySelector("#my-receipts-list");
  replace(list, all.map((r) => receipts.card(r, timezone, ceremonies, (read) => download(receipts.fileName(read), read.text))));
  document.querySelector("#my-receipts-none").classList.toggle("hidden", all.length > 0);
  document.querySelector("#my-receipts").dataset.loaded = "yes";
}

// Opened from the hall screen's QR: check in with the presence code, signed by our key.
const presence = param("hadir");
if (param("upacara")) ceremonySelect.value = param("upacara");
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
} else if (!param("upacara") && stored.length > 0) {
  await chooseDefault();
}
showDeskQr();
await showReceipts();
// A representative who signed their own pakta is offered to sign for those they represent.
perwakilan.init({ timezone, onReceipt: async () => { stored = await keys.all(); await showReceipts(); } });
if (nipSelect.value) await perwakilan.check(nipSelect.value, ceremonies);

document.querySelector("#choose").addEventListener("submit", async (event) => {
  event.preventDefault();
  const nip = nipSelect.value;
  const ceremony = ceremonySelect.value;
  clearShown();
  record = await keys.load(nip);
  // Signing protocol v2: only the holder of this NIP's key gets its statement, so the
  // request is signed with the key kept on this device.
  const reply = await requestStatement(nip, ceremony, record.pair);
  if (!reply.ok) {
    const code = reply.data?.error?.code;
    if (code === "not_checked_in") {
      awaitingCheckIn.add(ceremony);
      status("#result", "info", `${errorText(reply)} Tunjukkan kode QR di bawah kepada petugas meja registrasi.`);
    } else if (code === "already_signed") {
      const kept = (await keptReceipts()).find((r) => r.kind === "statement" && r.nip === nip && String(r.ceremony) === ceremony);
      status("#result", "info", kept
        ? `Anda sudah menandatangani pakta untuk upacara ini (entri registri nomor ${kept.index}). Tanda terimanya ada di bagian Tanda terima saya.`
        : "Anda sudah menandatangani pakta untuk upacara ini. Tanda terimanya tidak tersimpan di perangkat ini: buka perangkat tempat Anda menandatangani.");
      if (kept) document.querySelector(`#my-receipts [data-entry="${kept.index}"]`)?.scrollIntoView();
    } else {
      status("#result", "bad", errorText(reply));
    }
    showDeskQr();
    return;
  }
  awaitingCheckIn.delete(ceremony);
  showDeskQr();
  const details = await api(`/api/ceremonies/${ceremony}`);
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
});

document.querySelector("#consent").addEventListener("change", (event) => {
  document.querySelector("#sign").disabled = !event.target.checked;
});

let signed = null;
document.querySelector("#sign").addEventListener("click", async () => {
  const signature = await keys.sign(record.pair, issued.statement);
  const reply = await api("/api/signatures", { method: "POST", body: { statement: issued.statement, signature } });
  if (!reply.ok) {
    status("#result", "bad", errorText(reply));
    return;
  }
  await keys.keepReceipt(record.nip, reply.data.receipt);
  stored = await keys.all();
  signed = await receipts.readReceipt(reply.data.receipt);
  status("#result", "ok", reply.data.late
    ? "Tanda tangan diterima dan tercatat, tetapi setelah batas waktu ikrar mandiri (terlambat)."
    : "Tanda tangan diterima dan tercatat di registri.");
  document.querySelector("#receipt-summary").textContent =
    `Entri registri nomor ${reply.data.index}, ditandatangani ${formatTime(reply.data.signed_at, timezone)}.`;
  const check = `${location.origin}/verifikasi.html#entri=${reply.data.index}&hash=${reply.data.entry_hash}`;
  document.querySelector("#receipt-qr").src = qrUrl(check);
  document.querySelector("#verify-link").href = check;
  document.querySelector("#print-link").href = `/tanda-terima.html?nip=${encodeURIComponent(record.nip)}&entri=${reply.data.index}`;
  document.querySelector("#receipt-text").textContent = reply.data.receipt;
  document.querySelector("#pledge").classList.add("hidden");
  document.querySelector("#receipt-section").classList.remove("hidden");
  // Signed: the desk has nothing more to do for this ceremony.
  awaitingCheckIn.clear();
  showDeskQr();
  await fillNips();
  await showReceipts();
  await perwakilan.check(record.nip, ceremonies);
});

document.querySelector("#download-receipt").addEventListener("click", () => {
  if (signed) download(receipts.fileName(signed), signed.text);
});
