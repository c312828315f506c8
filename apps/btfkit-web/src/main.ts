import './style.css';
import type { SpecDiff, TypeChange } from 'btfkit/browser';
import type { TypeDetail, TypeLink } from './model/detail.js';
import { formatBits, formatOffset, type Layout, layoutRows } from './model/layout.js';
import { parseRoute, typeHash } from './model/route.js';
import { kindName, type SearchMode, TypeIndex } from './model/type-index.js';
import { rowWindow, scrollToRow } from './model/virtual-window.js';
import type { Envelope, FileRole, Opened, Reply, ReplyEnvelope, Request } from './protocol.js';

// The page: a DOM built by hand (no framework; see README), the type list drawn as a
// virtual window of recycled rows, everything heavy asked of the worker.

type Child = Node | string | false | undefined | null;

/** Makes an element: `h('div.cls', { attr }, ...children)`. */
function h(tag: string, attrs: Record<string, string | number | undefined> = {}, ...kids: Child[]) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name!);
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, String(v));
  for (const k of kids) if (k !== false && k !== undefined && k !== null) el.append(k);
  return el;
}

// ---- the worker ----------------------------------------------------------------------------

let worker: Worker | undefined;
let seq = 0;
const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

/** Sends a request to the worker (started on first use, so first load ships only the page). */
function ask(request: Request): Promise<Reply> {
  if (!worker) {
    worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    // A worker that fails to start or dies fails every request still waiting on it.
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      const err = new Error(`web: worker: ${e.message || 'failed'}`);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      worker?.terminate();
      worker = undefined;
    };
    worker.onmessage = (e: MessageEvent<ReplyEnvelope>) => {
      const p = pending.get(e.data.seq);
      if (!p) return;
      pending.delete(e.data.seq);
      if (e.data.ok) p.resolve(e.data.reply);
      else {
        const err = new Error(e.data.message);
        err.name = e.data.name;
        p.reject(err);
      }
    };
  }
  const id = ++seq;
  const msg: Envelope = { seq: id, request };
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker!.postMessage(msg);
  });
}

// ---- state ---------------------------------------------------------------------------------

interface Timings {
  /** performance.now() when the last file was picked. */
  selected: number;
  /** performance.now() when its list was searchable and drawn. */
  listReady: number;
  /** Milliseconds from the last search keystroke to the updated list. */
  searchMs: number;
  /** Worker parse time of the last file. */
  parseMs: number;
}
const timings: Timings = { selected: 0, listReady: 0, searchMs: 0, parseMs: 0 };
(globalThis as { __btfkit?: unknown }).__btfkit = { timings };

let index: TypeIndex | undefined;
let file: Opened | undefined;
let baseName: string | undefined;
let compareName: string | undefined;
let results: Int32Array = new Int32Array(0);
let selected = 0;
let cursor = -1;
let view: 'type' | 'diff' = 'type';
let lastDiff: SpecDiff | undefined;

const ROW_HEIGHT = 26;
/** The list's row elements, reused as the window moves. */
const pool: HTMLElement[] = [];

// ---- the frame -----------------------------------------------------------------------------

const fileInput = h('input', {
  type: 'file',
  'data-testid': 'file-input',
  class: 'hidden-input',
}) as HTMLInputElement;
const baseInput = h('input', {
  type: 'file',
  'data-testid': 'base-input',
  class: 'hidden-input',
}) as HTMLInputElement;
const compareInput = h('input', {
  type: 'file',
  'data-testid': 'compare-input',
  class: 'hidden-input',
}) as HTMLInputElement;

const status = h('div.status');
const errorBox = h('div.error', { 'data-testid': 'error', role: 'alert', hidden: '' });
const sampleButton = h('button.btn.ghost', { type: 'button' }, 'Try a sample (vmlinux 6.18)');

const header = h(
  'header.top',
  {},
  h(
    'div.brand',
    {},
    h('span.logo', {}, ''),
    h('span', {}, 'btfkit'),
    h('span.sub', {}, 'explorer'),
  ),
  h(
    'label.btn.primary',
    { title: 'Raw BTF, gzipped BTF, ELF objects, .ko modules, vmlinux' },
    'Open…',
    fileInput,
  ),
  h(
    'label.btn',
    { title: 'The base BTF (vmlinux) for split BTF such as a module' },
    'Base…',
    baseInput,
  ),
  h('label.btn', { title: 'A second file to compare with the open one' }, 'Compare…', compareInput),
  sampleButton,
  status,
);

