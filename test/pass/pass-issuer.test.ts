import { describe, expect, test } from '@jest/globals'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { clearPassCookies, passCookie, readPassCookies } from '../../src/pass/pass-cookie.js'
import { createPassEpoch } from '../../src/pass/pass-epoch.js'
import { createPassIssuer } from '../../src/pass/pass-issuer.js'
import { parsePassSecrets, type PassKey } from '../../src/pass/pass-secrets.js'
import { createPassSigner } from '../../src/pass/pass-signer.js'
import { parseRules } from '../../src/rules/load-rules.js'
import { fakeClock } from '../helpers/fake-clock.js'

const keys = (parsePassSecrets(['s'.repeat(32)]) as { keys: PassKey[] }).keys
const rules = parseRules(
  JSON.stringify({
    version: 1,
    rules: [
      {
        id: 'stream',
        match: { paths: ['/media/stream/**'] },
        require: { vibe: 'nxwyqqow' },
        pass: { ttl: 60 },
      },
    ],
  }),
  'rules.json',
).rules
const rule = rules.rules[0]!
const USER = 'u-1'

function setup() {
  const clock = fakeClock()
  const epoch = createPassEpoch({ clock })
  const signer = createPassSigner({ keys })
  const issuer = createPassIssuer({ signer, epoch, secure: true, clock })
  const askAt = (host: string | undefined, cookie?: string) =>
    issuer.header({ pass: rule.pass!, user: USER, host, cookie })
  const ask = (cookie?: string, host = 'Fans.Example.com:8443') => askAt(host, cookie)
  const passOf = (header: string) => /^vibegate_pass=([^;]+);/.exec(header)![1]!
  return { clock, epoch, signer, ask, askAt, passOf }
}

describe('pass issuer', () => {
  test('issues a complete Set-Cookie value with the rule, the matched host and the epoch', async () => {
    const { clock, epoch, signer, ask, passOf } = setup()
    await epoch.start('f')
    const header = ask()!
    expect(header).toMatch(
      /^vibegate_pass=v2\|[^;, ]+\.[\w-]{43}; Path=\/media\/stream\/; Max-Age=60; HttpOnly; Secure; SameSite=Lax$/,
    )
    const now = Math.floor(clock.now() / 1000)
    expect(signer.verify(passOf(header), now)).toEqual({
      h: 'fans.example.com',
      scope: '1|/media/stream/',
      u: USER,
      i: now,
      x: now + 60,
      e: epoch.current(),
    })
  })

  test('skips a request carrying a valid pass with more than half its ttl left', async () => {
    const { clock, epoch, ask, passOf } = setup()
    await epoch.start('f')
    const pass = passOf(ask()!)
    expect(ask(`other=1; vibegate_pass=${pass}`)).toBeUndefined()
    clock.advance(29_000)
    expect(ask(`vibegate_pass=${pass}`)).toBeUndefined()
    clock.advance(1_000) // 30 s of 60 left: not more than half
    expect(ask(`vibegate_pass=${pass}`)).toBeDefined()
  })

  test('issues anew for a carried pass of another host, epoch, or after a revocation', async () => {
    const { clock, epoch, ask, passOf } = setup()
    await epoch.start('f')
    const pass = passOf(ask()!)
    expect(ask(`vibegate_pass=${pass}`, 'other.example.com')).toBeDefined()
    expect(ask(`vibegate_pass=${pass}x`)).toBeDefined()
    await epoch.revoke(USER)
    // Just revoked: none at all for 10 s (a replica's session copy may still allow).
    expect(ask(`vibegate_pass=${pass}`)).toBeUndefined()
    clock.advance(10_000)
    expect(ask(`vibegate_pass=${pass}`)).toBeDefined()
    const again = passOf(ask()!)
    await epoch.advance('test')
    expect(ask(`vibegate_pass=${again}`)).toBeDefined()
  })

  test('a pass carried for other paths does not count: the request gets its own', async () => {
    const { clock, epoch, signer, ask } = setup()
    await epoch.start('f')
    const now = Math.floor(clock.now() / 1000)
    const e = epoch.current()!
    const claims = { h: 'fans.example.com', u: USER, i: now, x: now + 60, e }
    const other = signer.sign(claims, '1|/media/other/')!
    expect(ask(`vibegate_pass=${other}`)).toBeDefined()
    const same = signer.sign(claims, rule.pass!.scope)!
    expect(ask(`vibegate_pass=${same}`)).toBeUndefined()
  })

  test('a user id the format cannot carry gets no pass (the gate still decides each request)', async () => {
    const { epoch } = setup()
    await epoch.start('f')
    const issuer = createPassIssuer({
      signer: createPassSigner({ keys }),
      epoch,
      secure: true,
      clock: fakeClock(),
    })
    expect(
      issuer.header({ pass: rule.pass!, user: 'a|b', host: 'fans.example.com', cookie: undefined }),
    ).toBeUndefined()
    expect(
      issuer.header({ pass: rule.pass!, user: 'a-b', host: 'fans.example.com', cookie: undefined }),
    ).toBeDefined()
  })

  test('no host, or a host the gate cannot read, gets no pass', async () => {
    const { epoch, askAt } = setup()
    await epoch.start('f')
    expect(askAt(undefined)).toBeUndefined()
    expect(askAt('a b')).toBeUndefined()
    expect(askAt('fans.example.com')).toBeDefined()
  })
})

