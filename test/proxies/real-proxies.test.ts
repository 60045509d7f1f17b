import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import express from 'express'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { createConnection, createServer as createNetServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGate, type Gate } from '../../src/gate/create-gate.js'
import { requireGateToken, type GateTokenRequest } from '../../src/tokens/verify.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import { TEST_API_KEY, TEST_API_SECRET, TOKENS } from '../helpers/test-fixture.js'

const NGINX = '/usr/sbin/nginx'
const CADDY = '/usr/bin/caddy'
for (const program of [NGINX, CADDY]) {
  if (!existsSync(program) && process.env.CI === 'true')
    throw new Error(`${program} is required in CI (apt-get install -y nginx caddy)`)
  if (!existsSync(program))
    console.warn(`${program} is not installed: its real-proxy tests are skipped`)
}

const RULES = {
  version: 1,
  rules: [
    {
      id: 'yellow',
      match: { paths: ['/videos/**'] },
      require: { vibe: 'nxwyqqow', token_ids: ['1-5'] },
    },
  ],
}

async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function listening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${log()}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.end()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (open) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`nothing listens on ${port}: ${log()}`)
}

/** The gate behind a proxy origin, and a content server that verifies the gate's JWT. */
async function stack(
  sim: SimulatorHarness,
  publicUrl: string,
): Promise<{ gate: Gate; gateAddr: string; contentAddr: string; close(): Promise<void> }> {
  const gate = await createGate({
    rules: RULES,
    publicUrl,
    oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
    sessionSecret: 'p'.repeat(40),
  })
  const gateServer = createServer(gate.handler)
  await new Promise<void>((resolve) => gateServer.listen(0, '127.0.0.1', resolve))
  const gateAddr = `127.0.0.1:${(gateServer.address() as AddressInfo).port}`
  const content = express()
  content.use(
    requireGateToken({
      jwks: `http://${gateAddr}/.well-known/jwks.json`,
      issuer: publicUrl,
      audience: 'vibegate',
    }),
  )
  content.use((req, res) => {
    const { vibegate } = req as unknown as GateTokenRequest
    res.json({ user: vibegate.user, rule: vibegate.rule, vibes: vibegate.vibes })
  })
  const contentServer: Server = createServer(content)
  await new Promise<void>((resolve) => contentServer.listen(0, '127.0.0.1', resolve))
  const contentAddr = `127.0.0.1:${(contentServer.address() as AddressInfo).port}`
  return {
    gate,
    gateAddr,
    contentAddr,
    async close() {
      for (const server of [gateServer, contentServer]) {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }
      await gate.close()
    },
  }
}

let sim: SimulatorHarness
let dir: string
beforeAll(async () => {
  sim = await startTestSimulator()
  dir = await mkdtemp(join(tmpdir(), 'vibegate-proxies-'))
})
afterAll(async () => {
  await sim.close()
  await rm(dir, { recursive: true, force: true })
})

function expectsBehindProxy(name: string, origin: () => string): void {
  test(`${name}: an owner gets through and the content server verifies the gate's JWT`, async () => {
    const r = await fetch(`${origin()}/videos/yellow/1.ts`, {
      headers: { Authorization: `Bearer ${TOKENS.alice}` },
    })
    expect(r.status).toBe(200)
    expect(await r.json()).toMatchObject({
      rule: 'yellow',
      vibes: [{ id: 'nxwyqqow', token_ids: [1, 2] }],
    })
  })

  test(`${name}: a query string does not change the decision`, async () => {
    const r = await fetch(`${origin()}/videos/yellow/1.ts?quality=hd&t=3`, {
      headers: { Authorization: `Bearer ${TOKENS.alice}` },
    })
    expect(r.status).toBe(200)
  })

  test(`${name}: a browser without identity is sent to sign in, coming back to this URL`, async () => {
    const r = await fetch(`${origin()}/videos/yellow/1.ts`, {
      redirect: 'manual',
      headers: { Accept: 'text/html' },
    })
    expect(r.status).toBe(302)
    const location = new URL(r.headers.get('location')!, origin())
    expect(location.pathname).toBe('/auth/login')
    expect(location.searchParams.get('return_to')).toBe(`${origin()}/videos/yellow/1.ts`)
  })

  test(`${name}: a fan without the vibe is refused with the reason`, async () => {
    const r = await fetch(`${origin()}/videos/yellow/1.ts`, {
      headers: { Authorization: `Bearer ${TOKENS.bob}`, Accept: 'application/json' },
    })
    expect(r.status).toBe(403)
    expect(await r.text()).toContain('not_owned')
  })

  test(`${name}: an encoded traversal never reaches the content server`, async () => {
    const r = await fetch(`${origin()}/public/..%2Fvideos/yellow/1.ts`, {
      headers: { Authorization: `Bearer ${TOKENS.alice}` },
    })
    expect(r.status).toBe(403)
  })
}

