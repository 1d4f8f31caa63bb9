// The public verification page: checks a receipt (or a statement and signature) in the
// browser with WebCrypto, then asks the server for its own checks, and lists every check
// in plain words. A QR link "#entri=N&hash=H" checks that an entry exists and is in the
// signed tree, without any personal data.
//
// Witnesses: with their verifier keys (and a quorum), the page also checks the
// cosignatures on the checkpoint, and says which witnesses vouched for it.
//
// Static mode: published to a bucket beside a copy of the log (checkpoint, tile/, vkey;
// FORMATS §16), the page finds no API next to it. It then takes the pinned key from
// "vkey" and, instead of the server's checks, proves from the hash tiles that the
// receipt's checkpoint is a prefix of the latest one, and reads the entry from its
// entry bundle. The address may carry "#saksi=KEY&saksi=KEY&kuorum=K&log=URL" (each value
// URL-encoded) so that an instansi can publish a link with its witnesses filled in.
import { api, base64ToBytes, el, errorText, formatTime, header, info, replace, sha256Hex, status } from "./common.js";
import * as keys from "./keys.js";
import { cosigners, entryFields, fingerprint, leafHash, openNote, parseCheckpoint, parseReceipt, parseWitnessKey, same, verifyConsistency, verifyInclusion } from "./tlog.js";
import { TileLog } from "./tiles.js";

const vkeyInput = document.querySelector("#vkey");
const witnessInput = document.querySelector("#witnesses");
const quorumInput = document.querySelector("#quorum");
const logInput = document.querySelector("#log-url");

/** The address's "#saksi=…&kuorum=…&log=…" put into the form (and "#entri=…" kept). */
function fillFromAddress() {
  const link = new URLSearchParams(location.hash.slice(1));
  // A "+" left unencoded in a link arrives as a space; a verifier key has no spaces.
  const witnesses = link.getAll("saksi").flatMap((v) => v.split(/[\n,]/)).map((v) => v.trim().replace(/ /g, "+")).filter(Boolean);
  if (witnesses.length) {
    witnessInput.value = witnesses.join("\n");
    document.querySelector("#witness-details").open = true;
  }
  if (link.get("kuorum")) quorumInput.value = link.get("kuorum").trim();
  if (link.get("log")) logInput.value = link.get("log").trim();
}
fillFromAddress();

const VKEY_LINE = /^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+={0,2}$/;
// Relative, so that beside a bucket's copy of the log it asks the bucket, not the host.
const served = await api("api/registry/vkey");
const staticMode = !(served.ok && typeof served.data === "string" && VKEY_LINE.test(served.data.trim()));

/** The base URL of the static log: the "Alamat log" field, or the page's own folder. */
function logBase() {
  const url = new URL(logInput.value.trim() || "./", location.href);
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  url.hash = "";
  url.search = "";
  return url.href;
}

let zone = Promise.resolve("Asia/Jakarta");
if (staticMode) {
  document.body.classList.add("static-mode");
  for (const shown of document.querySelectorAll(".static-only")) shown.classList.remove("hidden");
  document.querySelector("#statement-details").classList.add("hidden");
  document.querySelector("#intro").textContent = "Tempel atau unggah tanda terima (berkas .tlog-proof). Semua pemeriksaan dilakukan di peramban Anda, dan setiap hasil ditampilkan.";
  document.querySelector("#vkey-note").textContent = "Terisi dari berkas vkey di samping log. Untuk pemeriksaan yang tidak bergantung pada tempat penyimpanan ini, tempel kunci yang Anda peroleh dari BKPSDM secara terpisah.";
  if (!logInput.value) logInput.value = logBase();
  try {
    const reply = await fetch(new URL("vkey", logBase()), { cache: "no-cache" });
    const text = reply.ok ? (await reply.text()).trim() : "";
    if (VKEY_LINE.test(text)) vkeyInput.value = text;
  } catch {
    // No key beside the log: the person pastes the one they pinned.
  }
} else {
  header();
  zone = info().then((i) => i.timezone || "Asia/Jakarta");
  vkeyInput.value = served.data.trim();
}

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
  // Said only when the witness check ran and passed: nothing about witnesses otherwise.
  const witnessed = checks.find((c) => c.witnessed)?.witnessed;
  status("#verdict", kind, kind !== "bad" && witnessed ? `${text} ${witnessed}` : text);
  document.querySelector("#verdict").dataset.verdict = kind === "ok" ? "sah" : kind === "bad" ? "tidak-sah" : "bukan-tanda-tangan";
  document.querySelector("#verdict").scrollIntoView({ block: "start" });
}

