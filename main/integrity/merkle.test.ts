import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, MerkleAccumulator, inclusionProof, merkleRoot, merkleRootRecursive, sha256, verifyInclusion } from './merkle';

const records = (n: number) => Array.from({ length: n }, (_, i) => sha256(Buffer.from(`record ${i}`)));

describe('Merkle roots over the records of a file', () => {
  it('computes in one pass the same root as RFC 6962 defines recursively, for every size', () => {
    for (let n = 0; n <= 70; n++) expect(merkleRoot(records(n)), `${n} leaves`).toBe(merkleRootRecursive(records(n)));
  });

  it('is the hash of nothing for an empty file, and the prefixed leaf for one record', () => {
    expect(merkleRoot([])).toBe(EMPTY_ROOT);
    const [one] = records(1);
    expect(merkleRoot([one!])).toBe(sha256(Buffer.concat([Buffer.from([0]), one!])).toString('hex'));
  });

  it('changes when a record is edited, removed, added or two records swap places', () => {
    const base = records(9);
    const root = merkleRoot(base);
    const edited = [...base];
    edited[4] = sha256(Buffer.from('tampered'));
    const swapped = [...base];
    [swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!];
    for (const other of [edited, base.slice(1), [...base, sha256(Buffer.from('extra'))], swapped]) expect(merkleRoot(other)).not.toBe(root);
  });

  it('proves that one record belongs to the file, and refuses a proof for another record or place', () => {
    for (const n of [1, 2, 3, 5, 8, 13]) {
      const leaves = records(n);
      const root = new MerkleAccumulator();
      for (const l of leaves) root.push(l);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(leaves, i);
        expect(verifyInclusion(leaves[i]!, i, n, proof, root.root()), `${i} of ${n}`).toBe(true);
        if (n > 1) expect(verifyInclusion(leaves[(i + 1) % n]!, i, n, proof, root.root())).toBe(false);
      }
    }
  });
});
