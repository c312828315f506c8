import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { NotSupportedError } from '@btfkit/wire';
import { type Capability, PermissionError, SyscallError } from './errors.js';

/**
 * `bpf(2)` syscall numbers, by `process.arch`. Taken from libbpf's `src/bpf.c` (`__NR_bpf`) and
 * the kernel's syscall tables; the generic table (arm64, riscv64, loong64) uses 280.
 */
export const BPF_SYSCALL_NUMBERS: Readonly<Partial<Record<NodeJS.Architecture, number>>> = {
  x64: 321,
  arm64: 280,
  ia32: 357,
  arm: 386,
  riscv64: 280,
  loong64: 280,
  s390x: 351,
  ppc64: 361,
};

/** What one raw `bpf(2)` call returned: the result, and errno when the result is negative. */
export interface SyscallResult {
  /** The syscall's return value; negative on failure. */
  readonly ret: number;
  /** errno after a failed call; 0 on success. */
  readonly errno: number;
}

/** One raw `bpf(cmd, attr, size)` call. */
export type RawBpf = (cmd: number, attr: Uint8Array, size: number) => SyscallResult;

/**
 * Replaces `bpf(2)` in tests. It sees every call and decides what happens: return a made-up
 * result, or pass the call on to the real syscall with `next`.
 */
export type SyscallHook = (
  cmd: number,
  attr: Uint8Array,
  size: number,
  next: RawBpf,
) => SyscallResult;

interface Native {
  readonly bpf: RawBpf;
  readonly close: (fd: number) => SyscallResult;
  readonly dupCloexec: (fd: number, min: number) => SyscallResult;
  readonly address: (buf: Uint8Array) => bigint;
  readonly mapReadOnly: (fd: number, length: number) => MapResult;
}

/** What {@link mapReadOnly} returned: the mapped bytes, or the errno of the failed mmap. */
export interface MapResult {
  /** The mapping, viewed as an ArrayBuffer; undefined when mmap failed. */
  readonly buffer: ArrayBuffer | undefined;
  /** errno of a failed mmap; 0 on success. */
  readonly errno: number;
}

interface Koffi {
  load(path: string | null): {
    func(decl: string): (...args: unknown[]) => unknown;
  };
  address(value: unknown): bigint;
  errno(): number;
  view(pointer: unknown, length: number): ArrayBuffer;
}

let native: Native | undefined;
let nativeError: Error | undefined;
let hook: SyscallHook | undefined;

const F_DUPFD_CLOEXEC = 1030;
const PROT_READ = 1;
const MAP_PRIVATE = 2;
/** `MAP_FAILED`, `(void *)-1`, as koffi reports the address on 64- and 32-bit hosts. */
const MAP_FAILED_64 = 2n ** 64n - 1n;
const MAP_FAILED_32 = 2n ** 32n - 1n;

/**
 * Loads koffi and binds libc's `syscall`, `close` and `fcntl`, on first use only, so that
 * importing this package never loads native code (and works where koffi cannot).
 */
function loadNative(): Native {
  if (native) return native;
  if (nativeError) throw nativeError;
  try {
    native = bindNative();
    return native;
  } catch (err) {
    nativeError =
      err instanceof NotSupportedError
        ? err
        : new NotSupportedError(`bpf: cannot call bpf(2): loading koffi failed: ${message(err)}`, {
            cause: err,
          });
    throw nativeError;
  }
}