describe('pass cookie', () => {
  test('Secure is left out only when asked', () => {
    expect(passCookie('v1.a.b', '/m/', 60, false)).toBe(
      'vibegate_pass=v1.a.b; Path=/m/; Max-Age=60; HttpOnly; SameSite=Lax',
    )
  })
  test('logout clears each path once with Max-Age=0', () => {
    expect(clearPassCookies(['/m/', '/', '/m/'], true)).toEqual([
      'vibegate_pass=; Path=/m/; Max-Age=0; HttpOnly; Secure; SameSite=Lax',
      'vibegate_pass=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax',
    ])
  })
  test('reads at most 4 vibegate_pass cookies, by exact name', () => {
    expect(readPassCookies('a=1; xvibegate_pass=no; vibegate_pass=1;vibegate_pass=2')).toEqual([
      '1',
      '2',
    ])
    expect(
      readPassCookies(Array.from({ length: 6 }, (_, i) => `vibegate_pass=${i}`).join('; ')),
    ).toEqual(['0', '1', '2', '3'])
    expect(readPassCookies(undefined)).toEqual([])
  })
})

describe('pass epoch in process', () => {
  test('starts at the clock, only moves forward, keeps revocations 315 s (the longest pass, plus the edge skew and margin), writes the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pass-epoch-'))
    const file = join(dir, 'epoch')
    const clock = fakeClock()
    const epoch = createPassEpoch({ clock, file, refreshMs: 60_000 })
    await epoch.start('f')
    const first = epoch.current()!
    expect(first).toBe(Math.floor(clock.now() / 1000))
    expect(await readFile(file, 'utf8')).toBe(`${first}\n`)
    await epoch.advance('test')
    expect(epoch.current()).toBe(first + 1)
    await epoch.revoke('u-1')
    expect(epoch.revokedAt('u-1')).toBe(first)
    expect(await readFile(file, 'utf8')).toBe(`${first + 1}\nu-1 ${first}\n`)
    clock.advance(310_000)
    await epoch.advance('kept')
    expect(epoch.revokedAt('u-1')).toBe(first)
    clock.advance(6_000)
    await epoch.advance('later')
    // The clock is the floor: 316 s later the epoch is at least the clock's seconds.
    expect(epoch.current()).toBe(first + 316)
    await epoch.revoke('u-2')
    expect(epoch.revokedAt('u-1')).toBeUndefined()
    expect(await readFile(file, 'utf8')).toBe(`${first + 316}\nu-2 ${first + 316}\n`)
    await epoch.close()
  })
})
