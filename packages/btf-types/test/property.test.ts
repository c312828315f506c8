import { Builder, Spec, type Type } from '@btfkit/types';
import { RawBtf } from '@btfkit/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listFixtures, readFixture, testSeed } from './helpers.js';

/**
 * A canonical text of a whole graph: each type's fields with children named by their index in
 * `order`. Two graphs with the same text under a bijection of their types are identical.
 */
function describeGraph(order: readonly Type[], idOf: (t: Type) => number): string[] {
  return order.map((t) => {
    const r = (c: Type) => (c.kind === 'void' ? 'void' : `#${idOf(c)}`);
    switch (t.kind) {
      case 'pointer':
        return `ptr ${r(t.target)}`;
      case 'array':
        return `array ${r(t.type)} ${r(t.index)} ${t.nelems}`;
      case 'struct':
      case 'union':
        return `${t.kind} ${t.name} ${t.size} ${t.members.map((m) => `${m.name}:${r(m.type)}@${m.bitOffset}/${m.bitfieldSize}`).join(',')}`;
      case 'func_proto':
        return `proto ${r(t.returnType)} ${t.params.map((p) => `${p.name}:${r(p.type)}`).join(',')} ${t.variadic}`;
      case 'datasec':
        return `datasec ${t.name} ${t.size} ${t.vars.map((v) => `${r(v.type)}@${v.offset}+${v.size}`).join(',')}`;
      case 'enum':
        return `enum ${t.name} ${t.size} ${t.signed} ${t.enum64} ${t.values.map((v) => `${v.name}=${v.value}`).join(',')}`;
      case 'int':
        return `int ${t.name} ${t.size} ${t.encoding} ${t.bits} ${t.bitOffset}`;
      case 'fwd':
        return `fwd ${t.name} ${t.fwdKind}`;
      case 'float':
        return `float ${t.name} ${t.size}`;
      case 'func':
        return `func ${t.name} ${t.linkage} ${r(t.type)}`;
      case 'var':
        return `var ${t.name} ${t.linkage} ${r(t.type)}`;
      case 'decl_tag':
        return `decl_tag ${t.name} ${t.componentIdx} ${t.attribute} ${r(t.type)}`;
      case 'type_tag':
        return `type_tag ${t.name} ${t.attribute} ${r(t.type)}`;
      case 'typedef':
        return `typedef ${t.name} ${r(t.type)}`;
      case 'const':
      case 'volatile':
      case 'restrict':
        return `${t.kind} ${r(t.type)}`;
      default:
        return t.kind;
    }
  });
}

const fixtures = listFixtures('objects', '-el.btf');

describe('shuffled-order round trip', () => {
  it('any order of adding types encodes a blob that decodes to the same graph', () => {
    const seed = testSeed('shuffled-order round trip');
    const specs = fixtures.map((f) => Spec.parse(readFixture('objects', f)));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: specs.length - 1 }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        fc.constantFrom<'little' | 'big'>('little', 'big'),
        (which, rand, byteOrder) => {
          const spec = specs[which]!;
          const types = [...spec];
          const shuffled = types.slice();
          const it = rand[Symbol.iterator]();
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = Math.floor(it.next().value! * (i + 1)) % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
          }
          const b = new Builder();
          b.addAll(shuffled);
          expect(b.types.length).toBe(types.length);
          const out = Spec.parse(b.marshal({ byteOrder }));
          expect(RawBtf.parse(b.marshal({ byteOrder })).littleEndian).toBe(byteOrder === 'little');
          // Each original type's copy sits at the builder's ID; compare both graphs in the
          // original order, children named by original ID.
          const decoded = types.map((t) => out.typeByID(b.typeID(t)));
          const back = new Map<Type, number>(decoded.map((t, i) => [t, spec.typeID(types[i]!)]));
          expect(describeGraph(decoded, (t) => back.get(t)!)).toEqual(
            describeGraph(types, (t) => spec.typeID(t)),
          );
        },
      ),
      { seed, numRuns: 60 },
    );
  });
});
