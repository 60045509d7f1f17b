import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { GateClaims, VibeHolding } from './gate-claims.js'
import { GateTokenError } from './gate-token-error.js'
import { createGateVerifier, type VerifyGateTokenOptions } from './verify-gate-token.js'

/**
 * What {@link requireGateToken} puts on `req.vibegate` for the handlers after it.
 *
 * @example
 * { user: '7d6c...', rule: 'yellow-hd', vibes: [{ id: 'nxwyqqow', owned_amount: 2, token_ids: [1, 2] }],
 *   wallet: undefined, claims: { iss, sub, aud, iat, exp, jti, rule, vibes } }
 */
export interface GateTokenContext {
  /** False: a verified token. (See {@link AnonymousGateTokenContext} for `allowAnonymous`.) */
  anonymous: false
  /** The OurSong user's uuid (`sub`). */
  user: string
  /** The rule that allowed the request. */
  rule: string
  /** The holdings that met the rule's requirement. */
  vibes: VibeHolding[]
  /** The connected wallet address, when the gate knew it. */
  wallet: string | undefined
  /** Every claim of the token. */
  claims: GateClaims
}

/**
 * What {@link requireGateToken} with `allowAnonymous: true` puts on `req.vibegate` when the
 * request carried no token: the page is public, the visitor unknown.
 */
export interface AnonymousGateTokenContext {
  anonymous: true
  user: undefined
  rule: undefined
  vibes: []
  wallet: undefined
  claims: undefined
}

/**
 * An Express request after {@link requireGateToken} with `allowAnonymous: true` let it
 * through: `req.vibegate.anonymous` tells whether a verified token came with it.
 *
 * @example
 * const { vibegate } = req as GateTokenRequestOrAnonymous
 * res.send(vibegate.anonymous ? 'hello stranger' : `hello ${vibegate.user}`)
 */
export type GateTokenRequestOrAnonymous = Omit<Request, 'vibegate'> & {
  vibegate: GateTokenContext | AnonymousGateTokenContext
}

/**
 * An Express request after {@link requireGateToken} let it through. (`Request` is not
 * augmented globally here: the `vibegate` entry types `req.vibegate` as the gate's own
 * context. A program that imports both entries casts through `unknown`:
 * `req as unknown as GateTokenRequest`.)
 *
 * @example
 * app.get('/vip', (req, res) => res.send(`hello ${(req as GateTokenRequest).vibegate.user}`))
 */
export type GateTokenRequest = Omit<Request, 'vibegate'> & { vibegate: GateTokenContext }

/**
 * Options of {@link requireGateToken}: the verifier's, plus where the token is read from.
 * With `pathPrefixes`, the path checked is the request's full target as this server
 * received it (`req.originalUrl`, before any mount point is stripped).
 *
 * @example
 * requireGateToken({ jwks, issuer, audience, onError: (e) => log.info({ code: e.code, detail: e.detail }) })
 * // One audience per content server; each rule's tokens only on that rule's paths:
 * requireGateToken({ jwks, issuer, audience: 'video-cdn',
 *   pathPrefixes: { 'yellow-hd': '/videos/yellow/hd', 'yellow-sd': '/videos/yellow/sd' } })
 */
export interface RequireGateTokenOptions extends VerifyGateTokenOptions {
  /** Reads the token from a request; default the `Authorization: Bearer <token>` header. */
  getToken?: (req: Request) => string | undefined
  /**
   * Called with every refusal before it is answered, e.g. to log `error.detail` (which says
   * exactly what failed and never contains the token). Must not throw.
   */
  onError?: (error: GateTokenError, req: Request) => void
  /**
   * For public pages that show more to holders: a request without a token (no
   * `Authorization: Bearer`, or whatever `getToken` returns as undefined or empty) is let
   * through with `req.vibegate = { anonymous: true, ... }` ({@link AnonymousGateTokenContext})
   * instead of a `401`. A token that is present but refused is still answered as without this
   * option. Default false.
   */
  allowAnonymous?: boolean
}

