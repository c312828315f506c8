/// <reference lib="webworker" />
import { diffSpecs, loadSpecFromBytes, type Spec } from 'btfkit/browser';
import { typeDetail } from './model/detail.js';
import { readInput } from './model/read-input.js';
import { ReverseIndex } from './model/references.js';
import { listTypes } from './model/type-list.js';
import type { Envelope, FileRole, Opened, Reply, ReplyEnvelope, Request } from './protocol.js';

// The worker holds the Specs; the page holds only the list of names and kinds. Parsing,
// formatting and diffing run here, so the page never freezes on a large file.

let base: Spec | undefined;
let main: Spec | undefined;
let mainFile: { file: Blob; name: string } | undefined;
let compare: Spec | undefined;
let reverse: ReverseIndex | undefined;

async function load(file: Blob, over: Spec | undefined): Promise<[Spec, number]> {
  const bytes = await readInput(file);
  return [loadSpecFromBytes(bytes, over ? { base: over } : {}), bytes.byteLength];
}

function opened(role: FileRole, name: string, spec: Spec, btfBytes: number, t0: number): Opened {
  const { names, kinds } = listTypes(spec.raw);
  return {
    role,
    name,
    btfBytes,
    count: spec.nextTypeID - 1,
    firstTypeID: spec.firstTypeID,
    names,
    kinds,
    parseMs: performance.now() - t0,
  };
}

async function handle(r: Request): Promise<Reply> {
  switch (r.op) {
    case 'open': {
      const t0 = performance.now();
      if (r.role === 'base') {
        const [spec] = await load(r.file, undefined);
        base = spec;
        if (!mainFile) return { op: 'opened', opened: undefined };
        // A base picked after the file: parse the file again over it. A file that is not
        // split BTF does not parse over a base: it stays open as it was, and the base
        // waits for the next file.
        let reread: [Spec, number];
        try {
          reread = await load(mainFile.file, base);
        } catch {
          return { op: 'opened', opened: undefined };
        }
        main = reread[0];
        reverse = undefined;
        return { op: 'opened', opened: opened('main', mainFile.name, main, reread[1], t0) };
      }
      const [spec, n] = await load(r.file, base);
      if (r.role === 'main') {
        main = spec;
        mainFile = { file: r.file, name: r.name };
        reverse = undefined;
      } else compare = spec;
      return { op: 'opened', opened: opened(r.role, r.name, spec, n, t0) };
    }
    case 'close': {
      if (r.role === 'compare') {
        compare = undefined;
        return { op: 'opened', opened: undefined };
      }
      base = undefined;
      if (!mainFile) return { op: 'opened', opened: undefined };
      // The open file was read over the base: read it again on its own.
      const t0 = performance.now();
      const [m, n] = await load(mainFile.file, undefined);
      main = m;
      reverse = undefined;
      return { op: 'opened', opened: opened('main', mainFile.name, m, n, t0) };
    }
    case 'detail':
      return { op: 'detail', detail: typeDetail(need(main), r.id) };
    case 'referrers': {
      const spec = need(main);
      reverse ??= new ReverseIndex(spec);
      const raw = spec.raw;
      const named = reverse.namedReferrers(r.id, (id) => raw.nameOffOf(id) !== 0);
      return {
        op: 'referrers',
        referrers: { id: r.id, named, direct: [...reverse.referrers(r.id)] },
      };
    }
    case 'resolve': {
      const spec = need(main);
      let ids: number[] = [];
      try {
        ids = spec.anyTypesByName(r.name).map((t) => spec.typeID(t));
      } catch {
        ids = [];
      }
      // Prefer a struct, union or typedef over forward declarations and functions.
      const rank = (id: number) => {
        const k = spec.typeByID(id).kind;
        return k === 'struct' || k === 'union' ? 0 : k === 'typedef' || k === 'enum' ? 1 : 2;
      };
      ids.sort((a, b) => rank(a) - rank(b) || a - b);
      return { op: 'resolve', id: ids[0] };
    }
    case 'diff': {
      if (!main || !compare) return { op: 'diff', diff: undefined, ms: 0 };
      const t0 = performance.now();
      const diff = diffSpecs(main, compare);
      return { op: 'diff', diff, ms: performance.now() - t0 };
    }
  }
}

function need(spec: Spec | undefined): Spec {
  if (!spec) throw new Error('web: no file is open');
  return spec;
}

// Requests are handled one at a time, in order: a detail asked while a file loads waits for it.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (e: MessageEvent<Envelope>) => {
  const { seq, request } = e.data;
  queue = queue.then(async () => {
    let out: ReplyEnvelope;
    try {
      out = { seq, ok: true, reply: await handle(request) };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      out = { seq, ok: false, name: error.name, message: error.message };
    }
    const transfer =
      out.ok && out.reply.op === 'opened' && out.reply.opened
        ? [out.reply.opened.kinds.buffer]
        : [];
    (self as unknown as DedicatedWorkerGlobalScope).postMessage(out, transfer);
  });
};
