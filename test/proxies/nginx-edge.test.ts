import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGate, type Gate } from '../../src/gate/create-gate.js'
import { freeLowPort } from '../helpers/free-port.js'
import { describeWithNginxEdge, startEdgeNginx, type RunningNginx } from '../helpers/nginx-edge.js'
import { mintPass, signPass, type MintClaims } from '../helpers/mint-pass.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import { TEST_API_KEY, TEST_API_SECRET, TOKENS } from '../helpers/test-fixture.js'

const SECRET = 's'.repeat(20) + '-edge-pass-secret-0123456789'
const OLD_SECRET = 'o'.repeat(20) + '-older-pass-secret-987654321'
const OTHER_SECRET = 'x'.repeat(20) + '-not-the-gates-secret-000000'
const ALICE = 'alice-uuid'
const EPOCH = 7
const FILE = 'v'.repeat(1024)

// In file order: `free` is earlier than `stream`, so a pass for `stream` names it in `n`.
const RULES = {
  version: 1,
  rules: [
    { id: 'free', match: { paths: ['/media/stream/free/**'] }, access: 'public' },
    {
      id: 'stream',
      match: { paths: ['/media/stream/**'], methods: ['GET'] },
      require: { vibe: 'nxwyqqow', token_ids: ['1-5'] },
    },
    {
      id: 'other',
      match: { paths: ['/media/other/**'], methods: ['GET'] },
      require: { vibe: 'nxwyqqow' },
    },
  ],
}

/** The files nginx serves; each holds FILE. */
const FILES = [
  'media/stream/a.ts',
  'media/stream/free/a.ts',
  'media/other/a.ts',
  'media/stream/videos/yellow',
  'videos/yellow',
  'index.html',
]

const now = (): number => Math.floor(Date.now() / 1000)

/**
 * A valid pass for `stream` on 127.0.0.1, as the gate writes it (`/a/**` as the prefix `/a/`),
 * with `claims` changed.
 */
function pass(claims: Partial<MintClaims & { count: string }> = {}, secret = SECRET): string {
  const i = now()
  return mintPass(
    {
      h: '127.0.0.1',
      p: ['/media/stream/'],
      n: ['/media/stream/free/'],
      u: ALICE,
      i,
      x: i + 60,
      e: EPOCH,
      ...claims,
    },
    secret,
  )
}

interface Answer {
  status: number
  headers: string
  body: string
}

/**
 * One request with the target sent byte for byte (fetch would normalise it), on a fresh
 * connection that the server closes.
 */
