import { createHash } from 'node:crypto'

/**
 * A structured store key: a readable namespace plus a SHA-256 of the parts, JSON-encoded.
 * Hashing keeps secrets (session ids, tokens, nonces) out of the store's key space, and
 * JSON encoding makes the key unambiguous: `('a:b', 'c')` and `('a', 'b:c')` never meet.
 */
export function storeKey(namespace: string, ...parts: readonly (string | number)[]): string {
  const digest = createHash('sha256').update(JSON.stringify(parts)).digest('base64url')
  return `${namespace}:${digest}`
}
