import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EMPTY_ROOT,
  MemoryNodeSource,
  consistencyProof,
  inclusionProof,
  leafHash,
  rootFromLeafHashes,
  subtreeHash,
  verifyConsistency,
  verifyInclusion,
} from "./merkle.ts";

/*
 * Test vectors: the RFC 6962 / RFC 9162 reference tree of 8 leaves as published in the Go module
 * github.com/transparency-dev/merkle (formerly google/trillian merkle), file proof/verify_test.go:
 * `leaves`, `roots` (root of the tree of the first 1…8 leaves), `inclusionProofs` (1-based leaf
 * numbers) and `consistencyProofs`. The hashing rules are identical in RFC 9162 §2.1.
 */
const hex = (s: string) => Buffer.from(s, "hex");
const LEAVES = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
].map(hex);
const ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
].map(hex);
const INCLUSION: { leaf: number; size: number; proof: string[] }[] = [
  { leaf: 1, size: 1, proof: [] },
  {
    leaf: 1,
    size: 8,
    proof: [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  },
  {
    leaf: 6,
    size: 8,
    proof: [
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
  { leaf: 3, size: 3, proof: ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"] },
  {
    leaf: 2,
    size: 5,
    proof: [
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
  },
];
const CONSISTENCY: { size1: number; size2: number; proof: string[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
];

function referenceTree(): MemoryNodeSource {
  const source = new MemoryNodeSource();
  for (const leaf of LEAVES) source.append(leafHash(leaf));
  return source;
}

test("roots of the reference tree for every size 1…8 match the published vectors", async () => {
  assert.deepEqual(
    EMPTY_ROOT.toString("hex"),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  const source = referenceTree();
  for (let n = 1; n <= 8; n++) {
    assert.equal(
      rootFromLeafHashes(LEAVES.slice(0, n).map(leafHash)).toString("hex"),
      ROOTS[n - 1]!.toString("hex"),
    );
    assert.equal(
      (await subtreeHash(source, 0, n)).toString("hex"),
      ROOTS[n - 1]!.toString("hex"),
      `size ${n}`,
    );
  }
});

test("inclusion proofs are generated and verified exactly as the published vectors", async () => {
  const source = referenceTree();
  for (const v of INCLUSION) {
    const index = v.leaf - 1;
    const proof = await inclusionProof(source, index, v.size);
    assert.deepEqual(
      proof.map((p) => p.toString("hex")),
      v.proof,
      `leaf ${index} in ${v.size}`,
    );
    assert.ok(verifyInclusion(index, v.size, leafHash(LEAVES[index]!), proof, ROOTS[v.size - 1]!));
  }
});

test("corrupted inclusion proofs are refused", () => {
  const v = INCLUSION[2]!;
  const proof = v.proof.map(hex);
  const leaf = leafHash(LEAVES[5]!);
  const root = ROOTS[7]!;
  assert.ok(verifyInclusion(5, 8, leaf, proof, root));
  assert.ok(!verifyInclusion(4, 8, leaf, proof, root), "wrong index");
  assert.ok(!verifyInclusion(6, 8, leaf, proof, root), "wrong index");
  assert.ok(!verifyInclusion(5, 16, leaf, proof, root), "size * 2");
  assert.ok(!verifyInclusion(5, 4, leaf, proof, root), "size / 2");
  assert.ok(!verifyInclusion(5, 8, leafHash(Buffer.from("WrongLeaf")), proof, root), "wrong leaf");
  assert.ok(!verifyInclusion(5, 8, leaf, proof, EMPTY_ROOT), "empty root");
  assert.ok(!verifyInclusion(5, 8, leaf, [...proof, root], root), "trailing root");
  assert.ok(!verifyInclusion(5, 8, leaf, [root, ...proof], root), "preceding root");
  assert.ok(!verifyInclusion(5, 8, leaf, [...proof, Buffer.alloc(0)], root), "trailing garbage");
  assert.ok(!verifyInclusion(5, 8, leaf, proof.slice(0, 2), root), "removed component");
  for (let i = 0; i < proof.length; i++) {
    const wrong = proof.map((p) => Buffer.from(p));
    wrong[i]![0]! ^= 8;
    assert.ok(!verifyInclusion(5, 8, leaf, wrong, root), `bit flipped in ${i}`);
  }
  assert.ok(!verifyInclusion(8, 8, leaf, proof, root), "index outside the tree");
});

test("consistency proofs are generated and verified exactly as the published vectors", async () => {
  const source = referenceTree();
  for (const v of CONSISTENCY) {
    const proof = await consistencyProof(source, v.size1, v.size2);
    assert.deepEqual(
      proof.map((p) => p.toString("hex")),
      v.proof,
      `${v.size1} → ${v.size2}`,
    );
    assert.ok(verifyConsistency(v.size1, v.size2, ROOTS[v.size1 - 1]!, ROOTS[v.size2 - 1]!, proof));
  }
});

test("corrupted consistency proofs are refused", () => {
  const proof = CONSISTENCY[2]!.proof.map(hex);
  const [r1, r2] = [ROOTS[5]!, ROOTS[7]!];
  assert.ok(verifyConsistency(6, 8, r1, r2, proof));
  assert.ok(!verifyConsistency(5, 8, r1, r2, proof), "size1 - 1");
  assert.ok(!verifyConsistency(7, 8, r1, r2, proof), "size1 + 1");
  assert.ok(!verifyConsistency(6, 16, r1, r2, proof), "size2 * 2");
  assert.ok(!verifyConsistency(6, 8, r2, r1, proof), "swapped roots");
  assert.ok(!verifyConsistency(6, 8, r1, r2, []), "empty proof");
  assert.ok(!verifyConsistency(6, 8, r1, r2, [...proof, r1]), "trailing root");
  assert.ok(!verifyConsistency(6, 8, r1, r2, [r2, ...proof]), "preceding root");
  assert.ok(!verifyConsistency(6, 8, r1, r2, proof.slice(0, 2)), "truncated");
  assert.ok(!verifyConsistency(8, 6, r2, r1, proof), "time travel");
  for (let i = 0; i < proof.length; i++) {
    const wrong = proof.map((p) => Buffer.from(p));
    wrong[i]![0]! ^= 16;
    assert.ok(!verifyConsistency(6, 8, r1, r2, wrong), `bit flipped in ${i}`);
  }
  assert.ok(verifyConsistency(0, 8, EMPTY_ROOT, r2, []), "the empty tree is a prefix of every tree");
  assert.ok(!verifyConsistency(8, 8, r1, r2, []), "same size, different roots");
});

test("every proof of every pair of sizes up to 70 round-trips", async () => {
  const source = new MemoryNodeSource();
  const hashes: Buffer[] = [];
  for (let i = 0; i < 70; i++) {
    hashes.push(leafHash(Buffer.from(`leaf ${i}`)));
    source.append(hashes[i]!);
  }
  const roots = [EMPTY_ROOT];
  for (let n = 1; n <= 70; n++) roots.push(rootFromLeafHashes(hashes.slice(0, n)));
  for (let n = 1; n <= 70; n++) {
    assert.deepEqual(await subtreeHash(source, 0, n), roots[n]);
    for (let m = 0; m < n; m++) {
      assert.ok(
        verifyInclusion(m, n, hashes[m]!, await inclusionProof(source, m, n), roots[n]!),
        `${m}/${n}`,
      );
    }
    for (let m = 0; m <= n; m++) {
      assert.ok(
        verifyConsistency(m, n, roots[m]!, roots[n]!, await consistencyProof(source, m, n)),
        `${m}→${n}`,
      );
    }
  }
});