function raw(port: number, target: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', reject)
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const split = text.indexOf('\r\n\r\n')
      const head = split === -1 ? text : text.slice(0, split)
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0),
        headers: head,
        body: split === -1 ? '' : text.slice(split + 4),
      })
    })
    const lines = [`GET ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close']
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
    socket.write(lines.join('\r\n') + '\r\n\r\n', 'latin1')
  })
}

const describeEdge = describeWithNginxEdge('the nginx edge pass tests')

describeEdge('nginx edge pass with examples/nginx-edge (real nginx + njs, real gate)', () => {
  let sim: SimulatorHarness
  let gate: Gate
  let gateServer: Server
  let nginx: RunningNginx
  let dir = ''
  let epochFile = ''
  let port = 0
  /** The decision requests the gate got (path and X-Original-URI). */
  let asked: string[] = []
  /** When set, the gate's 200 answers carry this X-Vibegate-Pass (as the gate side will). */
  let issue: string | undefined

  beforeAll(async () => {
    sim = await startTestSimulator()
    dir = await mkdtemp(join(tmpdir(), 'vibegate-edge-'))
    port = await freeLowPort()
    gate = await createGate({
      rules: RULES,
      publicUrl: `http://127.0.0.1:${port}`,
      oursong: { baseUrl: sim.url, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
      sessionSecret: 'p'.repeat(40),
    })
    gateServer = createServer((req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.startsWith('/authz/')) {
        asked.push(String(req.headers['x-original-uri']))
        if (issue !== undefined) res.setHeader('X-Vibegate-Pass', issue)
      }
      gate.handler(req, res)
    })
    await new Promise<void>((resolve) => gateServer.listen(0, '127.0.0.1', resolve))
    epochFile = join(dir, 'epoch')
    await writeEpoch(`${EPOCH}\n`)
    nginx = await startEdgeNginx({
      dir,
      port,
      gatePort: (gateServer.address() as AddressInfo).port,
      files: FILES,
      body: FILE,
      workers: 1,
      // The gate's secrets: the one that signs first, then the one being rotated out.
      secrets: [SECRET, OLD_SECRET],
      epochFile,
    })
  }, 30_000)

  afterAll(async () => {
    await nginx?.stop()
    if (gateServer) {
      gateServer.closeAllConnections()
      await new Promise((resolve) => gateServer.close(resolve))
    }
    await gate?.close()
    await sim?.close()
    const errors = nginx ? await nginx.errorLog() : ''
    await rm(dir, { recursive: true, force: true })
    // A script error would show here, not as a failed request: njs errors become misses.
    expect(errors).not.toMatch(/\[(error|crit|alert|emerg)\]|js exception/)
  })

  beforeEach(async () => {
    asked = []
    issue = undefined
    await writeEpoch(`${EPOCH}\n`)
  })

  /** Replaces the epoch file atomically, as the gate does. */
  async function writeEpoch(text: string): Promise<void> {
    await writeFile(`${epochFile}.tmp`, text)
    await rename(`${epochFile}.tmp`, epochFile)
  }

  const withPass = (value: string): Record<string, string> => ({
    Cookie: `vibegate_pass=${value}`,
  })

  /** The last access log line's pass_miss (empty on a hit). */
  async function lastMiss(): Promise<string> {
    // nginx writes the line after the response; give it a moment.
    for (let i = 0; i < 20; i++) {
      const log = await readFile(join(dir, 'nginx', 'access.log'), 'utf8').catch(() => '')
      const line = log.trimEnd().split('\n').at(-1) ?? ''
      if (line !== '') return /pass_miss=(\S*)/.exec(line)?.[1] ?? ''
      await new Promise((r) => setTimeout(r, 25))
    }
    return ''
  }

  test('a valid pass serves the file with no request reaching the gate', async () => {
    for (let k = 0; k < 5; k++) {
      const r = await raw(port, '/media/stream/a.ts?quality=hd&t=%2F3', withPass(pass()))
      expect(r.status).toBe(200)
      expect(r.body).toBe(FILE)
    }
    expect(asked).toEqual([])
    expect(await lastMiss()).toBe('')
  })

  test('a pass signed with the older secret still verifies (rotation)', async () => {
    const r = await raw(port, '/media/stream/a.ts', withPass(pass({}, OLD_SECRET)))
    expect(r.status).toBe(200)
    expect(asked).toEqual([])
  })

  test('HEAD is served on the pass too, other methods ask the gate', async () => {
    const head = await fetch(`http://127.0.0.1:${port}/media/stream/a.ts`, {
      method: 'HEAD',
      headers: withPass(pass()),
    })
    expect(head.status).toBe(200)
    expect(asked).toEqual([])
    const post = await fetch(`http://127.0.0.1:${port}/media/stream/a.ts`, {
      method: 'POST',
      headers: withPass(pass()),
      redirect: 'manual',
    })
    expect(post.status).not.toBe(200)
    expect(asked.length).toBeGreaterThan(0)
    expect(await lastMiss()).toBe('method')
  })

  test('the root is never served on a pass (nginx would serve /index.html for it)', async () => {
    const r = await raw(port, '/', withPass(pass({ p: ['/'], n: [] })))
    // The gate decides: no rule takes `/`, and the default denies.
    expect(r.status).toBe(403)
    // Asked twice: the decision, then the denial page (@denied asks again with Accept).
    expect(asked[0]).toBe('/')
    expect(await lastMiss()).toBe('bad_path')
  })

  test('the first pass cookie is the one read (browsers send the longest Path first)', async () => {
    const good = await raw(port, '/media/stream/a.ts', {
      Cookie: `theme=dark; vibegate_pass=${pass()}; vibegate_pass=${pass({ p: ['/media/other/'] })}`,
    })
    expect(good.status).toBe(200)
    expect(asked).toEqual([])
    // A pass behind another one is not tried: the gate decides (no identity: sign in).
    const behind = await raw(port, '/media/stream/a.ts', {
      Cookie: `vibegate_pass=${pass({ p: ['/media/other/'] })}; vibegate_pass=${pass()}`,
    })
    expect(behind.status).toBe(302)
    expect(asked).toEqual(['/media/stream/a.ts'])
    expect(await lastMiss()).toBe('other_path')
  })

  // The forms the gate writes (src/rules/pass-scope.ts): `/a/` for `/a/**`, exact paths,
  // and patterns with other wildcards, which the edge matches segment by segment.
  test.each([
    ['a prefix, under it', ['/media/stream/'], [], '/media/stream/videos/yellow', ''],
    ['a prefix, the path itself', ['/media/stream/a.ts/'], [], '/media/stream/a.ts', ''],
    ['a prefix, a longer name beside it', ['/media/oth/'], [], '/media/other/a.ts', 'other_path'],
    ['an exact path', ['/media/stream/a.ts'], [], '/media/stream/a.ts', ''],
    ['an exact path, another file', ['/media/stream/b.ts'], [], '/media/stream/a.ts', 'other_path'],
    ['a `*` segment', ['/media/*/a.ts'], [], '/media/other/a.ts', ''],
    [
      'a `*` segment, one level too deep',
      ['/media/*/a.ts'],
      [],
      '/media/stream/free/a.ts',
      'other_path',
    ],
    ['a `**` inside', ['/media/**/yellow'], [], '/media/stream/videos/yellow', ''],
    [
      'a pattern the edge cannot read, in p',
      ['/media/a*b/**'],
      [],
      '/media/other/a.ts',
      'other_path',
    ],
    ['a `*` in n', ['/'], ['/media/*/a.ts'], '/media/other/a.ts', 'earlier_rule'],
    ['a `*` in n, another depth', ['/'], ['/media/*/a.ts'], '/media/stream/free/a.ts', ''],
    ['an exact path in n', ['/'], ['/media/other/a.ts'], '/media/other/a.ts', 'earlier_rule'],
    [
      'a pattern the edge cannot read, in n',
      ['/'],
      ['/x/a*b'],
      '/media/other/a.ts',
      'earlier_rule',
    ],
  ])('pattern forms: %s', async (_name, p, n, target, miss) => {
    const r = await raw(port, target, withPass(pass({ p, n })))
    expect(await lastMiss()).toBe(miss)
    if (miss === '') {
      expect(r.status).toBe(200)
      expect(asked).toEqual([])
    } else expect(asked).toEqual([target])
  })

  describe('a miss falls back to the gate, whose answer the client gets', () => {
    test('without a pass, a holder is let through by the gate', async () => {
      const r = await raw(port, '/media/stream/a.ts', {
        Authorization: `Bearer ${TOKENS.alice}`,
      })
      expect(r.status).toBe(200)
      expect(r.body).toBe(FILE)
      expect(asked).toEqual(['/media/stream/a.ts'])
      expect(await lastMiss()).toBe('no_cookie')
    })

    test('without a pass or identity, a browser is sent to sign in', async () => {
      const r = await raw(port, '/media/stream/a.ts', { Accept: 'text/html' })
      expect(r.status).toBe(302)
      expect(r.headers).toMatch(/\r\nLocation: http:\/\/127\.0\.0\.1:\d+\/auth\/login\?return_to=/i)
      expect(asked).toEqual(['/media/stream/a.ts'])
    })

    test('a pass for path A is refused on path B: the gate refuses a fan without the vibe', async () => {
      const r = await raw(port, '/media/other/a.ts', {
        ...withPass(pass()),
        Authorization: `Bearer ${TOKENS.bob}`,
        Accept: 'application/json',
      })
      expect(r.status).toBe(403)
      expect(r.body).toContain('not_owned')
      expect(asked.length).toBeGreaterThan(0)
      expect(await lastMiss()).toBe('other_path')
    })

    test('a pass for path A is refused on path B: the gate lets a holder through', async () => {
      const r = await raw(port, '/media/other/a.ts', {
        ...withPass(pass()),
        Authorization: `Bearer ${TOKENS.alice}`,
      })
      expect(r.status).toBe(200)
      expect(asked).toEqual(['/media/other/a.ts'])
    })

    test("a path matching an earlier rule's pattern (n) falls back, and that rule decides", async () => {
      const r = await raw(port, '/media/stream/free/a.ts', withPass(pass()))
      expect(r.status).toBe(200)
      expect(asked).toEqual(['/media/stream/free/a.ts'])
      expect(await lastMiss()).toBe('earlier_rule')
    })

    test("the gate's pass is sent on as Set-Cookie, only when it issues one", async () => {
      issue = `vibegate_pass=${pass()}; Path=/media/stream/; Max-Age=60; HttpOnly; SameSite=Lax`
      const r = await raw(port, '/media/stream/a.ts', {
        Authorization: `Bearer ${TOKENS.alice}`,
      })
      expect(r.status).toBe(200)
      expect(r.headers).toContain(`\r\nSet-Cookie: ${issue}`)
      issue = undefined
      const without = await raw(port, '/media/stream/a.ts', {
        Authorization: `Bearer ${TOKENS.alice}`,
      })
      expect(without.headers).not.toMatch(/set-cookie/i)
    })
  })

  // Each is a pass the gate did not issue, or one that no longer holds; the request carries
  // no identity, so the gate (asked every time) refuses it.
  const refusals: [string, () => string, string][] = [
    ['for another host', () => pass({ h: 'localhost' }), 'wrong_host'],
    ['expired', () => pass({ i: now() - 120, x: now() - 1 }), 'expired'],
    ['issued in the future', () => pass({ i: now() + 30, x: now() + 90 }), 'not_yet_valid'],
    ['living longer than 300 s', () => pass({ i: now(), x: now() + 301 }), 'bad_lifetime'],
    ['signed with a key the edge does not know', () => pass({}, OTHER_SECRET), 'bad_signature'],
    [
      'with a tampered field (another path, old signature)',
      () => {
        const signature = pass().split('.').at(-1)!
        const signed = pass({ p: ['/'], n: [] })
          .split('.')
          .slice(0, -1)
          .join('.')
        return `${signed}.${signature}`
      },
      'bad_signature',
    ],
    [
      'with a tampered signature',
      () => {
        const value = pass()
        const last = value.at(-2) === 'A' ? 'B' : 'A'
        return value.slice(0, -2) + last + value.at(-1)
      },
      'bad_signature',
    ],
    ['without its signature', () => pass().split('.').slice(0, -1).join('.') + '.', 'malformed'],
    ['with a signature one character short', () => pass().slice(0, -1), 'malformed'],
    [
      'of another version (signed)',
      () => {
        const signed = pass().split('.').slice(0, -1).join('.').replace(/^v2\|/, 'v3|')
        return `${signed}.${signPass(signed, SECRET)}`
      },
      'malformed',
    ],
    ['whose expiry is not a number (signed)', () => pass({ x: 'soon' }), 'expired'],
    ['whose issue time is empty (signed)', () => pass({ i: '' }), 'bad_lifetime'],
    ['whose count of p runs past its fields (signed)', () => pass({ count: '3' }), 'malformed'],
    ['whose count of p is zero (signed)', () => pass({ count: '0' }), 'malformed'],
    ['whose count of p is not a number (signed)', () => pass({ count: 'one' }), 'malformed'],
    ['from an older epoch', () => pass({ e: EPOCH - 1 }), 'epoch_changed'],
  ]

  test.each(refusals)('a pass %s is refused, and the gate decides', async (_name, make, miss) => {
    const r = await raw(port, '/media/stream/a.ts', withPass(make()))
    expect(r.status).toBe(302)
    expect(asked).toEqual(['/media/stream/a.ts'])
    expect(await lastMiss()).toBe(miss)
  })

  describe('revocation through the epoch file', () => {
    test('a pass whose user was revoked after it was issued is refused', async () => {
      const issued = now() - 10
      await writeEpoch(`${EPOCH}\nsomeone-else ${now()}\n${ALICE} ${issued}\n`)
      const r = await raw(port, '/media/stream/a.ts', withPass(pass({ i: issued })))
      expect(r.status).toBe(302)
      expect(asked).toHaveLength(1)
      expect(await lastMiss()).toBe('revoked')
    })

    test('a pass issued within 10 s after the revocation is refused (another replica may not know yet)', async () => {
      await writeEpoch(`${EPOCH}\n${ALICE} ${now() - 8}\n`)
      const r = await raw(port, '/media/stream/a.ts', withPass(pass()))
      expect(r.status).toBe(302)
      expect(await lastMiss()).toBe('revoked')
    })

    test('a pass issued after the revocation is good (a new sign-in)', async () => {
      await writeEpoch(`${EPOCH}\n${ALICE} ${now() - 30}\n`)
      const r = await raw(port, '/media/stream/a.ts', withPass(pass()))
      expect(r.status).toBe(200)
      expect(asked).toEqual([])
    })

    test('a moved epoch refuses every pass issued before it', async () => {
      const before = pass()
      await writeEpoch(`${EPOCH + 1}\n`)
      const r = await raw(port, '/media/stream/a.ts', withPass(before))
      expect(r.status).toBe(302)
      expect(await lastMiss()).toBe('epoch_changed')
    })

    test.each([
      ['missing', null],
      ['empty', ''],
      ['not a number', 'seven\n'],
      ['with a malformed line for this user', `${EPOCH}\nsomeone 1\n${ALICE} soon\n`],
    ])('an epoch file that is %s refuses the pass', async (_name, text) => {
      if (text === null) await rm(epochFile)
      else await writeEpoch(text)
      const r = await raw(port, '/media/stream/a.ts', withPass(pass()))
      expect(r.status).toBe(302)
      expect(asked).toHaveLength(1)
      expect(await lastMiss()).toBe('epoch_unreadable')
    })
  })

  // Every target the gate's canonical-path tests refuse or rewrite (test/rules/
  // canonical-path.test.ts, docs/canonical-paths.md), under a pass that covers every path:
  // the edge must leave each to the gate (or nginx must refuse it outright, 400).
  const tricks: string[] = [
    '/media/stream%2Fa.ts',
    '/media/stream%2fa.ts',
    '/media/stream%5Ca.ts',
    '/media/stream\\a.ts',
    '/media/stream/a.ts%00.png',
    '/media/stream/%0Aa.ts',
    '/media/stream/%7F',
    '/media/stream/%C2%85',
    '/media/stream/ a.ts',
    '/media/caf\u00e9',
    '/media/stream/%4',
    '/media/stream/100%',
    '/media/stream/%zz',
    '/media%252Fstream/a.ts',
    '/%252e%252e/media/stream/a.ts',
    '/media/stream/a%25',
    '/media/stream/a%C3',
    '/media/stream/a%C0%AFb',
    '/media/%C0%AE%C0%AE/media/stream/a.ts',
    '/media/stream/a%ED%A0%80',
    '/media/cafe%CC%81',
    '/media/stream/./a.ts',
    '/media/other/../stream/a.ts',
    '/media/stream/free/..',
    '/media/other/%2e%2e/stream/a.ts',
    '/media/other/.%2E/stream/a.ts',
    '/media/stream/%2e/a.ts',
    '/media/stream//a.ts',
    '//media/stream/a.ts',
    '//',
    '/media/stream//',
    '/media/stream/a.ts;jsessionid=1',
    '/media/stream;x=y/a.ts',
    '/media/stream/a.ts%3B',
    '/media/stream/a.ts%3F/x',
    '/media/stream/a.ts%23/x',
    '/media/stream/a.ts#x',
    '/media/stream/a.ts?x#y',
    '/media/stream/a.ts?x=\u00e9',
    '/media/stream/a"b',
    '/media/stream/a<b>',
    '/media/stream/a{b}',
    '/media/stream/a|b',
    '/media/stream/a^b',
    '/media/stream/a`b',
    '/media/stream/a[0]',
    '/media/%EF%BC%8E%EF%BC%8E/media/stream/a.ts',
    '/media/%E2%80%A5/stream/a.ts',
    '/media/stream/..%EF%BC%8F',
    '/media/str%E2%80%8Beam/a.ts',
    '/%EF%BB%BFmedia/stream/a.ts',
    '/media/stream/a%E2%80%AEb',
    '/media/stream/a%C2%A0b',
    '/media/%C5%BFtream/a.ts',
    '/media/stream/%E2%84%AA',
    '/media/stream./a.ts',
    '/media/stream/...',
    '/media/stream/a.ts.',
    '/media/stream/a.ts%2e',
    '/media/stream%20/a.ts',
    '/media/stream/a.ts::$DATA',
    '/media/stream/a::b',
    '/media/stream/',
    '/media/stream/free/',
    '/media/%73tream/a.ts',
    '/media/stream/a%2Ets',
    '/media/stream/a.ts?%zz',
    '/media/stream/a.ts?%',
    'http://127.0.0.1/media/stream/../stream/a.ts',
    `/media/stream/${'a/'.repeat(300)}a.ts`,
    `/media/stream/${'a'.repeat(8200)}`,
    `/media/stream/a.ts?${'q'.repeat(8200)}`,
  ]

  test.each(tricks)('%j is never allowed by the edge without the gate', async (target) => {
    const everywhere = pass({ p: ['/'], n: [] })
    const r = await raw(port, target, withPass(everywhere))
    expect(r.body).not.toBe(FILE)
    // The gate was asked, or nginx refused the request before any location.
    expect(asked.length > 0 || r.status === 400 || r.status === 414).toBe(true)
  })

  test.each([
    ['a long query', `?q=${'b'.repeat(8100)}`],
    ['a long query of escapes', `?${'%41'.repeat(2700)}`],
  ])('%s within 8192 characters is served on the pass', async (_name, query) => {
    const r = await raw(port, `/media/stream/a.ts${query}`, withPass(pass()))
    expect(r.status).toBe(200)
    expect(r.body).toBe(FILE)
    expect(asked).toEqual([])
  })

  test('the same pass that covers every path does serve a plain one (the control)', async () => {
    const r = await raw(port, '/media/stream/videos/yellow', withPass(pass({ p: ['/'], n: [] })))
    expect(r.status).toBe(200)
    expect(asked).toEqual([])
  })
})

