import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGate, type Gate } from '../../src/gate/create-gate.js'
import { freeLowPort } from '../helpers/free-port.js'
import { describeWithNginxEdge, startEdgeNginx, type RunningNginx } from '../helpers/nginx-edge.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import { TEST_API_KEY, TEST_API_SECRET, TOKENS } from '../helpers/test-fixture.js'

// The whole loop with nothing minted by hand: the gate issues the pass on an allowed
// request, nginx turns it into a cookie, the njs check honours it, and the gate's epoch file
// takes it back. (test/proxies/nginx-edge.test.ts covers the edge's refusals one by one.)

const SECRET = 'g'.repeat(24) + '-edge-pass-secret-end-to-end'
const ADMIN = 'a'.repeat(40)
const FILE = 'm'.repeat(1024)
const RULES = {
  version: 1,
  rules: [
    { id: 'free', match: { paths: ['/media/stream/free/**'] }, access: 'public' },
    {
      id: 'stream',
      match: { paths: ['/media/stream/**'], methods: ['GET'] },
      require: { vibe: 'nxwyqqow' },
      pass: { ttl: '60s' },
    },
    { id: 'other', match: { paths: ['/media/other/**'] }, require: { vibe: 'nxwyqqow' } },
  ],
}

const describeEdge = describeWithNginxEdge('the edge pass end-to-end test')

describeEdge(
  'edge pass end to end: the gate issues, nginx + njs honours, the epoch revokes',
  () => {
    let sim: SimulatorHarness
    let gate: Gate
    let gateServer: Server
    let nginx: RunningNginx
    let dir = ''
    let url = ''
    let asked = 0

    beforeAll(async () => {
      sim = await startTestSimulator()
      dir = await mkdtemp(join(tmpdir(), 'vibegate-edge-e2e-'))
      const port = await freeLowPort()
      url = `http://127.0.0.1:${port}`
      const epochFile = join(dir, 'epoch')
      gate = await createGate({
        rules: RULES,
        publicUrl: url,
        oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
        sessionSecret: 'e'.repeat(40),
        adminToken: ADMIN,
        passSecrets: [SECRET],
        passEpochFile: epochFile,
      })
      gateServer = createServer((req, res) => {
        if (req.url?.startsWith('/authz/')) asked++
        gate.handler(req, res)
      })
      await new Promise<void>((resolve) => gateServer.listen(0, '127.0.0.1', resolve))
      // The gate writes the epoch file once it knows the epoch.
      for (let i = 0; i < 100 && !existsSync(epochFile); i++)
        await new Promise((r) => setTimeout(r, 20))
      nginx = await startEdgeNginx({
        dir,
        port,
        gatePort: (gateServer.address() as AddressInfo).port,
        files: ['media/stream/a.ts', 'media/stream/b.ts', 'media/other/a.ts'],
        body: FILE,
        secrets: [SECRET],
        epochFile,
      })
    }, 30_000)

    afterAll(async () => {
      if (nginx) await nginx.stop()
      if (gateServer) await new Promise((resolve) => gateServer.close(resolve))
      await gate?.close()
      await sim?.close()
      const errors = nginx ? await nginx.errorLog() : ''
      await rm(dir, { recursive: true, force: true })
      expect(errors).not.toMatch(/\[(error|crit|alert|emerg)\]|js exception/)
    })

    const get = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${url}${path}`, {
        headers: { Accept: 'application/json', ...headers },
        redirect: 'manual',
      })

    test('a holder gets a pass from the gate; with it, nginx serves the rule’s files without asking; an operator purge of the user takes it back within 2 s', async () => {
      // 1. Through the gate: allowed, and nginx copies the gate's pass into Set-Cookie.
      asked = 0
      const first = await get('/media/stream/a.ts', { Authorization: `Bearer ${TOKENS.alice}` })
      expect(first.status).toBe(200)
      expect(asked).toBe(1)
      const cookie = first.headers.get('set-cookie') ?? ''
      expect(cookie).toMatch(
        /^vibegate_pass=v2\|[^;, ]+\.[\w-]{43}; Path=\/media\/stream\/; Max-Age=60; HttpOnly; SameSite=Lax$/,
      )
      const pass = /^vibegate_pass=([^;]+)/.exec(cookie)![1]!

      // 2. With the pass alone (no token): served by nginx, the gate is not asked.
      asked = 0
      for (const path of ['/media/stream/a.ts', '/media/stream/b.ts']) {
        const hit = await get(path, { Cookie: `vibegate_pass=${pass}` })
        expect(hit.status).toBe(200)
        expect(await hit.text()).toBe(FILE)
      }
      expect(asked).toBe(0)

      // 3. Another rule's path: the pass does not cover it, so the gate decides: no identity,
      // and nginx sends the browser to sign in.
      const elsewhere = await get('/media/other/a.ts', { Cookie: `vibegate_pass=${pass}` })
      expect(elsewhere.status).toBe(302)
      expect(asked).toBe(1)

      // 4. The operator purges the user: the epoch file says so within about a second, and
      // the same pass goes back to the gate, which (no identity) refuses.
      const uuid = await whoIs()
      const purge = await fetch(`${gateUrl()}/admin/cache/purge`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ user: uuid }),
      })
      expect(purge.status).toBe(200)
      const purged = Date.now()
      asked = 0
      let status = 200
      while (status === 200) {
        expect(Date.now() - purged).toBeLessThan(2000)
        await new Promise((r) => setTimeout(r, 50))
        status = (await get('/media/stream/a.ts', { Cookie: `vibegate_pass=${pass}` })).status
      }
      expect(status).toBe(302)
      expect(asked).toBeGreaterThan(0)
    }, 30_000)

    const gateUrl = (): string => `http://127.0.0.1:${(gateServer.address() as AddressInfo).port}`

    /** alice's OurSong uuid, from the gate's own answer. */
    async function whoIs(): Promise<string> {
      const res = await fetch(`${gateUrl()}/authz/auth-request`, {
        headers: {
          'X-Original-Method': 'GET',
          'X-Original-URI': '/media/stream/a.ts',
          Authorization: `Bearer ${TOKENS.alice}`,
        },
      })
      return res.headers.get('x-vibegate-user')!
    }
  },
)