const LABELS = {
  statement_format: "Format pernyataan", signature_encoding: "Penulisan tanda tangan",
  in_registry: "Tercatat di registri", key_active_at_signing: "Kunci aktif saat menandatangani",
  signature: "Tanda tangan", receipt_format: "Format tanda terima", document: "Dokumen", kind: "Jenis entri",
  entry: "Entri registri", inclusion: "Bukti keanggotaan pohon Merkle", checkpoint: "Checkpoint bertanda tangan registri",
};
const WITNESS_LABEL = "Saksi (peramban)";


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
  if (staticMode) return checkEntryLinkStatic(index, hash);
  const checks = [];
  const entries = await api(`api/registry/entries?start=${index}&limit=1`);
  const entry = entries.ok ? entries.data.entries[0] : null;
  const matches = entry && entry.index === index && entry.hash === hash;
  const kind = matches ? entryFields(base64ToBytes(entry.bytes)).kind : undefined;
  checks.push({ ok: !!matches, label: "Entri registri", detail: matches
    ? `Entri nomor ${index} ada dengan hash ${hash}.` : `Registri tidak memuat entri ${index} dengan hash ini.` });
  if (matches) {
    const note = (await api("checkpoint")).data;
    const text = await openNote(note, vkeyInput.value);
    checks.push({ ok: text !== null, label: "Checkpoint", detail: text !== null ? "Ditandatangani oleh kunci verifikasi registri." : "Tanda tangan checkpoint tidak sah." });
    if (text) {
      const cp = parseCheckpoint(text);
      const proof = await api(`api/registry/proof/inclusion?index=${index}&size=${cp.size}`);
      const included = proof.ok && await verifyInclusion(await leafHash(base64ToBytes(entry.bytes)), index, cp.size, proof.data.hashes.map(base64ToBytes), cp.root);
      checks.push({ ok: !!included, label: "Bukti keanggotaan", detail: included ? `Termasuk dalam pohon Merkle berukuran ${cp.size}.` : "Bukti keanggotaan tidak cocok." });
      if (included) checks.push(...await witnessChecks([{ note, size: cp.size }]));
    }
  }
  show(checks, { kind, entryOnly: true });
}

/** The same from the static log: the entry from its bundle, its path from the hash tiles. */
async function checkEntryLinkStatic(index, hash) {
  const checks = [];
  const latest = await latestCheckpoint();
  checks.push(latest.check);
  let kind;
  if (latest.checkpoint) {
    const { note, size, root } = latest.checkpoint;
    const log = new TileLog(logBase(), size);
    let ok = false, detail;
    try {
      const entry = await log.entry(index);
      kind = entryFields(entry).kind;
      ok = (await sha256Hex(entry)) === hash
        && await verifyInclusion(await leafHash(entry), index, size, await log.inclusionProof(index), root);
      detail = ok ? `Entri nomor ${index} ada dengan hash ${hash}, dan termasuk dalam pohon Merkle berukuran ${size}.`
        : `Log terbitan tidak memuat entri ${index} dengan hash ini di dalam pohon berukuran ${size}.`;
    } catch (e) {
      detail = e.message;
    }
    checks.push({ ok, label: "Entri di log terbitan", detail });
    if (ok) checks.push(...await witnessChecks([{ note, size }]));
  }
  show(checks, { kind, entryOnly: true });
}

/** The latest checkpoint of the static log, opened with the pinned key, as a check. */
async function latestCheckpoint() {
  const base = logBase();
  const label = "Checkpoint terbaru log (peramban)";
  let note;
  try {
    const reply = await fetch(new URL("checkpoint", base), { cache: "no-cache" });
    if (!reply.ok) throw new Error(`status ${reply.status}`);
    note = await reply.text();
  } catch (e) {
    return { check: { ok: false, label, detail: `Checkpoint tidak dapat diambil dari ${base} (${e.message}). Periksa alamat log dan jaringan.` } };
  }
  const text = await openNote(note, vkeyInput.value);
  if (text === null) {
    return { check: { ok: false, label, detail: `Checkpoint dari ${base} tidak ditandatangani oleh kunci verifikasi di atas.` } };
  }
  const checkpoint = { note, ...parseCheckpoint(text) };
  return { checkpoint, check: { ok: true, label, detail: `Checkpoint ukuran ${checkpoint.size} dari ${base} ditandatangani oleh kunci verifikasi registri.` } };
}

