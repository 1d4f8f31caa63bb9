// Shared by every page: calling the API, building DOM safely (values are always set as
// text, never parsed as HTML), and showing times in the instansi's zone in Indonesian.

const TOKEN_KEY = "pakta-token";

/**
 * The token of whoever logged in on this device, kept until the end of today in the
 * device's local time: a clerk logs in once for the working day (not again on every
 * page or tab), and a device left on overnight is logged out by the morning.
 */
export function token() {
  const kept = localStorage.getItem(TOKEN_KEY);
  if (!kept) return null;
  try {
    const { value, until } = JSON.parse(kept);
    if (typeof value === "string" && value && Date.now() < until) return value;
  } catch {
    // Not ours, or from an older version of the page: forget it.
  }
  localStorage.removeItem(TOKEN_KEY);
  return null;
}

export function setToken(value) {
  if (value) {
    const endOfDay = new Date();
    endOfDay.setHours(23, 59, 59, 999);
    localStorage.setItem(TOKEN_KEY, JSON.stringify({ value, until: endOfDay.getTime() }));
  } else {
    localStorage.removeItem(TOKEN_KEY);
  }
  showLogout();
}

/** A "Keluar" button in the page header while this device holds a token. */
function showLogout() {
  const top = document.querySelector("header.top");
  if (!top) return;
  const existing = top.querySelector("#logout");
  if (!token()) { existing?.remove(); return; }
  if (existing) return;
  top.prepend(el("button", {
    type: "button", id: "logout", class: "logout secondary",
    title: "Hapus token dari perangkat ini",
    onclick: () => { setToken(null); location.reload(); },
  }, "Keluar"));
}

/** Calls the API; resolves to {ok, status, data} and never throws on HTTP errors. */
export async function api(path, { method = "GET", body, auth = false, contentType } = {}) {
  const headers = {};
  if (auth && token()) headers["Authorization"] = `Bearer ${token()}`;
  let payload = body;
  if (body !== undefined && !contentType) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  } else if (contentType) {
    headers["Content-Type"] = contentType;
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload });
  } catch (e) {
    return { ok: false, status: 0, data: { error: { code: "offline", message: "Server tidak dapat dihubungi. Periksa jaringan lalu coba lagi." } } };
  }
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("application/json") ? await response.json() : await response.text();
  return { ok: response.ok, status: response.status, data };
}

/**
 * Calls a list route and follows its pages (each reply's `next`) to the end, so the page
 * shows every item however long the list; `limit` is the page size to ask for. Resolves
 * like api(), with data[key] holding the items of every page, or to the first failure.
 */
export async function apiAll(path, key, { limit, ...options } = {}) {
  const items = [];
  let after = null;
  for (;;) {
    const query = new URLSearchParams();
    if (limit) query.set("limit", limit);
    if (after !== null) query.set("after", after);
    // toString, not .size: browsers before 2023 lack URLSearchParams.size.
    const qs = query.toString();
    const reply = await api(qs ? `${path}${path.includes("?") ? "&" : "?"}${qs}` : path, options);
    if (!reply.ok) return reply;
    items.push(...(reply.data[key] ?? []));
    if (reply.data.next === null || reply.data.next === undefined) {
      return { ...reply, data: { ...reply.data, [key]: items } };
    }
    after = reply.data.next;
  }
}

/** The person-readable message of an API error reply. */
export function errorText(reply) {
  return reply?.data?.error?.message || `Permintaan gagal (status ${reply.status}).`;
}

/** Creates an element; attributes are set as properties or attributes, children as text. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * Gives every body cell of a table the heading of its column (`data-label`) and the
 * class `stack`: on a phone such a table is shown as one card per row, each value under
 * its heading, instead of columns running off the screen (style.css).
 */
export function labelCells(table) {
  const headings = [...table.querySelectorAll("thead th")].map((th) => th.textContent);
  table.classList.add("stack");
  for (const row of table.querySelectorAll("tbody tr")) {
    [...row.children].forEach((cell, i) => {
      if (!cell.hasAttribute("data-label")) cell.dataset.label = headings[i] ?? "";
    });
  }
  return table;
}

