// Writes the C formatter's priming blob (packages/btf-types/src/c-format/prime-blob.ts) as a
// BTF file, for regen.sh to have bpftool print it as prime-blob.c.golden.
// usage (bundled by regen.sh): node write-prime-blob.mjs OUT
import { writeFileSync } from 'node:fs';
import { primeBlob } from '../../packages/btf-types/src/c-format/prime-blob.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: write-prime-blob OUT');
writeFileSync(out, primeBlob().bytes);
