/**
 * The token specs and content types OurSong knows, from the upstream document.
 */

/** Every token spec, in the order `token-spec-list` lists them. */
export const TOKEN_SPECS = [
  'erc721',
  'erc1155',
  'polygon721',
  'polygon1155',
  'bep721',
  'bep1155',
  'tt721',
  'tt1155',
] as const

/** One of {@link TOKEN_SPECS}. */
export type TokenSpecName = (typeof TOKEN_SPECS)[number]

/** Every content type a vibe can have. */
export const CONTENT_TYPES = ['video', 'audio', 'photo', '3dmodel', 'space_theme'] as const

/** One of {@link CONTENT_TYPES}. */
export type ContentType = (typeof CONTENT_TYPES)[number]

/**
 * True for the ERC-721-like specs (each token id has one owner, so ownership is a list of
 * ids); false for the ERC-1155-like ones (ownership is an amount).
 */
export function is721Like(spec: TokenSpecName): boolean {
  return spec.endsWith('721')
}

/** True when `value` is one of {@link TOKEN_SPECS}. */
export function isTokenSpec(value: string): value is TokenSpecName {
  return (TOKEN_SPECS as readonly string[]).includes(value)
}

/** True when `value` is one of {@link CONTENT_TYPES}. */
export function isContentType(value: string): value is ContentType {
  return (CONTENT_TYPES as readonly string[]).includes(value)
}
