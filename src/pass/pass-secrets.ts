import { createHash } from 'node:crypto'

/** Shortest pass secret accepted (VIBEGATE_PASS_SECRET), in characters. */
export const MIN_PASS_SECRET_LENGTH = 32

/** One secret of VIBEGATE_PASS_SECRET and its key id. */
export interface PassKey {
  /** The first 8 hex characters of `sha256(secret)`: names the key in the epoch's config fingerprint. */
  readonly id: string
  /** The secret's UTF-8 bytes, the HMAC key. Never logged. */
  readonly secret: Buffer
}

/** The key id of a secret: the first 8 hex characters of `sha256(secret)` (UTF-8). */
export function passKeyId(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 8)
}

/**
 * Parses pass secrets (VIBEGATE_PASS_SECRET: comma-separated, the first signs, every one
 * verifies), each at least {@link MIN_PASS_SECRET_LENGTH} characters. `name` is the setting
 * the problem messages name. Never puts a secret in a message.
 */
export function parsePassSecrets(
  secrets: readonly string[],
  name = 'VIBEGATE_PASS_SECRET',
): { keys: PassKey[] } | { problem: string } {
  if (secrets.length === 0) return { problem: `${name} lists no secret` }
  const keys: PassKey[] = []
  for (const [i, secret] of secrets.entries()) {
    if (secret.length < MIN_PASS_SECRET_LENGTH) {
      return {
        problem: `${name}: secret ${i + 1} of ${secrets.length} is ${secret.length} characters; each must be at least ${MIN_PASS_SECRET_LENGTH} (generate one with: openssl rand -base64 48)`,
      }
    }
    const id = passKeyId(secret)
    if (keys.some((k) => k.id === id)) {
      return {
        problem: `${name}: secret ${i + 1} of ${secrets.length} is listed twice (or shares its key id ${id} with another); remove the duplicate`,
      }
    }
    keys.push({ id, secret: Buffer.from(secret, 'utf8') })
  }
  return { keys }
}

/** Splits the text of VIBEGATE_PASS_SECRET on commas, trimming spaces around each secret. */
export function splitPassSecrets(text: string): string[] {
  return text.split(',').map((s) => s.trim())
}
