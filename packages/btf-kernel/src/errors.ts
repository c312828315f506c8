import { BtfError } from '@btfkit/wire';

/** Puts a class's `name` on its prototype, as every `BtfError` class does. */
function setName(cls: { prototype: Error }, name: string): void {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
}

/**
 * A `bpf(2)` call failed with an errno that has no more specific meaning here. Carries the
 * command and the errno, so callers can branch on `code` (`'EBADF'`, `'ENOENT'`, ...).
 */
export class SyscallError extends BtfError {
  /** The `bpf(2)` command, e.g. `BPF_BTF_LOAD`. */
  readonly command: string;
  /** The errno the kernel returned. */
  readonly errno: number;
  /** The errno's symbolic name, e.g. `EINVAL`, or `errno N` when unknown. */
  readonly code: string;

  constructor(
    message: string,
    command: string,
    errno: number,
    code: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.command = command;
    this.errno = errno;
    this.code = code;
  }
}

/** The capabilities `bpf(2)` commands ask for. */
export type Capability = 'CAP_BPF' | 'CAP_SYS_ADMIN';

/**
 * A `bpf(2)` call failed with `EPERM`: the process lacks the capability the command needs.
 * The message and {@link PermissionError.capability} name it.
 */
export class PermissionError extends SyscallError {
  /** The capability the command needs on this kernel. */
  readonly capability: Capability;

  constructor(
    message: string,
    command: string,
    errno: number,
    capability: Capability,
    options?: ErrorOptions,
  ) {
    super(message, command, errno, 'EPERM', options);
    this.capability = capability;
  }
}

/**
 * The kernel's BTF verifier rejected a blob passed to `BPF_BTF_LOAD`. Carries the verifier
 * log, which names the offending type and why (e.g. `[2] STRUCT s ... Invalid member`).
 */
export class VerifierError extends BtfError {
  /** The verifier log, as the kernel wrote it (without the trailing NUL). */
  readonly log: string;
  /** Whether the log was cut short because it outgrew the largest buffer we offer. */
  readonly truncated: boolean;
  /** The errno of the failed load (usually `EINVAL`). */
  readonly errno: number;

  constructor(
    message: string,
    log: string,
    truncated: boolean,
    errno: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.log = log;
    this.truncated = truncated;
    this.errno = errno;
  }

  /** The log's non-empty lines. */
  get lines(): string[] {
    return this.log.split('\n').filter((l) => l.length > 0);
  }
}

setName(SyscallError, 'SyscallError');
setName(PermissionError, 'PermissionError');
setName(VerifierError, 'VerifierError');
