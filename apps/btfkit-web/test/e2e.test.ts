// The explorer in a real browser: Debian's chromium, driven by playwright-core, against the
// built app. Oracles: bpftool's raw and C dumps of the same files, and the library's own
// error for a malformed file. Screenshots go to test-artifacts/ (gitignored).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Builder, loadSpecFromBytes, Spec } from 'btfkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatOffset } from '../src/model/layout.js';
import { artifacts, openApp, type Session } from './browser.js';
import { rawHeads, readFixture, readText, testdata } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'btfkit-web-e2e-'));
const vmlinuxBytes = readFixture('vmlinux', 'vmlinux.btf.gz');
const vmlinuxPath = join(scratch, 'vmlinux');
writeFileSync(vmlinuxPath, vmlinuxBytes);
const golden = readText('vmlinux', 'vmlinux.raw.golden.gz');
const heads = rawHeads(golden);

let s: Session;
let page: Page;

beforeAll(async () => {
  s = await openApp();
  page = s.page;
});

afterAll(async () => {
  await s?.close();
});

const shot = (name: string) => page.screenshot({ path: join(artifacts, `${name}.png`) });

/** The raw-dump block of one type: its first line and member lines. */
function rawBlock(header: RegExp): string[] {
  const lines = golden.split('\n');
  const start = lines.findIndex((l) => header.test(l));
  const out = [lines[start]!];
  for (let i = start + 1; i < lines.length && lines[i]!.startsWith('\t'); i++) out.push(lines[i]!);
  return out;
}

/** The rows the list draws, as text. */
async function rowTexts(): Promise<string[]> {
  return page.locator('[data-testid="type-row"]:visible').allTextContents();
}

async function openMain(path: string): Promise<void> {
  await page.setInputFiles('[data-testid="file-input"]', path);
}

