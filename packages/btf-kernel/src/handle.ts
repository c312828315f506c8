import { constants } from 'node:os';
import { type Builder, HOST_BYTE_ORDER, type MarshalOptions, Spec } from '@btfkit/types';
import { BtfError, detectByteOrder, FormatError, NotSupportedError, RawBtf } from '@btfkit/wire';
import { btfGetFdByID, btfGetInfo, btfLoad } from './bpf-attr.js';
import { SyscallError, VerifierError } from './errors.js';
import { haveBTF, kernelMarshalOptions } from './feature-probes.js';
import { loadKernelSpec } from './kernel-spec.js';
import {
  BPF_CMD,
  closeFd,
  closeFdQuietly,
  ensureFdAboveZero,
  errnoName,
  syscallError,
} from './syscall.js';

/** The first log buffer offered after a failed load, as in cilium/ebpf. */
export const MIN_LOG_SIZE = 64 * 1024;
/** The kernel refuses log buffers smaller than this (`bpf_vlog_init`). */
const MIN_KERNEL_LOG_SIZE = 128;
/** The largest log buffer offered by default. The kernel itself allows up to 1 GiB. */
export const DEFAULT_MAX_LOG_SIZE = 64 * 1024 * 1024;

/** Options for {@link Handle.load}. */
export interface LoadOptions {
  /**
   * How to marshal a Spec or Builder. Defaults to {@link kernelMarshalOptions}: the host's
   * byte order and every sanitization the running kernel needs.
   */
  readonly marshal?: MarshalOptions;
  /**
   * The largest verifier log buffer to offer, in bytes (at least 128); defaults to 64 MiB.
   * @throws RangeError from {@link Handle.load} when smaller than 128
   */
  readonly maxLogSize?: number;
}

/** What the kernel says about a loaded BTF object (`struct bpf_btf_info`). */
export interface HandleInfo {
  /** The BTF object's ID, unique while it is loaded. */
  readonly id: number;
  /** `vmlinux`, a module's name, or empty for BTF loaded from user space. */
  readonly name: string;
  /** Size of the BTF blob in bytes. */
  readonly size: number;
  /** Whether this is the kernel's own BTF (vmlinux or a module). */
  readonly isKernel: boolean;
  /** Whether this is vmlinux's BTF. */
  readonly isVmlinux: boolean;
  /** Whether this is a kernel module's BTF (split BTF over vmlinux). */
  readonly isModule: boolean;
}

let registry: FinalizationRegistry<number> | undefined;

/** Closes the fds of handles that were collected without `close()`. */
function finalizer(): FinalizationRegistry<number> {
  registry ??= new FinalizationRegistry<number>(closeFdQuietly);
  return registry;
}

const { EINVAL, ENOSPC, EPERM, ENOSYS } = constants.errno;

/**
 * A BTF object in the kernel, held open by a file descriptor: the counterpart of cilium/ebpf's
 * `btf.Handle`. Create one by loading BTF ({@link Handle.load}) or by ID
 * ({@link Handle.fromID}); close it when done (or `using` it). A handle that is garbage
 * collected without being closed has its fd closed by a FinalizationRegistry.
 */
export class Handle implements Disposable {
  #fd: number;

  private constructor(fd: number) {
    this.#fd = fd;
    finalizer().register(this, fd, this);
  }

  /**
   * Loads BTF into the kernel with `BPF_BTF_LOAD`. A Spec or Builder is marshalled first
   * (see {@link LoadOptions.marshal}); bytes are loaded as they are and must be in the host's
   * byte order. When the kernel rejects the blob, the load is retried with a verifier log
   * (64 KiB, growing to the size the kernel reports, up to `maxLogSize`).
   * @throws VerifierError carrying the kernel's log when the verifier rejects the BTF
   * @throws PermissionError without CAP_BPF (or CAP_SYS_ADMIN)
   * @throws NotSupportedError when the kernel has no BTF support, or for split BTF
   * @throws FormatError when the bytes are not in the host's byte order
   */
  static load(btf: Uint8Array | Spec | Builder, options: LoadOptions = {}): Handle {
    return new Handle(loadFd(marshalForKernel(btf, options), options.maxLogSize));
  }

  /**
   * Opens the BTF object with ID `id` (`BPF_BTF_GET_FD_BY_ID`).
   * @throws SyscallError with code `ENOENT` when no BTF object has this ID
   * @throws PermissionError without CAP_SYS_ADMIN
   */
  static fromID(id: number): Handle {
    return new Handle(ensureFdAboveZero(btfGetFdByID(id)));
  }

