import type { SpecDiff } from 'btfkit/browser';
import type { TypeDetail } from './model/detail.js';

/** Which file an `open` request is for. */
export type FileRole = 'main' | 'base' | 'compare';

/** What the page asks of the worker. */
export type Request =
  | { readonly op: 'open'; readonly role: FileRole; readonly file: Blob; readonly name: string }
  | { readonly op: 'close'; readonly role: 'base' | 'compare' }
  | { readonly op: 'detail'; readonly id: number }
  | { readonly op: 'referrers'; readonly id: number }
  | { readonly op: 'resolve'; readonly name: string }
  | { readonly op: 'diff' };

/** The list of types of a file the worker opened. */
export interface Opened {
  readonly role: FileRole;
  readonly name: string;
  /** Bytes of BTF (after gunzip and ELF section extraction). */
  readonly btfBytes: number;
  /** Types, base types included. */
  readonly count: number;
  /** The first ID of the file's own types (1, or after the base's). */
  readonly firstTypeID: number;
  /** Names joined by `\n`, by ID from 1. */
  readonly names: string;
  /** Wire kinds by ID from 1. */
  readonly kinds: Uint8Array;
  /** Milliseconds the worker spent reading and parsing. */
  readonly parseMs: number;
}

/** Who uses a type. */
export interface Referrers {
  readonly id: number;
  /** Named types reaching it through anonymous types, ascending, capped. */
  readonly named: readonly number[];
  /** Direct referrers (IDs), ascending. */
  readonly direct: readonly number[];
}

/** The worker's answer to each request, in the order asked. */
export type Reply =
  | { readonly op: 'opened'; readonly opened: Opened | undefined }
  | { readonly op: 'detail'; readonly detail: TypeDetail }
  | { readonly op: 'referrers'; readonly referrers: Referrers }
  | { readonly op: 'resolve'; readonly id: number | undefined }
  | { readonly op: 'diff'; readonly diff: SpecDiff | undefined; readonly ms: number };

/** A request with its sequence number. */
export interface Envelope {
  readonly seq: number;
  readonly request: Request;
}

/** A reply, or the error a request ended with, with its request's sequence number. */
export type ReplyEnvelope =
  | { readonly seq: number; readonly ok: true; readonly reply: Reply }
  | { readonly seq: number; readonly ok: false; readonly name: string; readonly message: string };
