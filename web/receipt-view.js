// Reading a receipt kept on the device (`pakta/receipt/v1`, docs/FORMATS.md section 17)
// as a person reads it: who signed, what, when, and the registry entry, with the link
// and QR code that check it. The signed document inside is a statement in either
// format (v1: English field names and UTC time; v2: Indonesian labels and local time)
// or an enrollment message; what is not recognised is shown as the text itself.
import { base64ToBytes, downloadFile, el, errorText, formatTime, qrUrl, sha256Hex } from "./common.js";

/** The fields of a record (`label: value` lines after the header lines). */
function fields(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf(": ");
    if (at > 0 && !(line.slice(0, at) in out)) out[line.slice(0, at)] = line.slice(at + 2);
  }
  return out;
}

const MODE_WORDS = { ceremony: "ikrar bersama", mandiri: "ikrar mandiri" };

/**
 * Splits a receipt into its parts and reads them. Resolves to null for a text that is
 * not a receipt. Never trusts it: checking is the verification page's work.
 */
export async function readReceipt(text) {
  const receipt = text.replace(/\r\n/g, "\n");
  if (!receipt.startsWith("pakta/receipt/v1\n")) return null;
  // Header, document, proof, then the checkpoint (which holds a blank line itself).
  const [head, body, proof] = receipt.split("\n\n");
  if (!body || !proof) return null;
  const document = `${body}\n`;
  const proofLines = proof.split("\n");
  const extra = proofLines.find((l) => l.startsWith("extra "))?.slice(6) ?? "";
  let entryBytes = new Uint8Array();
  try { entryBytes = base64ToBytes(extra); } catch { /* shown without the entry */ }
  const entry = fields(new TextDecoder().decode(entryBytes));
  const index = proofLines.find((l) => l.startsWith("index "))?.slice(6) ?? entry.index ?? "";
  const doc = fields(document);
  const first = document.split("\n", 2).join("\n");
  const kind = first.startsWith("pakta/enroll/") ? "enrollment"
    : /^PAKTA INTEGRITAS NETRALITAS ASN\nformat: pakta\/statement\//.test(first) ? "statement"
      : /^PERNYATAAN PERWAKILAN PAKTA INTEGRITAS NETRALITAS ASN\nformat: pakta\/perwakilan\//.test(first) ? "representation"
        : "unknown";
  const mode = doc.cara ?? MODE_WORDS[doc.mode] ?? doc.mode;
  return {
    text: receipt,
    kind,
    document,
    key: fields(head).key ?? "",
    index,
    entryHash: entryBytes.length ? await sha256Hex(entryBytes) : "",
    recordedAt: entry.time ?? "",
    // v2 labels first, then v1's: a statement has one set or the other.
    name: doc.nama ?? doc.name ?? "",
    nip: doc.nip ?? "",
    position: doc.jabatan ?? doc.position ?? "",
    unit: doc["unit-kerja"] ?? doc.unit ?? "",
    ceremony: doc.upacara ?? doc.ceremony ?? "",
    mode: mode ?? "",
    pledgeTitle: doc["judul-pakta"] ?? doc["pledge-title"] ?? "",
    // v2 writes the local time out in words; v1 has UTC only, shown in the zone.
    time: doc.waktu ?? "",
    timeUtc: doc["waktu-utc"] ?? doc.time ?? "",
    // A representation statement (perwakilan): how many officials it was signed for.
    represented: doc["jumlah-diwakili"] ?? "",
  };
}

/** The verification page's link for this receipt's registry entry. */
export function checkLink(read) {
  return `${location.origin}/verifikasi.html#entri=${read.index}&hash=${read.entryHash}`;
}

/**
 * Asks the registry for the signed pakta on one A4 page (PDF), sending the receipt kept
 * on this device: the registry checks it as the verification page does and prints it.
 * Resolves to null when saved, or to the refusal's message.
 */
export async function downloadPdf(read) {
  const name = `tanda-terima-${read.nip || "pakta"}-entri-${read.index}.pdf`;
  const reply = await downloadFile("/api/receipts/pdf", name, { method: "POST", body: { receipt: read.text } });
  return reply.ok ? null : errorText(reply);
}

