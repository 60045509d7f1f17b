/**
 * The content server's side of gate tokens: verifies a JWT the gate issued against the gate's
 * published keys (CONTRACT sections 5 and 6). Imports only jose and small local modules, so a
 * content server that depends on `vibegate/verify` loads nothing else of the gate.
 */
import {
  createRemoteJWKSet,
  jwtVerify,
  type JWTHeaderParameters,
  type JWTVerifyGetKey,
  type FlattenedJWSInput,
} from 'jose'
import { parseGateClaims, type GateClaims } from './gate-claims.js'
import { GateTokenError } from './gate-token-error.js'
import { createTokenScope, type TokenScope, type TokenScopeOptions } from './token-scope.js'

/**
 * The algorithms gate tokens are signed with; nothing else is ever accepted.
 *
 * @example
 * GATE_TOKEN_ALGORITHMS // ['EdDSA', 'ES256']
 */
export const GATE_TOKEN_ALGORITHMS: readonly string[] = Object.freeze(['EdDSA', 'ES256'])

/**
 * Options of {@link verifyGateToken} and {@link createGateVerifier}.
 *
 * @example
 * const options: VerifyGateTokenOptions = {
 *   jwks: 'https://gate.example/.well-known/jwks.json',
 *   issuer: 'https://gate.example', // VIBEGATE_PUBLIC_URL
 *   audience: 'video-cdn',          // the rule's token.audience
 *   rule: ['yellow-hd', 'yellow-sd'], // optional: only these rules' tokens
 *   jwksCooldownMs: 10_000,
 * }
 */
export interface VerifyGateTokenOptions extends TokenScopeOptions {
  /**
   * Where the gate's public keys come from: the URL of its `/.well-known/jwks.json` (fetched
   * with a cache, see the `jwks*` options), or a jose key getter such as `createLocalJWKSet(jwks)`.
   */
  jwks: string | URL | JWTVerifyGetKey
  /** The expected `iss`: the gate's `VIBEGATE_PUBLIC_URL`, exactly. */
  issuer: string
  /** The expected `aud` (the rule's `token.audience`, default `vibegate`), or any of several. */
  audience: string | string[]
  /** Allowed clock skew for `exp` and `iat`, in seconds; default 30. */
  clockToleranceSeconds?: number
  /** Oldest acceptable `iat`, in seconds before now; default 900 (the longest rule ttl). */
  maxTokenAgeSeconds?: number
  /**
   * After a successful JWKS fetch, how long a token with an unknown kid is refused without
   * fetching again, in milliseconds; default 30000. Bounds what a flood of made-up kids costs.
   */
  jwksCooldownMs?: number
  /** How long a fetched JWKS is used before it is fetched again, in milliseconds; default 600000. */
  jwksCacheMaxAgeMs?: number
  /** Deadline of a JWKS fetch, in milliseconds; default 5000. */
  jwksTimeoutMs?: number
  /** The current time, for tests; default `Date.now()`. The JWKS cache always uses real time. */
  clock?: { now(): number }
}

/**
 * A verifier with its options checked once and its JWKS cache kept.
 *
 * @example
 * const verifier: GateTokenVerifier = createGateVerifier(options)
 * const claims = await verifier.verify(req.headers['x-gate-token'] as string | undefined)
 */
export interface GateTokenVerifier {
  /**
   * The token's claims, or a {@link GateTokenError}: `token_missing` for an empty or absent
   * token, `jwks_unavailable` when the keys could not be fetched, another `token_*` code when
   * the token is refused (`token_wrong_rule`, `token_wrong_path` for the `rule` and
   * `pathPrefixes` options). `request.path` is the request target as received (path and
   * optional query, e.g. `req.url`); it is required when `pathPrefixes` is set.
   */
  verify(token: string | undefined, request?: GateTokenRequestInfo): Promise<GateClaims>
}

/**
 * What a verifier needs of the request, for `pathPrefixes`.
 *
 * @example
 * await verifier.verify(token, { path: req.url })
 */
export interface GateTokenRequestInfo {
  /** The request target as this server received it: path and optional query. */
  path?: string | undefined
}

// The only header members the gate writes. Anything else (jwk, jku, x5u, x5c, x5t, crit,
// b64, ...) is refused before a key is looked up: a verifier must never let the token choose
// its own key or change how it is processed.
const HEADER_MEMBERS = new Set(['alg', 'kid', 'typ'])
const MAX_TOKEN_LENGTH = 16 * 1024
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/**
 * Builds a verifier for gate tokens; use one per (gate, audience) and keep it, so the JWKS is
 * cached between requests. Options are checked now: a bad one throws a `TypeError`.
 *
 * Every token must be a JWS compact JWT with header exactly `{ alg, kid, typ: "JWT" }`, `alg`
 * `EdDSA` or `ES256` and equal to the key's own `alg`, `kid` one the gate publishes, and the
 * claims iss, sub, aud, iat, exp, jti, rule and vibes present and well-typed. A new kid
 * (key rotation at the gate) makes the verifier fetch the JWKS again, at most once per
 * `jwksCooldownMs`.
 *
 * Tokens of two rules with the same audience are otherwise interchangeable. Give each
 * content server its own audience, and with `rule` (and `pathPrefixes`, checked against
 * `verify(token, { path })`) take only the rules meant for it, each on its own paths.
 *
 * @example
 * const verifier = createGateVerifier({
 *   jwks: 'https://gate.example/.well-known/jwks.json',
 *   issuer: 'https://gate.example',
 *   audience: 'video-cdn',
 * })
 * const claims = await verifier.verify(token) // throws GateTokenError
 */
