import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import {
  BPF_CMD,
  featureProbeBlob,
  Handle,
  listHandleInfos,
  NotSupportedError,
  PermissionError,
  type SyscallResult,
  setSyscallForTesting,
  VerifierError,
} from '@btfkit/kernel';
import { afterEach, describe, expect, it } from 'vitest';
import { kernelIt } from './kernel.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const PACKAGE = join(import.meta.dirname, '..');
const { EPERM, ENOSYS, EINVAL, E2BIG } = constants.errno;

const fail = (errno: number): SyscallResult => ({ ret: -1, errno });

/** Fails every call of `cmd` with `errno`; counts them. */
function inject(cmd: number, errno: number) {
  const calls = { n: 0 };
  setSyscallForTesting((c, attr, size, next) => {
    if (c !== cmd) return next(c, attr, size);
    calls.n++;
    return fail(errno);
  });
  return calls;
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

afterEach(() => setSyscallForTesting());

describe('injected errnos', () => {
  it('EPERM from BPF_BTF_LOAD names CAP_BPF and is not retried', () => {
    const calls = inject(BPF_CMD.BTF_LOAD.cmd, EPERM);
    const err = thrown(() => Handle.load(featureProbeBlob('btf')));
    expect(err).toBeInstanceOf(PermissionError);
    expect((err as PermissionError).capability).toBe('CAP_BPF');
    expect((err as PermissionError).code).toBe('EPERM');
    expect(err.message).toMatch(/^bpf\(BPF_BTF_LOAD\): operation not permitted: needs CAP_BPF/);
    expect(calls.n).toBe(1);
  });

  it('EPERM from BPF_BTF_GET_FD_BY_ID and BPF_BTF_GET_NEXT_ID names CAP_SYS_ADMIN', () => {
    inject(BPF_CMD.BTF_GET_FD_BY_ID.cmd, EPERM);
    const byID = thrown(() => Handle.fromID(1));
    expect(byID).toBeInstanceOf(PermissionError);
    expect((byID as PermissionError).capability).toBe('CAP_SYS_ADMIN');
    expect(byID.message).toContain('btf id 1');
    inject(BPF_CMD.BTF_GET_NEXT_ID.cmd, EPERM);
    const list = thrown(() => listHandleInfos());
    expect(list).toBeInstanceOf(PermissionError);
    expect(list.message).toContain('needs CAP_SYS_ADMIN');
  });

  it('ENOSYS means no bpf(2): NotSupportedError', () => {
    setSyscallForTesting(() => fail(ENOSYS));
    const err = thrown(() => Handle.load(featureProbeBlob('btf')));
    expect(err).toBeInstanceOf(NotSupportedError);
    expect(err.message).toContain('bpf(2) is not implemented');
    expect(thrown(() => Handle.fromID(1))).toBeInstanceOf(NotSupportedError);
  });

  it('EINVAL from a command the kernel lacks is NotSupportedError naming its release', () => {
    inject(BPF_CMD.BTF_GET_NEXT_ID.cmd, EINVAL);
    const err = thrown(() => listHandleInfos());
    expect(err).toBeInstanceOf(NotSupportedError);
    expect(err.message).toContain('BPF_BTF_GET_NEXT_ID');
    expect(err.message).toContain('needs Linux 5.4');
  });

  it('EINVAL with an empty log from a kernel without BTF is NotSupportedError, not a verifier error', () => {
    const calls = inject(BPF_CMD.BTF_LOAD.cmd, EINVAL);
    const err = thrown(() => Handle.load(featureProbeBlob('float')));
    expect(err).toBeInstanceOf(NotSupportedError);
    expect(err).not.toBeInstanceOf(VerifierError);
    expect(err.message).toContain('needs Linux 4.18');
    // The load, its retry with a log, then the BTF probe.
    expect(calls.n).toBe(3);
  });

  kernelIt('a kernel before 5.11 (E2BIG for the name fields) still answers info()', () => {
    const h = Handle.load(featureProbeBlob('btf'));
    try {
      const full = h.info();
      const infoLens: number[] = [];
      setSyscallForTesting((cmd, attr, size, next) => {
        if (cmd !== BPF_CMD.OBJ_GET_INFO_BY_FD.cmd) return next(cmd, attr, size);
        const infoLen = new DataView(attr.buffer).getUint32(4, true);
        infoLens.push(infoLen);
        return infoLen > 16 ? fail(E2BIG) : next(cmd, attr, size);
      });
      const old = h.info();
      expect(infoLens).toEqual([32, 16]);
      expect(old).toEqual({ ...full, name: '', isKernel: false });
      expect(h.bytes()).toEqual(featureProbeBlob('btf'));
    } finally {
      h.close();
    }
  });
});

const nobodyCommand = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
const haveSetpriv = spawnSync('setpriv', ['--version']).status === 0;

describe('real privileges', () => {
  kernelIt('as nobody, loading names CAP_BPF and lookups name CAP_SYS_ADMIN', () => {
    expect(haveSetpriv, 'setpriv (util-linux) is needed to drop privileges').toBe(true);
    expect(existsSync(join(PACKAGE, 'dist/index.js')), 'build the package first').toBe(true);
    const out = execFileSync(
      nobodyCommand[0]!,
      [...nobodyCommand.slice(1), process.execPath, join(FIXTURES, 'unprivileged.mjs')],
      { cwd: PACKAGE, encoding: 'utf8' },
    );
    const result = JSON.parse(out) as Record<
      string,
      { name?: string; message?: string; capability?: string }
    >;
    expect(result.load).toMatchObject({ name: 'PermissionError', capability: 'CAP_BPF' });
    expect(result.load?.message).toContain(
      'needs CAP_BPF (or CAP_SYS_ADMIN); this process lacks CAP_BPF',
    );
    expect(result.fromID).toMatchObject({ name: 'PermissionError', capability: 'CAP_SYS_ADMIN' });
    expect(result.list).toMatchObject({ name: 'PermissionError', capability: 'CAP_SYS_ADMIN' });
  });

  kernelIt('a new BTF fd is never 0, even with stdin closed', () => {
    const out = execFileSync(process.execPath, [join(FIXTURES, 'fd-zero.mjs')], {
      cwd: PACKAGE,
      encoding: 'utf8',
    });
    const result = JSON.parse(out) as {
      kernelFd: number;
      fd: number;
      id: number;
      zeroOpen: boolean;
    };
    expect(result.kernelFd).toBe(0);
    expect(result.fd).toBeGreaterThan(0);
    expect(result.id).toBeGreaterThan(0);
    expect(result.zeroOpen).toBe(false);
  });

  kernelIt('a handle dropped without close() has its fd closed by the FinalizationRegistry', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', join(FIXTURES, 'finalizer.mjs')], {
      cwd: PACKAGE,
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual({ leaked: 100, after: 0 });
  });
});
