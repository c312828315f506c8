// The quick-start job: print the running kernel's BTF the way
// `bpftool btf dump file /sys/kernel/btf/vmlinux format raw` does, or the bundled sample
// when this machine has no kernel BTF (macOS, containers without /sys/kernel/btf).
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { RawBtf, rawDumpChunks } from '@btfkit/wire';

const kernel = '/sys/kernel/btf/vmlinux';
const sample = new URL('../../testdata/vmlinux/vmlinux.btf.gz', import.meta.url);
const path = process.argv[2] ?? (existsSync(kernel) ? kernel : undefined);

let bytes;
if (path) {
  bytes = readFileSync(path);
} else {
  console.error(`no ${kernel} here: dumping the bundled sample instead`);
  bytes = gunzipSync(readFileSync(sample));
}

// Output piped into `head` ends quietly.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const btf = RawBtf.parse(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
for (const chunk of rawDumpChunks(btf, 1 << 20)) {
  if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
}
