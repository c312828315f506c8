import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type DedupSource, dedupBtf, Spec } from '@btfkit/types';
import { FormatError } from '@btfkit/wire';
import { describe, expect, it } from 'vitest';
import { listFixtures, readFixture, readText, testdata } from './helpers.js';

// Every golden here is libbpf 1.1's btf__dedup output, made by tooling/dedup-oracle from the
// same inputs (tooling/testdata/regen.sh); the comparison is of whole blobs, byte for byte.

describe('dedupBtf: hand-made cases (testdata/dedup/cases, libbpf btf__add_* + btf__dedup)', () => {
  for (const file of listFixtures('dedup/cases', '.btf').filter(
    (f) => !f.endsWith('.dedup.btf') && !f.endsWith('.base.btf'),
  )) {
    const name = file.slice(0, -'.btf'.length);
    const basePath = join(testdata, 'dedup/cases', `${name}.base.btf`);
    const base = existsSync(basePath) ? readFixture('dedup/cases', `${name}.base.btf`) : undefined;
    const run = () => dedupBtf([readFixture('dedup/cases', file)], base ? { base } : {});
    // Cases newer libbpf fixed are compared with it below.
    if (existsSync(join(testdata, 'dedup/newer', `${name}.dedup.btf`))) continue;
    if (existsSync(join(testdata, 'dedup/cases', `${name}.error`))) {
      const errno = readText('dedup/cases', `${name}.error`).trim();
      it(`${name}: libbpf fails with ${errno}, so do we (a typed error)`, () => {
        expect(run).toThrow(FormatError);
        expect(run).toThrow(errno);
      });
      continue;
    }
    it(`${name}: the same bytes as libbpf`, () => {
      const got = run();
      expect(Buffer.from(got.btf)).toEqual(
        Buffer.from(readFixture('dedup/cases', `${name}.dedup.btf`)),
      );
    });
  }
});

// Where newer libbpf fixed a case of 1.1, dedupBtf does as the newer one does. Each such
// case's golden is libbpf 1.8's output (testdata/dedup/newer/, see testdata/README.md); 1.8
// writes the 32-byte header with the layout fields, so the sections are compared byte for
// byte after each header. Every such case says why, and shows that 1.1 does otherwise.
const NEWER: Record<string, string> = {
  'identical-pointers':
    'libbpf 1.1 takes a second candidate for a type only when it is an identical array or ' +
    'struct, so two pointers (or const volatile chains) to the same int keep the structs ' +
    'apart; libbpf 1.6 compares any identical chain (btf_dedup_identical_types) and merges them',
  'typedef-loop':
    'libbpf 1.1 dedups typedefs with the reference types and fails with ELOOP on a typedef ' +
    'that reaches itself through a pointer (Go types); libbpf 1.7 dedups typedefs in the ' +
    'struct pass, by graph equivalence, and merges the copies',
};

describe('dedupBtf: where newer libbpf fixed 1.1 (testdata/dedup/newer, libbpf 1.8)', () => {
  const header = (b: Uint8Array) => {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return {
      hdrLen: v.getUint32(4, true),
      types: v.getUint32(12, true),
      strings: v.getUint32(20, true),
    };
  };
  const cases = listFixtures('dedup/newer', '.dedup.btf').map((f) =>
    f.slice(0, -'.dedup.btf'.length),
  );
  it('has a reason for every case', () => {
    expect(cases.sort()).toEqual(Object.keys(NEWER).sort());
  });
  for (const name of cases) {
    it(`${name}: ${NEWER[name] ?? '(no reason given)'}`, () => {
      const got = dedupBtf([readFixture('dedup/cases', `${name}.btf`)]).btf;
      const newer = readFixture('dedup/newer', `${name}.dedup.btf`);
      const g = header(got);
      const n = header(newer);
      expect([g.types, g.strings]).toEqual([n.types, n.strings]);
      expect(Buffer.from(got.subarray(g.hdrLen))).toEqual(Buffer.from(newer.subarray(n.hdrLen)));
      // libbpf 1.1 does otherwise: it fails, or keeps more types.
      if (existsSync(join(testdata, 'dedup/cases', `${name}.error`))) return;
      const old = readFixture('dedup/cases', `${name}.dedup.btf`);
      expect(header(old).types).toBeGreaterThan(n.types);
    });
  }
});

describe('dedupBtf: random graphs with typedef loops (testdata/dedup/newer/typedef-loops, libbpf 1.8)', () => {
  // Graphs on which libbpf 1.1 fails with ELOOP: dedupBtf gives libbpf 1.8's sections.
  const names = listFixtures('dedup/newer/typedef-loops', '.btf').filter(
    (f) => !f.includes('.dedup.'),
  );
  it('has the cases', () => expect(names.length).toBeGreaterThanOrEqual(20));
  it('gives the same sections as libbpf 1.8 for every one', () => {
    const wrong: string[] = [];
    const body = (b: Uint8Array) =>
      b.subarray(new DataView(b.buffer, b.byteOffset).getUint32(4, true));
    for (const f of names) {
      const name = f.slice(0, -'.btf'.length);
      const got = dedupBtf([readFixture('dedup/newer/typedef-loops', f)]).btf;
      const want = readFixture('dedup/newer/typedef-loops', `${name}.dedup.btf`);
      if (!Buffer.from(body(got)).equals(Buffer.from(body(want)))) wrong.push(name);
    }
    expect(wrong).toEqual([]);
  });
});

