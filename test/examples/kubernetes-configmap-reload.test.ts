/**
 * examples/kubernetes (issue 13): the rules ConfigMap, mounted as a directory, is hot-reloaded.
 * The kubelet lays such a volume out as
 *
 *   ..2026_07_01_12_00_00.000000001/rules.yaml   the content
 *   ..data -> ..2026_07_01_12_00_00.000000001    switched atomically on every update
 *   rules.yaml -> ..data/rules.yaml              what VIBEGATE_RULES names
 *
 * and updates it by writing a new timestamped directory, pointing a `..data_tmp` symlink at it,
 * renaming that over `..data` and removing the old directory. This runs a real gate on that
 * layout with the example's own rules (configmap-rules.yaml), does the kubelet's swap, and
 * checks what the contract promises: the new rules decide within 2 s (section 4), and a broken
 * file leaves the previous rules in force and is reported in the log and in /metrics (and, by
 * this gate, as a warning in /readyz). test/util/watched-file.test.ts has the unit-level swap.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { parseDocument } from 'yaml'
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment'
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { createGate, type Gate } from '../../src/index.js'
import { recordingLogger } from '../helpers/recording-logger.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import { TEST_API_KEY, TEST_API_SECRET, TOKENS } from '../helpers/test-fixture.js'
import { findManifest } from './kubernetes-manifests.js'

/** CONTRACT section 4: a change of the rules file takes effect within 2 seconds. */
const RELOAD_WITHIN_MS = 2000
/** How long the polls below wait before giving up (a failure then shows how late it was). */
const GIVE_UP_MS = 10_000

/** The rules ConfigMap's key VIBEGATE_RULES names, and its content, from the example. */
function exampleRules(): { key: string; text: string } {
  const deployment = findManifest<IDeployment>('Deployment', 'vibegate')
  const container = deployment.spec!.template.spec!.containers[0]!
  const volume = deployment.spec!.template.spec!.volumes!.find(
    (v) => v.configMap?.name === 'vibegate-rules',
  )!
  const mount = container.volumeMounts!.find((m) => m.name === volume.name)!
  const rulesFile = container.env!.find((e) => e.name === 'VIBEGATE_RULES')!.value!
  const key = posix.relative(mount.mountPath, rulesFile)
  const text = findManifest<IConfigMap>('ConfigMap', 'vibegate-rules').data![key]
  if (text === undefined) throw new Error(`the rules ConfigMap has no key ${key}`)
  return { key, text }
}

/** `text` with the access of the rule `id` replaced (the example's rules, edited). */
function withAccess(text: string, id: string, access: string): string {
  const doc = parseDocument(text)
  const rules = doc.toJS().rules as { id: string }[]
  const index = rules.findIndex((rule) => rule.id === id)
  if (index < 0) throw new Error(`no rule ${id}`)
  doc.setIn(['rules', index, 'access'], access)
  return String(doc)
}

/** A ConfigMap volume as the kubelet lays it out, updated as the kubelet updates it. */
class KubeletConfigMapVolume {
  private current: string | undefined
  private serial = 0

  constructor(
    readonly dir: string,
    private readonly key: string,
  ) {}

  /** The file the gate is pointed at (VIBEGATE_RULES). */
  get file(): string {
    return join(this.dir, this.key)
  }

  /** First projection (pod start): content, `..data`, and the key's symlink through it. */
  async create(content: string): Promise<void> {
    const next = await this.writeTimestamped(content)
    await symlink(next, join(this.dir, '..data'))
    await symlink(posix.join('..data', this.key), this.file)
    this.current = next
  }

  /** An update: new timestamped directory, `..data_tmp` renamed over `..data`, old one removed. */
  async update(content: string): Promise<void> {
    const next = await this.writeTimestamped(content)
    await symlink(next, join(this.dir, '..data_tmp'))
    await rename(join(this.dir, '..data_tmp'), join(this.dir, '..data'))
    await rm(join(this.dir, this.current!), { recursive: true })
    this.current = next
  }

  private async writeTimestamped(content: string): Promise<string> {
    // The kubelet's names: ..<year>_<month>_<day>_<hour>_<minute>_<second>.<nanoseconds>
    const t = new Date().toISOString().replace(/[-T:]/g, '_').slice(0, 19)
    const name = `..${t}.${String(++this.serial).padStart(9, '0')}`
    await mkdir(join(this.dir, name), { mode: 0o755 })
    await writeFile(join(this.dir, name, this.key), content, { mode: 0o644 })
    return name
  }
}

let dir: string
let volume: KubeletConfigMapVolume
let rules: { key: string; text: string }
let sim: SimulatorHarness
let gate: Gate
let server: Server
let url: string
const logger = recordingLogger()

beforeAll(async () => {
  rules = exampleRules()
  dir = await mkdtemp(join(tmpdir(), 'vibegate-configmap-'))
  volume = new KubeletConfigMapVolume(dir, rules.key)
  await volume.create(rules.text)
  sim = await startTestSimulator()
  gate = await createGate({
    rules: volume.file,
    publicUrl: 'https://fans.example.com',
    oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
    sessionSecret: 'k'.repeat(48),
    // The test is the ingress controller here, on loopback.
    trustedProxies: '127.0.0.1/32',
    logger,
  })
  server = createServer(gate.handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}, 30_000)

afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  await gate?.close()
  await sim?.close()
  await rm(dir, { recursive: true, force: true })
})