export function createGateVerifier(options: VerifyGateTokenOptions): GateTokenVerifier {
  const settings = checkOptions(options)
  const resolveKey =
    typeof options.jwks === 'function'
      ? options.jwks
      : remoteKeySet(jwksUrl(options.jwks), settings)
  return buildVerifier(settings, resolveKey, options.clock, createTokenScope(options))
}

// verifyGateToken(token, { jwks: url }) is called per request; without this, each call would
// build a new remote JWKS and fetch it again. Keyed by everything that shapes that cache.
const sharedKeySets = new Map<string, JWTVerifyGetKey>()
const MAX_SHARED_KEY_SETS = 32

/**
 * Verifies one gate token and returns its claims, or throws a {@link GateTokenError}. See
 * {@link createGateVerifier} for what is checked. With a JWKS URL, the fetched key set is
 * shared across calls per URL (and cache settings), so calling this per request fetches the
 * JWKS once per `jwksCacheMaxAgeMs`, not once per call. Options are checked on every call.
 *
 * @example
 * import { verifyGateToken } from 'vibegate/verify'
 * const claims = await verifyGateToken(token, {
 *   jwks: 'https://gate.example/.well-known/jwks.json',
 *   issuer: 'https://gate.example',
 *   audience: 'vibegate',
 * })
 * console.log(claims.sub, claims.rule, claims.vibes)
 *
 * // One audience per content server, and each rule's tokens only on its own paths:
 * await verifyGateToken(token, { ...options, pathPrefixes: { 'yellow-hd': '/videos/yellow/hd' } },
 *   { path: req.url })
 */
export async function verifyGateToken(
  token: string,
  options: VerifyGateTokenOptions,
  request?: GateTokenRequestInfo,
): Promise<GateClaims> {
  const settings = checkOptions(options)
  const scope = createTokenScope(options)
  let resolveKey: JWTVerifyGetKey
  if (typeof options.jwks === 'function') {
    resolveKey = options.jwks
  } else {
    const url = jwksUrl(options.jwks)
    const key = JSON.stringify([
      url.href,
      settings.cooldownMs,
      settings.cacheMaxAgeMs,
      settings.timeoutMs,
    ])
    let shared = sharedKeySets.get(key)
    if (shared === undefined) {
      shared = remoteKeySet(url, settings)
      sharedKeySets.set(key, shared)
      if (sharedKeySets.size > MAX_SHARED_KEY_SETS) {
        const oldest = sharedKeySets.keys().next()
        if (oldest.done !== true) sharedKeySets.delete(oldest.value)
      }
    }
    resolveKey = shared
  }
  return buildVerifier(settings, resolveKey, options.clock, scope).verify(token, request)
}

function remoteKeySet(url: URL, settings: Settings): JWTVerifyGetKey {
  return createRemoteJWKSet(url, {
    cooldownDuration: settings.cooldownMs,
    cacheMaxAge: settings.cacheMaxAgeMs,
    timeoutDuration: settings.timeoutMs,
  })
}

function buildVerifier(
  settings: Settings,
  resolveKey: JWTVerifyGetKey,
  clock: { now(): number } | undefined,
  scope: TokenScope,
): GateTokenVerifier {
  const getKey: JWTVerifyGetKey = async (header, token) => {
    checkHeader(header)
    try {
      return await resolveKey(header, token as FlattenedJWSInput)
    } catch (error) {
      throw keyError(error, header)
    }
  }
  return {
    async verify(token, request) {
      if (scope.needsPath && typeof request?.path !== 'string') {
        throw new TypeError(
          'vibegate/verify: with pathPrefixes, verify(token, { path }) needs the path',
        )
      }
      if (token === undefined || token === '') throw new GateTokenError('token_missing')
      if (
        typeof token !== 'string' ||
        token.length > MAX_TOKEN_LENGTH ||
        !COMPACT_JWS.test(token)
      ) {
        throw new GateTokenError('token_invalid', { detail: 'not a JWS compact serialization' })
      }
      let payload: Record<string, unknown>
      try {
        const result = await jwtVerify(token, getKey, {
          algorithms: [...GATE_TOKEN_ALGORITHMS],
          issuer: settings.issuer,
          audience: settings.audience,
          typ: 'JWT',
          clockTolerance: settings.clockToleranceSeconds,
          maxTokenAge: settings.maxTokenAgeSeconds,
          requiredClaims: ['iss', 'sub', 'aud', 'iat', 'exp', 'jti'],
          ...(clock === undefined ? {} : { currentDate: new Date(clock.now()) }),
        })
        payload = result.payload as Record<string, unknown>
      } catch (error) {
        throw translate(error)
      }
      const claims = parseGateClaims(payload)
      scope.check(claims, request?.path)
      return claims
    },
  }
}

