import express from 'express'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAuthRouter, type AuthRateLimits } from '../../src/http/auth-router.js'
import { createIdentity, type IdentityServices } from '../../src/identity/create-identity.js'
import type { SessionUser } from '../../src/identity/session-store.js'
import type { OurSongClient } from '../../src/oursong/oursong-client.js'
import { parseFixture } from '../../src/simulator/fixture.js'
import { startSimulator } from '../../src/simulator/start-simulator.js'
import type { KeyValueStore } from '../../src/store/key-value-store.js'
import { createMemoryStore } from '../../src/store/memory-store.js'
import type { Clock } from '../../src/util/clock.js'
import { silentLogger } from '../../src/util/logger.js'
import { testClient } from './simulator-harness.js'
import { TEST_FIXTURE_YAML, TEST_REDIRECT_URI } from './test-fixture.js'

/** The sign-in routes on a loopback port, with the simulator as OurSong. */
export interface AuthApp {
  /** The gate's origin, e.g. http://127.0.0.1:40123 (also its VIBEGATE_PUBLIC_URL). */
  url: string
  simUrl: string
  services: IdentityServices
  client: OurSongClient
  store: KeyValueStore
  /** `GET /__sim/calls` of the simulator. */
  calls(): Promise<Record<string, number>>
  close(): Promise<void>
}

/** Starts the simulator (its app's redirect_uri pointing at the gate) and the gate's sign-in routes. */
export async function startAuthApp(
  options: {
    clock?: Clock
    store?: KeyValueStore
    rateLimits?: AuthRateLimits
    onLogout?: (user: SessionUser) => Promise<void>
  } = {},
): Promise<AuthApp> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const fixture = parseFixture(
    TEST_FIXTURE_YAML.replace(TEST_REDIRECT_URI, `${url}/auth/callback`),
    'test-fixture.yaml',
  )
  const sim = await startSimulator({ fixture, ...(options.clock ? { clock: options.clock } : {}) })
  const client = testClient(sim.url)
  const store = options.store ?? createMemoryStore(options.clock ? { clock: options.clock } : {})
  const services = createIdentity({
    client,
    store,
    publicUrl: new URL(url),
    sessionSecret: 'test-session-secret-0123456789abcdef',
    ...(options.clock ? { clock: options.clock } : {}),
  })
  const app = express()
  app.use(
    createAuthRouter({
      ...services,
      publicUrl: new URL(url),
      trustsProxy: () => false,
      logger: silentLogger(),
      ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
      ...(options.onLogout ? { onLogout: options.onLogout } : {}),
    }),
  )
  server.on('request', app)
  return {
    url,
    simUrl: sim.url,
    services,
    client,
    store,
    calls: async () =>
      (await (await fetch(`${sim.url}/__sim/calls`)).json()) as Record<string, number>,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      await client.close()
      await sim.close()
    },
  }
}

/** A minimal browser: a cookie jar per host:port and manual redirects, like a real one. */
export class Browser {
  readonly cookies = new Map<string, Map<string, string>>()

  /** Sends a request with this browser's cookies for the URL's origin, storing any it sets. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url)
    const jar = this.jar(target.origin)
    const headers = new Headers(init.headers)
    if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '))
    const response = await fetch(target, { ...init, headers, redirect: 'manual' })
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      const expired = attributes.some((a) => /^\s*max-age=0$/i.test(a))
      if (expired || value === '') jar.delete(name)
      else jar.set(name, value)
    }
    return response
  }

  /** The cookies this browser holds for an origin. */
  jar(origin: string): Map<string, string> {
    let jar = this.cookies.get(origin)
    if (!jar) this.cookies.set(origin, (jar = new Map()))
    return jar
  }
}
