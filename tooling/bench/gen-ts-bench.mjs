// The `gen ts` decode benchmark: the generated task_struct codec against a reader written the
// way one writes a DataView reader by hand when every offset is known: one function, literal
// offsets, nested objects inline, arrays unrolled, bitfields masked in place. The anchor is
// built by this file from the same BTF (3 KB of offsets is what `gen ts` saves writing by
// hand); before timing, both must decode the same bytes to deeply equal values.
import { deepStrictEqual } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The generated codec of `name`, transpiled and imported. */
export async function generatedDecoder(types, spec, name) {
  const ts = (await import('typescript')).default;
  const src = types.formatTypeScript(spec, [spec.typeByName(name, 'struct')]);
  const js = ts.transpileModule(src, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText;
  const path = join(mkdtempSync(join(tmpdir(), 'btfkit-bench-gen-ts-')), 'codec.mjs');
  writeFileSync(path, js);
  const mod = await import(pathToFileURL(path).href);
  return (view) => mod[name].decode(view, 0);
}

/** The hand-style reader of struct `name`: `(view) => value`. */
export function inlineDecoder(types, spec, name) {
  const le = spec.byteOrder === 'little';
  const L = String(le);
  const { underlyingType, qualifiedType } = types;
  const isByte = (t) => {
    const u = underlyingType(t);
    return u.kind === 'int' && u.size === 1 && (u.encoding & 4) === 0 && u.bits === 8;
  };
  const scalar = (u, o) => {
    switch (u.kind) {
      case 'pointer':
        return `v.getBigUint64(${o}, ${L})`;
      case 'float':
        return u.size === 4 ? `v.getFloat32(${o}, ${L})` : `v.getFloat64(${o}, ${L})`;
      default: {
        const bool = u.kind === 'int' && (u.encoding & 4) !== 0;
        const s = u.signed ? 'Int' : 'Uint';
        let e;
        if (u.size === 1) e = `v.get${s}8(${o})`;
        else if (u.size === 2 || u.size === 4) e = `v.get${s}${u.size * 8}(${o}, ${L})`;
        else if (u.size === 8) e = `v.getBig${s}64(${o}, ${L})`;
        else {
          const hi = `v.getBigUint64(${le ? `${o} + 8` : o}, ${L})`;
          const lo = `v.getBigUint64(${le ? o : `${o} + 8`}, ${L})`;
          e = `((${hi} << 64n) | ${lo})`;
          if (u.signed) e = `BigInt.asIntN(128, ${e})`;
        }
        return bool ? `${e} !== ${u.size === 8 ? '0n' : '0'}` : e;
      }
    }
  };
  const bitfield = (u, bit, n) => {
    const byte = Math.floor(bit / 8);
    const inner = bit % 8;
    const w = Math.ceil((inner + n) / 8);
    const shift = le ? inner : 8 * w - inner - n;
    const o = `o + ${byte}`;
    const bool = u.kind === 'int' && (u.encoding & 4) !== 0;
    let e;
    if (inner + n <= 32) {
      const win =
        w === 1
          ? `v.getUint8(${o})`
          : w === 2
            ? `v.getUint16(${o}, ${L})`
            : w === 3
              ? le
                ? `(v.getUint16(${o}, true) | (v.getUint8(${o} + 2) << 16))`
                : `((v.getUint16(${o}, false) << 8) | v.getUint8(${o} + 2))`
              : `v.getUint32(${o}, ${L})`;
      e = u.signed
        ? `(((${win} >>> ${shift}) << ${32 - n}) >> ${32 - n})`
        : `(((${win} >>> ${shift}) & ${2 ** n - 1}) >>> 0)`;
    } else {
      let win = '0n';
      for (let i = 0; i < w; i++) {
        win = `((${win} << 8n) | BigInt(v.getUint8(${o} + ${le ? w - 1 - i : i})))`;
      }
      e = `BigInt.as${u.signed ? 'Int' : 'Uint'}N(${n}, ${win} >> ${shift}n)`;
      if (n <= 32) e = `Number(${e})`;
    }
    return bool ? `${e} !== 0` : e;
  };
  const value = (type, off) => {
    let t = qualifiedType(type);
    const u = underlyingType(t);
    t = u;
    if (t.kind === 'array') {
      const dims = [];
      let e = t;
      while (e.kind === 'array') {
        dims.push(e.nelems);
        e = underlyingType(e.type);
      }
      const esize = types.sizeof(e);
      const bytes = isByte(e);
      const level = (d, base) => {
        const n = dims[d];
        let stride = esize;
        for (let i = d + 1; i < dims.length; i++) stride *= dims[i];
        if (bytes && d === dims.length - 1) {
          return `new Uint8Array(v.buffer, v.byteOffset + o + ${base}, ${n}).slice()`;
        }
        const items = [];
        for (let i = 0; i < n; i++) {
          items.push(
            d === dims.length - 1 ? value(e, base + i * stride) : level(d + 1, base + i * stride),
          );
        }
        return `[${items.join(', ')}]`;
      };
      return level(0, off);
    }
    if (t.kind === 'struct' || t.kind === 'union') return `{ ${fields(t, off * 8).join(', ')} }`;
    return scalar(t, `o + ${off}`);
  };
  const fields = (t, base) => {
    const out = [];
    for (const m of t.members) {
      const bit = base + m.bitOffset;
      const q = qualifiedType(m.type);
      if (m.name === '') {
        if ((q.kind === 'struct' || q.kind === 'union') && m.bitfieldSize === 0) {
          out.push(...fields(q, bit));
        }
        continue;
      }
      const u = underlyingType(m.type);
      if (m.bitfieldSize > 0) out.push(`${m.name}: ${bitfield(u, bit, m.bitfieldSize)}`);
      else out.push(`${m.name}: ${value(m.type, bit / 8)}`);
    }
    return out;
  };
  const body = `const o = 0; return ${value(spec.typeByName(name, 'struct'), 0)};`;
  return new Function('v', body);
}

/** Both decoders of task_struct, checked to agree on `bytes`. */
export async function taskStructDecoders(types, spec) {
  const size = spec.typeByName('task_struct', 'struct').size;
  const buf = new Uint8Array(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 151 + 7) & 0xff;
  const view = new DataView(buf.buffer);
  const generated = await generatedDecoder(types, spec, 'task_struct');
  const inline = inlineDecoder(types, spec, 'task_struct');
  deepStrictEqual(generated(view), inline(view));
  return { view, generated, inline };
}