/**
 * In static mode, in place of the server's "in_registry": the receipt's checkpoint (size
 * m) is a prefix of the latest one (size n), by a consistency proof built from the hash
 * tiles, and the entry at the receipt's index in the published log is byte for byte the
 * receipt's entry, in the tree of size n. Returns the checks, and the latest checkpoint
 * when it is proven to contain the receipt's (for the witnesses).
 */
async function staticLogChecks(receipt) {
  const latest = await latestCheckpoint();
  const checks = [latest.check];
  if (!latest.checkpoint) return { checks };
  const current = latest.checkpoint;
  const old = parseCheckpoint(receipt.checkpoint);
  const log = new TileLog(logBase(), current.size);
  let consistent = false, detail;
  if (current.size < old.size) {
    detail = `Checkpoint terbaru (ukuran ${current.size}) lebih kecil daripada checkpoint tanda terima (ukuran ${old.size}): salinan log belum diperbarui, atau registri menunjukkan riwayat lain. Coba lagi nanti.`;
  } else {
    try {
      consistent = await verifyConsistency(old.size, current.size, await log.consistencyProof(old.size), old.root, current.root);
      detail = consistent
        ? `Log berukuran ${old.size} pada tanda terima adalah awal dari log terbaru berukuran ${current.size}: bukti konsistensi (RFC 6962) dari ubin hash cocok dengan kedua akar.`
        : `Ubin hash tidak membuktikan bahwa log terbaru berukuran ${current.size} memuat log berukuran ${old.size} pada tanda terima: ubin rusak, atau registri menunjukkan riwayat lain.`;
    } catch (e) {
      detail = e.message;
    }
  }
  checks.push({ ok: consistent, label: "Konsisten dengan log terbaru (peramban)", detail });
  let found = false;
  try {
    const entry = await log.entry(receipt.index);
    found = same(entry, receipt.entry)
      && await verifyInclusion(await leafHash(entry), receipt.index, current.size, await log.inclusionProof(receipt.index), current.root);
    detail = found
      ? `Entri ${receipt.index} pada log terbitan sama persis dengan entri tanda terima, dan termasuk dalam pohon berukuran ${current.size}.`
      : `Entri ${receipt.index} pada log terbitan berbeda dengan entri tanda terima, atau tidak termasuk dalam pohon checkpoint terbaru.`;
  } catch (e) {
    detail = e.message;
  }
  checks.push({ ok: found, label: "Tercatat di log terbitan (peramban)", detail });
  return { checks, latest: consistent ? { note: current.note, size: current.size } : null };
}

/**
 * The witness check, only when witness keys were given: which of them cosigned a
 * checkpoint that holds the entry, and whether that makes the quorum. `checkpoints` are
 * those proven to hold it, the receipt's own first; the first that makes the quorum is
 * named, else the one with the most witnesses.
 */
async function witnessChecks(checkpoints) {
  const lines = witnessInput.value.split("\n").map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0) return [];
  let witnesses;
  try {
    witnesses = await Promise.all(lines.map(parseWitnessKey));
  } catch (e) {
    return [{ ok: false, label: WITNESS_LABEL, detail: e.message }];
  }
  const quorumText = quorumInput.value.trim();
  const quorum = quorumText === "" ? witnesses.length : Number(quorumText);
  if (!Number.isInteger(quorum) || quorum < 1) {
    return [{ ok: false, label: WITNESS_LABEL, detail: `Kuorum "${quorumText}" tidak terbaca: isi bilangan bulat 1 atau lebih.` }];
  }
  let best = null;
  for (const checkpoint of checkpoints) {
    const found = await cosigners(checkpoint.note, witnesses);
    if (!best || found.length > best.found.length) best = { ...checkpoint, found };
    if (found.length >= quorum) break;
  }
  const where = await zone;
  const names = best.found.map((w) => `${w.name} (${formatTime(new Date(w.time * 1000).toISOString(), where)})`);
  const ok = best.found.length >= quorum;
  const few = quorum > witnesses.length ? ` Hanya ${witnesses.length} kunci saksi yang diberikan.` : "";
  const detail = ok
    ? `Checkpoint ukuran ${best.size} disaksikan oleh ${names.join(", ")}: ${best.found.length} saksi, kuorum ${quorum} terpenuhi.`
    : best.found.length > 0
      ? `Hanya ${best.found.length} saksi yang menandatangani checkpoint ukuran ${best.size}: ${names.join(", ")}. Kuorum ${quorum} tidak terpenuhi.${few}`
      : `Tidak ada saksi yang dikenal menandatangani checkpoint ini. Kuorum ${quorum} tidak terpenuhi.${few}`;
  const who = best.found.map((w) => w.name);
  const list = who.length > 1 ? `${who.slice(0, -1).join(", ")} dan ${who.at(-1)}` : who[0];
  return [{ ok, label: WITNESS_LABEL, detail, witnessed: ok ? `Checkpoint-nya disaksikan oleh ${list}.` : null }];
}

