// Checking the registry's proofs in the browser, independently of the server's own
// answer: receipts (pakta/receipt/v1 with a c2sp.org/tlog-proof@v1), RFC 6962 inclusion
// and consistency proofs, C2SP checkpoints signed with the log's Ed25519 key, and the
// witnesses' cosignatures on them (c2sp.org/tlog-cosignature).
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
export const nodeHash = (left, right) => sha256(Uint8Array.of(1), left, right);
export const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

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

function isPowerOfTwo(n) {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}

/**
 * RFC 9162 §2.1.4.2: the tree of size m with oldRoot is a prefix of the tree of size n
 * with newRoot. The same fold as verify_consistency in src/domain/merkle.rs.
 */
export async function verifyConsistency(m, n, proof, oldRoot, newRoot) {
  if (m > n) return false;
  if (m === n) return proof.length === 0 && same(oldRoot, newRoot);
  if (m === 0) return proof.length === 0;
  // "If first is an exact power of 2, then prepend first_hash to the consistency_path."
  const path = isPowerOfTwo(m) ? [oldRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = m - 1, sn = n - 1;
  // "If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set."
  while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && same(fr, oldRoot) && same(sr, newRoot);
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

/**
 * A witness's verifier key, "name+hexid+base64(0x04||key)" (c2sp.org/tlog-cosignature,
 * Ed25519 cosignature/v1); throws a readable error for anything else. The id is checked
 * against SHA-256(name || "\n" || 0x04 || key)[:4], so a key pasted under another name
 * is refused rather than silently never matching.
 */
export async function parseWitnessKey(line) {
  const text = line.trim();
  const [name, id, key] = splitVkey(text);
  let keyBytes;
  try { keyBytes = base64ToBytes(key); } catch { keyBytes = new Uint8Array(); }
  if (!name || /\s/.test(name) || !/^[0-9a-f]{8}$/.test(id) || keyBytes.length !== 33 || keyBytes[0] !== 4) {
    throw new Error(`"${text}" bukan kunci verifikasi saksi (bentuknya nama+id+kunci, dengan kunci Ed25519 cosignature/v1).`);
  }
  const expected = hex((await sha256(encoder.encode(`${name}\n`), keyBytes)).slice(0, 4));
  if (expected !== id) throw new Error(`Kunci saksi "${name}" tidak cocok dengan id-nya ${id}: periksa kembali salinannya.`);
  const publicKey = await crypto.subtle.importKey("raw", keyBytes.slice(1), { name: "Ed25519" }, false, ["verify"]);
  return { name, id, publicKey };
}

/**
 * The witnesses among `witnesses` (from parseWitnessKey) whose cosignature on the note
 * verifies, each once, with the time it cosigned (seconds since 1970). A line is
 * "— name base64(keyid(4) || time, u64 big-endian (8) || signature (64))", and the signed
 * message is "cosignature/v1\ntime <time>\n" followed by the checkpoint text. Lines of
 * names or key ids not given (the log's own signature, other witnesses) are ignored.
 */
export async function cosigners(note, witnesses) {
  const split = note.lastIndexOf("\n\n");
  if (split < 0) return [];
  const text = note.slice(0, split + 1);
  const found = new Map();
  for (const line of note.slice(split + 2).split("\n")) {
    if (!line.startsWith("\u2014 ")) continue;
    const [name, b64] = line.slice(2).split(" ");
    let sig;
    try { sig = base64ToBytes(b64 ?? ""); } catch { continue; }
    if (sig.length !== 76 || found.has(name)) continue;
    const witness = witnesses.find((w) => w.name === name && w.id === hex(sig.slice(0, 4)));
    if (!witness) continue;
    const time = Number(new DataView(sig.buffer, sig.byteOffset + 4, 8).getBigUint64(0));
    const message = encoder.encode(`cosignature/v1\ntime ${time}\n${text}`);
    if (await crypto.subtle.verify({ name: "Ed25519" }, witness.publicKey, sig.slice(12), message)) {
      found.set(name, { name, time });
    }
  }
  return [...found.values()];
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
