/**
 * Decides, on the decision path, whether an allowed request gets a pass, and builds the
 * `X-Vibegate-Pass` value (docs/edge-pass.md). Synchronous: the epoch and the revocations
 * are read from memory, a pass costs one JSON string and one HMAC.
 */
import type { PassSettings } from '../rules/compiled-rules.js'
import { MAX_PASS_TTL_SECONDS } from '../rules/compiled-rules.js'
import { normalizeHost } from '../rules/host-pattern.js'
import { systemClock, type Clock } from '../util/clock.js'
import { passCookie, readPassCookies } from './pass-cookie.js'
import type { PassEpoch } from './pass-epoch.js'
import type { PassSigner } from './pass-signer.js'

/** An allowed request, as far as passes care. */
export interface PassRequest {
  /** The `pass` of the rule that allowed. */
  pass: PassSettings
  /** The OurSong user's uuid. */
  user: string
  /** The original request's host as sent (port included); undefined when there was none. */
  host: string | undefined
  /** The original request's Cookie header, to find a pass it already carries. */
  cookie: string | undefined
}

/** Builds `X-Vibegate-Pass` values. */
export interface PassIssuer {
  /**
   * The `X-Vibegate-Pass` value for an allowed GET or HEAD under a pass rule, or undefined:
   * no host, epoch unknown, pass too large or a user id the format cannot carry, the user
   * revoked within the last {@link REVOKED_QUIET_SECONDS}, or the request carries a pass for
   * the same user, paths (the rule's `scope`), host and epoch, not revoked, with more than
   * half of its lifetime left.
   */
  header(request: PassRequest): string | undefined
}

/** Seconds after a user's revocation during which no pass is issued to them. */
export const REVOKED_QUIET_SECONDS = 10

/** Options of {@link createPassIssuer}. */
export interface PassIssuerOptions {
  signer: PassSigner
  epoch: Pick<PassEpoch, 'current' | 'revokedAt'>
  /** Whether the cookie is `Secure`: false only for an `http:` public URL. */
  secure: boolean
  clock?: Clock
}

/** Creates the issuer. */
export function createPassIssuer(options: PassIssuerOptions): PassIssuer {
  const { signer, epoch, secure } = options
  const clock = options.clock ?? systemClock

  return {
    header({ pass, user, host, cookie }) {
      const e = epoch.current()
      if (!pass.fits || e === undefined || host === undefined) return undefined
      // What the gate matched on: lower-case, port and trailing dot removed, as nginx's $host.
      const h = normalizeHost(host)
      if (h === undefined) return undefined
      const now = Math.floor(clock.now() / 1000)
      // Another replica may still allow a user who just logged out (its session copy lives
      // 5 s); a pass it issued now would postdate the revocation, which the edge compares.
      const revokedAt = epoch.revokedAt(user)
      if (revokedAt !== undefined && now - revokedAt < REVOKED_QUIET_SECONDS) return undefined
      for (const carried of readPassCookies(cookie)) {
        const c = signer.verify(carried, now)
        if (
          c !== undefined &&
          c.u === user &&
          c.scope === pass.scope &&
          c.h === h &&
          c.e === e &&
          !((epoch.revokedAt(user) ?? -1) >= c.i) &&
          (c.x - now) * 2 > c.x - c.i
        )
          return undefined
      }
      const ttl = Math.min(pass.ttlSeconds, MAX_PASS_TTL_SECONDS)
      const signed = signer.sign({ h, u: user, i: now, x: now + ttl, e }, pass.scope)
      return signed === undefined ? undefined : passCookie(signed, pass.cookiePath, ttl, secure)
    },
  }
}