const ZONES = { WIB: "Asia/Jakarta", WITA: "Asia/Makassar", WIT: "Asia/Jayapura" };

/**
 * In static mode there is no server to read the statement: who signed what comes from
 * the receipt's own statement (whose hash the entry records, checked above) and the
 * entry's time. The ceremony's title and lateness are not claimed.
 */
function staticFacts(receipt) {
  const kind = entryFields(receipt.entry).kind;
  if (kind !== "pledge.signed") return { kind };
  const f = entryFields(new TextEncoder().encode(receipt.document));
  const v2 = f.format === "pakta/statement/v2";
  const mode = v2 ? (f.cara === "ikrar mandiri" ? "mandiri" : "ceremony") : f.mode;
  const where = v2 ? ZONES[f.waktu?.split(" ").at(-1)] ?? "Asia/Jakarta" : "Asia/Jakarta";
  return {
    kind,
    signed: {
      name: v2 ? f.nama : f.name, nip: f.nip, position: v2 ? f.jabatan : f.position,
      unit: v2 ? f["unit-kerja"] : f.unit, pledge_title: v2 ? f["judul-pakta"] : f["pledge-title"],
      ceremony: v2 ? f.upacara : f.ceremony, ceremony_title: null, mode,
      mode_words: mode === "mandiri" ? "ikrar mandiri" : "ikrar bersama",
      recorded_at_local: formatTime(entryFields(receipt.entry).time, where), late: null,
    },
  };
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
    if (staticMode) {
      const published = await staticLogChecks(receipt);
      const held = [{ note: receipt.checkpoint, size: parseCheckpoint(receipt.checkpoint).size }];
      if (published.latest) held.push(published.latest);
      show([...local, ...published.checks, ...await witnessChecks(held)], staticFacts(receipt));
      return;
    }
    const witnessed = await witnessChecks([{ note: receipt.checkpoint, size: parseCheckpoint(receipt.checkpoint).size }]);
    const reply = await api("api/verify", { method: "POST", body: { receipt: receiptText } });
    show([...local, ...witnessed, ...serverChecks(reply)], { kind: reply.data?.kind, signed: reply.data?.signed, representation: reply.data?.representation });
  } else if (staticMode) {
    show([{ ok: false, label: "Server", detail: "Pernyataan tanpa tanda terima hanya dapat diperiksa oleh server registri. Di salinan log ini, periksa tanda terimanya (berkas .tlog-proof)." }]);
  } else {
    const statement = document.querySelector("#statement").value;
    const signature = document.querySelector("#signature").value.trim();
    const reply = await api("api/verify", { method: "POST", body: { statement, signature } });
    show(serverChecks(reply), { kind: reply.data?.kind, signed: reply.data?.signed, representation: reply.data?.representation });
  }
});

/** A QR link "#entri=N&hash=H"; followed again when another link opens in the same tab. */
function checkLinkInAddress() {
  fillFromAddress();
  const link = new URLSearchParams(location.hash.slice(1));
  if (!link.get("entri") || !link.get("hash")) return;
  status("#verdict", "info", "Memeriksa…");
  replace(document.querySelector("#checks"));
  checkEntryLink(Number(link.get("entri")), link.get("hash"));
}
window.addEventListener("hashchange", checkLinkInAddress);
checkLinkInAddress();