describeEdge('the edge configuration file (examples/nginx-edge, vibegate-edge.json)', () => {
  let dir = ''
  const i = (): number => Math.floor(Date.now() / 1000)
  const good = (): string =>
    mintPass(
      { h: '127.0.0.1', p: ['/media/'], n: [], u: ALICE, i: i(), x: i() + 60, e: EPOCH },
      SECRET,
    )

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vibegate-edge-config-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  // Each is the whole JSON file; no gate listens (port 1): a hit is the file, a miss nginx's 500.
  test.each([
    ['epoch_file false: no epoch check', { secrets: [SECRET], epoch_file: false }, ''],
    ['epoch_file missing', { secrets: [SECRET] }, 'bad_config'],
    ['epoch_file misspelt', { secrets: [SECRET], epochFile: '/tmp/x' }, 'bad_config'],
    ['epoch_file empty', { secrets: [SECRET], epoch_file: '' }, 'bad_config'],
    ['epoch_file null', { secrets: [SECRET], epoch_file: null }, 'bad_config'],
    ['epoch_file a list', { secrets: [SECRET], epoch_file: ['/tmp/x'] }, 'bad_config'],
    ['no secrets', { secrets: [], epoch_file: false }, 'no_secret'],
    ['secrets misspelt', { secret: [SECRET], epoch_file: false }, 'no_secret'],
    ['a secret too short', { secrets: ['short'], epoch_file: false }, 'bad_signature'],
  ])('%s', async (name, config, miss) => {
    const sub = join(dir, name.replace(/\W+/g, '-'))
    const port = await freeLowPort()
    const nginx = await startEdgeNginx({
      dir: sub,
      port,
      gatePort: 1,
      files: ['media/a.ts'],
      body: FILE,
      workers: 1,
      secrets: [],
      edgeConfigText: JSON.stringify(config),
    })
    try {
      const r = await raw(port, '/media/a.ts', { Cookie: `vibegate_pass=${good()}` })
      if (miss === '') expect(r.body).toBe(FILE)
      else expect(r.status).toBe(500) // auth_request could not reach the gate
      const log = await readFile(join(sub, 'nginx', 'access.log'), 'utf8')
      expect(/pass_miss=(\S*)/.exec(log.trimEnd().split('\n').at(-1) ?? '')?.[1]).toBe(miss)
    } finally {
      await nginx.stop()
    }
  })
})
