// The hall screen (projector): the ceremony and its pledge, live counts, and a large QR
// code whose presence code rotates every 30 seconds; an official's phone that scans it
// opens the signing page and checks in with that code, signed by the official's key.
import { api, apiAll, el, errorText, formatTime, header, info, param, qrUrl, replace, setToken, status, token } from "./common.js";

header();
const { timezone } = await info();
const tokenInput = document.querySelector("#hall-token");
tokenInput.value = token() || "";
const open = (await apiAll("/api/ceremonies", "ceremonies", { limit: 1000 })).data.ceremonies?.filter((c) => c.state === "open") ?? [];
replace(document.querySelector("#ceremony"), open.map((c) => el("option", { value: c.id }, c.title)));
if (param("upacara")) document.querySelector("#ceremony").value = param("upacara");

let ceremony;

async function refreshCode() {
  const reply = await api(`/api/ceremonies/${ceremony}/presence-code`, { auth: true });
  if (!reply.ok) {
    status("#result", "bad", errorText(reply));
    return setTimeout(refreshCode, 5000);
  }
  const link = `${location.origin}/tanda-tangan.html?upacara=${ceremony}&hadir=${reply.data.code}`;
  document.querySelector("#presence-qr").src = qrUrl(link);
  document.querySelector("#presence-code").textContent = reply.data.code;
  const wait = Math.max(1000, new Date(reply.data.expires_at) - Date.now() + 200);
  setTimeout(refreshCode, wait);
}

async function refreshCounts() {
  const reply = await api(`/api/ceremonies/${ceremony}/counts`);
  if (reply.ok) {
    document.querySelector("#count-checked-in").textContent = reply.data.checked_in;
    document.querySelector("#count-signed").textContent = reply.data.signed;
    document.querySelector("#count-invited").textContent = reply.data.invited;
  }
  setTimeout(refreshCounts, 5000);
}

/**
 * Shrinks the pledge text, a step at a time from its full size, until the whole screen
 * fits the projector without scrolling: a pledge's length is the instansi's choice, and
 * the counts and the code must stay in view.
 */
function fit() {
  const text = document.querySelector("#pledge-text");
  const fits = () => document.documentElement.scrollHeight <= window.innerHeight;
  let size = window.innerHeight * 0.03;
  text.style.setProperty("--pledge-size", `${size}px`);
  while (!fits() && size > 11) {
    size *= 0.92;
    text.style.setProperty("--pledge-size", `${size}px`);
  }
  document.body.dataset.fitted = String(Math.round(size * 10) / 10);
}

async function start() {
  setToken(tokenInput.value.trim());
  ceremony = document.querySelector("#ceremony").value;
  const details = await api(`/api/ceremonies/${ceremony}`);
  if (!details.ok) { status("#result", "bad", errorText(details)); return; }
  document.querySelector("#hall-title").textContent = details.data.title;
  document.querySelector("#hall-when").textContent = `${details.data.place} · ${formatTime(details.data.starts_at, timezone)}`;
  document.querySelector("#pledge-title").textContent = details.data.pledge.title;
  document.querySelector("#pledge-text").textContent = details.data.pledge.text;
  document.querySelector("#hall-login").classList.add("hidden");
  document.querySelector("#hall").classList.remove("hidden");
  document.body.classList.add("showing");
  status("#result", "info", "");
  await refreshCode();
  // The QR image has its size from CSS, so the layout is final once the code is shown.
  fit();
  window.addEventListener("resize", fit);
  await refreshCounts();
}

document.querySelector("#hall-login").addEventListener("submit", (event) => { event.preventDefault(); start(); });
if (token() && param("upacara")) start();