describe('dedupBtf: random type graphs (testdata/dedup/random, libbpf btf__dedup)', () => {
  const names = listFixtures('dedup/random', '.btf').filter((f) => !f.includes('.dedup.'));
  it('has the cases', () => expect(names.length).toBeGreaterThanOrEqual(100));
  it('gives the same bytes as libbpf for every one', () => {
    const wrong: string[] = [];
    for (const f of names) {
      const name = f.slice(0, -'.btf'.length);
      const got = dedupBtf([readFixture('dedup/random', f)]).btf;
      const want = readFixture('dedup/random', `${name}.dedup.btf`);
      if (!Buffer.from(got).equals(Buffer.from(want))) wrong.push(name);
    }
    expect(wrong).toEqual([]);
  });
});

interface ManifestCase {
  readonly name: string;
  readonly base: string | undefined;
  readonly inputs: readonly { readonly path: string; readonly split: boolean }[];
}

function manifest(): ManifestCase[] {
  const out: ManifestCase[] = [];
  for (const line of readText('dedup/manifest.txt').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [name, ...rest] = line.trim().split(/\s+/);
    let base: string | undefined;
    const inputs: { path: string; split: boolean }[] = [];
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      if (a === '--base') base = rest[++i];
      else if (a.startsWith('split:')) inputs.push({ path: a.slice(6), split: true });
      else inputs.push({ path: a, split: false });
    }
    out.push({ name: name!, base, inputs });
  }
  return out;
}

describe('dedupBtf: testdata/dedup/manifest.txt against libbpf', () => {
  for (const c of manifest()) {
    it(`${c.name}: the same bytes as libbpf`, () => {
      const sources: DedupSource[] = c.inputs.map((i) => {
        const bytes = readFixture(i.path);
        // With a base, a raw blob is split BTF over it; a blob of its own goes in as a Spec.
        return c.base && !i.split ? Spec.parse(bytes) : bytes;
      });
      const got = dedupBtf(sources, c.base ? { base: readFixture(c.base) } : {});
      const sha = join(testdata, 'dedup', `${c.name}.dedup.sha256`);
      if (existsSync(sha)) {
        const [hash, size] = readText('dedup', `${c.name}.dedup.sha256`).trim().split(' ');
        expect(got.btf.byteLength).toBe(Number(size));
        expect(createHash('sha256').update(got.btf).digest('hex')).toBe(hash);
      } else {
        expect(Buffer.from(got.btf)).toEqual(
          Buffer.from(readFixture('dedup', `${c.name}.dedup.btf`)),
        );
      }
    }, 60_000);
  }
});

describe('dedupBtf: inputs', () => {
  const basic = readFixture('objects/basic-el.btf');
  const enums = readFixture('objects/enums-el.btf');

  it('takes a Spec, a Builder or bytes alike', async () => {
    const { Builder } = await import('@btfkit/types');
    const spec = Spec.parse(enums);
    const b = new Builder();
    for (const t of Spec.parse(basic)) b.add(t);
    const fromBytes = dedupBtf([basic, enums]);
    const mixed = dedupBtf([b, spec]);
    const again = dedupBtf([Spec.parse(fromBytes.btf)]);
    // A Builder renumbers, so compare what both dedup to once more.
    expect(dedupBtf([mixed.btf]).typesOut).toBe(again.typesOut);
  });

  it('counts types in and out and maps every input ID', () => {
    const r = dedupBtf([basic, basic]);
    const n = Spec.parse(basic).nextTypeID - 1;
    expect(r.typesIn).toBe(2 * n);
    expect(r.typeMap.length).toBe(2 * n + 1);
    expect(r.typeMap[0]).toBe(0);
    for (let id = 1; id < r.typeMap.length; id++) {
      expect(r.typeMap[id]).toBeGreaterThan(0);
      expect(r.typeMap[id]).toBeLessThanOrEqual(r.typesOut);
    }
  });

  it('refuses strings that deduplicate past the 16 MiB the kernel reads, with a typed error', () => {
    // FLOATs named by offsets ever deeper into one 64 KiB string: every suffix is a string
    // of its own. 600 of them make some 19 MiB from a blob of 72 KiB; 200 make 6 MiB.
    const suffixes = (n: number) => {
      const strLen = 1 + 65536 + 1;
      const types = n * 12;
      const blob = new Uint8Array(24 + types + strLen);
      const v = new DataView(blob.buffer);
      v.setUint16(0, 0xeb9f, true);
      v.setUint8(2, 1);
      v.setUint32(4, 24, true);
      v.setUint32(12, types, true);
      v.setUint32(16, types, true);
      v.setUint32(20, strLen, true);
      for (let i = 0; i < n; i++) {
        v.setUint32(24 + i * 12, 1 + i * 64, true);
        v.setUint32(24 + i * 12 + 4, 16 << 24, true);
        v.setUint32(24 + i * 12 + 8, 8, true);
      }
      blob.fill(0x61, 24 + types + 1, 24 + types + 1 + 65536);
      return blob;
    };
    expect(() => dedupBtf([suffixes(600)])).toThrow(FormatError);
    expect(() => dedupBtf([suffixes(600)])).toThrow(/passes 16777216 bytes/);
    expect(dedupBtf([suffixes(200)]).typesOut).toBe(200);
  });

  it('names the type and offset of a reference past the end', () => {
    const bad = new Uint8Array(basic);
    // Type 1's third word (size/type) of a PTR, or any record: find a PTR and break it.
    const spec = Spec.parse(basic);
    const raw = spec.raw;
    let ptr = 0;
    for (let id = 1; id < raw.nextTypeID; id++) if (raw.kindOf(id) === 2) ptr = id;
    const at = raw.header.hdrLen + raw.header.typeOff + raw.offsetOf(ptr) + 8;
    new DataView(bad.buffer).setUint32(at, 0xfffff, true);
    expect(() => dedupBtf([bad])).toThrow(new RegExp(`type id ${ptr}: references type 1048575`));
  });
});