const search = h('input.search', {
  type: 'search',
  'data-testid': 'search',
  placeholder: 'Search types…  (/)',
  spellcheck: 'false',
  autocomplete: 'off',
}) as HTMLInputElement;
const modeSelect = h(
  'select',
  { 'data-testid': 'search-mode', title: 'How names match' },
  h('option', { value: 'substring' }, 'contains'),
  h('option', { value: 'exact' }, 'exact'),
  h('option', { value: 'essential' }, 'essential'),
) as HTMLSelectElement;
const kindSelect = h('select', {
  'data-testid': 'kind-filter',
  title: 'Kind',
}) as HTMLSelectElement;
const jump = h('input.jump', {
  type: 'text',
  inputmode: 'numeric',
  placeholder: 'ID',
  'data-testid': 'jump',
  title: 'Go to a type ID (Enter)',
}) as HTMLInputElement;
const count = h('div.count');
const spacer = h('div.spacer');
const list = h('div.list', { tabindex: '0', role: 'listbox' }, spacer);
const sidebar = h(
  'aside.side',
  {},
  h('div.filters', {}, search, h('div.filter-row', {}, modeSelect, kindSelect, jump)),
  count,
  list,
);

const typeTab = h('button.tab', { type: 'button' }, 'Type');
const diffTab = h('button.tab', { type: 'button', hidden: '' }, 'Compare');
const tabs = h('nav.tabs', {}, typeTab, diffTab);
const content = h('div.content');
const main = h('main.main', {}, tabs, content);
const dropHint = h(
  'div.drop-hint',
  {},
  h('div', {}, 'Drop a BTF file, ELF object, .ko or vmlinux'),
);
const shell = h('div.shell', {}, sidebar, main);
document.getElementById('app')!.append(header, errorBox, shell, dropHint);

const KIND_OPTIONS: readonly [number, string][] = [
  [-1, 'all kinds'],
  [4, 'STRUCT'],
  [5, 'UNION'],
  [6, 'ENUM'],
  [19, 'ENUM64'],
  [8, 'TYPEDEF'],
  [12, 'FUNC'],
  [13, 'FUNC_PROTO'],
  [14, 'VAR'],
  [15, 'DATASEC'],
  [7, 'FWD'],
  [1, 'INT'],
  [16, 'FLOAT'],
  [2, 'PTR'],
  [3, 'ARRAY'],
  [10, 'CONST'],
  [9, 'VOLATILE'],
  [11, 'RESTRICT'],
  [17, 'DECL_TAG'],
  [18, 'TYPE_TAG'],
];
for (const [k, n] of KIND_OPTIONS) kindSelect.append(h('option', { value: k }, n));

// ---- opening files -------------------------------------------------------------------------

function showError(e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  errorBox.replaceChildren(h('strong', {}, err.name), ' ', h('span.msg', {}, err.message));
  errorBox.hidden = false;
}

function clearError(): void {
  errorBox.hidden = true;
  errorBox.replaceChildren();
}

function setBusy(text: string | undefined): void {
  status.classList.toggle('busy', text !== undefined);
  if (text !== undefined) status.textContent = text;
  else renderStatus();
}

const baseClear = h(
  'button.clear',
  { type: 'button', title: 'Stop using the base file', 'data-testid': 'base-clear' },
  '×',
);
baseClear.addEventListener('click', async () => {
  baseName = undefined;
  setBusy('Reading without the base…');
  try {
    const r = await ask({ op: 'close', role: 'base' });
    if (r.op === 'opened' && r.opened) adoptList(r.opened);
  } catch (e) {
    showError(e);
  } finally {
    setBusy(undefined);
  }
});

function renderStatus(): void {
  status.replaceChildren();
  if (!file) return;
  const size =
    file.btfBytes >= 1 << 20
      ? `${(file.btfBytes / 2 ** 20).toFixed(1)} MiB`
      : `${(file.btfBytes / 1024).toFixed(1)} KiB`;
  const parts: Child[] = [
    h('span.file', { title: file.name }, file.name),
    h(
      'span.meta',
      {},
      `${file.count.toLocaleString('en')} types · ${size} BTF · ${file.parseMs.toFixed(0)} ms`,
    ),
    baseName ? h('span.meta', {}, `base: ${baseName}`, baseClear) : undefined,
    compareName ? h('span.meta', {}, `vs ${compareName}`) : undefined,
  ];
  for (const p of parts) if (p) status.append(p);
}

