import { constants } from 'node:os';
import { btfGetNextID } from './bpf-attr.js';
import { SyscallError } from './errors.js';
import { Handle, type HandleInfo } from './handle.js';

/**
 * Every BTF object loaded in the kernel, in ID order (like `bpftool btf list`): vmlinux, the
 * modules' BTF, and BTF loaded by programs. Each handle belongs to the caller, who closes
 * it. Objects unloaded while iterating are skipped.
 * @throws PermissionError without CAP_SYS_ADMIN
 * @throws NotSupportedError before Linux 5.4 (no `BPF_BTF_GET_NEXT_ID`)
 */
export function* iterateHandles(): Generator<Handle, void, undefined> {
  let id = 0;
  for (;;) {
    const next = btfGetNextID(id);
    if (next === undefined) return;
    id = next;
    let handle: Handle;
    try {
      handle = Handle.fromID(id);
    } catch (err) {
      // Unloaded between GET_NEXT_ID and GET_FD_BY_ID.
      if (err instanceof SyscallError && err.errno === constants.errno.ENOENT) continue;
      throw err;
    }
    yield handle;
  }
}

/**
 * The {@link HandleInfo} of every BTF object loaded in the kernel, in ID order; opens and
 * closes each handle.
 * @throws PermissionError without CAP_SYS_ADMIN
 * @throws NotSupportedError before Linux 5.4 (no `BPF_BTF_GET_NEXT_ID`)
 */
export function listHandleInfos(): HandleInfo[] {
  const out: HandleInfo[] = [];
  for (const handle of iterateHandles()) {
    try {
      out.push(handle.info());
    } finally {
      handle.close();
    }
  }
  return out;
}
