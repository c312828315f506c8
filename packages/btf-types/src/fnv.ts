// FNV-1a, 32 bits, the hash of the name index: quick on short
// names, and good enough for their bucket chains and linear probing.

/** The FNV-1a offset basis. */
export const FNV_OFFSET = 0x811c9dc5;
/** The FNV-1a prime. */
export const FNV_PRIME = 0x01000193;
