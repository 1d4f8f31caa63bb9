// The registration desk: check an official in by typing the NIP, or by scanning the QR
// code on the official's phone with the camera (BarcodeDetector, where the browser has
// it); typing stays the fallback everywhere.
import { api, apiAll, el, errorText, header, param, setToken, status, token, replace } from "./common.js";

header();
const tokenInput = document.querySelector("#desk-token");
tokenInput.value = token() || "";
const open = (await apiAll("/api/ceremonies", "ceremonies", { limit: 1000 })).data.ceremonies?.filter((c) => c.state === "open") ?? [];
replace(document.querySelector("#ceremony"), open.map((c) => el("option", { value: c.id }, c.title)));
if (param("upacara")) document.querySelector("#ceremony").value = param("upacara");

async function checkIn(nip) {
  setToken(tokenInput.value.trim());
  const ceremony = document.querySelector("#ceremony").value;
  const reply = await api(`/api/ceremonies/${ceremony}/attendance`, { method: "POST", auth: true, body: { nip } });
  if (reply.ok) {
    status("#result", "ok", `Kehadiran ${nip} tercatat.`);
    document.querySelector("#recent").prepend(el("li", {}, nip));
    document.querySelector("#nip").value = "";
  } else {
    status("#result", "bad", errorText(reply));
  }
  document.querySelector("#nip").focus();
}

document.querySelector("#check-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  checkIn(document.querySelector("#nip").value.replace(/\s+/g, ""));
});

const scanButton = document.querySelector("#scan");
if (!("BarcodeDetector" in window)) {
  scanButton.disabled = true;
  scanButton.textContent = "Pemindai kamera tidak tersedia di peramban ini; ketik NIP";
}
scanButton.addEventListener("click", async () => {
  const video = document.querySelector("#camera");
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  } catch {
    status("#result", "bad", "Kamera tidak dapat dibuka. Izinkan akses kamera, atau ketik NIP.");
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
