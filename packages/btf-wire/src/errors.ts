/**
 * The btfkit error family. Every failure that comes from input, from a lookup or from the
 * kernel is one of these, so callers can tell our errors from bugs with one `instanceof`.
 *
 * Messages start with the subject (`btf: type id 12: ...`); context from higher layers is
 * added through `cause`.
 */

/**
 * Puts an error class's `name` on its prototype, where the built-in errors keep theirs: a
 * class field would be defined on every instance, which doubles the cost of a throw (a name
 * lookup that misses throws).
 */
function setName(cls: { prototype: Error }, name: string): void {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
}

/** The base of every error btfkit throws on purpose. */
export class BtfError extends Error {}

/** Where in the input a {@link FormatError} was found. */
export interface FormatErrorLocation {
  /** Byte offset into the blob or file that was being decoded. */
  readonly offset?: number;
  /** The type ID being decoded, when the error concerns one type. */
  readonly typeID?: number;
}

/**
 * Malformed input: bytes that are not valid BTF, `.BTF.ext` or ELF. Carries the byte offset
 * and, where known, the type ID.
 */
export class FormatError extends BtfError {
  /** Byte offset of the problem, when known. */
  readonly offset: number | undefined;
  /** Type ID of the record with the problem, when known. */
  readonly typeID: number | undefined;

  constructor(message: string, location: FormatErrorLocation = {}, options?: ErrorOptions) {
    super(message, options);
    this.offset = location.offset;
    this.typeID = location.typeID;
  }
}

/** A lookup by ID or name found nothing. */
export class NotFoundError extends BtfError {}

/** A lookup that must find exactly one thing found several. */
export class MultipleMatchesError extends BtfError {}

/** The input uses a feature this code, or the running kernel, does not support. */
export class NotSupportedError extends BtfError {}

/**
 * Types or records that BTF cannot encode: a value too large for its field (a vlen, a member
 * bit offset), a bitfield in a struct without kind_flag, a name with a NUL. The Builder,
 * `Spec.marshal` and the record encoders throw it.
 */
export class EncodeError extends BtfError {}

setName(BtfError, 'BtfError');
setName(FormatError, 'FormatError');
setName(NotFoundError, 'NotFoundError');
setName(MultipleMatchesError, 'MultipleMatchesError');
setName(NotSupportedError, 'NotSupportedError');
setName(EncodeError, 'EncodeError');