/** A table with these column headings and rows of cells, shown as cards on a phone. */
export function table(headings, rows, attrs = {}) {
  return labelCells(el("table", attrs,
    el("thead", {}, el("tr", {}, headings.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows)));
}

export function replace(container, ...children) {
  container.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}

/** Shows a status line: kind is "ok", "bad" or "info". */
export function status(target, kind, text) {
  const node = typeof target === "string" ? document.querySelector(target) : target;
  node.className = `status ${kind}`;
  node.setAttribute("role", kind === "bad" ? "alert" : "status");
  node.textContent = text;
}

const ABBREVIATIONS = { "Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT" };

/** "Senin, 7 Oktober 2024 09.00 WIB" for an RFC 3339 time in one of Indonesia's zones. */
export function formatTime(iso, zone = "Asia/Jakarta") {
  if (!iso) return "";
  const parts = new Intl.DateTimeFormat("id-ID", {
    timeZone: zone, weekday: "long", day: "numeric", month: "long", year: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(iso));
  const get = (type) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("weekday")}, ${get("day")} ${get("month")} ${get("year")} ${get("hour")}.${get("minute")} ${ABBREVIATIONS[zone] || zone}`;
}

let infoPromise;
/** The instansi and its zone, fetched once per page. */
export function info() {
  infoPromise ??= api("/api/info").then((r) => (r.ok ? r.data : { instansi: "", timezone: "Asia/Jakarta" }));
  return infoPromise;
}

/** Fills the page header with the instansi's name, and offers "Keluar" when logged in. */
export async function header() {
  showLogout();
  const slot = document.querySelector("[data-instansi]");
  if (slot) slot.textContent = (await info()).instansi;
}

export function bytesToBase64(bytes) {
  let binary = "";
  for (const b of new Uint8Array(bytes)) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function base64ToBytes(text) {
  const binary = atob(text.trim());
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function param(name) {
  return new URLSearchParams(location.search).get(name);
}

/** Offers text as a file download. */
export function download(filename, text, type = "text/plain") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/**
 * Fetches a file from the API (a PDF) and saves it under `filename`; resolves like
 * api() with data null when saved, or to the refusal's envelope. A transfer broken off
 * midway saves nothing.
 */
export async function downloadFile(path, filename, { method = "GET", body, auth = false } = {}) {
  const headers = {};
  if (auth && token()) headers["Authorization"] = `Bearer ${token()}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  try {
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok) {
      const data = type.includes("application/json") ? await response.json() : { error: { message: await response.text() } };
      return { ok: false, status: response.status, data };
    }
    const url = URL.createObjectURL(await response.blob());
    const a = el("a", { href: url, download: filename });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    return { ok: true, status: response.status, data: null };
  } catch {
    return { ok: false, status: 0, data: { error: { code: "offline", message: "Unduhan terputus sebelum selesai, jadi berkas tidak disimpan. Periksa jaringan lalu coba lagi." } } };
  }
}

export function qrUrl(text) {
  return `/api/qr.svg?text=${encodeURIComponent(text)}`;
}

export const STATUS_WORDS = {
  "absent": "tidak hadir",
  "attended-unsigned": "hadir, belum tanda tangan",
  "signed": "tanda tangan di upacara",
  "mandiri-pending": "ikrar mandiri, belum jatuh tempo",
  "mandiri-signed": "ikrar mandiri selesai",
  "mandiri-late": "ikrar mandiri terlambat",
  "mandiri-overdue": "ikrar mandiri lewat batas",
  "represented": "diwakili perwakilan",
};

/** "20 November 2024" for an RFC 3339 time (or a Date) in one of Indonesia's zones. */
export function formatDate(time, zone = "Asia/Jakarta") {
  return new Intl.DateTimeFormat("id-ID", { timeZone: zone, day: "numeric", month: "long", year: "numeric" })
    .format(new Date(time));
}

export const STATE_WORDS = { draft: "draf", open: "dibuka", closed: "ditutup" };
