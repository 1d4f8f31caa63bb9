// Enrollment on the official's own device: make an Ed25519 key pair whose private half
// cannot leave the browser, sign the enrollment message with it (proof of possession),
// register the public key, and keep the pair in IndexedDB under the NIP.
import { api, errorText, header, param, status, download } from "./common.js";
import * as keys from "./keys.js";

header();
const form = document.querySelector("#enroll-form");
const nipInput = document.querySelector("#nip");
const codeInput = document.querySelector("#code");
nipInput.value = param("nip") || "";
codeInput.value = param("kode") || "";

if (!(await keys.supportsEd25519())) {
  const warning = document.querySelector("#unsupported");
  warning.textContent =
    "Peramban ini belum mendukung tanda tangan Ed25519. Perbarui peramban (Chrome 137+, Firefox 129+, Safari 17+), " +
    "atau gunakan komputer: daftarkan kunci dengan `pakta keygen --out kunci.key` dan `pakta sign --key kunci.key pesan.txt`, " +
    "lalu tanda tangani pakta dengan `pakta pledge --key kunci.key` (lihat petunjuk BKPSDM).";
  warning.classList.remove("hidden");
  form.querySelector("button").disabled = true;
}

let receipt = "";
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const nip = nipInput.value.replace(/\s+/g, "");
  const code = codeInput.value.trim().toUpperCase();
  status("#result", "info", "Membuat kunci di perangkat ini…");
  const pair = await keys.generate();
  const publicKey = await keys.publicKeyBase64(pair);
  const message = `pakta/enroll/v1\nnip: ${nip}\npublic-key: ${publicKey}\ncode: ${code}\n`;
  const proof = await keys.sign(pair, message);
  const reply = await api("/api/enroll", { method: "POST", body: { nip, code, public_key: publicKey, proof } });
  if (!reply.ok) {
    status("#result", "bad", errorText(reply));
    return;
  }
  await keys.save({ nip, pair, fingerprint: reply.data.fingerprint, receipts: [reply.data.receipt] });
  receipt = reply.data.receipt;
  status("#result", "ok", "Kunci berhasil didaftarkan. Simpan perangkat ini: kunci hanya ada di sini.");
  document.querySelector("#fingerprint").textContent = reply.data.fingerprint;
  document.querySelector("#to-sign").href = `/tanda-tangan.html?nip=${encodeURIComponent(nip)}`;
  document.querySelector("#done").classList.remove("hidden");
  form.classList.add("hidden");
});

document.querySelector("#download-receipt").addEventListener("click", () =>
  download("pendaftaran-kunci.tlog-proof", receipt));
