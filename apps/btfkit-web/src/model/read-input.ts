/** The largest input accepted after gunzip: far above any kernel's BTF or vmlinux image. */
export const MAX_INPUT_BYTES = 1 << 30;

/**
 * The bytes of a file the user picked, gunzipped when it starts with gzip's magic (BTF
 * archives, the bundled sample): what `loadSpecFromBytes` takes (raw BTF or ELF).
 * @throws Error (`web: ...`) for a gzip stream that is corrupt or inflates past
 *   {@link MAX_INPUT_BYTES}
 */
export async function readInput(file: Blob): Promise<Uint8Array> {
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  if (head[0] !== 0x1f || head[1] !== 0x8b) return new Uint8Array(await file.arrayBuffer());
  const reader = file.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > MAX_INPUT_BYTES) {
        await reader.cancel();
        throw new Error(`web: gzip: inflates past ${MAX_INPUT_BYTES} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('web:')) throw e;
    throw new Error(`web: gzip: corrupt stream after ${total} bytes`, { cause: e });
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
