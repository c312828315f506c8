/**
 * The btfkit error family. Every failure that comes from input, from a lookup or from the
 * kernel is one of these, so callers can tell our errors from bugs with one `instanceof`.
 *
 * Messages start with the subject (`btf: type id 12: ...`); context from higher layers is
 * added through `cause`.
 */

/** The base of every error btfkit throws on purpose. */
export class BtfError extends Error {
  override name = 'BtfError';
}

/** Where in the input a {@link FormatError} was found. */
export interface FormatErrorLocation {
  /** Byte offset into the blob or file that was being decoded. */
  readonly offset?: number;
  /** The type ID being decoded, when the error concerns one type. */
  readonly typeId?: number;
}

/**
 * Malformed input: bytes that are not valid BTF, `.BTF.ext` or ELF. Carries the byte offset
 * and, where known, the type ID.
 */
export class FormatError extends BtfError {
  override name = 'FormatError';
  /** Byte offset of the problem, when known. */
  readonly offset: number | undefined;
  /** Type ID of the record with the problem, when known. */
  readonly typeId: number | undefined;

  constructor(message: string, location: FormatErrorLocation = {}, options?: ErrorOptions) {
    super(message, options);
    this.offset = location.offset;
    this.typeId = location.typeId;
  }
}

/** A lookup by ID or name found nothing. */
export class NotFoundError extends BtfError {
  override name = 'NotFoundError';
}

/** A lookup that must find exactly one thing found several. */
export class MultipleMatchesError extends BtfError {
  override name = 'MultipleMatchesError';
}

/** The input uses a feature this code, or the running kernel, does not support. */
export class NotSupportedError extends BtfError {
  override name = 'NotSupportedError';
}