async function openFile(role: FileRole, blob: Blob, name: string): Promise<void> {
  if (role === 'main') timings.selected = performance.now();
  clearError();
  setBusy(`Reading ${name}…`);
  try {
    const r = await ask({ op: 'open', role, file: blob, name });
    if (r.op !== 'opened') return;
    if (role === 'base') baseName = name;
    if (role === 'compare') {
      compareName = name;
      await runDiff();
    } else if (r.opened) {
      adoptList(r.opened);
    }
  } catch (e) {
    showError(e);
  } finally {
    setBusy(undefined);
  }
}

function adoptList(o: Opened): void {
  file = o;
  index = new TypeIndex(o.names, o.kinds);
  // Rows remember which ID they show; the same IDs of another file are other types.
  for (const row of pool) delete row.dataset.drawn;
  timings.parseMs = o.parseMs;
  selected = 0;
  if (o.role === 'main' && compareName !== undefined) {
    // A comparison was of the file that was open before.
    compareName = undefined;
    lastDiff = undefined;
    diffTab.hidden = true;
    void ask({ op: 'close', role: 'compare' });
  }
  view = 'type';
  typeTab.classList.add('active');
  diffTab.classList.remove('active');
  runSearch();
  timings.listReady = performance.now();
  document.body.classList.add('has-file');
  renderStatus();
  const route = parseRoute(location.hash);
  if (route.kind !== 'none') void followRoute();
  else content.replaceChildren(welcomeDetail());
}

fileInput.addEventListener('change', () => {
  const f = fileInput.files?.[0];
  if (f) void openFile('main', f, f.name);
  fileInput.value = '';
});
baseInput.addEventListener('change', () => {
  const f = baseInput.files?.[0];
  if (f) void openFile('base', f, f.name);
  baseInput.value = '';
});
compareInput.addEventListener('change', () => {
  const f = compareInput.files?.[0];
  if (f) void openFile('compare', f, f.name);
  compareInput.value = '';
});
sampleButton.addEventListener('click', async () => {
  timings.selected = performance.now();
  setBusy('Fetching the sample…');
  try {
    const res = await fetch(`${import.meta.env.BASE_URL}sample/vmlinux.btf.gz`);
    if (!res.ok) throw new Error(`web: sample: HTTP ${res.status}`);
    await openFile('main', await res.blob(), 'vmlinux 6.18 (sample)');
  } catch (e) {
    showError(e);
    setBusy(undefined);
  }
});

let dragDepth = 0;
window.addEventListener('dragenter', (e) => {
  e.preventDefault();
  dragDepth++;
  document.body.classList.add('dragging');
});
window.addEventListener('dragleave', () => {
  if (--dragDepth <= 0) {
    dragDepth = 0;
    document.body.classList.remove('dragging');
  }
});
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => {
  e.preventDefault();
  dragDepth = 0;
  document.body.classList.remove('dragging');
  const f = e.dataTransfer?.files[0];
  if (f) void openFile('main', f, f.name);
});

// ---- the list ------------------------------------------------------------------------------

function runSearch(): void {
  if (!index) return;
  results = index.search({
    text: search.value.trim(),
    mode: modeSelect.value as SearchMode,
    kind: Number(kindSelect.value),
  });
  cursor = results.length > 0 ? 0 : -1;
  spacer.style.height = `${results.length * ROW_HEIGHT}px`;
  list.scrollTop = 0;
  count.textContent = `${results.length.toLocaleString('en')} of ${index.count.toLocaleString('en')} types`;
  drawRows();
}

function drawRows(): void {
  if (!index) return;
  const { start, end } = rowWindow(
    list.scrollTop,
    list.clientHeight || 600,
    ROW_HEIGHT,
    results.length,
  );
  const n = end - start;
  while (pool.length < n) {
    const row = h('div.row', { 'data-testid': 'type-row', role: 'option' });
    pool.push(row);
    list.append(row);
  }
  for (let i = 0; i < pool.length; i++) {
    const row = pool[i]!;
    if (i >= n) {
      row.hidden = true;
      continue;
    }
    const at = start + i;
    const id = results[at]!;
    row.hidden = false;
    row.style.transform = `translateY(${at * ROW_HEIGHT}px)`;
    row.dataset.id = String(id);
    row.dataset.index = String(at);
    const kind = index.kind(id);
    const name = index.name(id);
    if (row.dataset.drawn !== String(id)) {
      row.dataset.drawn = String(id);
      row.replaceChildren(
        h('span.rid', {}, `[${id}]`),
        ' ',
        h(`span.kind.k${kind}`, {}, kindName(kind)),
        ' ',
        h(`span.name${name === '' ? '.anon' : ''}`, {}, `'${name === '' ? '(anon)' : name}'`),
      );
    }
    row.classList.toggle('selected', id === selected);
    row.classList.toggle('cursor', at === cursor);
  }
}