describe('the explorer in chromium', () => {
  it('opens the vmlinux and lists every type as bpftool labels it', async () => {
    await shot('01-welcome');
    await openMain(vmlinuxPath);
    await page.waitForSelector('[data-testid="type-row"]');
    await expect
      .poll(() => page.locator('.count').textContent())
      .toContain(`of ${heads.size.toLocaleString('en')} types`);
    const rows = await rowTexts();
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) {
      const id = Number(/^\[(\d+)\]/.exec(r)![1]);
      expect(heads.get(id)!.startsWith(r)).toBe(true);
    }
    // Scrolling far down draws the rows there.
    await page.locator('.list').evaluate((el) => {
      el.scrollTop = 26 * 100000;
    });
    await expect
      .poll(async () => (await rowTexts()).some((r) => r.startsWith('[100001] ')))
      .toBe(true);
    for (const r of await rowTexts()) {
      const id = Number(/^\[(\d+)\]/.exec(r)![1]);
      expect(heads.get(id)!.startsWith(r)).toBe(true);
    }
  });

  it("searches as you type and shows task_struct with bpftool's members, offsets and C text", async () => {
    await page.click('[data-testid="search"]');
    await page.keyboard.type('task_struct');
    await expect.poll(async () => (await rowTexts())[0]).toMatch(/^\[\d+\] STRUCT 'task_struct'$/);
    const all = [...heads.values()].filter((l) => /^\[\d+\] \w+ '[^']*task_struct[^']*'/i.test(l));
    await expect.poll(() => page.locator('.count').textContent()).toContain(`${all.length} of`);
    await page
      .locator('[data-testid="type-row"]', { hasText: "STRUCT 'task_struct'" })
      .first()
      .click();
    const detail = page.locator('[data-testid="type-detail"]');
    await expect.poll(() => detail.locator('h2').textContent()).toMatch(/STRUCT 'task_struct'/);
    const block = rawBlock(/^\[\d+\] STRUCT 'task_struct' /);
    const [, id] = /^\[(\d+)\]/.exec(block[0]!)!;
    expect(await page.evaluate(() => location.hash)).toBe(`#/type/${id}`);
    // Members and offsets: the members table against bpftool's raw dump, in order.
    const cells = await page
      .locator('[data-testid="members"] tbody tr:not(.gap)')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
      );
    const members = block.slice(1);
    expect(cells.length).toBe(members.length);
    members.forEach((line, i) => {
      const [, name, bits, bitfield] =
        /^\t'([^']*)' type_id=\d+ bits_offset=(\d+)(?: bitfield_size=(\d+))?/.exec(line)!;
      expect(cells[i]![0]).toBe(formatOffset(Number(bits), bitfield !== undefined));
      expect(cells[i]![2]).toBe(name);
    });
    // The C declaration: the text bpftool's format c prints for it.
    const c = readText('vmlinux', 'vmlinux.c.golden.gz')
      .split('\n\n')
      .find((b) => b.startsWith('struct task_struct {\n'));
    expect(await page.locator('[data-testid="c-decl"]').textContent()).toBe(`${c}\n`);
    // The layout picture: a box per member piece, holes drawn, hover tells offset and size.
    await shot('02-task_struct');
    const layout = page.locator('[data-testid="layout"]');
    expect(await layout.locator('.cell.hole').count()).toBeGreaterThan(0);
    await layout.locator('.cell.member', { hasText: 'pid' }).first().hover();
    const pidLine = members.find((l) => l.startsWith("\t'pid' "))!;
    const pidBits = Number(/bits_offset=(\d+)/.exec(pidLine)![1]);
    expect(await page.locator('.readout').textContent()).toBe(
      `pid: pid_t — offset ${pidBits / 8}, 4 bytes`,
    );
    await layout.scrollIntoViewIfNeeded();
    await shot('03-task_struct-layout');
  });

  it('follows a link, lists referrers, and opens a type named in the URL', async () => {
    await page.locator('[data-testid="c-decl"] a', { hasText: 'mm_struct' }).first().click();
    const detail = page.locator('[data-testid="type-detail"]');
    const mm = rawBlock(/^\[\d+\] STRUCT 'mm_struct' /)[0]!;
    const mmId = /^\[(\d+)\]/.exec(mm)![1];
    await expect
      .poll(() => detail.locator('h2').textContent())
      .toBe(`[${mmId}] STRUCT 'mm_struct'`);
    expect(await page.evaluate(() => location.hash)).toBe(`#/type/${mmId}`);
    const refs = page.locator('[data-testid="referenced-by"]');
    await expect.poll(() => refs.textContent()).toContain("STRUCT 'task_struct'");
    await page.goBack();
    await expect.poll(() => detail.locator('h2').textContent()).toMatch(/STRUCT 'task_struct'$/);
    await page.evaluate(() => {
      location.hash = '#/type/sk_buff';
    });
    const sk = rawBlock(/^\[\d+\] STRUCT 'sk_buff' /)[0]!;
    await expect
      .poll(() => detail.locator('h2').textContent())
      .toBe(/^\[\d+\] STRUCT 'sk_buff'/.exec(sk)![0]);
    await shot('04-sk_buff');
    await page.fill('[data-testid="jump"]', '114');
    await page.press('[data-testid="jump"]', 'Enter');
    await expect
      .poll(() => detail.locator('h2').textContent())
      .toBe(heads.get(114)!.match(/^\[\d+\] \w+ '[^']*'/)![0]);
  });

  it('compares the vmlinux with an edited copy', async () => {
    const spec = Spec.parse(vmlinuxBytes).copy();
    const lh = spec.typeByName('list_head', 'struct');
    lh.members[1]!.bitOffset += 64;
    lh.size += 8;
    const gone = spec.typeByName('do_sys_open', 'func');
    const b = new Builder();
    for (const t of spec) if (t !== gone) b.add(t);
    const edited = join(scratch, 'vmlinux-edited.btf');
    writeFileSync(edited, b.marshal());
    await page.setInputFiles('[data-testid="compare-input"]', edited);
    const diff = page.locator('[data-testid="diff"]');
    await diff.waitFor();
    expect(await diff.locator('.chip').allTextContents()).toEqual([
      '+0 added',
      '−1 removed',
      '~1 changed',
    ]);
    expect(await diff.locator('.ditem.removed').allTextContents()).toEqual(['−funcdo_sys_open']);
    const card = diff.locator('.dcard[data-type="struct list_head"]');
    expect(await card.locator('.dline').allTextContents()).toEqual(['size 16 -> 24']);
    expect(
      await card
        .locator('tbody tr')
        .evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
        ),
    ).toEqual([['prev', 'moved', '8', '16', '*struct list_head', '*struct list_head']]);
    await shot('05-compare');
  });

  it('opens an ELF object, and split BTF over its base', async () => {
    await page.fill('[data-testid="search"]', '');
    await openMain(join(testdata, 'objects', 'basic-el.o'));
    const elfHeads = rawHeads(readText('objects', 'basic-el.raw.golden'));
    await expect
      .poll(() => page.locator('.count').textContent())
      .toBe(`${elfHeads.size} of ${elfHeads.size} types`);
    for (const r of await rowTexts())
      expect(elfHeads.get(Number(/^\[(\d+)\]/.exec(r)![1]))!.startsWith(r)).toBe(true);
    await page.setInputFiles('[data-testid="base-input"]', join(testdata, 'pahole', 'base.btf'));
    await openMain(join(testdata, 'pahole', 'split.btf'));
    const base = rawHeads(readText('pahole', 'base.raw.golden'));
    const split = rawHeads(readText('pahole', 'split.raw.golden'));
    const total = base.size + split.size;
    await expect
      .poll(() => page.locator('.count').textContent())
      .toBe(`${total} of ${total} types`);
    await page.selectOption('[data-testid="kind-filter"]', '4');
    for (const r of await rowTexts()) {
      const id = Number(/^\[(\d+)\]/.exec(r)![1]);
      expect((split.get(id) ?? base.get(id))!.startsWith(r)).toBe(true);
    }
    await page.selectOption('[data-testid="kind-filter"]', '-1');
  });

  it('opens the bundled sample, and a file dropped on the page', async () => {
    // The base of the split BTF above stays in use until cleared.
    await page.click('[data-testid="base-clear"]');
    await expect.poll(() => page.locator('.status').textContent()).not.toContain('base:');
    await page.click('text=Try a sample');
    await expect
      .poll(() => page.locator('.count').textContent())
      .toBe(`${heads.size.toLocaleString('en')} of ${heads.size.toLocaleString('en')} types`);
    expect(await page.locator('.status .file').textContent()).toContain('sample');
    const obj = [...readFileSync(join(testdata, 'objects', 'core-el.o'))];
    await page.evaluate((bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'core-el.o'));
      for (const type of ['dragenter', 'dragover', 'drop']) {
        window.dispatchEvent(
          new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }),
        );
      }
    }, obj);
    const core = rawHeads(readText('objects', 'core-el.raw.golden'));
    await expect
      .poll(() => page.locator('.count').textContent())
      .toBe(`${core.size} of ${core.size} types`);
    expect(await page.locator('.status .file').textContent()).toBe('core-el.o');
  });

  it("shows a malformed file's typed error, not a blank page", async () => {
    const bad = new Uint8Array(readFileSync(vmlinuxPath).subarray(0, 4096));
    const badPath = join(scratch, 'truncated.btf');
    writeFileSync(badPath, bad);
    let expected: Error | undefined;
    try {
      loadSpecFromBytes(bad);
    } catch (e) {
      expected = e as Error;
    }
    expect(expected?.name).toBe('FormatError');
    await openMain(badPath);
    const err = page.locator('[data-testid="error"]');
    await err.waitFor();
    expect(await err.locator('.msg').textContent()).toBe(expected!.message);
    expect(await err.locator('strong').textContent()).toBe('FormatError');
    // The last good file stays open.
    expect(await page.locator('[data-testid="type-row"]:visible').count()).toBeGreaterThan(0);
    await shot('06-error');
  });
});
