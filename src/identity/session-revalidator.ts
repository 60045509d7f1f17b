import { isOurSongError, OurSongError, UPSTREAM_FAILURE_CODES } from '../oursong/oursong-error.js'
import type { OurSongClient } from '../oursong/oursong-client.js'
import type { AuthUser } from '../oursong/schemas.js'
import type { CircuitBreaker } from '../ownership/circuit-breaker.js'
import { systemClock, type Clock } from '../util/clock.js'
import { silentLogger, type Logger } from '../util/logger.js'
import type { Session, SessionStore } from './session-store.js'

/** Options of {@link createSessionRevalidator}. */
export interface SessionRevalidatorOptions {
  client: Pick<OurSongClient, 'authUser'>
  sessions: SessionStore
  /**
   * How often the OurSong token behind a session is checked again, ms; default 300000
   * (5 minutes). A token OurSong revoked keeps its session at most this long. 0 turns the
   * checks off (sessions then last until they expire, as before issue #9).
   */
  intervalMs?: number
  /**
   * While OurSong cannot answer (timeout, 5xx, 429, open circuit), how long past the due
   * check a session is still let through, ms; default `intervalMs`. After it, the session
   * is neither ended nor allowed: identification fails with the upstream's error
   * (`upstream_unavailable`) until OurSong answers again.
   */
  graceMs?: number
  /** Shared with the ownership checks when given: one view of whether OurSong is unwell. */
  breaker?: CircuitBreaker
  clock?: Clock
  logger?: Logger
}

/** Re-checks the OurSong token behind sessions; see {@link createSessionRevalidator}. */
export interface SessionRevalidator {
  /**
   * The session, still good (perhaps with a new `validatedAt`); undefined when OurSong no
   * longer accepts its token, in which case the session has been destroyed. Throws the
   * upstream's error when OurSong cannot answer and the grace is over.
   */
  check(session: Session): Promise<Session | undefined>
  /** True when {@link check} would ask OurSong (or the store) about this session. */
  isDue(session: Session): boolean
}

const circuitOpen = (): OurSongError =>
  new OurSongError('oursong_unavailable', 'GET /api/open-api/auth-user', {
    detail: 'circuit open: OurSong failed repeatedly',
  })

const UPSTREAM_FAILURES = UPSTREAM_FAILURE_CODES

/**
 * Sessions re-validate the user's OurSong token (issue #9): a session whose last validation
 * is older than `intervalMs` calls OurSong auth-user with its token once before it is used
 * again. A fresh session costs nothing (no store, no network: the warm path stays warm).
 *
 * - OurSong accepts the token (same user): `validatedAt` is updated in the sealed record,
 *   so other replicas see it too.
 * - OurSong refuses it (401/403): the session is destroyed; the request has no identity.
 * - OurSong cannot answer: the session is let through for `graceMs` past the due check
 *   (retried on each request, behind the circuit breaker), then refused with the error:
 *   an outage neither logs everyone out nor lets a revoked token in indefinitely.
 *
 * Concurrent checks of one session share one in-flight call in the process; across
 * replicas each makes at most one, and one that sees another's fresh `validatedAt` in the
 * store makes none.
 */
export function createSessionRevalidator(options: SessionRevalidatorOptions): SessionRevalidator {
  const intervalMs = options.intervalMs ?? 300_000
  const graceMs = options.graceMs ?? intervalMs
  for (const [name, value] of [
    ['intervalMs', intervalMs],
    ['graceMs', graceMs],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new TypeError(`${name} must be a non-negative integer of ms, got ${String(value)}`)
    }
  }
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger()
  const { client, sessions, breaker } = options
  const inflight = new Map<string, Promise<Session | undefined>>()

  const due = (session: Session): boolean => clock.now() - session.validatedAt >= intervalMs

  const revalidate = async (seen: Session): Promise<Session | undefined> => {
    // Another replica may have checked it meanwhile, or ended it.
    const session = await sessions.get(seen.id, { fresh: true })
    if (!session || !due(session)) return session
    let user: AuthUser
    try {
      if (breaker && !breaker.allow()) return withinGrace(session, circuitOpen())
      user = await client.authUser(session.accessToken)
      breaker?.success()
    } catch (err) {
      if (isOurSongError(err, ...UPSTREAM_FAILURES)) {
        breaker?.failure()
        return withinGrace(session, err)
      }
      // OurSong answered: it is well, whatever it said.
      breaker?.success()
      if (!isOurSongError(err, 'oursong_unauthorized', 'oursong_forbidden')) throw err
      logger.info({ user: session.user.uuid }, 'OurSong refused a session’s token: session ended')
      await sessions.destroy(session.id)
      return undefined
    }
    if (user.uuid !== session.user.uuid) {
      logger.warn({ user: session.user.uuid }, 'a session’s token now names another user: ended')
      await sessions.destroy(session.id)
      return undefined
    }
    return sessions.markValidated(session, clock.now())
  }

  const withinGrace = (session: Session, err: OurSongError): Session => {
    const overdueMs = clock.now() - session.validatedAt - intervalMs
    if (overdueMs >= graceMs) throw err
    logger.warn(
      { user: session.user.uuid, code: err.code, overdue_ms: overdueMs },
      'OurSong could not re-validate a session; let through within the grace',
    )
    return session
  }

  const isDue = (session: Session): boolean => intervalMs !== 0 && due(session)

  return {
    isDue,
    async check(session) {
      if (!isDue(session)) return session
      let shared = inflight.get(session.id)
      if (!shared) {
        shared = revalidate(session).finally(() => inflight.delete(session.id))
        inflight.set(session.id, shared)
      }
      return shared
    },
  }
}
