// The public verification page: checks a receipt (or a statement and signature) in the
// browser with WebCrypto, then asks the server for its own checks, and lists every check
// in plain words. A QR link "#entri=N&hash=H" checks that an entry exists and is in the
// signed tree, without any personal data.
import { api, base64ToBytes, el, errorText, header, replace, sha256Hex, status } from "./common.js";
import * as keys from "./keys.js";
import { entryFields, fingerprint, leafHash, openNote, parseCheckpoint, parseReceipt, verifyInclusion } from "./tlog.js";

header();
const vkeyInput = document.querySelector("#vkey");
vkeyInput.value = (await api("/api/registry/vkey")).data.trim?.() ?? "";

const KIND_WORDS = {
  "pledge.signed": "tanda tangan pakta integritas",
  "key.enrolled": "pendaftaran kunci tanda tangan",
  "key.revoked": "pencabutan kunci tanda tangan",
  "pledge.published": "penerbitan teks pakta",
  "ceremony.opened": "pembukaan upacara",
  "attendance.recorded": "pencatatan kehadiran",
  "ceremony.closed": "penutupan upacara",
  "mandiri.assigned": "pengalihan ke ikrar mandiri",
  "person.erased": "penghapusan data pribadi",
  "campaign.created": "pembuatan kampanye",
  "recap.signed": "rekap OPD ditandatangani Kepala OPD",
  "representation.allowed": "izin perwakilan dalam upacara",
  "representation.signed": "tanda tangan perwakilan",
};

/** The verdict says exactly what was proven: SAH only for a pledge signature whose every
 *  check passed, with who signed what and when; any other entry is named for what it is. */
function verdictText(checks, { kind, signed, representation, entryOnly = false } = {}) {
  // The "kind" check only says whether the entry is a signature; the others say
  // whether what was shown is authentic.
  const authentic = checks.filter((c) => c.name !== "kind");
  const passed = authentic.length > 0 && authentic.every((c) => c.ok);
  if (!passed) return ["bad", "TIDAK SAH: ada pemeriksaan yang gagal (lihat daftar di bawah)."];
  if (kind === "pledge.signed" && signed) {
    return ["ok", `SAH: ${signed.name} (NIP ${signed.nip}), ${signed.position}, ${signed.unit}, menandatangani ` +
      `${signed.pledge_title} dalam ${signed.mode_words} pada upacara ` +
      (signed.ceremony_title ? `"${signed.ceremony_title}"` : `nomor ${signed.ceremony}`) +
      `, tercatat ${signed.recorded_at_local}` +
      (signed.mode !== "mandiri" || signed.late === null ? "."
        : signed.late ? ", terlambat (lewat batas ikrar mandiri)." : ", tepat waktu.")];
  }
  if (kind === "representation.signed" && representation) {
    // Exactly what was proven: a representative signed on behalf of N officials; not
    // a pledge signature of any of them.
    return ["info", `Tercatat: ${representation.words}, oleh ${representation.representative_name} ` +
      `(NIP ${representation.representative_nip}) pada upacara nomor ${representation.ceremony}, tercatat ` +
      `${representation.recorded_at_local}. Ini BUKAN tanda tangan pakta para pegawai yang diwakili.`];
  }
  const what = KIND_WORDS[kind] || "entri registri";
  if (kind === "pledge.signed" && entryOnly) {
    return ["info", `Tercatat: entri ini adalah ${what}, tetapi tanpa pernyataannya tidak dapat diperiksa siapa yang menandatangani. Periksa tanda terima lengkapnya untuk putusan SAH.`];
  }
  return ["info", `Tercatat di registri, tetapi ini BUKAN tanda tangan pakta: entri ini adalah ${what}.`];
}

function show(checks, facts = {}) {
  replace(document.querySelector("#checks"), checks.map((c) =>
    el("li", { class: c.ok ? "pass" : "fail" },
      el("span", { class: "mark", "aria-hidden": "true" }, c.ok ? "✓" : "✗"),
      el("span", { class: "sr-only" }, c.ok ? "Lolos: " : "Gagal: "),
      c.label, " — ", c.detail)));
  const [kind, text] = verdictText(checks, facts);
  status("#verdict", kind, text);
  document.querySelector("#verdict").dataset.verdict = kind === "ok" ? "sah" : kind === "bad" ? "tidak-sah" : "bukan-tanda-tangan";
  document.querySelector("#verdict").scrollIntoView({ block: "start" });
}

const LABELS = {
  statement_format: "Format pernyataan", signature_encoding: "Penulisan tanda tangan",
  in_registry: "Tercatat di registri", key_active_at_signing: "Kunci aktif saat menandatangani",
  signature: "Tanda tangan", receipt_format: "Format tanda terima", document: "Dokumen", kind: "Jenis entri",
  entry: "Entri registri", inclusion: "Bukti keanggotaan pohon Merkle", checkpoint: "Checkpoint bertanda tangan registri",
};

function serverChecks(reply) {
  if (!reply.ok) return [{ ok: false, label: "Server", detail: errorText(reply) }];
  return reply.data.checks.map((c) => ({ name: c.name, ok: c.ok, label: `${LABELS[c.name] || c.name} (server)`, detail: c.detail }));
}