list.addEventListener('scroll', () => drawRows(), { passive: true });
window.addEventListener('resize', () => drawRows());
list.addEventListener('click', (e) => {
  const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
  if (!row?.dataset.id) return;
  cursor = Number(row.dataset.index);
  go(Number(row.dataset.id));
});

search.addEventListener('input', (e) => {
  runSearch();
  timings.searchMs = performance.now() - e.timeStamp;
});
modeSelect.addEventListener('change', runSearch);
kindSelect.addEventListener('change', runSearch);
jump.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  const id = Number(jump.value.trim().replace(/^[#[]/, '').replace(/]$/, ''));
  if (Number.isInteger(id) && index && id >= 1 && id <= index.count) go(id);
  else showError(new RangeError(`web: type id ${jump.value.trim()}: not in this file`));
});

function moveCursor(delta: number): void {
  if (results.length === 0) return;
  cursor = Math.max(0, Math.min(results.length - 1, cursor + delta));
  list.scrollTop = scrollToRow(cursor, list.scrollTop, list.clientHeight, ROW_HEIGHT);
  drawRows();
}

for (const el of [search, list]) {
  el.addEventListener('keydown', (e) => {
    const k = (e as KeyboardEvent).key;
    if (k === 'ArrowDown') moveCursor(1);
    else if (k === 'ArrowUp') moveCursor(-1);
    else if (k === 'PageDown') moveCursor(10);
    else if (k === 'PageUp') moveCursor(-10);
    else if (k === 'Enter' && cursor >= 0) go(results[cursor]!);
    else return;
    e.preventDefault();
  });
}
window.addEventListener('keydown', (e) => {
  if (e.key === '/' && document.activeElement?.tagName !== 'INPUT') {
    e.preventDefault();
    search.focus();
  }
});

// ---- routing -------------------------------------------------------------------------------

/** Opens type `id`: through the hash, so the URL names it and back/forward work. */
function go(id: number): void {
  const hash = typeHash(id);
  if (location.hash === hash) void select(id);
  else location.hash = hash;
}

async function followRoute(): Promise<void> {
  if (!index) return;
  const route = parseRoute(location.hash);
  if (route.kind === 'id') await select(route.id);
  else if (route.kind === 'name') {
    try {
      const r = await ask({ op: 'resolve', name: route.name });
      if (r.op === 'resolve' && r.id !== undefined) await select(r.id);
      else showError(new Error(`web: type '${route.name}': not found`));
    } catch (e) {
      showError(e);
    }
  }
}
window.addEventListener('hashchange', () => void followRoute());

typeTab.addEventListener('click', () => setView('type'));
diffTab.addEventListener('click', () => setView('diff'));

function setView(v: 'type' | 'diff'): void {
  view = v;
  typeTab.classList.toggle('active', v === 'type');
  diffTab.classList.toggle('active', v === 'diff');
  if (v === 'diff' && lastDiff) content.replaceChildren(renderDiff(lastDiff));
  else if (v === 'type' && selected) void select(selected, true);
  else if (v === 'type') content.replaceChildren(welcomeDetail());
}

// ---- a type --------------------------------------------------------------------------------

async function select(id: number, force = false): Promise<void> {
  if (!index) return;
  if (id < 1 || id > index.count) {
    showError(new RangeError(`web: type id ${id}: not in this file (1 to ${index.count})`));
    return;
  }
  if (
    id === selected &&
    !force &&
    view === 'type' &&
    content.querySelector('[data-testid="type-detail"]')
  ) {
    return;
  }
  selected = id;
  view = 'type';
  typeTab.classList.add('active');
  diffTab.classList.remove('active');
  drawRows();
  try {
    const r = await ask({ op: 'detail', id });
    if (r.op !== 'detail' || selected !== id) return;
    clearError();
    const panel = renderDetail(r.detail);
    content.replaceChildren(panel);
    content.scrollTop = 0;
    const refs = await ask({ op: 'referrers', id });
    if (refs.op === 'referrers' && selected === id)
      fillReferrers(panel, refs.referrers.named, refs.referrers.direct);
  } catch (e) {
    showError(e);
  }
}

function typeLink(id: number, text?: string): HTMLElement {
  const label = text ?? index?.label(id) ?? `[${id}]`;
  return h('a.tlink', { href: typeHash(id), title: index?.label(id) }, label);
}

function welcomeDetail(): HTMLElement {
  if (!index) {
    return h(
      'section.welcome',
      {},
      h('h1', {}, 'Look inside BTF'),
      h(
        'p',
        {},
        'Open a kernel’s BTF (/sys/kernel/btf/vmlinux), a BPF object, a .ko or a vmlinux image. ',
        'Everything is parsed here, in your browser: nothing is uploaded.',
      ),
      h(
        'ul',
        {},
        h('li', {}, 'Search 100k+ types as you type; filter by kind; jump by ID.'),
        h('li', {}, 'See every struct as bytes: members, bitfields, holes and padding.'),
        h('li', {}, 'Follow references both ways; share a link to a type.'),
        h('li', {}, 'Compare two kernels: what was added, removed, moved or retyped.'),
      ),
      h('p.hint', {}, 'Drop a file anywhere, use Open…, or try the sample.'),
    );
  }
  return h(
    'section.welcome',
    {},
    h('h1', {}, file?.name ?? ''),
    h(
      'p',
      {},
      `${index.count.toLocaleString('en')} types. Pick one on the left, or search with /.`,
    ),
  );
}

/** The C text with every named type it uses linked. */
function linkedC(c: string, links: readonly TypeLink[], self: number): DocumentFragment {
  const byName = new Map<string, number>();
  for (const l of links) if (l.c !== '' && l.id !== self) byName.set(l.c, l.id);
  const out = document.createDocumentFragment();
  const re = /\b(struct|union|enum)(\s+)([A-Za-z_]\w*)|\b([A-Za-z_]\w*)\b/g;
  let last = 0;
  for (let m = re.exec(c); m; m = re.exec(c)) {
    const key = m[1] ? `${m[1]} ${m[3]}` : m[4]!;
    const id = byName.get(key);
    const isKeyword = m[4] !== undefined && C_KEYWORDS.has(m[4]);
    if (id === undefined && !isKeyword && !m[1]) continue;
    out.append(c.slice(last, m.index));
    if (m[1]) {
      out.append(h('span.kw', {}, m[1]), m[2]!);
      out.append(id === undefined ? m[3]! : typeLink(id, m[3]!));
    } else if (id !== undefined) out.append(typeLink(id, m[4]!));
    else out.append(h('span.kw', {}, m[4]!));
    last = m.index + m[0].length;
  }
  out.append(c.slice(last));
  return out;
}

const C_KEYWORDS = new Set([
  'typedef',
  'const',
  'volatile',
  'restrict',
  'unsigned',
  'signed',
  'long',
  'int',
  'short',
  'char',
  'void',
  '_Bool',
  'float',
  'double',
]);

function renderDetail(d: TypeDetail): HTMLElement {
  const facts: Child[] = [
    h('span.chip', {}, d.kind),
    d.size !== undefined ? h('span.chip', {}, `size ${d.size}`) : undefined,
    d.align !== undefined ? h('span.chip', {}, `align ${d.align}`) : undefined,
  ];
  const copy = h(
    'button.btn.small',
    { type: 'button', title: 'Copy a link to this type' },
    'Copy link',
  );
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(location.href);
    copy.textContent = 'Copied';
  });
  const sections: Child[] = [
    h('header.dhead', {}, h('h2', {}, d.label), h('div.facts', {}, ...facts, copy)),
  ];
  if (d.c !== undefined) {
    sections.push(
      h('h3', {}, 'C declaration', h('span.aside', {}, 'as bpftool btf dump … format c prints it')),
      h('pre.c', { 'data-testid': 'c-decl' }, linkedC(d.c, [...d.uses, ...d.children], d.id)),
    );
  } else if (d.decl !== undefined) {
    sections.push(
      h(
        'h3',
        {},
        'Declaration',
        h('span.aside', {}, `${d.summary} · bpftool's C dump prints no ${d.kind}`),
      ),
      h('pre.c', { 'data-testid': 'c-decl' }, linkedC(d.decl, [...d.uses, ...d.children], d.id)),
    );
  } else {
    sections.push(h('h3', {}, 'Type'), h('pre.c', { 'data-testid': 'c-decl' }, d.summary));
  }
  if (d.layout) sections.push(...renderLayout(d.layout));
  if (d.children.length > 0 && d.c === undefined) {
    sections.push(
      h('h3', {}, 'Refers to'),
      h('div.links', {}, ...d.children.map((l) => typeLink(l.id))),
    );
  }
  if (d.uses.length > 0) {
    sections.push(
      h(
        'h3',
        {},
        `Uses`,
        h('span.aside', {}, `${d.uses.length} named type${d.uses.length === 1 ? '' : 's'}`),
      ),
      h('div.links', {}, ...d.uses.map((l) => typeLink(l.id))),
    );
  }
  sections.push(
    h('h3', {}, 'Referenced by', h('span.aside.refcount', {}, '…')),
    h('div.links.referrers', { 'data-testid': 'referenced-by' }, h('span.muted', {}, 'finding…')),
  );
  return h('section.detail', { 'data-testid': 'type-detail' }, ...sections);
}

