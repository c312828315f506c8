// One differential check for differential.sh: relocates OBJ against TARGET with btfkit and
// with core-oracle (libbpf), and prints the relocations whose outcome, values, access paths
// or patched bytes differ. Exit 1 when one does.
//
// usage: node differential.mjs OBJ TARGET ORACLE

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relocateObject } from '../../packages/btf-co-re/dist/index.js';
import { Spec } from '../../packages/btf-types/dist/index.js';

const [obj, targetPath, oracle] = process.argv.slice(2);
const target = Spec.parse(new Uint8Array(readFileSync(targetPath)));
const expected = execFileSync(oracle, [obj, targetPath], { encoding: 'utf8', maxBuffer: 1 << 28 })
  .trim()
  .split('\n')
  .map(JSON.parse);
const r = relocateObject(new Uint8Array(readFileSync(obj)), target);
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const path = (p) => ({
  root: p.rootTypeID,
  raw: [...p.raw],
  accessors: p.accessors.map((a) => [a.typeID, a.index]),
  bitOffset: p.bitOffset,
});
const errno = (m) => (m.includes('ERANGE') ? -34 : m.includes('E2BIG') ? -7 : -22);
let bad = 0;
r.relocations.forEach((x, i) => {
  const rel = x.relocation;
  const f = x.fixup;
  const head = {
    section: rel.section,
    index: rel.index,
    insnOff: rel.insnOff,
    kind: rel.kind,
    typeId: rel.typeID,
    access: rel.accessString,
  };
  let got;
  if (!f) got = { ...head, error: errno(x.result.error.message) };
  else {
    got = {
      ...head,
      poison: f.poison,
      validate: f.validate,
      orig: f.localValue.toString(),
      new: f.targetValue.toString(),
      origSz: f.localFieldSize,
      newSz: f.targetFieldSize,
      failMemsz: f.failMemSizeAdjust,
      local: path(f.local),
      target: f.target && !f.poison ? path(f.target) : null,
    };
    if (!x.result.ok) got.patchError = errno(x.result.error.message);
    else got.patched = hex(x.patched);
  }
  const a = JSON.stringify(got),
    b = JSON.stringify(expected[i]);
  if (a !== b) {
    bad++;
    if (bad < 4)
      console.log('DIFF', i, '\n ours', a, x.result.ok ? '' : x.result.error.message, '\n lbpf', b);
  }
});
if (expected.length !== r.relocations.length)
  console.log('COUNT', expected.length, r.relocations.length);
console.log(
  `${obj.split('/').pop()} vs ${targetPath.split('/').pop()}: ${r.relocations.length} relocations, ${bad} differ`,
);
if (bad > 0 || expected.length !== r.relocations.length) process.exitCode = 1;