/**
 * Express middleware for content servers behind the gate: verifies the gate's token and sets
 * `req.vibegate = { user, rule, vibes, wallet, claims }`, or answers itself:
 *
 * - `401` JSON `{ error, message }` with `WWW-Authenticate: Bearer` for a missing token, or
 *   `Bearer error="invalid_token", error_description="..."` for a refused one (RFC 6750);
 * - `403` JSON `{ error: "token_wrong_path", message }` with `Bearer
 *   error="insufficient_scope"` for a good token whose rule does not cover the path
 *   (`pathPrefixes`);
 * - `503` JSON `{ error: "jwks_unavailable", message }` when the gate's keys cannot be fetched.
 *
 * With `allowAnonymous: true`, a request without any token is let through as anonymous
 * (public pages); a present but invalid token is still refused as above.
 *
 * Options are checked when the middleware is built (a bad one throws a `TypeError`), and the
 * JWKS is cached for the middleware's lifetime. See `createGateVerifier` for what is checked.
 *
 * @example
 * import { requireGateToken, type GateTokenRequest } from 'vibegate/verify'
 * app.use(requireGateToken({
 *   jwks: 'https://gate.example/.well-known/jwks.json',
 *   issuer: 'https://gate.example',
 *   audience: 'video-cdn',
 * }))
 * app.get('/videos/:id', (req, res) => {
 *   const { user, vibes } = (req as GateTokenRequest).vibegate
 *   res.json({ user, vibes })
 * })
 */
export function requireGateToken(options: RequireGateTokenOptions): RequestHandler {
  const verifier = createGateVerifier(options)
  const getToken = options.getToken ?? bearerToken
  if (typeof getToken !== 'function') {
    throw new TypeError('vibegate/verify: options.getToken must be a function')
  }
  const { onError, allowAnonymous = false } = options
  if (onError !== undefined && typeof onError !== 'function') {
    throw new TypeError('vibegate/verify: options.onError must be a function')
  }
  if (typeof allowAnonymous !== 'boolean') {
    throw new TypeError('vibegate/verify: options.allowAnonymous must be true or false')
  }
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = getToken(req)
    if (allowAnonymous && (token === undefined || token === '')) {
      ;(req as unknown as GateTokenRequestOrAnonymous).vibegate = ANONYMOUS
      next()
      return
    }
    let claims: GateClaims
    try {
      claims = await verifier.verify(token, { path: req.originalUrl })
    } catch (error) {
      if (!(error instanceof GateTokenError)) {
        next(error)
        return
      }
      onError?.(error, req)
      refuse(res, error)
      return
    }
    const context: GateTokenContext = {
      anonymous: false,
      user: claims.sub,
      rule: claims.rule,
      vibes: claims.vibes,
      wallet: claims.wallet,
      claims,
    }
    ;(req as unknown as GateTokenRequest).vibegate = context
    next()
  }
}

// Frozen and shared: an anonymous request allocates nothing.
const ANONYMOUS: AnonymousGateTokenContext = Object.freeze({
  anonymous: true,
  user: undefined,
  rule: undefined,
  vibes: Object.freeze([]) as [],
  wallet: undefined,
  claims: undefined,
}) as AnonymousGateTokenContext

/**
 * The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or
 * undefined.
 *
 * @example
 * requireGateToken({ ...options, getToken: (req) => bearerToken(req) ?? req.cookies.gate })
 */
export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization
  if (typeof header !== 'string') return undefined
  const match = /^Bearer +([^ ]+) *$/i.exec(header)
  return match?.[1]
}

function refuse(res: Response, error: GateTokenError): void {
  res.set('Cache-Control', 'no-store')
  if (error.status === 401 || error.status === 403) {
    const kind = error.status === 403 ? 'insufficient_scope' : 'invalid_token'
    res.set(
      'WWW-Authenticate',
      error.code === 'token_missing'
        ? 'Bearer'
        : `Bearer error="${kind}", error_description="${headerText(error.publicMessage)}"`,
    )
  }
  res.status(error.status).json(error.toJSON())
}

// A quoted-string of a header: printable ASCII without `"` and `\`.
function headerText(text: string): string {
  return text.replace(/[^\x20-\x7e]|["\\]/g, '')
}
