// Printable enrollment-code cards, one per official without a key: the code, and a QR
// code that opens the enrollment page on the official's phone with NIP and code filled in.
import { apiAll, el, errorText, formatTime, header, info, qrUrl, replace, status } from "./common.js";

const ID_LABEL = { PNS: "NIP", PPPK: "NI PPPK", NON_ASN: "NIK" };

header();
const { timezone } = await info();
const officials = await apiAll("/api/officials", "officials", { auth: true, limit: 1000 });
if (!officials.ok) {
  status("#result", "bad", `${errorText(officials)} Masuk dahulu di halaman Admin.`);
} else {
  const opds = new Map(officials.data.officials.map((o) => [o.opd_code, o.opd_name]));
  replace(document.querySelector("#opd"),
    el("option", { value: "" }, "Semua OPD"),
    [...opds].map(([code, name]) => el("option", { value: code }, `${name} (${code})`)));
}

document.querySelector("#cards-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const opd = document.querySelector("#opd").value || null;
  // Each page issues the codes of the next officials without a key; all are printed.
  const reply = await apiAll("/api/enrollment-cards", "cards", { method: "POST", auth: true, body: { opd }, limit: 1000 });
  if (!reply.ok) { status("#result", "bad", errorText(reply)); return; }
  const cards = reply.data.cards;
  status("#result", "ok", cards.length
    ? `${cards.length} kartu dibuat. Cetak lalu bagikan kepada masing-masing pegawai.`
    : "Semua pegawai di OPD ini sudah mendaftarkan kunci.");
  replace(document.querySelector("#cards"), cards.map((c) => {
    const link = `${location.origin}/daftar.html?nip=${encodeURIComponent(c.nip)}&kode=${encodeURIComponent(c.code)}`;
    return el("article", { class: "enroll-card", dataset: { nip: c.nip } },
      el("img", { src: qrUrl(link), alt: `Kode QR pendaftaran untuk ${c.name}` }),
      el("strong", {}, c.name), el("br"),
      el("span", {}, `${ID_LABEL[c.category] || "NIP"} ${c.nip}`), el("br"),
      el("span", { class: "note" }, `${c.position}, ${c.opd_name}`), el("br"),
      el("span", {}, "Kode: "), el("span", { class: "code" }, c.code), el("br"),
      el("span", { class: "note" }, `Berlaku sampai ${formatTime(c.expires_at, timezone)}. Pindai kode QR dengan ponsel Anda, atau buka ${location.host}/daftar.html.`));
  }));
});

document.querySelector("#print").addEventListener("click", () => window.print());
