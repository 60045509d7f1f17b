import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

/** Authenticated encryption of small records (sessions) at rest, bound to their key. */
export interface Sealer {
  /** AES-256-GCM with a random 96-bit IV; `context` (e.g. the store key) is authenticated too. */
  seal(plaintext: string, context: string): string
  /** The plaintext, or undefined when the box was altered, is for another context, or another key. */
  open(box: string, context: string): string | undefined
}

/** Shortest accepted secret, in characters (contract: at least 32). */
export const MIN_SECRET_LENGTH = 32

/**
 * A {@link Sealer} keyed by HKDF-SHA256 from `secret` (VIBEGATE_SESSION_SECRET). `purpose`
 * separates keys derived from the same secret for different uses.
 */
export function createSealer(secret: string, purpose: string): Sealer {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(`the session secret must be at least ${MIN_SECRET_LENGTH} characters`)
  }
  const key = Buffer.from(hkdfSync('sha256', secret, 'vibegate', `vibegate ${purpose} v1`, 32))
  return {
    seal(plaintext, context) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      cipher.setAAD(Buffer.from(context))
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')
    },
    open(box, context) {
      const raw = Buffer.from(box, 'base64url')
      if (raw.length < 12 + 16) return undefined
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
        decipher.setAAD(Buffer.from(context))
        decipher.setAuthTag(raw.subarray(raw.length - 16))
        return Buffer.concat([
          decipher.update(raw.subarray(12, raw.length - 16)),
          decipher.final(),
        ]).toString('utf8')
      } catch {
        return undefined
      }
    },
  }
}
