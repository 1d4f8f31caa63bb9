// Enrollment on the official's own device: make an Ed25519 key pair whose private half
// cannot leave the browser, sign the enrollment message with it (proof of possession),
// register the public key, and keep the pair in IndexedDB under the NIP. The code is
// typed from a printed card, so it is read leniently and signed in its printed form.
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

/** Crockford's alphabet as on the cards: no I, L, O or U (src/domain/statement.rs). */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * The code as printed, `XXXX-XXXX-XXXX`, from what a person typed: as the registry
 * reads it (lower case, spaces and hyphens forgiven, O read as 0, I and L as 1), or
 * null when it is not a code. The device must sign the printed form, since that is the
 * form the registry checks the proof against.
 */
function printedCode(typed) {
  const symbols = [];
  for (const ch of typed) {
    if (/[\s\-\u2010-\u2015\u2212]/.test(ch)) continue;
    const upper = ch >= "a" && ch <= "z" ? ch.toUpperCase() : ch;
    const symbol = upper === "O" ? "0" : upper === "I" || upper === "L" ? "1" : upper;
    if (!ALPHABET.includes(symbol)) return null;
    symbols.push(symbol);
  }
  if (symbols.length !== 12) return null;
  return [0, 4, 8].map((i) => symbols.slice(i, i + 4).join("")).join("-");
}

// Shows the code as it will be used once it reads as one, so the person can compare
// it with the card.
codeInput.addEventListener("change", () => {
  const printed = printedCode(codeInput.value);
  if (printed) codeInput.value = printed;
});

let receipt = "";
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const nip = nipInput.value.replace(/\s+/g, "");
  // Not a code: sent as typed, so the registry's refusal says what a code looks like.
  const code = printedCode(codeInput.value) ?? codeInput.value.trim();
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
  // A new key for the same NIP (a new phone, a lost key) keeps the receipts of the old.
  const previous = await keys.load(nip);
  await keys.save({ nip, pair, fingerprint: reply.data.fingerprint, receipts: [...(previous?.receipts || []), reply.data.receipt] });
  receipt = reply.data.receipt;
  status("#result", "ok", "Kunci berhasil didaftarkan. Simpan perangkat ini: kunci hanya ada di sini.");
  document.querySelector("#fingerprint").textContent = reply.data.fingerprint;
  document.querySelector("#to-sign").href = `/tanda-tangan.html?nip=${encodeURIComponent(nip)}`;
  document.querySelector("#done").classList.remove("hidden");
  form.classList.add("hidden");
});

document.querySelector("#download-receipt").addEventListener("click", () =>
  download("pendaftaran-kunci.tlog-proof", receipt));
