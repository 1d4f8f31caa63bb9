// The access log on the admin console: who read personal data (the token's holder),
// when, what and how many people, newest first, a page at a time, and the whole log as
// a CSV download. Starts when admin.js has accepted the admin token.
import { api, download, el, errorText, formatTime, info, labelCells, status } from "./common.js";

const ACTION_TEXT = {
  roster: "daftar pegawai",
  report: "rekapitulasi",
  unsigned: "daftar belum tanda tangan",
  unsigned_csv: "unduhan CSV belum tanda tangan",
  unsigned_phones: "nomor HP pegawai yang belum tanda tangan",
  unsigned_wa_csv: "unduhan CSV pengingat WhatsApp (nomor HP)",
  enrollment_cards: "kartu kode pendaftaran",
  enrollment_code: "kode pendaftaran",
  check_in: "presensi di meja registrasi",
  invitee_search: "pencarian pegawai di meja registrasi",
  representatives: "daftar perwakilan",
};

let older = null;

async function loadPage(first) {
  const { timezone } = await info();
  const reply = await api(`/api/access-log?limit=100${first || older === null ? "" : `&after=${older}`}`, { auth: true });
  if (!reply.ok) { status("#access-result", "bad", errorText(reply)); return; }
  const body = document.querySelector("#access-rows");
  if (first) body.replaceChildren();
  for (const r of reply.data.records) {
    body.append(el("tr", { dataset: { record: r.id } },
      el("td", {}, formatTime(r.at, timezone)),
      el("td", {}, r.token_name),
      el("td", {}, r.role),
      el("td", {}, ACTION_TEXT[r.action] || r.action),
      el("td", {}, r.scope),
      el("td", {}, r.people)));
  }
  labelCells(document.querySelector("#access-log"));
  older = reply.data.next;
  document.querySelector("#access-more").classList.toggle("hidden", older === null || older === undefined);
  document.querySelector("#access-log").dataset.loaded = "yes";
}

document.querySelector("#access-more").addEventListener("click", () => loadPage(false));
document.querySelector("#access-csv").addEventListener("click", async () => {
  const reply = await api("/api/access-log?format=csv", { auth: true });
  if (!reply.ok) { status("#access-result", "bad", errorText(reply)); return; }
  download("log-akses-pakta.csv", reply.data, "text/csv");
});
document.addEventListener("admin-ready", () => loadPage(true));
