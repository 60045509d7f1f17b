import { beforeEach, describe, expect, test } from '@jest/globals'
import { createSealer } from '../../src/identity/sealer.js'
import {
  createSessionRevalidator,
  type SessionRevalidatorOptions,
} from '../../src/identity/session-revalidator.js'
import {
  createSessionStore,
  type Session,
  type SessionStore,
  type SessionUser,
} from '../../src/identity/session-store.js'
import { OurSongError } from '../../src/oursong/oursong-error.js'
import type { AuthUser } from '../../src/oursong/schemas.js'
import { createCircuitBreaker } from '../../src/ownership/circuit-breaker.js'
import { createMemoryStore } from '../../src/store/memory-store.js'
import { fakeClock, type FakeClock } from '../helpers/fake-clock.js'

const MINUTE = 60_000
const USER: SessionUser = {
  uuid: 'u-1',
  id: 'alice',
  username: 'alice',
  name: 'Alice',
  wallet: null,
}
const AUTH_USER = 'GET /api/open-api/auth-user'

/** An auth-user stand-in: answers with `answer()`, counting calls; `hold` delays them. */
function fakeClient(answer: () => Promise<AuthUser>): {
  client: SessionRevalidatorOptions['client']
  calls: () => number
} {
  let calls = 0
  return {
    client: {
      authUser: async () => {
        calls++
        return answer()
      },
    },
    calls: () => calls,
  }
}

const alice = (uuid = USER.uuid): AuthUser =>
  ({
    uuid,
    id: 'alice',
    username: 'alice',
    name: 'Alice',
    wallet_address: null,
  }) as unknown as AuthUser

describe('session re-validation', () => {
  let clock: FakeClock
  let sessions: SessionStore
  let session: Session
  beforeEach(async () => {
    clock = fakeClock()
    sessions = createSessionStore({
      store: createMemoryStore({ clock }),
      sealer: createSealer('a-session-secret-of-at-least-32-chars!!', 'session'),
      clock,
    })
    session = await sessions.create({ user: USER, kind: 'oauth', accessToken: 'oursong-token' })
  })

  test('a fresh session is not checked: no call, no store read', async () => {
    const { client, calls } = fakeClient(async () => alice())
    const revalidator = createSessionRevalidator({ client, sessions, clock })
    clock.advance(5 * MINUTE - 1)
    expect(await revalidator.check(session)).toBe(session)
    expect(calls()).toBe(0)
  })

  test('a due session is checked once, and validatedAt is recorded for every replica', async () => {
    const { client, calls } = fakeClient(async () => alice())
    const revalidator = createSessionRevalidator({ client, sessions, clock })
    clock.advance(5 * MINUTE)
    const checked = await revalidator.check(session)
    expect(calls()).toBe(1)
    expect(checked).toMatchObject({ id: session.id, validatedAt: clock.now() })
    expect((await sessions.get(session.id))?.validatedAt).toBe(clock.now())
    // A copy handed out before the check sees the stored validation: no second call.
    expect(await revalidator.check(session)).toMatchObject({ validatedAt: clock.now() })
    expect(calls()).toBe(1)
  })

  test('concurrent checks of one session share one call', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const { client, calls } = fakeClient(async () => {
      await gate
      return alice()
    })
    const revalidator = createSessionRevalidator({ client, sessions, clock })
    clock.advance(5 * MINUTE)
    const pending = Array.from({ length: 10 }, () => revalidator.check(session))
    await new Promise((resolve) => setImmediate(resolve))
    release()
    const results = await Promise.all(pending)
    expect(calls()).toBe(1)
    expect(results.every((s) => s?.validatedAt === clock.now())).toBe(true)
  })

  test.each(['oursong_unauthorized', 'oursong_forbidden'] as const)(
    'a token OurSong refuses (%s) ends the session',
    async (code) => {
      const { client } = fakeClient(async () => {
        throw new OurSongError(code, AUTH_USER)
      })
      const revalidator = createSessionRevalidator({ client, sessions, clock })
      clock.advance(5 * MINUTE)
      expect(await revalidator.check(session)).toBeUndefined()
      expect(await sessions.get(session.id)).toBeUndefined()
    },
  )

  test('a token that now names another user ends the session', async () => {
    const { client } = fakeClient(async () => alice('someone-else'))
    const revalidator = createSessionRevalidator({ client, sessions, clock })
    clock.advance(5 * MINUTE)
    expect(await revalidator.check(session)).toBeUndefined()
    expect(await sessions.get(session.id)).toBeUndefined()
  })

  test('OurSong failing: let through within the grace, then the error, and the session is kept', async () => {
    let down = true
    const { client } = fakeClient(async () => {
      if (down) throw new OurSongError('oursong_timeout', AUTH_USER)
      return alice()
    })
    const revalidator = createSessionRevalidator({ client, sessions, clock, graceMs: 2 * MINUTE })
    clock.advance(5 * MINUTE)
    expect(await revalidator.check(session)).toMatchObject({ id: session.id })
    clock.advance(2 * MINUTE - 1)
    expect(await revalidator.check(session)).toMatchObject({ id: session.id })
    clock.advance(1)
    await expect(revalidator.check(session)).rejects.toMatchObject({ code: 'oursong_timeout' })
    expect(await sessions.get(session.id)).toBeDefined()
    down = false
    expect(await revalidator.check(session)).toMatchObject({ validatedAt: clock.now() })
  })

  test('an open circuit is an OurSong failure: no call, the grace applies', async () => {
    const { client, calls } = fakeClient(async () => {
      throw new OurSongError('oursong_unavailable', AUTH_USER, { upstreamStatus: 503 })
    })
    const breaker = createCircuitBreaker({ clock, failureThreshold: 2, cooldownMs: 10 * MINUTE })
    const revalidator = createSessionRevalidator({ client, sessions, clock, breaker })
    clock.advance(5 * MINUTE)
    await revalidator.check(session)
    await revalidator.check(session)
    expect(breaker.state()).toBe('open')
    expect(await revalidator.check(session)).toMatchObject({ id: session.id })
    expect(calls()).toBe(2)
    clock.advance(5 * MINUTE)
    await expect(revalidator.check(session)).rejects.toMatchObject({ code: 'oursong_unavailable' })
    expect(calls()).toBe(2)
  })

  test('a session ended meanwhile (another replica, a logout) stays ended', async () => {
    const { client, calls } = fakeClient(async () => alice())
    const revalidator = createSessionRevalidator({ client, sessions, clock })
    clock.advance(5 * MINUTE)
    await sessions.destroy(session.id)
    expect(await revalidator.check(session)).toBeUndefined()
    expect(calls()).toBe(0)
  })

  test('intervalMs 0 turns the checks off', async () => {
    const { client, calls } = fakeClient(async () => alice())
    const revalidator = createSessionRevalidator({ client, sessions, clock, intervalMs: 0 })
    clock.advance(6 * 86_400_000)
    expect(await revalidator.check(session)).toBe(session)
    expect(calls()).toBe(0)
  })

  test.each([-1, 1.5, Number.NaN])('intervalMs %p is a TypeError', (intervalMs) => {
    const { client } = fakeClient(async () => alice())
    expect(() => createSessionRevalidator({ client, sessions, intervalMs })).toThrow(TypeError)
  })
})