;(existsSync(NGINX) ? describe : describe.skip)(
  'nginx auth_request with examples/nginx/vibegate.conf',
  () => {
    let nginx: ChildProcess
    let origin = ''
    let parts: Awaited<ReturnType<typeof stack>>
    let log = ''
    beforeAll(async () => {
      const port = await freePort()
      origin = `http://127.0.0.1:${port}`
      parts = await stack(sim, origin)
      const example = await readFile(
        new URL('../../examples/nginx/vibegate.conf', import.meta.url),
        'utf8',
      )
      const site = example
        .replace('server 127.0.0.1:8080;', `server ${parts.gateAddr};`)
        .replace('server 127.0.0.1:9000;', `server ${parts.contentAddr};`)
        .replace('listen 127.0.0.1:8081;', `listen 127.0.0.1:${port};`)
      await writeFile(join(dir, 'vibegate.conf'), site)
      await writeFile(
        join(dir, 'nginx.conf'),
        `daemon off;\nuser root;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\nevents {}\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n  fastcgi_temp_path ${dir}/fastcgi;\n  uwsgi_temp_path ${dir}/uwsgi;\n  scgi_temp_path ${dir}/scgi;\n  include ${dir}/vibegate.conf;\n}\n`,
      )
      nginx = spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      nginx.stderr!.on('data', (c: Buffer) => (log += c.toString()))
      await listening(port, nginx, () => log)
    }, 20_000)
    afterAll(async () => {
      nginx?.kill('SIGQUIT')
      await parts?.close()
    })
    expectsBehindProxy('nginx', () => origin)
    test("nginx: a browser without the vibe sees the gate's page, not plain text", async () => {
      const r = await fetch(`${origin}/videos/yellow/1.ts`, {
        headers: { Authorization: `Bearer ${TOKENS.bob}`, Accept: 'text/html' },
      })
      expect(r.status).toBe(403)
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(r.headers.get('cache-control')).toBe('no-store')
      expect(await r.text()).toContain('Get it on OurSong')
    })
  },
)

;(existsSync(CADDY) ? describe : describe.skip)(
  'Caddy forward_auth with examples/caddy/Caddyfile',
  () => {
    let caddy: ChildProcess
    let origin = ''
    let parts: Awaited<ReturnType<typeof stack>>
    let log = ''
    beforeAll(async () => {
      const port = await freePort()
      origin = `http://127.0.0.1:${port}`
      parts = await stack(sim, origin)
      const example = await readFile(
        new URL('../../examples/caddy/Caddyfile', import.meta.url),
        'utf8',
      )
      const file = join(dir, 'Caddyfile')
      await writeFile(
        file,
        example
          .replaceAll('127.0.0.1:8080', parts.gateAddr)
          .replace('127.0.0.1:9000', parts.contentAddr)
          .replace('http://:8082 {', `http://127.0.0.1:${port} {`),
      )
      caddy = spawn(CADDY, ['run', '--config', file, '--adapter', 'caddyfile'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
      })
      caddy.stderr!.on('data', (c: Buffer) => (log += c.toString()))
      await listening(port, caddy, () => log)
    }, 20_000)
    afterAll(async () => {
      caddy?.kill('SIGTERM')
      await parts?.close()
    })
    expectsBehindProxy('Caddy', () => origin)
  },
)