  /**
   * The file descriptor.
   * @throws BtfError after {@link close}
   */
  get fd(): number {
    if (this.#fd < 0) throw new BtfError('btf: handle: used after close');
    return this.#fd;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /**
   * What the kernel says about this BTF object.
   * @throws BtfError after {@link close}; SyscallError when the kernel call fails
   */
  info(): HandleInfo {
    const raw = btfGetInfo(this.fd);
    const isVmlinux = raw.kernelBtf && raw.name === 'vmlinux';
    return {
      id: raw.id,
      name: raw.name,
      size: raw.btfSize,
      isKernel: raw.kernelBtf,
      isVmlinux,
      isModule: raw.kernelBtf && !isVmlinux,
    };
  }

  /**
   * The BTF blob as the kernel holds it (`BPF_OBJ_GET_INFO_BY_FD` with a buffer).
   * @throws BtfError after {@link close}; SyscallError when the kernel call fails
   */
  bytes(): Uint8Array {
    const fd = this.fd;
    const size = btfGetInfo(fd).btfSize;
    const buf = new Uint8Array(size);
    const info = btfGetInfo(fd, buf);
    // BTF is immutable once loaded, so this never happens; but never return a partial copy.
    if (info.btfSize !== size) {
      throw new BtfError(
        `btf: handle: BTF id ${info.id} changed size from ${size} to ${info.btfSize}`,
      );
    }
    return buf;
  }

  /**
   * The BTF read back and parsed at the wire level. A module's BTF is split BTF and needs
   * vmlinux's as `base`.
   * @throws FormatError when the blob does not parse (e.g. split BTF without its base)
   */
  raw(base?: RawBtf): RawBtf {
    return RawBtf.parse(this.bytes(), base ? { base } : {});
  }

  /**
   * The BTF read back as a Spec. A module's BTF is parsed over `base`, by default the running
   * kernel's vmlinux BTF ({@link loadKernelSpec}).
   * @throws FormatError when the blob does not parse
   */
  spec(base?: Spec): Spec {
    const bytes = this.bytes();
    if (!base && this.info().isModule) base = loadKernelSpec();
    return Spec.parse(bytes, base ? { base } : {});
  }

  /**
   * Closes the fd. Closing twice does nothing.
   * @throws SyscallError when `close(2)` fails
   */
  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    finalizer().unregister(this);
    closeFd(fd);
  }

  /** Closes the handle; for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** Encodes what {@link Handle.load} was given into a blob the kernel can take. */
function marshalForKernel(btf: Uint8Array | Spec | Builder, options: LoadOptions): Uint8Array {
  if (btf instanceof Uint8Array) {
    const le = detectByteOrder(btf);
    if (le !== undefined && le !== (HOST_BYTE_ORDER === 'little')) {
      throw new FormatError(
        `btf: load: blob is ${le ? 'little' : 'big'}-endian but the kernel needs ${HOST_BYTE_ORDER}-endian; marshal it with byteOrder '${HOST_BYTE_ORDER}'`,
        { offset: 0 },
      );
    }
    return btf;
  }
  if (btf instanceof Spec && btf.base) {
    throw new NotSupportedError(
      'btf: load: split BTF cannot be loaded with BPF_BTF_LOAD; only the kernel loads module BTF',
    );
  }
  const marshal = { ...(options.marshal ?? kernelMarshalOptions()), byteOrder: HOST_BYTE_ORDER };
  return btf.marshal(marshal);
}

/**
 * `BPF_BTF_LOAD` with cilium/ebpf's retry: load without a log; on failure, load again with a
 * log of 64 KiB, doubling while the kernel says ENOSPC, or exactly the size it reports in
 * `btf_log_true_size` (Linux 6.4+), until `maxLogSize`.
 */
function loadFd(blob: Uint8Array, maxLogSize = DEFAULT_MAX_LOG_SIZE): number {
  if (!Number.isInteger(maxLogSize) || maxLogSize < MIN_KERNEL_LOG_SIZE) {
    throw new RangeError(
      `btf: load: maxLogSize ${maxLogSize} must be an integer of at least ${MIN_KERNEL_LOG_SIZE} (the kernel's minimum)`,
    );
  }
  let log: Uint8Array | undefined;
  let truncated = false;
  let r = btfLoad(blob);
  for (;;) {
    if (r.ret >= 0) return ensureFdAboveZero(r.ret);
    if (r.errno === EPERM || r.errno === ENOSYS) {
      throw syscallError(BPF_CMD.BTF_LOAD, r.errno);
    }
    if (log) {
      // The log already held everything the kernel wrote.
      if (r.logTrueSize !== 0 && log.byteLength >= r.logTrueSize) break;
      // Without ENOSPC the kernel did not run out of log space; before 6.4 the BTF verifier
      // does not report ENOSPC alongside other errors, so this log is all we get.
      if (r.errno !== ENOSPC) break;
      if (log.byteLength >= maxLogSize) {
        truncated = true;
        break;
      }
    }
    let size = log ? log.byteLength * 2 : MIN_LOG_SIZE;
    if (r.logTrueSize !== 0) size = r.logTrueSize;
    size = Math.min(size, maxLogSize);
    log = new Uint8Array(size);
    r = btfLoad(blob, log);
  }
  const text = decodeLog(log);
  const code = errnoName(r.errno);
  const cause = new SyscallError(
    `bpf(${BPF_CMD.BTF_LOAD.name}): ${code}`,
    BPF_CMD.BTF_LOAD.name,
    r.errno,
    code,
  );
  if (text.trim() === '') {
    // No log: either not the verifier speaking (ENOMEM, EFAULT, ...), or a kernel without
    // BTF at all, which answers EINVAL before it looks at the log (libbpf's probe_kern_btf).
    if (r.errno !== EINVAL) throw cause;
    haveBTF();
  }
  const reason = text.trim() === '' ? 'the kernel wrote no log' : lastLines(text);
  throw new VerifierError(
    `btf: load: ${code}: ${reason}${truncated ? ' (log truncated)' : ''}`,
    text,
    truncated,
    r.errno,
    { cause },
  );
}

const utf8 = new TextDecoder();

function decodeLog(log: Uint8Array | undefined): string {
  if (!log) return '';
  const nul = log.indexOf(0);
  return utf8.decode(nul >= 0 ? log.subarray(0, nul) : log);
}

/** The verifier's verdict: its last line, with the type line before it when there is one. */
function lastLines(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-2).join(' ').replace(/\s+/g, ' ').trim();
}
