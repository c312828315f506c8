import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/** The bundled sample: testdata's vmlinux BTF, emitted as a static file fetched on demand. */
function sample(): Plugin {
  const path = fileURLToPath(new URL('../../testdata/vmlinux/vmlinux.btf.gz', import.meta.url));
  return {
    name: 'btfkit-sample',
    generateBundle() {
      this.emitFile({
        type: 'asset',
        fileName: 'sample/vmlinux.btf.gz',
        source: readFileSync(path),
      });
    },
    configureServer(server) {
      server.middlewares.use('/sample/vmlinux.btf.gz', (_req, res) => {
        res.setHeader('content-type', 'application/gzip');
        res.end(readFileSync(path));
      });
    },
  };
}

export default defineConfig({
  // Relative URLs: the built page works from any folder of any static host.
  base: './',
  plugins: [sample()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true, reportCompressedSize: false },
});
