import { hash } from 'node:crypto';

/**
 * Merkle trees over the records of an evidence file, as Certificate Transparency builds them
 * (RFC 6962 §2.1): a leaf is SHA-256(0x00 ‖ record hash), an inner node SHA-256(0x01 ‖ left ‖
 * right), and a tree of n leaves splits at the largest power of two below n. The 0x00 / 0x01
 * prefixes keep a leaf from ever passing for a node. The record hash itself is the plain SHA-256
 * of the record's verbatim bytes, so anyone can recompute it with `sha256sum`.
 *
 * The root goes in the evidence manifest: it fixes every record of the file, their number and
 * their order. An inclusion proof (the sibling hashes from a leaf to the root) lets an auditor
 * check that one record belongs to the file without reading the others.
 */

const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

export const sha256 = (bytes: Uint8Array): Buffer => hash('sha256', bytes, 'buffer') as unknown as Buffer;

export const EMPTY_ROOT = sha256(new Uint8Array(0)).toString('hex');

export function leafHash(recordHash: Uint8Array): Buffer {
  return sha256(Buffer.concat([LEAF, recordHash]));
}

function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(Buffer.concat([NODE, left, right]));
}

/**
 * The root of a stream of leaves in one pass, holding one hash per level: the perfect subtrees
 * of the leaves so far, largest first, merged as they fill, then folded right to left, which is
 * exactly RFC 6962's split at the largest power of two.
 */
export class MerkleAccumulator {
  private readonly stack: { size: number; hash: Buffer }[] = [];
  count = 0;

  push(recordHash: Uint8Array): void {
    let node = { size: 1, hash: leafHash(recordHash) };
    this.count++;
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (!top || top.size !== node.size) break;
      this.stack.pop();
      node = { size: top.size * 2, hash: nodeHash(top.hash, node.hash) };
    }
    this.stack.push(node);
  }

  root(): string {
    if (this.stack.length === 0) return EMPTY_ROOT;
    let acc = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) acc = nodeHash(this.stack[i]!.hash, acc);
    return acc.toString('hex');
  }
}

export function merkleRoot(recordHashes: readonly Uint8Array[]): string {
  const acc = new MerkleAccumulator();
  for (const h of recordHashes) acc.push(h);
  return acc.root();
}

/** RFC 6962's recursive definition, for tests and proofs: MTH(D[0:n]). */
function subtreeRoot(leaves: readonly Buffer[], from: number, to: number): Buffer {
  const n = to - from;
  if (n === 1) return leaves[from]!;
  const k = largestPowerOfTwoBelow(n);
  return nodeHash(subtreeRoot(leaves, from, from + k), subtreeRoot(leaves, from + k, to));
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function merkleRootRecursive(recordHashes: readonly Uint8Array[]): string {
  if (recordHashes.length === 0) return EMPTY_ROOT;
  const leaves = recordHashes.map(leafHash);
  return subtreeRoot(leaves, 0, leaves.length).toString('hex');
}

/** The audit path of leaf `index` (RFC 6962 §2.1.1): sibling hashes from the leaf up. */
export function inclusionProof(recordHashes: readonly Uint8Array[], index: number): string[] {
  const leaves = recordHashes.map(leafHash);
  const path: Buffer[] = [];
  const walk = (i: number, from: number, to: number): void => {
    const n = to - from;
    if (n <= 1) return;
    const k = largestPowerOfTwoBelow(n);
    if (i < from + k) {
      walk(i, from, from + k);
      path.push(subtreeRoot(leaves, from + k, to));
    } else {
      walk(i, from + k, to);
      path.push(subtreeRoot(leaves, from, from + k));
    }
  };
  walk(index, 0, leaves.length);
  return path.map((h) => h.toString('hex'));
}

/** Checks an audit path (RFC 9162 §2.1.3.2): true when the record at `index` of `size` leads to `root`. */
export function verifyInclusion(recordHash: Uint8Array, index: number, size: number, proof: readonly string[], root: string): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash(recordHash);
  for (const hex of proof) {
    const p = Buffer.from(hex, 'hex');
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && r.toString('hex') === root;
}