/** The file name a downloaded receipt gets. */
export function fileName(read) {
  const what = read.kind === "enrollment" ? "pendaftaran-kunci"
    : read.kind === "representation" ? `perwakilan-upacara-${read.ceremony || "x"}` : `upacara-${read.ceremony || "x"}`;
  return `tanda-terima-${read.nip || "pakta"}-${what}-entri-${read.index}.tlog-proof`;
}

/** What the receipt is for, in a few words. */
export function title(read, ceremonies = []) {
  if (read.kind === "enrollment") return "Pendaftaran kunci tanda tangan";
  if (read.kind === "representation") return `Tanda tangan perwakilan atas nama ${read.represented} pegawai`;
  if (read.kind !== "statement") return "Tanda terima";
  const ceremony = ceremonies.find((c) => String(c.id) === String(read.ceremony));
  return `Tanda tangan pakta: ${ceremony ? ceremony.title : `upacara nomor ${read.ceremony}`}`;
}

/** Rows of who, what and when, as [label, value] pairs, leaving out what is unknown. */
export function rows(read, timezone, ceremonies = []) {
  const ceremony = ceremonies.find((c) => String(c.id) === String(read.ceremony));
  const signedTime = read.time || (read.timeUtc ? formatTime(read.timeUtc, timezone) : "");
  return [
    ["Nama", read.name],
    ["NIP / NIK", read.nip],
    ["Jabatan", read.position],
    ["Unit kerja", read.unit],
    ["Pakta", read.pledgeTitle],
    ["Upacara", read.ceremony && (ceremony ? `${ceremony.title} (nomor ${read.ceremony})` : `nomor ${read.ceremony}`)],
    ["Cara", read.mode],
    ["Mewakili", read.represented && `${read.represented} pegawai (bukan tanda tangan pakta mereka sendiri)`],
    [read.kind !== "enrollment" ? "Waktu pernyataan" : "", read.kind !== "enrollment" ? signedTime : ""],
    ["Tercatat di registri", read.recordedAt && formatTime(read.recordedAt, timezone)],
    ["Nomor entri registri", read.index],
  ].filter(([label, value]) => label && value);
}

/** The readable receipt as a definition list, with the document itself when unread. */
export function details(read, timezone, ceremonies = []) {
  const list = rows(read, timezone, ceremonies);
  const known = list.some(([label]) => label === "Nama" || label === "NIP / NIK");
  return [
    el("dl", { class: "receipt-rows" }, list.flatMap(([label, value]) => [el("dt", {}, label), el("dd", {}, value)])),
    known ? null : el("pre", { class: "statement" }, read.document),
  ];
}

/** One receipt as a card in "Tanda terima saya": readable, downloadable, with its QR. */
export function card(read, timezone, ceremonies, onDownload) {
  const link = checkLink(read);
  const printable = `/tanda-terima.html?nip=${encodeURIComponent(read.nip)}&entri=${encodeURIComponent(read.index)}`;
  return el("article", { class: "receipt-card", dataset: { entry: read.index, kind: read.kind } },
    el("h3", {}, title(read, ceremonies)),
    el("div", { class: "receipt-body" },
      el("div", {}, details(read, timezone, ceremonies)),
      el("img", { class: "qr receipt-qr", src: qrUrl(link), alt: `Kode QR untuk memeriksa entri registri nomor ${read.index}` })),
    el("button", { type: "button", class: "secondary download-receipt", onclick: () => onDownload(read) }, "Unduh tanda terima"),
    el("a", { class: "button secondary print-receipt", href: printable }, "Cetak satu halaman"),
    read.kind === "statement"
      ? el("button", {
        type: "button", class: "secondary receipt-pdf",
        onclick: async (event) => {
          const refused = await downloadPdf(read);
          if (refused) event.target.after(el("p", { class: "status bad", role: "alert" }, refused));
        },
      }, "Unduh PDF")
      : null,
    el("a", { class: "button secondary", href: link }, "Periksa"),
    el("details", {}, el("summary", {}, "Isi berkas tanda terima"), el("pre", { class: "document" }, read.text)));
}
