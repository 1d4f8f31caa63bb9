// Checking the registry's proofs in the browser, independently of the server's own
// answer: receipts (pakta/receipt/v1 with a c2sp.org/tlog-proof@v1), RFC 6962 inclusion
// proofs, and C2SP checkpoints signed with the log's Ed25519 key.
import { base64ToBytes, sha256Hex } from "./common.js";

const encoder = new TextEncoder();

async function sha256(...parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { joined.set(p, at); at += p.length; }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
}

export const leafHash = (entry) => sha256(Uint8Array.of(0), entry);
const nodeHash = (left, right) => sha256(Uint8Array.of(1), left, right);
const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

/** RFC 9162 §2.1.3.2. */
export async function verifyInclusion(leaf, index, size, proof, root) {
  if (index >= size) return false;
  let fn = index, sn = size - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && same(r, root);
}

/** Splits "name+hexid+base64(0x01||key)". */
export function parseVkey(text) {
  const [name, id, key] = splitVkey(text.trim());
  return { name, id, key };
}

function splitVkey(text) {
  const first = text.indexOf("+");
  const second = text.indexOf("+", first + 1);
  return [text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1)];
}

/** Verifies a signed note against a verifier key; returns the note text or null. */
export async function openNote(note, vkeyText) {
  const { name, id, key } = parseVkey(vkeyText);
  const split = note.lastIndexOf("\n\n");
  if (split < 0) return null;
  const text = note.slice(0, split + 1);
  const keyBytes = base64ToBytes(key);
  if (keyBytes[0] !== 1 || keyBytes.length !== 33) return null;
  const publicKey = await crypto.subtle.importKey("raw", keyBytes.slice(1), { name: "Ed25519" }, false, ["verify"]);
  for (const line of note.slice(split + 2).split("\n")) {
    if (!line.startsWith(`\u2014 ${name} `)) continue;
    const sig = base64ToBytes(line.slice(`\u2014 ${name} `.length));
    const hexId = [...sig.slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
    if (hexId !== id || sig.length !== 68) continue;
    if (await crypto.subtle.verify({ name: "Ed25519" }, publicKey, sig.slice(4), encoder.encode(text))) return text;
  }
  return null;
}

export function parseCheckpoint(text) {
  const [origin, size, root] = text.split("\n");
  return { origin, size: Number(size), root: base64ToBytes(root) };
}

/** Reads a receipt file; throws with a readable message if it is not one. */
export function parseReceipt(raw) {
  const text = raw.replace(/\r\n/g, "\n");
  if (!text.startsWith("pakta/receipt/v1\n")) throw new Error("Baris pertama harus pakta/receipt/v1.");
  const [head, rest1] = cut(text.slice("pakta/receipt/v1\n".length));
  const [documentBody, rest2] = cut(rest1);
  const [proof, checkpoint] = cut(rest2);
  const headLines = head.split("\n");
  const key = headLines[0]?.replace(/^key: /, "");
  const signature = headLines[1]?.replace(/^signature: /, "");
  const proofLines = proof.split("\n");
  if (proofLines[0] !== "c2sp.org/tlog-proof@v1") throw new Error("Bukti c2sp.org/tlog-proof@v1 tidak ditemukan.");
  const entry = base64ToBytes(proofLines[1].replace(/^extra /, ""));
  const index = Number(proofLines[2].replace(/^index /, ""));
  const hashes = proofLines.slice(3).filter((l) => l).map(base64ToBytes);
  return { key, signature, document: `${documentBody}\n`, entry, index, hashes, checkpoint };
}

function cut(text) {
  const at = text.indexOf("\n\n");
  if (at < 0) throw new Error("Berkas tanda terima terpotong.");
  return [text.slice(0, at), text.slice(at + 2)];
}

/** The fields of an entry's text (name: value lines). */
export function entryFields(entryBytes) {
  const fields = {};
  for (const line of new TextDecoder().decode(entryBytes).split("\n").slice(1)) {
    const at = line.indexOf(": ");
    if (at > 0) fields[line.slice(0, at)] = line.slice(at + 2);
  }
  return fields;
}

export async function fingerprint(publicKeyB64) {
  return sha256Hex(base64ToBytes(publicKeyB64));
}