function fillReferrers(
  panel: HTMLElement,
  named: readonly number[],
  direct: readonly number[],
): void {
  const box = panel.querySelector('.referrers');
  const countEl = panel.querySelector('.refcount');
  if (!box || !countEl) return;
  countEl.textContent = `${named.length} named type${named.length === 1 ? '' : 's'}, ${direct.length} direct`;
  const shown = named.slice(0, 400);
  box.replaceChildren(
    ...(shown.length === 0
      ? [h('span.muted', {}, 'nothing refers to this type')]
      : shown.map((id) => typeLink(id))),
  );
  if (named.length > shown.length)
    box.append(h('span.muted', {}, ` …and ${named.length - shown.length} more`));
}

/** Stable pleasant hues per member, so neighbours differ. */
function hue(i: number): number {
  return (i * 47 + 190) % 360;
}

function renderLayout(layout: Layout): HTMLElement[] {
  const readout = h('div.readout', {}, 'Hover a box for its offset and size.');
  const pic = h('div.layout', { 'data-testid': 'layout' });
  const describe = (i: number): string => {
    const m = layout.members[i]!;
    const where = formatOffset(m.bitOffset, m.bitfield);
    const size = m.bitfield ? `${m.bits}-bit field` : formatBits(m.bits);
    return `${m.name || `(anon ${m.type})`}: ${m.type} — offset ${where}, ${size}`;
  };
  const gapText = (g: { kind: string; bitOffset: number; bits: number }) =>
    `${g.kind}: ${formatBits(g.bits)} at ${formatOffset(g.bitOffset, g.bitOffset % 8 !== 0)}`;
  const ruler = h('div.lrow.ruler', {}, h('span.off', {}, 'byte'));
  const rbar = h('div.bar');
  for (let b = 0; b < 8; b++) rbar.append(h('span.tick', { style: `left:${b * 12.5}%` }, `+${b}`));
  ruler.append(rbar, h('span.times'));
  pic.append(ruler);
  if (layout.kind === 'union') {
    layout.members.forEach((m, i) => {
      const w = layout.size > 0 ? Math.max(0.5, (m.bits / (layout.size * 8)) * 100) : 100;
      const cell = h(
        'div.cell.member',
        {
          style: `left:0;width:${Math.min(100, w)}%;--h:${hue(i)}`,
          'data-member': i,
          title: describe(i),
        },
        h('span', {}, m.name || '(anon)'),
      );
      pic.append(
        h('div.lrow.lane', {}, h('span.off', {}, '0'), h('div.bar', {}, cell), h('span.times')),
      );
    });
  } else {
    const labeled = new Set<number>();
    for (const row of layoutRows(layout)) {
      const bar = h('div.bar');
      for (const c of row.cells) {
        const left = (c.from / 64) * 100;
        const width = ((c.to - c.from) / 64) * 100;
        if (c.member >= 0) {
          const m = layout.members[c.member]!;
          // A member that spans rows is drawn as one box: its pieces join across the gap.
          const start = row.offset * 8 + c.from;
          const joins = `${start > m.bitOffset ? '.from-prev' : ''}${row.offset * 8 + (c.to === 64 ? row.repeat * 64 : c.to) < m.bitOffset + m.bits ? '.to-next' : ''}`;
          bar.append(
            h(
              `div.cell.member${m.bitfield ? '.bitfield' : ''}${joins}`,
              {
                style: `left:${left}%;width:${width}%;--h:${hue(c.member)}`,
                'data-member': c.member,
                title: describe(c.member),
              },
              h(labeled.has(c.member) ? 'span.cont' : 'span', {}, m.name || m.type),
            ),
          );
          labeled.add(c.member);
        } else {
          const g = layout.gaps.find(
            (x) =>
              x.kind === c.gap &&
              x.bitOffset <= row.offset * 8 + c.from &&
              x.bitOffset + x.bits >= row.offset * 8 + c.to,
          );
          bar.append(
            h(
              `div.cell.${c.gap}`,
              { style: `left:${left}%;width:${width}%`, title: g ? gapText(g) : c.gap },
              width >= 12 ? h('span', {}, c.gap ?? '') : undefined,
            ),
          );
        }
      }
      const off = h('span.off', {}, String(row.offset));
      const times = h('span.times', {}, row.repeat > 1 ? `× ${row.repeat} rows` : '');
      pic.append(h(`div.lrow${row.repeat > 1 ? '.repeat' : ''}`, {}, off, bar, times));
    }
  }
  pic.addEventListener('mouseover', (e) => {
    const cell = (e.target as HTMLElement).closest<HTMLElement>('.cell');
    if (!cell) return;
    for (const x of pic.querySelectorAll('.cell.hot')) x.classList.remove('hot');
    if (cell.dataset.member !== undefined) {
      const i = Number(cell.dataset.member);
      for (const x of pic.querySelectorAll(`.cell[data-member="${i}"]`)) x.classList.add('hot');
      readout.textContent = describe(i);
    } else readout.textContent = cell.title;
  });
  pic.addEventListener('click', (e) => {
    const cell = (e.target as HTMLElement).closest<HTMLElement>('.cell');
    if (cell?.dataset.member === undefined) return;
    const m = layout.members[Number(cell.dataset.member)]!;
    go(m.typeId);
  });
  const holes = layout.gaps.filter((g) => g.kind === 'hole');
  const padding = layout.gaps.find((g) => g.kind === 'padding');
  const holeBits = holes.reduce((a, g) => a + g.bits, 0);
  const summary = h(
    'div.lsummary',
    {},
    h('span', {}, `${layout.size} bytes`),
    h('span', {}, `${layout.members.length} members`),
    h(
      `span${holes.length ? '.bad' : ''}`,
      {},
      `${holes.length} hole${holes.length === 1 ? '' : 's'}${holes.length ? ` (${formatBits(holeBits)})` : ''}`,
    ),
    h(
      `span${padding ? '.warn' : ''}`,
      {},
      `padding ${padding ? formatBits(padding.bits) : 'none'}`,
    ),
  );
  const table = h(
    'table.members',
    { 'data-testid': 'members' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'offset'),
        h('th', {}, 'size'),
        h('th', {}, 'member'),
        h('th', {}, 'type'),
      ),
    ),
  );
  const body = h('tbody');
  const items: { at: number; el: HTMLElement }[] = [];
  layout.members.forEach((m, i) => {
    items.push({
      at: m.bitOffset * 2 + 1,
      el: h(
        'tr',
        { 'data-member': i },
        h('td.num', {}, formatOffset(m.bitOffset, m.bitfield)),
        h('td.num', {}, m.bitfield ? `${m.bits}b` : String(m.bits / 8)),
        h('td.mname', {}, m.name || '(anon)'),
        h('td', {}, typeLink(m.typeId, m.type)),
      ),
    });
  });
  for (const g of layout.gaps) {
    items.push({
      at: g.bitOffset * 2,
      el: h(
        `tr.gap.${g.kind}`,
        {},
        h('td.num', {}, formatOffset(g.bitOffset, g.bitOffset % 8 !== 0)),
        h('td.num', {}, g.bits % 8 ? `${g.bits}b` : String(g.bits / 8)),
        h('td', { colspan: 2 }, `${g.kind} of ${formatBits(g.bits)}`),
      ),
    });
  }
  if (layout.kind === 'struct') items.sort((a, b) => a.at - b.at);
  for (const it of items) body.append(it.el);
  table.append(body);
  return [
    h('h3', {}, 'Layout', h('span.aside', {}, '8 bytes per row')),
    summary,
    pic,
    readout,
    table,
  ];
}