async function browserChecks(receipt) {
  const checks = [];
  const signed = await keys.verify(receipt.key, receipt.document, receipt.signature);
  checks.push({ ok: signed, label: "Tanda tangan (peramban)", detail: signed
    ? "Tanda tangan Ed25519 atas dokumen sah untuk kunci pada tanda terima."
    : "Tanda tangan tidak cocok dengan dokumen: dokumen atau tanda tangan telah diubah." });
  const fields = entryFields(receipt.entry);
  const documentHash = await sha256Hex(new TextEncoder().encode(receipt.document));
  const named = fields["statement-sha256"] ?? fields["enrollment-sha256"];
  const binds = named === documentHash && fields.fingerprint === (await fingerprint(receipt.key)) && String(receipt.index) === fields.index;
  checks.push({ ok: binds, label: "Entri registri (peramban)", detail: binds
    ? `Entri ${fields.index} (${fields.kind}) memuat SHA-256 dokumen dan sidik kunci yang sama.`
    : "Entri pada tanda terima tidak memuat dokumen atau kunci ini." });
  const text = await openNote(receipt.checkpoint, vkeyInput.value);
  checks.push({ ok: text !== null, label: "Checkpoint (peramban)", detail: text !== null
    ? "Checkpoint ditandatangani oleh kunci verifikasi registri di atas."
    : "Checkpoint tidak ditandatangani oleh kunci verifikasi di atas." });
  const checkpoint = parseCheckpoint(text ?? receipt.checkpoint);
  const included = await verifyInclusion(await leafHash(receipt.entry), receipt.index, checkpoint.size, receipt.hashes, checkpoint.root);
  checks.push({ ok: included, label: "Bukti keanggotaan (peramban)", detail: included
    ? `Entri ${receipt.index} termasuk dalam pohon Merkle berukuran ${checkpoint.size}.`
    : "Jalur audit tidak menghubungkan entri dengan akar pohon pada checkpoint." });
  return checks;
}

async function checkEntryLink(index, hash) {
  const checks = [];
  const entries = await api(`/api/registry/entries?start=${index}&limit=1`);
  const entry = entries.ok ? entries.data.entries[0] : null;
  const matches = entry && entry.index === index && entry.hash === hash;
  const kind = matches ? entryFields(base64ToBytes(entry.bytes)).kind : undefined;
  checks.push({ ok: !!matches, label: "Entri registri", detail: matches
    ? `Entri nomor ${index} ada dengan hash ${hash}.` : `Registri tidak memuat entri ${index} dengan hash ini.` });
  if (matches) {
    const note = (await api("/checkpoint")).data;
    const text = await openNote(note, vkeyInput.value);
    checks.push({ ok: text !== null, label: "Checkpoint", detail: text !== null ? "Ditandatangani oleh kunci verifikasi registri." : "Tanda tangan checkpoint tidak sah." });
    if (text) {
      const cp = parseCheckpoint(text);
      const proof = await api(`/api/registry/proof/inclusion?index=${index}&size=${cp.size}`);
      const included = proof.ok && await verifyInclusion(await leafHash(base64ToBytes(entry.bytes)), index, cp.size, proof.data.hashes.map(base64ToBytes), cp.root);
      checks.push({ ok: !!included, label: "Bukti keanggotaan", detail: included ? `Termasuk dalam pohon Merkle berukuran ${cp.size}.` : "Bukti keanggotaan tidak cocok." });
    }
  }
  show(checks, { kind, entryOnly: true });
}

document.querySelector("#receipt-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (file) document.querySelector("#receipt").value = await file.text();
});

document.querySelector("#verify-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const receiptText = document.querySelector("#receipt").value;
  status("#verdict", "info", "Memeriksa…");
  if (receiptText.trim()) {
    let receipt;
    try {
      receipt = parseReceipt(receiptText);
    } catch (e) {
      show([{ ok: false, label: "Format tanda terima", detail: e.message }]);
      return;
    }
    const local = await browserChecks(receipt);
    const reply = await api("/api/verify", { method: "POST", body: { receipt: receiptText } });
    show([...local, ...serverChecks(reply)], { kind: reply.data?.kind, signed: reply.data?.signed, representation: reply.data?.representation });
  } else {
    const statement = document.querySelector("#statement").value;
    const signature = document.querySelector("#signature").value.trim();
    const reply = await api("/api/verify", { method: "POST", body: { statement, signature } });
    show(serverChecks(reply), { kind: reply.data?.kind, signed: reply.data?.signed, representation: reply.data?.representation });
  }
});

/** A QR link "#entri=N&hash=H"; followed again when another link opens in the same tab. */
function checkLinkInAddress() {
  const link = new URLSearchParams(location.hash.slice(1));
  if (!link.get("entri") || !link.get("hash")) return;
  status("#verdict", "info", "Memeriksa…");
  replace(document.querySelector("#checks"));
  checkEntryLink(Number(link.get("entri")), link.get("hash"));
}
window.addEventListener("hashchange", checkLinkInAddress);
checkLinkInAddress();
