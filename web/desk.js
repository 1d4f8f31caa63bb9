// The registration desk: find the official in front of the desk by a few letters of
// the name or digits of the NIP and pick them from a short list, type a whole NIP, or
// scan the QR code on the official's phone with the camera (BarcodeDetector, where the
// browser has it). Every check-in shows the name, position and OPD the registry has
// for that NIP, so the operator sees it is the right person; a second check-in of the
// same person is said plainly, not as an error (issue 9).
import { api, apiAll, el, errorText, formatTime, header, info, param, replace, setToken, status, token } from "./common.js";

header();
const { timezone } = await info();
const tokenInput = document.querySelector("#desk-token");
const ceremonySelect = document.querySelector("#ceremony");
const input = document.querySelector("#nip");
const list = document.querySelector("#matches");
const note = document.querySelector("#matches-note");
tokenInput.value = token() || "";
const open = (await apiAll("/api/ceremonies", "ceremonies", { limit: 1000 })).data.ceremonies?.filter((c) => c.state === "open") ?? [];
replace(ceremonySelect, open.map((c) => el("option", { value: c.id }, c.title)));
if (param("upacara")) ceremonySelect.value = param("upacara");

/** An operator token is for one ceremony: the desk follows it. */
async function followToken() {
  const value = tokenInput.value.trim();
  if (!value) return;
  setToken(value);
  const who = await api("/api/whoami", { auth: true });
  if (who.ok && who.data.role === "operator" && open.some((c) => c.id === who.data.ceremony)) {
    ceremonySelect.value = String(who.data.ceremony);
  }
}
tokenInput.addEventListener("change", followToken);
if (token() && !param("upacara")) await followToken();

/** The identifier typed, when it is a whole one (16 or 18 digits, spaces allowed). */
function wholeNip(typed) {
  const digits = typed.replace(/[\s']/g, "");
  return /^(\d{16}|\d{18})$/.test(digits) ? digits : null;
}

/** Shows who the registry has for this NIP, in the result box. */
function showPerson(kind, headline, person) {
  const box = document.querySelector("#result");
  status(box, kind, "");
  replace(box,
    el("strong", { class: "person-name" }, `${headline}: ${person.name}`), el("br"),
    el("span", {}, `${person.position}, ${person.opd_name}`), el("br"),
    el("span", { class: "nip" }, `NIP/NIK ${person.nip}`));
}

/** The invitees matching what was typed, or a refusal. */
function findInvitees(typed) {
  setToken(tokenInput.value.trim());
  return api(`/api/ceremonies/${ceremonySelect.value}/invitees?q=${encodeURIComponent(typed)}`, { auth: true });
}

let shown = [];
let asked = 0;
/** Lists the invitees matching the search box; a later keystroke's answer wins. */
async function search() {
  const typed = input.value.trim();
  const mine = ++asked;
  if (typed.replace(/[\s']/g, "").length < 3) {
    shown = [];
    replace(list);
    note.textContent = "";
    return;
  }
  const reply = await findInvitees(typed);
  if (mine !== asked) return;
  if (!reply.ok) {
    shown = [];
    replace(list);
    note.textContent = errorText(reply);
    return;
  }
  shown = reply.data.invitees;
  replace(list, shown.map((m) => el("li", {},
    el("button", { type: "button", class: "match secondary", dataset: { nip: m.nip }, onclick: () => checkIn(m.nip, m) },
      el("strong", {}, m.name),
      el("span", { class: "who" }, `${m.position} · ${m.opd_name}`),
      el("span", { class: "nip" }, `NIP/NIK ${m.nip}`),
      m.checked_in ? el("span", { class: "badge" }, "sudah hadir") : null))));
  note.textContent = reply.data.more
    ? "Lebih dari 10 pegawai cocok. Ketik lebih banyak huruf nama, atau angka NIP."
    : shown.length === 0 ? "Tidak ada undangan upacara ini yang cocok. Periksa ejaan nama atau angka NIP." : "";
}

let typing;
input.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(search, 250);
});

async function checkIn(nip, known) {
  setToken(tokenInput.value.trim());
  const reply = await api(`/api/ceremonies/${ceremonySelect.value}/attendance`, { method: "POST", auth: true, body: { nip } });
  if (reply.ok) {
    const person = reply.data;
    showPerson("ok", "Kehadiran tercatat", person);
    document.querySelector("#recent").prepend(el("li", { dataset: { nip: person.nip } },
      el("strong", {}, person.name), ` · ${person.position}, ${person.opd_name} · NIP/NIK ${person.nip} · ${formatTime(new Date().toISOString(), timezone)}`));
    input.value = "";
    asked++;
    shown = [];
    replace(list);
    note.textContent = "";
  } else if (reply.data?.error?.code === "already_checked_in") {
    // Not a mistake at the desk: the person is in, nothing more to do.
    const person = known ?? (await findInvitees(nip)).data?.invitees?.find((m) => m.nip === nip);
    if (person) showPerson("info", "Sudah tercatat hadir sebelumnya, tidak perlu dicatat lagi", person);
    else status("#result", "info", "Pegawai ini sudah tercatat hadir sebelumnya, tidak perlu dicatat lagi.");
  } else {
    status("#result", "bad", errorText(reply));
  }
  input.focus();
}

document.querySelector("#check-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const nip = wholeNip(input.value);
  if (nip) {
    await checkIn(nip);
    return;
  }
  clearTimeout(typing);
  await search();
  if (shown.length === 1) await checkIn(shown[0].nip, shown[0]);
  else if (shown.length > 1) status("#result", "info", "Beberapa pegawai cocok: pilih yang benar dari daftar.");
  else status("#result", "info", note.textContent || "Ketik paling sedikit 3 huruf nama atau angka NIP.");
});

const scanButton = document.querySelector("#scan");
if (!("BarcodeDetector" in window)) {
  scanButton.disabled = true;
  scanButton.textContent = "Pemindai kamera tidak tersedia di peramban ini; cari nama atau NIP";
}
scanButton.addEventListener("click", async () => {
  const video = document.querySelector("#camera");
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  } catch {
    status("#result", "bad", "Kamera tidak dapat dibuka. Izinkan akses kamera, atau cari nama atau NIP.");
    return;
  }
  video.srcObject = stream;
  video.classList.remove("hidden");
  await video.play();
  const detector = new BarcodeDetector({ formats: ["qr_code"] });
  const stop = () => { stream.getTracks().forEach((t) => t.stop()); video.classList.add("hidden"); };
  const look = async () => {
    const codes = await detector.detect(video).catch(() => []);
    const found = codes.map((c) => c.rawValue).find((v) => v.startsWith("pakta-nip:"));
    if (found) { stop(); await checkIn(found.slice("pakta-nip:".length)); } else requestAnimationFrame(look);
  };
  look();
});