// ---- compare -------------------------------------------------------------------------------

async function runDiff(): Promise<void> {
  setBusy('Comparing…');
  const r = await ask({ op: 'diff' });
  if (r.op !== 'diff' || !r.diff) {
    if (!file) showError(new Error('web: open a file first, then one to compare it with'));
    return;
  }
  lastDiff = r.diff;
  diffTab.hidden = false;
  setView('diff');
}

function renderDiff(d: SpecDiff): HTMLElement {
  const LIMIT = 3000;
  const nameLink = (id: number | undefined, text: string) =>
    id !== undefined && index && id <= index.count && index.name(id) !== ''
      ? typeLink(id, text)
      : h('span', {}, text);
  const section = (title: string, cls: string, n: number, rows: HTMLElement[]) =>
    h(
      `section.dsec.${cls}`,
      {},
      h('h3', {}, title, h('span.aside', {}, String(n))),
      ...rows.slice(0, LIMIT),
      n > LIMIT ? h('p.muted', {}, `…and ${n - LIMIT} more (btfkit diff prints all)`) : undefined,
    );
  const removed = d.removed.map((t) =>
    h(
      'div.ditem.removed',
      {},
      h('span.sign', {}, '−'),
      h('span.dkind', {}, t.kind),
      nameLink(t.id, t.name),
    ),
  );
  const added = d.added.map((t) =>
    h(
      'div.ditem.added',
      {},
      h('span.sign', {}, '+'),
      h('span.dkind', {}, t.kind),
      h('span', {}, t.name),
    ),
  );
  const changed = d.changed.map((c) => renderChange(c, nameLink));
  return h(
    'section.diff',
    { 'data-testid': 'diff' },
    h(
      'header.dhead',
      {},
      h('h2', {}, `${file?.name ?? ''} → ${compareName ?? ''}`),
      h(
        'div.facts',
        {},
        h('span.chip.added', {}, `+${d.added.length} added`),
        h('span.chip.removed', {}, `−${d.removed.length} removed`),
        h('span.chip.changed', {}, `~${d.changed.length} changed`),
      ),
    ),
    d.added.length + d.removed.length + d.changed.length === 0
      ? h('p.same', {}, 'No differences in named types.')
      : undefined,
    d.changed.length ? section('Changed', 'changed', d.changed.length, changed) : undefined,
    d.removed.length ? section('Removed', 'removed', d.removed.length, removed) : undefined,
    d.added.length ? section('Added', 'added', d.added.length, added) : undefined,
  );
}

