import { BtfError } from '@btfkit/wire';

/** What an input did wrong. */
export type ViolationKind =
  /** Something other than a `BtfError` was thrown. */
  | 'throw'
  /** The input took longer than the time limit (1 s). */
  | 'slow'
  /** Processing the input allocated more than the allowed multiple of its size. */
  | 'alloc'
  /** A round trip (marshal, re-encode) did not give back what was decoded. */
  | 'mismatch'
  /** The input never finished; the runner killed its worker. */
  | 'hang'
  /** The worker died on the input (out of memory, or a fatal error). */
  | 'crash';

/**
 * Thrown by a target when it sees a broken contract that is not an exception from the code
 * under test: an unbounded count, a round trip that changed a type. Deliberately not a
 * `BtfError`, so it can never be mistaken for an expected failure.
 */
export class ContractViolation extends Error {
  override name = 'ContractViolation';
  readonly kind: ViolationKind;

  constructor(kind: ViolationKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
  }
}

/**
 * Runs `fn`; a `BtfError` is recorded as a feature and swallowed, anything else is rethrown
 * (the caller's contract check sees it).
 * @returns what `fn` returned, or undefined when it threw a `BtfError`
 */
export function tolerate<T>(features: Set<string>, stage: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof BtfError) {
      features.add(errorFeature(stage, err));
      return undefined;
    }
    throw err;
  }
}

/**
 * A coverage proxy for an error: its class and its message with numbers and quoted names
 * blanked, so one check in the code under test gives one feature however many inputs reach
 * it. (The throw site would be better, but formatting a stack costs more than most inputs.)
 */
export function errorFeature(stage: string, err: Error): string {
  return `${stage}|${err.name}|${messageClass(err.message)}`;
}

/** A message with numbers and quoted names replaced, for grouping errors. */
export function messageClass(message: string): string {
  return (
    message
      // Names may hold quotes themselves: blank from the first quote to the last.
      .replace(/'.*'/s, "''")
      .replace(/".*"/s, '""')
      .replace(/0x[0-9a-f]+|\d+/gi, '#')
      .slice(0, 200)
  );
}

/** The first frame of an error's stack, as `function (file:line)`; empty when unknown. */
export function throwSite(err: Error): string {
  const stack = err.stack ?? '';
  const at = stack.indexOf('\n    at ');
  if (at < 0) return '';
  const end = stack.indexOf('\n', at + 1);
  const frame = stack.slice(at + 8, end < 0 ? undefined : end);
  const cut = frame.lastIndexOf(':');
  const noColumn = cut > 0 && /^\d+\)?$/.test(frame.slice(cut + 1)) ? frame.slice(0, cut) : frame;
  return noColumn.replace(/\(.*[/\\]/, '(');
}