/** ingress-nginx's auth subrequest for `GET path` on fans.example.com: status, rule, reason. */
async function decide(
  path: string,
  token?: string,
): Promise<{ status: number; rule: string | null; reason: string | null }> {
  const response = await fetch(`${url}/authz/auth-request`, {
    headers: {
      'X-Original-Method': 'GET',
      'X-Original-URI': path,
      'X-Forwarded-Host': 'fans.example.com',
      ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
    },
  })
  await response.arrayBuffer()
  return {
    status: response.status,
    rule: response.headers.get('x-vibegate-rule'),
    reason: response.headers.get('x-vibegate-reason'),
  }
}

/** The value of an unlabelled metric, or of one labelled `result="..."`. */
async function metric(name: string, result?: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const series = result === undefined ? name : `${name}{result="${result}"}`
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

async function readyz(): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/readyz`)
  return { status: response.status, body: await response.json() }
}

/** Polls `check` every 25 ms until it holds; resolves with the ms it took (throws past GIVE_UP_MS). */
async function within(check: () => Promise<boolean>): Promise<number> {
  const start = performance.now()
  while (!(await check())) {
    if (performance.now() - start > GIVE_UP_MS) throw new Error(`not after ${GIVE_UP_MS} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return performance.now() - start
}

describe('the rules ConfigMap of examples/kubernetes, mounted as the kubelet does', () => {
  test("the gate runs on the example's rules through the ..data symlinks", async () => {
    // A public rule's answer carries the headers empty (CONTRACT section 3.1).
    expect(await decide('/assets/app.css')).toEqual({ status: 200, rule: '', reason: null })
    expect(await decide('/members')).toMatchObject({ status: 401, reason: 'no_identity' })
    // alice holds tokens 1 and 2 of nxwyqqow; bob none.
    expect(await decide('/videos/yellow/hd/1.mp4', TOKENS.alice)).toMatchObject({
      status: 200,
      rule: 'yellow-hd',
    })
    expect(await decide('/videos/yellow/hd/1.mp4', TOKENS.bob)).toMatchObject({
      status: 403,
      reason: 'not_owned',
    })
    expect(await readyz()).toEqual({ status: 200, body: { ready: true } })
  })

  test('a kubelet update (new directory, ..data swapped, old one removed) decides within 2 s', async () => {
    await volume.update(withAccess(rules.text, 'site', 'authenticated'))
    const ms = await within(async () => (await decide('/assets/app.css')).status === 401)
    expect(ms).toBeLessThan(RELOAD_WITHIN_MS)
    expect(await decide('/assets/app.css')).toMatchObject({ reason: 'no_identity' })
    expect(await decide('/assets/app.css', TOKENS.bob)).toEqual({
      status: 200,
      rule: 'site',
      reason: null,
    })
    expect(await metric('vibegate_rules_last_reload_ok')).toBe(1)
    expect(await metric('vibegate_rules_reloads_total', 'ok')).toBe(1)
  })

  test('a broken file swapped in: the previous rules stay in force, reported in the log, /metrics and /readyz', async () => {
    await volume.update(withAccess(rules.text, 'site', 'everyone'))
    const ms = await within(async () => (await metric('vibegate_rules_last_reload_ok')) === 0)
    expect(ms).toBeLessThan(RELOAD_WITHIN_MS)
    expect(await metric('vibegate_rules_reloads_total', 'rejected')).toBe(1)
    // Still the rules of the previous update, not the original ones, nor none.
    expect(await decide('/assets/app.css')).toMatchObject({ status: 401, reason: 'no_identity' })
    expect(await decide('/assets/app.css', TOKENS.bob)).toMatchObject({ status: 200, rule: 'site' })
    expect(await decide('/videos/yellow/hd/1.mp4', TOKENS.alice)).toMatchObject({ status: 200 })
    // Still ready (every replica reads the same file), with a warning naming it.
    expect(await readyz()).toEqual({
      status: 200,
      body: {
        ready: true,
        warnings: [expect.stringContaining(`the rules file ${volume.file} is broken`)],
      },
    })
    expect(
      logger.lines.filter(
        (l) => l.level === 'error' && l.msg === 'rules file rejected; previous rules stay in force',
      ),
    ).not.toHaveLength(0)
  })

  test('a fixed file swapped in applies within 2 s and clears the report', async () => {
    await volume.update(rules.text)
    const ms = await within(async () => (await decide('/assets/app.css')).status === 200)
    expect(ms).toBeLessThan(RELOAD_WITHIN_MS)
    expect(await metric('vibegate_rules_last_reload_ok')).toBe(1)
    expect(await metric('vibegate_rules_reloads_total', 'ok')).toBe(2)
    expect(await readyz()).toEqual({ status: 200, body: { ready: true } })
  })
})