function bindNative(): Native {
  if (process.platform !== 'linux') {
    throw new NotSupportedError(`bpf: bpf(2) exists only on Linux, not on ${process.platform}`);
  }
  const nr = BPF_SYSCALL_NUMBERS[process.arch];
  if (nr === undefined) {
    throw new NotSupportedError(`bpf: no known bpf(2) syscall number for arch ${process.arch}`);
  }
  const require = createRequire(import.meta.url);
  const koffi = require('koffi') as Koffi;
  // The main program's symbols include libc's, whichever libc (glibc, musl) node links.
  const libc = koffi.load(null);
  const syscall = libc.func('long syscall(long number, ...)');
  const close = libc.func('int close(int fd)');
  const fcntl = libc.func('int fcntl(int fd, int cmd, ...)');
  // off_t is a long for plain mmap on every Linux ABI node runs on (64-bit, and 32-bit
  // without _FILE_OFFSET_BITS=64); the offset is 0 anyway.
  const mmap = libc.func(
    'void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)',
  );
  return {
    bpf(cmd, attr, size) {
      // Every variadic argument as a long: syscall() reads them all as longs.
      const ret = syscall(nr, 'long', cmd, 'void *', attr, 'long', size) as number;
      return { ret, errno: ret < 0 ? koffi.errno() : 0 };
    },
    close(fd) {
      const ret = close(fd) as number;
      return { ret, errno: ret < 0 ? koffi.errno() : 0 };
    },
    dupCloexec(fd, min) {
      const ret = fcntl(fd, F_DUPFD_CLOEXEC, 'int', min) as number;
      return { ret, errno: ret < 0 ? koffi.errno() : 0 };
    },
    address(buf) {
      return koffi.address(buf);
    },
    mapReadOnly(fd, length) {
      const ptr = mmap(null, length, PROT_READ, MAP_PRIVATE, fd, 0);
      const errno = koffi.errno();
      const at = ptr === null ? 0n : koffi.address(ptr);
      if (at === 0n || at === MAP_FAILED_64 || at === MAP_FAILED_32) {
        return { buffer: undefined, errno };
      }
      return { buffer: koffi.view(ptr, length), errno: 0 };
    },
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Installs (or with no argument removes) a hook that sees every `bpf(2)` call this package
 * makes. For tests only: it lets a test inject `EPERM`, `ENOSYS` or any failure without
 * changing the machine.
 * @internal
 */
export function setSyscallForTesting(h?: SyscallHook): void {
  hook = h;
  generation++;
}

let generation = 0;

/**
 * Counts {@link setSyscallForTesting} calls, so memoized answers (feature probes) can tell
 * that the syscall they came from was swapped and must be asked again.
 */
export function syscallGeneration(): number {
  return generation;
}

/** One `bpf(2)` call through the test hook, if any. Never throws for a failed syscall. */
export function rawBpf(cmd: number, attr: Uint8Array, size: number): SyscallResult {
  if (hook) {
    const h = hook;
    return h(cmd, attr, size, (c, a, s) => loadNative().bpf(c, a, s));
  }
  return loadNative().bpf(cmd, attr, size);
}

/**
 * The address of a buffer's first byte, to put in a `bpf_attr` pointer field. The buffer
 * must stay referenced until the syscall returns.
 */
export function addressOf(buf: Uint8Array): bigint {
  return loadNative().address(buf);
}

/**
 * Maps `length` bytes of the file open as `fd` read-only and private (`mmap(2)` with
 * `PROT_READ`, `MAP_PRIVATE`) and views them as an ArrayBuffer. The mapping is never unmapped:
 * nothing tells us when the last view of it is gone, and reading it after munmap would crash
 * the process. Writing into it crashes the process too (SIGSEGV).
 * @throws NotSupportedError when koffi cannot be loaded
 */
export function mapReadOnly(fd: number, length: number): MapResult {
  return loadNative().mapReadOnly(fd, length);
}

/** Closes a file descriptor and ignores failure: for finalizers, which must not throw. */
export function closeFdQuietly(fd: number): void {
  loadNative().close(fd);
}

/**
 * Closes a file descriptor with libc's `close`.
 * @throws SyscallError when close fails (`EBADF`: the fd was not open)
 */
export function closeFd(fd: number): void {
  const r = loadNative().close(fd);
  if (r.ret < 0) {
    const code = errnoName(r.errno);
    throw new SyscallError(`bpf: close(${fd}): ${code}`, 'close', r.errno, code);
  }
}

/**
 * Makes sure a new bpf fd is not 0: `bpf_attr` treats fd 0 as "none" in several fields, so
 * (like libbpf and cilium/ebpf) we move it to a higher number when stdin was closed.
 */
export function ensureFdAboveZero(fd: number): number {
  if (fd !== 0) return fd;
  const n = loadNative();
  const dup = n.dupCloexec(0, 1);
  n.close(0);
  if (dup.ret < 0) {
    const code = errnoName(dup.errno);
    throw new SyscallError(`bpf: fcntl(0, F_DUPFD_CLOEXEC): ${code}`, 'fcntl', dup.errno, code);
  }
  return dup.ret;
}

const ERRNO_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!ERRNO_NAMES.has(value)) ERRNO_NAMES.set(value, name);
}
/** The kernel-internal `ENOTSUPP`, which leaks out of some bpf paths. */
const ENOTSUPP = 524;

