// Printable enrollment-code cards, one per official without a key: who issues it (the
// instansi) and what it is for, the code on one line, and a QR code that opens the
// enrollment page on the official's phone with NIP and code filled in. Eight fit on an
// A4 page (style.css, print). New cards void the unused codes handed out before, so the
// page asks first.
import { apiAll, el, errorText, formatTime, header, info, qrUrl, replace, status } from "./common.js";

const ID_LABEL = { PNS: "NIP", PPPK: "NI PPPK", NON_ASN: "NIK" };

header();
const { instansi, timezone } = await info();
const officials = await apiAll("/api/officials", "officials", { auth: true, limit: 1000 });
const opdSelect = document.querySelector("#opd");
if (!officials.ok) {
  status("#result", "bad", `${errorText(officials)} Masuk dahulu di halaman Admin.`);
} else {
  const opds = new Map(officials.data.officials.map((o) => [o.opd_code, o.opd_name]));
  replace(opdSelect,
    el("option", { value: "" }, "Semua OPD"),
    [...opds].map(([code, name]) => el("option", { value: code }, `${name} (${code})`)));
}

/** How many officials of the OPD (or all) have no key: the cards that would be made. */
function keyless(opd) {
  return (officials.data?.officials ?? []).filter((o) => o.key_status !== "active" && (!opd || o.opd_code === opd)).length;
}

function card(c) {
  const link = `${location.origin}/daftar.html?nip=${encodeURIComponent(c.nip)}&kode=${encodeURIComponent(c.code)}`;
  return el("article", { class: "enroll-card", dataset: { nip: c.nip } },
    el("header", {},
      el("span", { class: "card-instansi" }, instansi),
      el("span", { class: "card-purpose" }, "Kode pendaftaran kunci tanda tangan Pakta Integritas Netralitas ASN")),
    el("div", { class: "card-body" },
      el("div", { class: "card-who" },
        el("strong", {}, c.name),
        el("span", {}, `${ID_LABEL[c.category] || "NIP"} ${c.nip}`),
        el("span", { class: "note" }, `${c.position}, ${c.opd_name}`)),
      el("img", { src: qrUrl(link), alt: `Kode QR pendaftaran untuk ${c.name}` })),
    el("p", { class: "card-code" }, el("span", { class: "label" }, "Kode: "), el("span", { class: "code" }, c.code)),
    el("p", { class: "note card-how" },
      `Berlaku sampai ${formatTime(c.expires_at, timezone)}, sekali pakai, rahasia. Pindai kode QR dengan ponsel Anda, atau buka ${location.host}/daftar.html.`));
}

document.querySelector("#cards-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const opd = opdSelect.value || null;
  const where = opd ? `OPD ${opdSelect.selectedOptions[0]?.textContent ?? opd}` : "semua OPD";
  const count = keyless(opd);
  // Issuing supersedes every unused code of these officials, the cards already handed
  // out included: a misclick should not void a whole OPD's cards.
  const sure = window.confirm(
    `Buat ${count} kartu baru untuk ${where}? Kode pada kartu yang sudah dibagikan dan belum dipakai menjadi tidak berlaku; pegawai harus memakai kartu baru.`);
  if (!sure) {
    status("#result", "info", "Tidak ada kartu yang dibuat; kartu yang sudah dibagikan tetap berlaku.");
    return;
  }
  // Each page issues the codes of the next officials without a key; all are printed.
  const reply = await apiAll("/api/enrollment-cards", "cards", { method: "POST", auth: true, body: { opd }, limit: 1000 });
  if (!reply.ok) { status("#result", "bad", errorText(reply)); return; }
  const cards = reply.data.cards;
  status("#result", "ok", cards.length
    ? `${cards.length} kartu dibuat. Cetak (8 kartu per halaman A4), gunting, lalu bagikan kepada masing-masing pegawai.`
    : "Semua pegawai di OPD ini sudah mendaftarkan kunci.");
  replace(document.querySelector("#cards"), cards.map(card));
});

document.querySelector("#print").addEventListener("click", () => window.print());
