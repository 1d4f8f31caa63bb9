// One receipt kept on this device, on one printable page: who signed what and when,
// the registry entry with the QR code that checks it, and the signed document itself.
// Opened from "Tanda terima saya" as /tanda-terima.html?nip=NIP&entri=N; the receipt
// never leaves the device to be shown here.
import { apiAll, base64ToBytes, download, el, header, info, param, qrUrl, replace, sha256Hex, status } from "./common.js";
import * as keys from "./keys.js";
import * as receipts from "./receipt-view.js";

header();
const { instansi, timezone } = await info();
const record = param("nip") ? await keys.load(param("nip")) : null;
let found = null;
for (const text of record?.receipts || []) {
  const read = await receipts.readReceipt(text);
  if (read && read.index === param("entri")) found = read;
}

if (!found) {
  status("#result", "bad", "Tanda terima ini tidak tersimpan di perangkat ini. Buka Tanda terima saya di halaman tanda tangan, pada perangkat tempat Anda menandatangani.");
  document.querySelector("#print").disabled = true;
  document.querySelector("#download").disabled = true;
  document.querySelector("#download-pdf").disabled = true;
} else {
  const ceremonies = (await apiAll("/api/ceremonies", "ceremonies", { limit: 1000 })).data.ceremonies ?? [];
  document.querySelector("#receipt-instansi").textContent = instansi;
  document.querySelector("#receipt-title").textContent = {
    statement: "Tanda terima penandatanganan Pakta Integritas Netralitas ASN",
    enrollment: "Tanda terima pendaftaran kunci tanda tangan",
    representation: `Tanda terima tanda tangan perwakilan atas nama ${found.represented} pegawai (bukan tanda tangan pakta mereka sendiri)`,
  }[found.kind] ?? "Tanda terima";
  replace(document.querySelector("#receipt-rows"), receipts.rows(found, timezone, ceremonies)
    .map(([label, value]) => el("div", { class: "receipt-row" }, el("span", { class: "label" }, label), el("strong", {}, value))));
  const link = receipts.checkLink(found);
  document.querySelector("#receipt-qr").src = qrUrl(link);
  document.querySelector("#receipt-verify-url").textContent = `${location.host}/verifikasi.html`;
  document.querySelector("#receipt-fingerprint").textContent = found.key ? await sha256Hex(base64ToBytes(found.key)) : "";
  document.querySelector("#receipt-document").textContent = found.document;
  document.querySelector("#receipt-entry-hash").textContent = found.entryHash;
  document.title = `Tanda terima entri ${found.index} — Pakta`;
  document.querySelector("#printable").classList.remove("hidden");
  document.querySelector("#printable").dataset.loaded = "yes";
}

document.querySelector("#print").addEventListener("click", () => window.print());
// The PDF is of a signed pakta only: an enrollment receipt has no statement to print.
if (found && found.kind !== "statement") document.querySelector("#download-pdf").classList.add("hidden");
document.querySelector("#download-pdf").addEventListener("click", async () => {
  if (!found) return;
  const refused = await receipts.downloadPdf(found);
  if (refused) status("#result", "bad", refused);
});
document.querySelector("#download").addEventListener("click", () => {
  if (found) download(receipts.fileName(found), found.text);
});
