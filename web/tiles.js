// Proofs from a static copy of the log: the checkpoint and the tiles of c2sp.org/tlog-tiles
// (docs/FORMATS.md §16) that a registry serves under its base URL and `pakta publish`
// copies to a bucket. Nothing fetched here is trusted: every hash read from a tile ends
// up in a proof that is checked against roots of checkpoints signed by the pinned key, so
// a damaged or forged tile makes the proof fail, never pass.
import { nodeHash } from "./tlog.js";

const HEIGHT = 8; // tile height: hash tile level L holds tree level 8·L
const WIDTH = 2 ** HEIGHT; // 256 hashes (or entries) in a full tile

/** "x001/x234/067" for 1234067: groups of three digits, all but the last prefixed "x". */
function tileIndexPath(n) {
  let digits = String(n);
  digits = digits.padStart(Math.ceil(digits.length / 3) * 3, "0");
  const groups = digits.match(/.../g);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join("/");
}

/** The path of tile N at `level` ("entries" for entry bundles) holding `width` items. */
export function tilePath(level, n, width) {
  return `tile/${level}/${tileIndexPath(n)}${width < WIDTH ? `.p/${width}` : ""}`;
}

/** The entries of an entry bundle: each is a 16-bit big-endian length, then its bytes. */
export function splitBundle(bundle) {
  const entries = [];
  for (let at = 0; at < bundle.length;) {
    if (at + 2 > bundle.length) throw new Error("Berkas entri terpotong.");
    const length = (bundle[at] << 8) | bundle[at + 1];
    if (at + 2 + length > bundle.length) throw new Error("Berkas entri terpotong.");
    entries.push(bundle.slice(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return entries;
}

function floorLog2(x) {
  let l = 0;
  while (2 ** (l + 1) <= x) l += 1;
  return l;
}

function trailingZeros(x) {
  if (x === 0) return 64;
  let z = 0;
  while (x % 2 === 0) { x /= 2; z += 1; }
  return z;
}

/** The largest power of two smaller than n (n > 1): RFC 6962's split point k. */
const split = (n) => 2 ** floorLog2(n - 1);

/**
 * Reads the tree of the first `size` entries from the tiles under `base` (a URL ending in
 * "/"): the hash of any complete subtree, and the entries themselves.
 */
export class TileLog {
  constructor(base, size) {
    this.base = base;
    this.size = size;
    this.fetched = new Map();
  }

  async #get(path) {
    if (!this.fetched.has(path)) {
      this.fetched.set(path, (async () => {
        let response;
        try {
          response = await fetch(new URL(path, this.base), { cache: "no-cache" });
        } catch {
          throw new Error(`${path} tidak dapat diambil dari ${this.base}: periksa jaringan lalu coba lagi.`);
        }
        if (!response.ok) throw new Error(`${path} tidak ada di ${this.base} (status ${response.status}).`);
        return new Uint8Array(await response.arrayBuffer());
      })());
    }
    return this.fetched.get(path);
  }

  /** Tile N at tile level `level` as the tree of `size` has it: full, or its first W. */
  async #tile(level, n) {
    const items = Math.floor(this.size / WIDTH ** (level === "entries" ? 0 : level));
    const width = Math.min(WIDTH, items - n * WIDTH);
    if (width <= 0) throw new Error(`Log berukuran ${this.size} belum memiliki ubin ${level}/${n}.`);
    const path = tilePath(level, n, width);
    return { path, width, bytes: await this.#get(path) };
  }

  /**
   * The hash of the complete subtree at tree `level`, `index` (leaves index·2^level up
   * to (index+1)·2^level − 1). Hash tile L holds tree level 8L; a node between two
   * stored levels is hashed up from the 2^r hashes below it in one tile (r = level mod
   * 8), which lie side by side there because 2^r divides 256.
   */
  async subtree(level, index) {
    const tileLevel = Math.floor(level / HEIGHT);
    const r = level % HEIGHT;
    const first = index * 2 ** r; // its leftmost descendant at tree level 8·tileLevel
    const n = Math.floor(first / WIDTH);
    const tile = await this.#tile(tileLevel, n);
    if (tile.bytes.length !== tile.width * 32) throw new Error(`Ubin ${tile.path} rusak: ukurannya bukan ${tile.width * 32} byte.`);
    let row = [];
    for (let i = first % WIDTH; i < first % WIDTH + 2 ** r; i += 1) {
      if (i >= tile.width) throw new Error(`Ubin ${tile.path} terlalu pendek.`);
      row.push(tile.bytes.slice(i * 32, (i + 1) * 32));
    }
    while (row.length > 1) {
      const up = [];
      for (let i = 0; i < row.length; i += 2) up.push(await nodeHash(row[i], row[i + 1]));
      row = up;
    }
    return row[0];
  }

  /** The bytes of entry `index`, from its entry bundle. */
  async entry(index) {
    const tile = await this.#tile("entries", Math.floor(index / WIDTH));
    const entries = splitBundle(tile.bytes);
    if (entries.length !== tile.width) throw new Error(`Berkas entri ${tile.path} tidak memuat ${tile.width} entri.`);
    return entries[index % WIDTH];
  }

  /**
   * MTH(D[start:end]) for a range aligned as every range of the RFC's recursions is:
   * complete subtrees from the left, hashed together from the right (range_hash in
   * src/domain/merkle.rs).
   */
  async rangeHash(start, end) {
    const parts = [];
    for (let at = start; at < end;) {
      const level = Math.min(floorLog2(end - at), trailingZeros(at));
      parts.push(await this.subtree(level, at / 2 ** level));
      at += 2 ** level;
    }
    let hash = parts.pop();
    while (parts.length) hash = await nodeHash(parts.pop(), hash);
    return hash;
  }

  /**
   * RFC 6962 §2.1.2 PROOF(m, D[n]) for n = this.size:
   *   SUBPROOF(m, D[m], true)  = {}
   *   SUBPROOF(m, D[m], false) = {MTH(D[m])}
   *   SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])        if m <= k
   *                        = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]) if m > k
   * unrolled top-down (each step adds the hash that comes after the deeper part), then
   * reversed.
   */
  async consistencyProof(m) {
    const proof = [];
    let start = 0, end = this.size, whole = true;
    for (;;) {
      const n = end - start;
      if (m === n) {
        if (!whole) proof.push(await this.rangeHash(start, end));
        break;
      }
      const k = split(n);
      if (m <= k) {
        proof.push(await this.rangeHash(start + k, end));
        end = start + k;
      } else {
        proof.push(await this.rangeHash(start, start + k));
        start += k;
        m -= k;
        whole = false;
      }
    }
    return proof.reverse();
  }

  /**
   * RFC 6962 §2.1.1 PATH(m, D[n]) for n = this.size:
   *   PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])         if m < k
   *                 = PATH(m - k, D[k:n]) : MTH(D[0:k])     if m >= k
   * collected from the root down, then reversed so the leaf's sibling comes first.
   */
  async inclusionProof(index) {
    const path = [];
    let start = 0, end = this.size, m = index;
    while (end - start > 1) {
      const k = split(end - start);
      if (m < k) {
        path.push(await this.rangeHash(start + k, end));
        end = start + k;
      } else {
        path.push(await this.rangeHash(start, start + k));
        start += k;
        m -= k;
      }
    }
    return path.reverse();
  }
}
