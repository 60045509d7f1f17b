import express from 'express'
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { computeAddress, Wallet } from 'ethers'
import { createGate } from '../gate/create-gate.js'
import { createGateServer } from '../http/gate-server.js'
import { answerStartingUp } from '../http/starting-up.js'
import { loadFixture } from '../simulator/fixture.js'
import { startSimulator } from '../simulator/start-simulator.js'
import { silentLogger, type Logger } from '../util/logger.js'
import { coverPath, createDemoContentRouter } from './demo-content-router.js'

const packaged = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url))

/** A running demo: its URL, the sign-in accounts, and `close()`. */
export interface RunningDemo {
  url: string
  simulatorUrl: string
  accounts: { id: string; password: string; address: string | undefined }[]
  close(): Promise<void>
}

/**
 * `vibegate demo`: the OurSong simulator with the bundled fixture, a gate with
 * `rules/demo.yaml`, and a small fan-club site behind it (Express with `gate.routes()` and
 * `gate.protect()`), on `http://localhost:PORT`. In-process stores, an ephemeral key.
 */
export async function startDemo(
  options: { port?: number; host?: string; logger?: Logger } = {},
): Promise<RunningDemo> {
  const port = options.port ?? 8080
  const host = options.host ?? '127.0.0.1'
  const logger = options.logger ?? silentLogger()
  // The port is taken first, because the gate's public URL and the OAuth redirect URIs name
  // the port really obtained (--port 0). Its handler is in place before it listens: until
  // the site is built, every request gets a prompt 503. (A 'request' listener attached after
  // listen() left a request arriving in between with no handler at all, unanswered until the
  // client gave up: issue 14.)
  let site: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const server = createGateServer((req, res) => (site ? site(req, res) : answerStartingUp(res)))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, resolve)
  })
  const actualPort = (server.address() as AddressInfo).port
  const url = `http://localhost:${actualPort}`
  const closeServer = async (): Promise<void> => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  try {
    return await buildDemo(url, actualPort, logger, (ready) => (site = ready), closeServer)
  } catch (err) {
    // Nothing is left listening when the start fails half-way.
    await closeServer()
    throw err
  }
}

/** Everything behind the demo's port; hands the site to `serve` once it can answer. */
async function buildDemo(
  url: string,
  actualPort: number,
  logger: Logger,
  serve: (site: (req: IncomingMessage, res: ServerResponse) => void) => void,
  closeServer: () => Promise<void>,
): Promise<RunningDemo> {
  const fixture = await loadFixture(packaged('fixtures/demo.yaml'))
  // The demo app's redirect URI follows the port the demo really got.
  const app0 = fixture.apps[0]!
  const redirects = [`${url}/auth/callback`, `http://127.0.0.1:${actualPort}/auth/callback`]
  const apps = [
    { ...app0, redirect_uris: [...new Set([...app0.redirect_uris, ...redirects])] },
    ...fixture.apps.slice(1),
  ]
  // Vibes without cover art get the demo's generated covers, so the gate's locked page
  // shows them too (through the simulator's vibe profiles).
  const vibes = fixture.vibes.map((v) => ({
    ...v,
    cover_image: v.cover_image ?? `${url}${coverPath(v.id)}`,
  }))
  const sim = await startSimulator({
    fixture: { ...fixture, apps, vibes },
    port: 0,
    host: '127.0.0.1',
  })
  const gate = await createGate({
    rules: packaged('rules/demo.yaml'),
    publicUrl: url,
    oursong: { baseUrl: sim.url, apiKey: app0.api_key, apiSecret: app0.api_secret },
    sessionSecret: randomBytes(32).toString('base64url'),
    // The demo's pass rule gets passes from the decision endpoints (an nginx edge in front
    // would honour them); the demo site itself asks the gate through its middleware.
    passSecrets: [randomBytes(32).toString('base64url')],
    logger,
  }).catch(async (err: unknown) => {
    await sim.close()
    throw err
  })

  const fans = fixture.users.filter(
    (u) => u.wallet_private_key && ['alice', 'bob', 'carol', 'dave'].includes(u.id),
  )
  const wallets = new Map(fans.map((u) => [u.id, new Wallet(u.wallet_private_key!)]))
  const site = express()
  site.set('case sensitive routing', true)
  site.set('strict routing', true)
  site.disable('x-powered-by')
  site.use(gate.routes())
  // Demo only: signs a sign-in message with a fan's published demo key, for browsers
  // without a wallet, so the wallet flow stays visible.
  site.post('/demo/sign', express.json({ limit: '8kb' }), async (req, res) => {
    const { account, message } = (req.body ?? {}) as { account?: unknown; message?: unknown }
    const wallet = typeof account === 'string' ? wallets.get(account) : undefined
    if (!wallet || typeof message !== 'string')
      return void res.status(400).json({ error: 'bad_request', message: 'unknown demo account' })
    res.json({ signature: await wallet.signMessage(message) })
  })
  site.get('/favicon.ico', (_req, res) => void res.status(204).end())
  site.use(gate.protect())
  site.use(
    createDemoContentRouter(
      fixture,
      fans.map((u) => ({ id: u.id, address: computeAddress(u.wallet_private_key!) })),
    ),
  )
  serve(site)

  return {
    url,
    simulatorUrl: sim.url,
    accounts: fixture.users
      .filter((u) => ['alice', 'bob', 'carol', 'dave'].includes(u.id))
      .map((u) => ({
        id: u.id,
        password: u.password,
        address: u.wallet_private_key ? computeAddress(u.wallet_private_key) : undefined,
      })),
    async close() {
      await closeServer()
      await gate.close()
      await sim.close()
    },
  }
}
