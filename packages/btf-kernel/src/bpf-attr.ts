import { constants, endianness } from 'node:os';
import { addressOf, BPF_CMD, bpf, rawBpf, type SyscallResult, syscallError } from './syscall.js';

/**
 * `union bpf_attr` layouts for the BTF commands, written into zeroed buffers in host byte
 * order. Offsets are from `include/uapi/linux/bpf.h`; each `size` is `offsetofend` of the
 * last field we use, as libbpf passes it, so older kernels (which require every byte past
 * the fields they know to be zero) accept it.
 */

const LE = endianness() === 'LE';

/** The `bpf_attr` size for `BPF_BTF_LOAD`: `offsetofend(union bpf_attr, btf_log_true_size)`. */
export const BTF_LOAD_ATTR_SIZE = 32;
/** The `bpf_attr` size for `BPF_BTF_GET_FD_BY_ID` and `BPF_BTF_GET_NEXT_ID` (to `open_flags`). */
export const ID_ATTR_SIZE = 12;
/** The `bpf_attr` size for `BPF_OBJ_GET_INFO_BY_FD`. */
export const INFO_ATTR_SIZE = 16;
/** `sizeof(struct bpf_btf_info)` since Linux 5.11 (name, name_len, kernel_btf). */
export const BTF_INFO_SIZE = 32;

/** The `BPF_BTF_LOAD` attribute with its output field. */
export interface BtfLoadAttr {
  /** The raw buffer passed to the kernel. */
  readonly attr: Uint8Array;
  /** Reads `btf_log_true_size` (Linux 6.4+; 0 before). */
  logTrueSize(): number;
}

/**
 * Builds the `BPF_BTF_LOAD` attribute:
 * `btf` @0, `btf_log_buf` @8, `btf_size` @16, `btf_log_size` @20, `btf_log_level` @24,
 * `btf_log_true_size` @28.
 */
export function btfLoadAttr(btf: Uint8Array, log?: Uint8Array, logLevel = 1): BtfLoadAttr {
  const attr = new Uint8Array(64);
  const v = new DataView(attr.buffer);
  v.setBigUint64(0, addressOf(btf), LE);
  v.setUint32(16, btf.byteLength, LE);
  if (log && log.byteLength > 0) {
    v.setBigUint64(8, addressOf(log), LE);
    v.setUint32(20, log.byteLength, LE);
    v.setUint32(24, logLevel, LE);
  }
  return { attr, logTrueSize: () => v.getUint32(28, LE) };
}

/**
 * Calls `BPF_BTF_LOAD`. Does not throw for a failed syscall: the loader decides what a
 * failure means. Keeps `btf` and `log` referenced for the call's duration.
 */
export function btfLoad(
  btf: Uint8Array,
  log?: Uint8Array,
): SyscallResult & { readonly logTrueSize: number } {
  const a = btfLoadAttr(btf, log);
  const r = holding([btf, log], () => rawBpf(BPF_CMD.BTF_LOAD.cmd, a.attr, BTF_LOAD_ATTR_SIZE));
  return { ret: r.ret, errno: r.errno, logTrueSize: a.logTrueSize() };
}

/**
 * `BPF_BTF_GET_FD_BY_ID`: `btf_id` @0, `open_flags` @8.
 * @throws PermissionError without CAP_SYS_ADMIN; SyscallError `ENOENT` for an unknown ID
 */
export function btfGetFdByID(id: number): number {
  const attr = new Uint8Array(ID_ATTR_SIZE);
  new DataView(attr.buffer).setUint32(0, id, LE);
  return bpf(BPF_CMD.BTF_GET_FD_BY_ID, attr, ID_ATTR_SIZE, `btf id ${id}`);
}

/**
 * `BPF_BTF_GET_NEXT_ID`: `start_id` @0, output `next_id` @4. Returns the next ID after
 * `start`, or undefined when there is none (`ENOENT`).
 * @throws PermissionError without CAP_SYS_ADMIN; NotSupportedError before Linux 5.4
 */
export function btfGetNextID(start: number): number | undefined {
  const attr = new Uint8Array(ID_ATTR_SIZE);
  const v = new DataView(attr.buffer);
  v.setUint32(0, start, LE);
  const r = rawBpf(BPF_CMD.BTF_GET_NEXT_ID.cmd, attr, ID_ATTR_SIZE);
  if (r.ret >= 0) return v.getUint32(4, LE);
  if (r.errno === ENOENT) return undefined;
  throw syscallError(BPF_CMD.BTF_GET_NEXT_ID, r.errno, `after id ${start}`);
}

const { ENOENT, ENOSPC, E2BIG, EINVAL } = constants.errno;