interface Settings {
  issuer: string
  audience: string | string[]
  clockToleranceSeconds: number
  maxTokenAgeSeconds: number
  cooldownMs: number
  cacheMaxAgeMs: number
  timeoutMs: number
}

function checkOptions(options: VerifyGateTokenOptions): Settings {
  const fail = (option: string, what: string): never => {
    throw new TypeError(`vibegate/verify: options.${option} must be ${what}`)
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('vibegate/verify: options must be an object')
  }
  const { jwks, issuer, audience } = options
  if (typeof jwks !== 'function') jwksUrl(jwks)
  if (typeof issuer !== 'string' || issuer === '') fail('issuer', 'a non-empty string')
  const audiences = Array.isArray(audience) ? audience : [audience]
  if (audiences.length === 0 || !audiences.every((a) => typeof a === 'string' && a !== '')) {
    fail('audience', 'a non-empty string or a non-empty array of them')
  }
  const number = (
    option: keyof VerifyGateTokenOptions,
    fallback: number,
    integer = false,
  ): number => {
    const value = options[option] ?? fallback
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      return fail(option, 'a non-negative number')
    }
    if (integer && !Number.isInteger(value)) fail(option, 'a non-negative integer')
    return value
  }
  return {
    issuer,
    audience: Array.isArray(audience) ? [...audience] : audience,
    clockToleranceSeconds: number('clockToleranceSeconds', 30),
    maxTokenAgeSeconds: number('maxTokenAgeSeconds', 900),
    cooldownMs: number('jwksCooldownMs', 30_000),
    cacheMaxAgeMs: number('jwksCacheMaxAgeMs', 600_000),
    timeoutMs: number('jwksTimeoutMs', 5_000, true),
  }
}

function jwksUrl(jwks: string | URL): URL {
  let url: URL
  try {
    url = jwks instanceof URL ? jwks : new URL(jwks)
  } catch {
    throw new TypeError('vibegate/verify: options.jwks must be an http(s) URL or a key getter')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError('vibegate/verify: options.jwks must be an http(s) URL or a key getter')
  }
  return url
}

function checkHeader(header: JWTHeaderParameters): void {
  const refuse = (detail: string): never => {
    throw new GateTokenError('token_invalid', { detail })
  }
  for (const member of Object.keys(header)) {
    if (!HEADER_MEMBERS.has(member)) refuse(`header member ${quote(member)} is not accepted`)
  }
  if (!GATE_TOKEN_ALGORITHMS.includes(header.alg))
    refuse(`alg ${quote(header.alg)} is not accepted`)
  if (header.typ !== 'JWT') refuse('typ must be "JWT"')
  if (typeof header.kid !== 'string' || header.kid === '') refuse('kid missing')
}

// Errors of the key lookup: an unknown kid is the token's problem; anything else (network,
// timeout, a non-200, a malformed set) is the JWKS's.
function keyError(error: unknown, header: JWTHeaderParameters): GateTokenError {
  if (error instanceof GateTokenError) return error
  const code = joseCode(error)
  if (code === 'ERR_JWKS_NO_MATCHING_KEY') {
    return new GateTokenError('token_invalid', {
      detail: `no ${quote(header.alg)} key with kid ${quote(header.kid)} in the JWKS`,
      cause: error,
    })
  }
  if (code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' || code === 'ERR_JOSE_NOT_SUPPORTED') {
    return new GateTokenError('token_invalid', { detail: messageOf(error), cause: error })
  }
  const cause =
    error instanceof Error && error.cause !== undefined ? `: ${messageOf(error.cause)}` : ''
  return new GateTokenError('jwks_unavailable', {
    detail: `${messageOf(error)}${cause}`,
    cause: error,
  })
}

// jose's errors, translated at the boundary. Codes, not instanceof: two copies of jose in one
// process (a content server's own and ours) have different classes.
function translate(error: unknown): GateTokenError {
  if (error instanceof GateTokenError) return error
  const code = joseCode(error)
  const detail = messageOf(error)
  if (code === 'ERR_JWT_EXPIRED')
    return new GateTokenError('token_expired', { detail, cause: error })
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    const { claim, reason } = error as { claim?: unknown; reason?: unknown }
    if (reason === 'check_failed' && claim === 'aud') {
      return new GateTokenError('token_wrong_audience', { detail, cause: error })
    }
    if (reason === 'check_failed' && claim === 'iss') {
      return new GateTokenError('token_wrong_issuer', { detail, cause: error })
    }
  }
  // Bad signatures, disallowed algorithms, malformed parts, a key of the wrong type.
  return new GateTokenError('token_invalid', {
    detail: code === undefined ? 'malformed token' : detail,
    cause: error,
  })
}

function joseCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined
  return typeof error.code === 'string' && error.code.startsWith('ERR_J') ? error.code : undefined
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

// Header values are the attacker's text: bounded and quoted before they reach a log line.
function quote(value: unknown): string {
  return JSON.stringify(String(value).slice(0, 64))
}
