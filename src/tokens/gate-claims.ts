import { GateTokenError } from './gate-token-error.js'

/**
 * One holding that met a rule's requirement: a member of the `vibes` claim.
 *
 * @example
 * { id: 'nxwyqqow', owned_amount: 2, token_ids: [1, 2] }
 */
export interface VibeHolding {
  /** The vibe id, e.g. `nxwyqqow`. */
  id: string
  /** The number of token ids held (721-like vibes) or the amount (1155-like). */
  owned_amount: number
  /** The token ids held, for 721-like vibes; empty otherwise. */
  token_ids: number[]
}

/**
 * The claims of a gate token (CONTRACT section 5), checked for presence and type.
 *
 * @example
 * const claims: GateClaims = await verifyGateToken(token, options)
 * if (claims.vibes.some((v) => v.id === 'nxwyqqow' && v.token_ids.includes(1))) serveHd()
 */
export interface GateClaims {
  /** The gate's public URL (`VIBEGATE_PUBLIC_URL`). */
  iss: string
  /** The OurSong user's uuid. */
  sub: string
  /** The rule's `token.audience` (default `vibegate`). */
  aud: string
  /** Issued at, seconds since the epoch. */
  iat: number
  /** Expires at, seconds since the epoch; `exp - iat` is the rule's `token.ttl`. */
  exp: number
  /** Unique token id. */
  jti: string
  /** The id of the rule that allowed the request. */
  rule: string
  /** The holdings that met the rule's requirement (empty for `access: authenticated`). */
  vibes: VibeHolding[]
  /** The connected wallet address, when the gate knew it. */
  wallet?: string
}

/**
 * Checks a verified payload's claim types; a token whose signature is good but whose claims
 * are not the gate's is still `token_invalid`.
 */
export function parseGateClaims(payload: Record<string, unknown>): GateClaims {
  const bad = (claim: string, what: string): never => {
    throw new GateTokenError('token_invalid', { detail: `claim "${claim}" must be ${what}` })
  }
  const text = (claim: string): string => {
    const value = payload[claim]
    return typeof value === 'string' && value !== '' ? value : bad(claim, 'a non-empty string')
  }
  const time = (claim: string): number => {
    const value = payload[claim]
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
      ? value
      : bad(claim, 'an integer number of seconds')
  }
  const vibesClaim = payload.vibes
  if (!Array.isArray(vibesClaim)) bad('vibes', 'an array')
  const vibes = (vibesClaim as unknown[]).map((entry, i): VibeHolding => {
    if (typeof entry !== 'object' || entry === null) return bad(`vibes[${i}]`, 'an object')
    const { id, owned_amount: amount, token_ids: ids } = entry as Record<string, unknown>
    if (typeof id !== 'string' || id === '') bad(`vibes[${i}].id`, 'a non-empty string')
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      bad(`vibes[${i}].owned_amount`, 'a non-negative number')
    }
    if (!Array.isArray(ids) || !ids.every((t) => Number.isSafeInteger(t) && (t as number) >= 0)) {
      bad(`vibes[${i}].token_ids`, 'an array of non-negative integers')
    }
    return { id: id as string, owned_amount: amount as number, token_ids: [...(ids as number[])] }
  })
  const wallet = payload.wallet
  if (wallet !== undefined && (typeof wallet !== 'string' || wallet === '')) {
    bad('wallet', 'a non-empty string when present')
  }
  return {
    iss: text('iss'),
    sub: text('sub'),
    aud: text('aud'),
    iat: time('iat'),
    exp: time('exp'),
    jti: text('jti'),
    rule: text('rule'),
    vibes,
    ...(typeof wallet === 'string' ? { wallet } : {}),
  }
}