/** `struct bpf_btf_info` as decoded from the kernel. */
export interface RawBtfInfo {
  /** The BTF object's ID. */
  readonly id: number;
  /** Size of the BTF blob in bytes. */
  readonly btfSize: number;
  /** The name: `vmlinux`, a module's name, or empty for BTF loaded by a program. */
  readonly name: string;
  /** Whether the BTF is the kernel's own (vmlinux or a module). */
  readonly kernelBtf: boolean;
  /** The bytes of `struct bpf_btf_info` the kernel knows (16 before Linux 5.11). */
  readonly infoLen: number;
}

/**
 * `BPF_OBJ_GET_INFO_BY_FD` for a BTF fd. `bpf_fd` @0, `info_len` @4, `info` @8 in the attr;
 * `struct bpf_btf_info` is `btf` @0, `btf_size` @8, `id` @12, `name` @16, `name_len` @24,
 * `kernel_btf` @28. With `btf`, the blob is copied into it (it must hold `btfSize` bytes).
 * @throws SyscallError (e.g. `EBADF`) when the call fails
 */
export function btfGetInfo(fd: number, btf?: Uint8Array): RawBtfInfo {
  let nameBuf = new Uint8Array(256);
  for (;;) {
    const info = new Uint8Array(BTF_INFO_SIZE);
    const iv = new DataView(info.buffer);
    if (btf) {
      iv.setBigUint64(0, addressOf(btf), LE);
      iv.setUint32(8, btf.byteLength, LE);
    }
    iv.setBigUint64(16, addressOf(nameBuf), LE);
    iv.setUint32(24, nameBuf.byteLength, LE);
    const attr = new Uint8Array(INFO_ATTR_SIZE);
    const av = new DataView(attr.buffer);
    av.setUint32(0, fd, LE);
    av.setUint32(4, BTF_INFO_SIZE, LE);
    av.setBigUint64(8, addressOf(info), LE);
    const r = holding([btf, nameBuf, info], () =>
      rawBpf(BPF_CMD.OBJ_GET_INFO_BY_FD.cmd, attr, INFO_ATTR_SIZE),
    );
    if (r.ret < 0) {
      if (r.errno === ENOSPC && iv.getUint32(24, LE) >= nameBuf.byteLength) {
        // The name did not fit; name_len now holds its length.
        nameBuf = new Uint8Array(iv.getUint32(24, LE) + 1);
        continue;
      }
      if (r.errno === E2BIG || r.errno === EINVAL) return btfGetInfoOld(fd, btf);
      throw syscallError(BPF_CMD.OBJ_GET_INFO_BY_FD, r.errno, `fd ${fd}`);
    }
    const infoLen = av.getUint32(4, LE);
    const nameLen = infoLen > 24 ? iv.getUint32(24, LE) : 0;
    const name = decodeName(nameBuf, nameLen);
    return {
      id: iv.getUint32(12, LE),
      btfSize: iv.getUint32(8, LE),
      name,
      kernelBtf: infoLen >= BTF_INFO_SIZE && iv.getUint32(28, LE) !== 0,
      infoLen,
    };
  }
}

/**
 * Kernels before 5.11 know only `btf`, `btf_size` and `id`, and reject a non-zero `name`
 * with E2BIG; ask again with just those.
 */
function btfGetInfoOld(fd: number, btf?: Uint8Array): RawBtfInfo {
  const info = new Uint8Array(16);
  const iv = new DataView(info.buffer);
  if (btf) {
    iv.setBigUint64(0, addressOf(btf), LE);
    iv.setUint32(8, btf.byteLength, LE);
  }
  const attr = new Uint8Array(INFO_ATTR_SIZE);
  const av = new DataView(attr.buffer);
  av.setUint32(0, fd, LE);
  av.setUint32(4, info.byteLength, LE);
  av.setBigUint64(8, addressOf(info), LE);
  holding([btf, info], () => bpf(BPF_CMD.OBJ_GET_INFO_BY_FD, attr, INFO_ATTR_SIZE, `fd ${fd}`));
  return {
    id: iv.getUint32(12, LE),
    btfSize: iv.getUint32(8, LE),
    name: '',
    kernelBtf: false,
    infoLen: av.getUint32(4, LE),
  };
}

const utf8 = new TextDecoder();

function decodeName(buf: Uint8Array, len: number): string {
  let end = Math.min(len, buf.byteLength);
  const nul = buf.indexOf(0);
  if (nul >= 0 && nul < end) end = nul;
  return utf8.decode(buf.subarray(0, end));
}

/** Buffers whose addresses are in an attr of a syscall in progress. */
const inFlight: (Uint8Array | undefined)[][] = [];

/**
 * Runs a syscall while holding the buffers whose addresses went into its attr, so none of
 * them can be collected while the kernel reads or writes it (an address keeps nothing alive).
 */
function holding<T>(bufs: (Uint8Array | undefined)[], call: () => T): T {
  inFlight.push(bufs);
  try {
    return call();
  } finally {
    inFlight.pop();
  }
}
