import { BtfError } from '@btfkit/wire';
import type { Type } from '../types.js';
import { MAX_DECL_DEPTH } from './c-dumper.js';

/**
 * The C declaration of `name` as a `type`, spelled exactly as bpftool 7.1's `format c`
 * ({@link formatC}) spells a struct member: `char comm[16]`, `const char * const *argv`,
 * `void * (*start)(struct seq_file *, loff_t *)`,
 * `int __attribute__((btf_type_tag("user"))) *uptr`. A named type is referred to by its
 * name (`struct foo`, `u32`); an anonymous struct, union or enum prints as `struct {...}`
 * where `formatC` would print its body inline. An empty `name` gives the abstract
 * declarator of a parameter (`struct cb *`). This follows libbpf's `btf_dump_emit_type_decl`:
 * the modifiers, pointers, arrays and prototypes from `type` down to a named type are
 * stacked, then printed innermost first.
 * @throws BtfError when the declaration holds more than 400 types (a
 *   cycle through pointers or prototypes), or refers to a FUNC, VAR, DATASEC or DECL_TAG
 */
export function cDeclaration(type: Type, name: string): string {
  const out: string[] = [];
  emitDecl(out, type, name, { left: MAX_DECL_DEPTH });
  return out.join('');
}

/** How many more types a declaration may visit. */
interface Budget {
  left: number;
}

function emitDecl(out: string[], type: Type, name: string, budget: Budget): void {
  const decls: Type[] = [];
  for (let t = type; ; ) {
    if (--budget.left < 0) {
      throw new BtfError(
        `btf: declaration of '${name}' holds more than ${MAX_DECL_DEPTH} types (a cycle?)`,
      );
    }
    decls.push(t);
    if (t.kind === 'pointer') t = t.target;
    else if (t.kind === 'func_proto') t = t.returnType;
    else if (
      t.kind === 'const' ||
      t.kind === 'volatile' ||
      t.kind === 'restrict' ||
      t.kind === 'type_tag' ||
      t.kind === 'array'
    ) {
      t = t.type;
    } else break;
  }
  emitChain(out, decls, name, budget);
}

/** The qualifiers on top of the stack, printed before a base type (`const int`). */
function emitMods(out: string[], decls: Type[]): void {
  for (let t = decls.at(-1); t; t = decls.at(-1)) {
    if (t.kind !== 'const' && t.kind !== 'volatile' && t.kind !== 'restrict') return;
    out.push(`${t.kind} `);
    decls.pop();
  }
}

/** Qualifiers on an array or a prototype mean nothing in C: libbpf drops them. */
function dropMods(decls: Type[]): void {
  for (let t = decls.at(-1); t; t = decls.at(-1)) {
    if (t.kind !== 'const' && t.kind !== 'volatile' && t.kind !== 'restrict') return;
    decls.pop();
  }
}

function emitName(out: string[], name: string, lastWasPointer: boolean): void {
  out.push(name && !lastWasPointer ? ` ${name}` : name);
}

function emitChain(out: string[], decls: Type[], name: string, budget: Budget): void {
  let lastWasPointer = true;
  for (let t = decls.pop(); t; t = decls.pop()) {
    switch (t.kind) {
      case 'void':
        emitMods(out, decls);
        out.push('void');
        break;
      case 'int':
      case 'float':
      case 'typedef':
        emitMods(out, decls);
        out.push(t.name);
        break;
      case 'struct':
      case 'union':
        emitMods(out, decls);
        out.push(`${t.kind} ${t.name || '{...}'}`);
        break;
      case 'enum':
        emitMods(out, decls);
        out.push(`enum ${t.name || '{...}'}`);
        break;
      case 'fwd':
        emitMods(out, decls);
        out.push(`${t.fwdKind} ${t.name}`);
        break;
      case 'pointer':
        out.push(lastWasPointer ? '*' : ' *');
        break;
      case 'const':
      case 'volatile':
      case 'restrict':
        out.push(` ${t.kind}`);
        break;
      case 'type_tag':
        emitMods(out, decls);
        out.push(` __attribute__((btf_type_tag("${t.name}")))`);
        break;
      case 'array': {
        dropMods(decls);
        const next = decls.at(-1);
        if (!next) {
          emitName(out, name, lastWasPointer);
          out.push(`[${t.nelems}]`);
          return;
        }
        const multidim = next.kind === 'array';
        if (name && !lastWasPointer) out.push(' ');
        if (!multidim) out.push('(');
        emitChain(out, decls, name, budget);
        if (!multidim) out.push(')');
        out.push(`[${t.nelems}]`);
        return;
      }
      case 'func_proto': {
        dropMods(decls);
        if (decls.length > 0) {
          out.push(' (');
          emitChain(out, decls, name, budget);
          out.push(')');
        } else {
          emitName(out, name, lastWasPointer);
        }
        out.push('(');
        t.params.forEach((p, i) => {
          if (i > 0) out.push(', ');
          emitDecl(out, p.type, p.name, budget);
        });
        if (t.variadic) out.push(t.params.length > 0 ? ', ...' : '...');
        else if (t.params.length === 0) out.push('void');
        out.push(')');
        return;
      }
      case 'func':
      case 'var':
      case 'datasec':
      case 'decl_tag':
        throw new BtfError(`btf: ${t.kind} '${t.name}' cannot be part of a C declaration`);
      default: {
        const missing: never = t;
        throw new TypeError(`btf: cDeclaration: unknown type ${String(missing)}`);
      }
    }
    lastWasPointer = t.kind === 'pointer';
  }
  emitName(out, name, lastWasPointer);
}
