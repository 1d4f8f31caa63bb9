// The official's signing key, made and kept on their own device: an Ed25519 key pair
// from WebCrypto whose private half is non-extractable (the browser can sign with it,
// but no script, not even ours, can read it out), stored in IndexedDB by NIP with every
// receipt the registry gave for it (enrollments and signatures), which the official
// keeps as proof.

import { bytesToBase64, base64ToBytes } from "./common.js";

const DB = "pakta";
const STORE = "keys";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "nip" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transact(mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const result = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(result.result ?? result);
    tx.onerror = () => reject(tx.error);
  });
}

/** Whether this browser can make Ed25519 keys (Chrome 137+, Firefox 129+, Safari 17+). */
export async function supportsEd25519() {
  try {
    await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    return true;
  } catch {
    return false;
  }
}

export function generate() {
  return crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
}

export async function publicKeyBase64(pair) {
  return bytesToBase64(await crypto.subtle.exportKey("raw", pair.publicKey));
}

export async function sign(pair, text) {
  const signature = await crypto.subtle.sign({ name: "Ed25519" }, pair.privateKey, new TextEncoder().encode(text));
  return bytesToBase64(signature);
}

export async function verify(publicKeyB64, text, signatureB64) {
  try {
    const key = await crypto.subtle.importKey("raw", base64ToBytes(publicKeyB64), { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify({ name: "Ed25519" }, key, base64ToBytes(signatureB64), new TextEncoder().encode(text));
  } catch {
    return false;
  }
}

/** Keeps the pair (and every receipt) for this NIP on this device. */
export function save(record) {
  return transact("readwrite", (store) => store.put(record));
}

/** The registry entry a receipt is for (its `index` line). */
function entryOf(receipt) {
  return /\nindex (\d+)\r?\n/.exec(receipt)?.[1];
}

/**
 * Adds a receipt to what this device keeps for the NIP, once per registry entry: a
 * phone that retried after a lost reply gets the same entry again, in a new file.
 */
export async function keepReceipt(nip, receipt) {
  const record = await load(nip);
  if (!record) return;
  const receipts = record.receipts || [];
  if (receipts.some((kept) => entryOf(kept) === entryOf(receipt))) return;
  record.receipts = [...receipts, receipt];
  await save(record);
}

export async function load(nip) {
  return transact("readonly", (store) => store.get(nip));
}

export async function all() {
  return transact("readonly", (store) => store.getAll());
}
