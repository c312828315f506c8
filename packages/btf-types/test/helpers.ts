import type { Type } from '@btfkit/types';

export {
  listFixtures,
  readFixture,
  readText,
  testdata,
  testSeed,
} from '../../../tooling/test-fixtures.ts';

/** One type of a bpftool raw dump: its ID, kind, name, the rest of its first line, and its indented lines. */
export interface GoldenType {
  readonly id: number;
  readonly kind: string;
  readonly name: string;
  readonly line: string;
  readonly members: string[];
}

/** Parses bpftool's `format raw` output. */
export function parseRawGolden(text: string): GoldenType[] {
  const out: GoldenType[] = [];
  let cur: GoldenType | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('\t')) {
      cur?.members.push(line.slice(1));
      continue;
    }
    const m = /^\[(\d+)\] (\w+) '(.*?)'(.*)$/.exec(line);
    if (!m) continue;
    cur = { id: Number(m[1]), kind: m[2]!, name: m[3]!, line, members: [] };
    out.push(cur);
  }
  return out;
}

/** The wire kind name (as bpftool prints it) a model type encodes to. */
export function wireKind(t: Type): string {
  switch (t.kind) {
    case 'pointer':
      return 'PTR';
    case 'enum':
      return t.enum64 ? 'ENUM64' : 'ENUM';
    default:
      return t.kind.toUpperCase();
  }
}