function renderChange(
  c: TypeChange,
  nameLink: (id: number | undefined, text: string) => HTMLElement,
): HTMLElement {
  const card = h(
    'div.dcard',
    { 'data-type': `${c.kind} ${c.name}` },
    h(
      'div.dtitle',
      {},
      h('span.sign', {}, '~'),
      h('span.dkind', {}, c.kind),
      nameLink(c.oldId, c.name),
    ),
  );
  for (const line of c.details) card.append(h('div.dline', {}, line));
  if (c.members.length) {
    const t = h(
      'table.dmembers',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'member'),
          h('th', {}, 'change'),
          h('th', {}, 'old offset'),
          h('th', {}, 'new offset'),
          h('th', {}, 'old type'),
          h('th', {}, 'new type'),
        ),
      ),
    );
    const body = h('tbody');
    for (const m of c.members) {
      const off = (x: typeof m.old) => (x ? formatOffset(x.bitOffset, x.bitfieldSize !== 0) : '');
      const ty = (x: typeof m.old) =>
        x ? (x.bitfieldSize ? `${x.type}:${x.bitfieldSize}` : x.type) : '';
      body.append(
        h(
          `tr.${m.changes.join('.')}`,
          { 'data-member': m.name },
          h('td.mname', {}, m.name),
          h('td', {}, m.changes.join(', ')),
          h('td.num', {}, off(m.old)),
          h('td.num', {}, off(m.new)),
          h('td', {}, ty(m.old)),
          h('td', {}, ty(m.new)),
        ),
      );
    }
    t.append(body);
    card.append(t);
  }
  return card;
}

content.replaceChildren(welcomeDetail());
typeTab.classList.add('active');
