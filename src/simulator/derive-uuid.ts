import { createHash } from 'node:crypto'

/**
 * A UUID-shaped identifier derived from a fixture user id (a version-8 "custom" UUID made of
 * a SHA-256 hash), so a user without an explicit `uuid` keeps the same one across runs.
 */
export function deriveUuid(userId: string): string {
  const hex = createHash('sha256').update(`vibegate-simulator/user/${userId}`).digest('hex')
  // Version nibble 8 and RFC 4122 variant bits make it a well-formed UUID.
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16)
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `8${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-')
}
