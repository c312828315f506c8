import type { Type } from 'btfkit';
import { BtfError } from 'btfkit/wire';

const MAX_DEPTH = 32;

/** The C spelling of a named type's reference: `struct foo`, `int`, `u32`, `void`. */
function baseName(t: Type): string {
  switch (t.kind) {
    case 'void':
      return 'void';
    case 'struct':
    case 'union':
      return `${t.kind} ${t.name || '{...}'}`;
    case 'enum':
      return `enum ${t.name || '{...}'}`;
    case 'fwd':
      return `${t.fwdKind} ${t.name}`;
    default:
      return t.name || `(anon ${t.kind})`;
  }
}

/**
 * A C declaration of `name` with type `type`, e.g. `char comm[16]`, `int (*fn)(void *)`,
 * `const struct cred *cred`. Walks the type chain with a loop; nested parameter lists count
 * towards the same depth limit (libbpf's 32).
 * @throws BtfError when the chain is deeper than 32 levels (or cyclic)
 */
export function declare(type: Type, name: string, depth = 0): string {
  let inner = name;
  let t = type;
  let quals = '';
  let prevPointer = false;
  for (; ; depth++) {
    if (depth > MAX_DEPTH)
      throw new BtfError(`btf: type chain of '${name}' is deeper than ${MAX_DEPTH}`);
    switch (t.kind) {
      case 'pointer':
        inner = `*${quals}${inner}`;
        quals = '';
        prevPointer = true;
        t = t.target;
        continue;
      case 'const':
      case 'volatile':
      case 'restrict':
        quals = `${t.kind} ${quals}`;
        t = t.type;
        continue;
      case 'type_tag':
        t = t.type;
        continue;
      case 'array':
        if (prevPointer) inner = `(${inner})`;
        inner = `${inner}[${t.nelems}]`;
        prevPointer = false;
        t = t.type;
        continue;
      case 'func_proto': {
        if (prevPointer) inner = `(${inner})`;
        const params = t.params.map((p) => declare(p.type, p.name, depth + 1));
        if (t.variadic) params.push('...');
        inner = `${inner}(${params.length ? params.join(', ') : 'void'})`;
        prevPointer = false;
        t = t.returnType;
        continue;
      }
      default: {
        const sep = inner === '' || inner.startsWith('*') ? '' : ' ';
        const head = `${quals}${baseName(t)}`;
        return inner.startsWith('*') ? `${head} ${inner}` : `${head}${sep}${inner}`;
      }
    }
  }
}