/** The symbolic name of an errno (`EINVAL`), or `errno N`. */
export function errnoName(errno: number): string {
  if (errno === ENOTSUPP) return 'ENOTSUPP';
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

/** A BPF command: its number, name, and what it needs. */
export interface BpfCommand {
  /** The `enum bpf_cmd` value. */
  readonly cmd: number;
  /** The name, e.g. `BPF_BTF_LOAD`. */
  readonly name: string;
  /** The kernel release that added the command (for BTF objects). */
  readonly since: string;
  /** The capability the command checks. */
  readonly capability: Capability;
}

/** `CAP_SYS_ADMIN` and `CAP_BPF` bit numbers (`include/uapi/linux/capability.h`). */
const CAP_BIT: Record<Capability, number> = { CAP_SYS_ADMIN: 21, CAP_BPF: 39 };

/** Whether the process has `cap` in its effective set, or undefined when unknown. */
function hasCapability(cap: Capability): boolean | undefined {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
    if (!m) return undefined;
    return ((BigInt(`0x${m[1]}`) >> BigInt(CAP_BIT[cap])) & 1n) === 1n;
  } catch {
    return undefined;
  }
}

/**
 * The typed error for a failed `bpf(2)` call: `EPERM` becomes a {@link PermissionError} naming
 * the missing capability, `ENOSYS` (no bpf(2)) and `EINVAL` from a command the kernel does
 * not know become `NotSupportedError`, anything else a {@link SyscallError}.
 * @param detail - context for the message, e.g. `btf id 12`
 */
export function syscallError(
  command: BpfCommand,
  errno: number,
  detail?: string,
): SyscallError | NotSupportedError {
  const code = errnoName(errno);
  const subject = `bpf(${command.name})${detail ? `: ${detail}` : ''}`;
  if (errno === constants.errno.EPERM) {
    const cap = command.capability;
    const alt = cap === 'CAP_BPF' ? ' (or CAP_SYS_ADMIN)' : '';
    const has = hasCapability(cap);
    const state =
      has === false ? `; this process lacks ${cap}` : has === true ? `; ${cap} is present` : '';
    return new PermissionError(
      `${subject}: operation not permitted: needs ${cap}${alt}${state}`,
      command.name,
      errno,
      cap,
    );
  }
  const cause = new SyscallError(`${subject}: ${code}`, command.name, errno, code);
  if (errno === constants.errno.ENOSYS) {
    return new NotSupportedError(
      `${subject}: bpf(2) is not implemented by this kernel (CONFIG_BPF_SYSCALL off?)`,
      { cause },
    );
  }
  if (errno === constants.errno.EINVAL && command.cmd !== BPF_CMD.BTF_LOAD.cmd) {
    return new NotSupportedError(
      `${subject}: EINVAL: the kernel does not support this command (needs Linux ${command.since})`,
      { cause },
    );
  }
  return cause;
}

/**
 * The `bpf(2)` commands this package uses (`enum bpf_cmd` in `include/uapi/linux/bpf.h`).
 * `BPF_BTF_LOAD` needs CAP_BPF since Linux 5.8 (CAP_SYS_ADMIN before); looking up BTF by ID
 * needs CAP_SYS_ADMIN.
 */
export const BPF_CMD: {
  /** `BPF_OBJ_GET_INFO_BY_FD`: what the kernel knows of an object (here a BTF object). */
  readonly OBJ_GET_INFO_BY_FD: BpfCommand;
  /** `BPF_BTF_LOAD`: load BTF into the kernel, get a file descriptor for it. */
  readonly BTF_LOAD: BpfCommand;
  /** `BPF_BTF_GET_FD_BY_ID`: a file descriptor for a loaded BTF object, by its ID. */
  readonly BTF_GET_FD_BY_ID: BpfCommand;
  /** `BPF_BTF_GET_NEXT_ID`: the next loaded BTF object's ID, to list them. */
  readonly BTF_GET_NEXT_ID: BpfCommand;
} = {
  OBJ_GET_INFO_BY_FD: {
    cmd: 15,
    name: 'BPF_OBJ_GET_INFO_BY_FD',
    since: '4.18',
    capability: 'CAP_BPF',
  },
  BTF_LOAD: { cmd: 18, name: 'BPF_BTF_LOAD', since: '4.18', capability: 'CAP_BPF' },
  BTF_GET_FD_BY_ID: {
    cmd: 19,
    name: 'BPF_BTF_GET_FD_BY_ID',
    since: '4.18',
    capability: 'CAP_SYS_ADMIN',
  },
  BTF_GET_NEXT_ID: {
    cmd: 23,
    name: 'BPF_BTF_GET_NEXT_ID',
    since: '5.4',
    capability: 'CAP_SYS_ADMIN',
  },
};

/**
 * Calls `bpf(2)` and returns its non-negative result.
 * @throws PermissionError on EPERM, NotSupportedError when bpf(2) or the command is missing,
 *   SyscallError otherwise
 */
export function bpf(command: BpfCommand, attr: Uint8Array, size: number, detail?: string): number {
  const r = rawBpf(command.cmd, attr, size);
  if (r.ret >= 0) return r.ret;
  throw syscallError(command, r.errno, detail);
}
