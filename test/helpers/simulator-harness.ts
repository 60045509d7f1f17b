import { afterAll, beforeAll } from '@jest/globals'
import { parseFixture } from '../../src/simulator/fixture.js'
import { startSimulator } from '../../src/simulator/start-simulator.js'
import type { Clock } from '../../src/util/clock.js'
import { TEST_API_KEY, TEST_API_SECRET, TEST_FIXTURE_YAML } from './test-fixture.js'
import type { OurSongClientOptions } from '../../src/oursong/client-options.js'
import { createOurSongClient, type OurSongClient } from '../../src/oursong/oursong-client.js'

/** A running simulator with the test fixture, and its `/__sim` controls. */
export interface SimulatorHarness {
  url: string
  close(): Promise<void>
  /** `GET /__sim/calls`. */
  calls(): Promise<Record<string, number>>
  /** `POST /__sim/calls/reset`. */
  resetCalls(): Promise<void>
  /** `POST /__sim/faults`. */
  fault(fault: {
    path: string
    status?: number
    delay_ms?: number
    body?: unknown
    times?: number
  }): Promise<void>
  /** `DELETE /__sim/faults`. */
  clearFaults(): Promise<void>
  /** `PUT /__sim/holdings`. */
  setHolding(holding: {
    user: string
    vibe: string
    token_ids?: number[]
    amount?: number
  }): Promise<void>
  /** Revokes an access token at the simulator (its TypeScript hook: no control route). */
  revokeAccessToken(accessToken: string): boolean
  /** Revokes every current access token of a user at the simulator (TypeScript hook). */
  revokeUserTokens(userId: string): number
}

/** Starts the simulator on an ephemeral loopback port with the test fixture. */
export async function startTestSimulator(
  options: { clock?: Clock; strictHello?: boolean } = {},
): Promise<SimulatorHarness> {
  const fixture = parseFixture(TEST_FIXTURE_YAML, 'test-fixture.yaml')
  const sim = await startSimulator({ fixture, ...options })
  const control = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!response.ok)
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
    return response
  }
  return {
    url: sim.url,
    close: () => sim.close(),
    calls: async () =>
      (await (await control('GET', '/__sim/calls')).json()) as Record<string, number>,
    resetCalls: async () => void (await control('POST', '/__sim/calls/reset')),
    fault: async (fault) => void (await control('POST', '/__sim/faults', fault)),
    clearFaults: async () => void (await control('DELETE', '/__sim/faults')),
    setHolding: async (holding) => void (await control('PUT', '/__sim/holdings', holding)),
    revokeAccessToken: (accessToken) => sim.simulator.revokeAccessToken(accessToken),
    revokeUserTokens: (userId) => sim.simulator.revokeUserTokens(userId),
  }
}

/** A client for the test app on `url`, with quick retries; `overrides` win. */
export function testClient(
  url: string,
  overrides: Partial<OurSongClientOptions> = {},
): OurSongClient {
  return createOurSongClient({
    baseUrl: url,
    apiKey: TEST_API_KEY,
    apiSecret: TEST_API_SECRET,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    timeoutMs: 2000,
    ...overrides,
  })
}

/**
 * Registers beforeAll/afterAll hooks that start the test simulator and a client for it;
 * the returned object is filled in before the first test runs.
 */
export function useSimulatorAndClient(): { sim: SimulatorHarness; client: OurSongClient } {
  const context = {} as { sim: SimulatorHarness; client: OurSongClient }
  beforeAll(async () => {
    context.sim = await startTestSimulator()
    context.client = testClient(context.sim.url)
  })
  afterAll(async () => {
    await context.client.close()
    await context.sim.close()
  })
  return context
}
