import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGate } from '../../src/gate/create-gate.js'
import { Browser } from '../helpers/auth-app.js'
import { CONSOLE_START_RULES, startConsoleGate, type ConsoleGate } from '../helpers/console-gate.js'
import { runCliCaptured } from '../helpers/run-cli.js'
import { signInWithOAuth } from '../helpers/sign-in.js'
import { TEST_API_KEY, TEST_API_SECRET, TOKENS } from '../helpers/test-fixture.js'

let gate: ConsoleGate
let carol: Browser
let csrf: string

/** A browser holding `username`'s session at the gate. */
async function browserOf(username: string): Promise<Browser> {
  const browser = new Browser()
  const session = await signInWithOAuth(gate.simUrl, gate.url, username)
  browser.jar(gate.url).set('vibegate_session', session)
  return browser
}
const post = (
  browser: Browser,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  browser.request(`${gate.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin: gate.url,
      'x-csrf-token': csrf,
      ...headers,
    },
    body: JSON.stringify(body),
  })
const decide = (uri: string, user: keyof typeof TOKENS) =>
  fetch(`${gate.url}/authz/auth-request`, {
    headers: {
      'X-Original-Method': 'GET',
      'X-Original-URI': uri,
      Authorization: `Bearer ${TOKENS[user]}`,
    },
  })

beforeAll(async () => {
  gate = await startConsoleGate()
  carol = await browserOf('carol')
  const page = await (await carol.request(`${gate.url}/console`)).text()
  csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)![1]!
})
afterAll(async () => {
  await gate?.close()
})

describe('who gets into /console', () => {
  test('without VIBEGATE_OPERATORS the console does not exist: 404', async () => {
    const off = await createGate({
      rules: gate.rulesFile,
      publicUrl: 'http://gate.test',
      oursong: { baseUrl: gate.simUrl, apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET },
      sessionSecret: 'o'.repeat(40),
    })
    const server = createServer(off.handler)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      for (const path of ['/console', '/console/yaml', '/console/api/status'])
        expect((await fetch(`${url}${path}`)).status).toBe(404)
      expect((await fetch(`${url}/console/api/save`, { method: 'POST' })).status).toBe(404)
    } finally {
      server.close()
      await off.close()
    }
  })

  test('signed out: a sign-in page that comes back to the console; the API answers 401', async () => {
    const page = await fetch(`${gate.url}/console/yaml`)
    expect(page.status).toBe(401)
    expect(page.headers.get('cache-control')).toBe('no-store')
    expect(await page.text()).toContain('href="/auth/login?return_to=%2Fconsole%2Fyaml"')
    const api = await fetch(`${gate.url}/console/api/status`)
    expect(api.status).toBe(401)
    expect(((await api.json()) as { error: string }).error).toBe('console_signed_out')
  })

  test('a signed-in fan who is not an operator gets 403, on pages and the API', async () => {
    const bob = await browserOf('bob')
    const page = await bob.request(`${gate.url}/console`)
    expect(page.status).toBe(403)
    expect(await page.text()).toContain('not an operator')
    const api = await bob.request(`${gate.url}/console/api/status`)
    expect(api.status).toBe(403)
    const save = await post(bob, '/console/api/save', { text: 'x', base: 'y' })
    expect(save.status).toBe(403)
    expect(await readFile(gate.rulesFile, 'utf8')).toBe(CONSOLE_START_RULES)
  })

  test('an operator gets the rules as cards, with vibe titles, a strict CSP and no-store', async () => {
    const res = await carol.request(`${gate.url}/console`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'/)
    expect(csp).not.toContain('unsafe-inline')
    const html = await res.text()
    expect(html).toContain('data-rule="yellow"')
    expect(html).toContain('Coldplay - Yellow')
    expect(html).not.toMatch(/ on[a-z]+=/)
  })
})

describe('state changes need the Origin and the session’s CSRF token', () => {
  const text = CONSOLE_START_RULES.replace('default: authenticated', 'default: deny')
  test.each([
    ['no Origin', { 'x-csrf-token': 'CSRF' }, 'console_cross_origin'],
    [
      'another Origin',
      { origin: 'http://evil.test', 'x-csrf-token': 'CSRF' },
      'console_cross_origin',
    ],
    ['no CSRF token', { origin: 'GATE' }, 'console_csrf'],
    ['a wrong CSRF token', { origin: 'GATE', 'x-csrf-token': 'A'.repeat(43) }, 'console_csrf'],
  ])('refused with %s', async (_name, headers: Record<string, string>, code) => {
    const sent = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [
        k,
        v === 'CSRF' ? csrf : v === 'GATE' ? gate.url : v,
      ]),
    )
    const base = (await carol.request(`${gate.url}/console/api/status`).then((r) => r.json())) as {
      hash: string
    }
    const res = await carol.request(`${gate.url}/console/api/save`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...sent },
      body: JSON.stringify({ text, base: base.hash }),
    })
    expect(res.status).toBe(403)
    expect(((await res.json()) as { error: string }).error).toBe(code)
    expect(await readFile(gate.rulesFile, 'utf8')).toBe(CONSOLE_START_RULES)
  })

  test('another operator session’s token does not work here', async () => {
    const other = await browserOf('carol')
    const res = await post(other, '/console/api/check', { text })
    expect(res.status).toBe(403)
  })
})

describe('editing the rules', () => {
  test('check runs the checks of `rules check`, shadowing warnings included', async () => {
    const shadowed = `${CONSOLE_START_RULES}  - id: yellow-hd\n    match: { paths: [/videos/yellow/hd] }\n    access: public\n`
    const res = await post(carol, '/console/api/check', { text: shadowed })
    const body = (await res.json()) as { ok: boolean; problems: { text: string }[] }
    expect(body.ok).toBe(true)
    expect(body.problems.map((p) => p.text)).toEqual([
      `${gate.rulesFile}:12:9: warning: rules[2].id: rule "yellow-hd" is never reached: "yellow" (line 8) matches every request it would; move it above or narrow the earlier rule`,
    ])
    // The very lines the command prints for the same text.
    const file = join(gate.dir, 'rules.yaml.cli')
    await writeFile(file, shadowed)
    const cli = await runCliCaptured(['rules', 'check', file])
    expect(cli.stderr.trim().split('\n')).toEqual(
      body.problems.map((p) => p.text.replace(gate.rulesFile, file)),
    )
  })

  test('a malformed edit is refused with the message, and the old rules stay', async () => {
    const status = (await (await carol.request(`${gate.url}/console/api/status`)).json()) as {
      hash: string
    }
    const broken = CONSOLE_START_RULES.replace('vibe: nxwyqqow', 'vibe: "not a vibe!"')
    const res = await post(carol, '/console/api/save', { text: broken, base: status.hash })
    expect(res.status).toBe(422)
    const body = (await res.json()) as { error: string; problems: string[] }
    expect(body.error).toBe('console_rules_invalid')
    expect(body.problems[0]).toMatch(
      /rules\.yaml:11:22: rules\[1\]\.require\.vibe: expected an OurSong vibe id/,
    )
    expect(await readFile(gate.rulesFile, 'utf8')).toBe(CONSOLE_START_RULES)
    expect(gate.gate.rules().hash).toBe(status.hash)
  })

  test('add a rule with the form, save, and it decides within 2 s; rollback restores the file', async () => {
    expect((await decide('/vip/1', 'alice')).status).toBe(200)
    const base = (
      (await (await carol.request(`${gate.url}/console/api/status`)).json()) as { hash: string }
    ).hash
    const edit = await post(carol, '/console/api/edit', {
      edit: { op: 'add', rule: { id: 'vip', paths: ['/vip/**'], vibe: 'xdwbppyw', tokenIds: [4] } },
      base,
    })
    expect(edit.status).toBe(200)
    const proposed = (await edit.json()) as {
      text: string
      ok: boolean
      diff: { op: string; text: string }[]
    }
    expect(proposed.ok).toBe(true)
    expect(proposed.text).toContain('# The landing page.')
    expect(proposed.diff.filter((d) => d.op === '+').map((d) => d.text)).toContain('  - id: vip')
    const saved = await post(carol, '/console/api/save', { text: proposed.text, base })
    expect(saved.status).toBe(200)
    const started = Date.now()
    await until(async () => (await decide('/vip/1', 'alice')).status === 403)
    expect(Date.now() - started).toBeLessThan(2000)
    expect((await decide('/vip/1', 'bob')).status).toBe(200)

    const history = (await (await carol.request(`${gate.url}/console/api/history`)).json()) as {
      versions: { id: string; action: string; who?: { id: string } }[]
    }
    expect(history.versions.map((v) => v.action)).toEqual(['save', 'original'])
    expect(history.versions[0]!.who!.id).toBe('carol')
    const rollback = await post(carol, '/console/api/rollback', { id: history.versions[1]!.id })
    expect(rollback.status).toBe(200)
    expect(await readFile(gate.rulesFile, 'utf8')).toBe(CONSOLE_START_RULES)
    await until(async () => (await decide('/vip/1', 'alice')).status === 200)
  })

  test('each card links to an edit form filled with the rule; a replace edit changes it in place', async () => {
    const cards = await (await carol.request(`${gate.url}/console`)).text()
    expect(cards).toContain('href="/console/rules/yellow/edit"')
    const form = await (await carol.request(`${gate.url}/console/rules/yellow/edit`)).text()
    expect(form).toContain('data-replace="yellow"')
    expect(form).toMatch(/id="f-paths"[^>]*>\/videos\/yellow\/\*\*<\/textarea>/)
    expect(form).toMatch(/id="f-vibe"[^>]*value="nxwyqqow"/)
    expect(form).toMatch(/value="Coldplay - Yellow, for holders"/)
    const res = await post(carol, '/console/api/edit', {
      edit: {
        op: 'replace',
        id: 'yellow',
        rule: { id: 'yellow', paths: ['/videos/yellow/**'], vibe: 'nxwyqqow', tokenIds: [1] },
      },
      base: 'x',
    })
    expect(res.status).toBe(200)
    const preview = (await res.json()) as { ok: boolean; text: string }
    expect(preview.ok).toBe(true)
    expect(preview.text).toContain('# The landing page.')
    expect(preview.text).toContain('    require:\n      vibe: nxwyqqow\n      token_ids: [1]\n')
    expect(preview.text.indexOf('id: home')).toBeLessThan(preview.text.indexOf('id: yellow'))
  })

  test('a rule the form cannot express sends the operator to the YAML tab; an unknown id is a 404 page', async () => {
    const missing = await carol.request(`${gate.url}/console/rules/nope/edit`)
    expect(missing.status).toBe(404)
    expect(await missing.text()).toContain('No rule has the id &quot;nope&quot;')
  })

  test('a save based on an older file is refused as a conflict', async () => {
    const res = await post(carol, '/console/api/save', {
      text: CONSOLE_START_RULES,
      base: 'f'.repeat(64),
    })
    expect(res.status).toBe(409)
  })

  test('rollback ids cannot name files outside the history', async () => {
    for (const id of ['../rules', '../../etc/passwd', '1700000000000-abcdef12/../x'])
      expect((await post(carol, '/console/api/rollback', { id })).status).toBe(404)
  })
})

async function until(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('explaining a decision for a user', () => {
  test('uses what OurSong reports the user holds, and lists every rule for them', async () => {
    const res = await post(carol, '/console/api/explain', {
      method: 'GET',
      url: '/videos/yellow/1.ts',
      user: 'bob',
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      explanation: { decision: string; reason: string; missing: unknown[]; match: { id: string } }
      rules: { id: string; unlocked: boolean }[]
    }
    expect(body.explanation).toMatchObject({
      decision: 'deny',
      reason: 'not_owned',
      match: { id: 'yellow' },
      missing: [{ vibe: 'nxwyqqow' }],
    })
    expect(body.rules.map((r) => [r.id, r.unlocked])).toEqual([
      ['home', true],
      ['yellow', false],
    ])
    const alice = (await (
      await post(carol, '/console/api/explain', {
        method: 'GET',
        url: '/videos/yellow/1.ts',
        user: 'alice',
      })
    ).json()) as { explanation: { decision: string; satisfied_by: { token_ids: number[] }[] } }
    expect(alice.explanation.decision).toBe('allow')
    expect(alice.explanation.satisfied_by[0]!.token_ids).toEqual([1, 2])
  })

  test('signed out, an unknown user, a wallet: each answered plainly', async () => {
    const anon = (await (
      await post(carol, '/console/api/explain', {
        method: 'GET',
        url: '/videos/yellow/1.ts',
        user: '',
      })
    ).json()) as { explanation: { status: number } }
    expect(anon.explanation.status).toBe(401)
    const unknown = await post(carol, '/console/api/explain', {
      method: 'GET',
      url: '/',
      user: 'nobody',
    })
    expect(unknown.status).toBe(400)
    expect(((await unknown.json()) as { problems: string[] }).problems[0]).toMatch(
      /no user "nobody"/,
    )
    const wallet = await post(carol, '/console/api/explain', {
      method: 'GET',
      url: '/',
      user: `0x${'ab'.repeat(20)}`,
    })
    expect(((await wallet.json()) as { problems: string[] }).problems[0]).toMatch(
      /cannot look a user up by wallet/,
    )
  })
})

describe('the Live screen', () => {
  test('shows recent decisions and purges cached ownership behind Origin and CSRF', async () => {
    expect((await decide('/videos/yellow/1.ts', 'alice')).status).toBe(200)
    const live = (await (await carol.request(`${gate.url}/console/api/live`)).json()) as {
      recent: { rule: string; outcome: string }[]
      seconds: { allowed: number }[]
    }
    expect(live.recent[0]).toMatchObject({ rule: 'yellow', outcome: 'allow' })
    expect(JSON.stringify(live)).not.toContain(TOKENS.alice)
    expect(live.seconds.reduce((n, s) => n + s.allowed, 0)).toBeGreaterThan(0)
    const purged = await post(carol, '/console/api/purge', { vibe: 'nxwyqqow' })
    expect(await purged.json()).toEqual({ purged: { vibe: 'nxwyqqow' } })
    const refused = await post(
      carol,
      '/console/api/purge',
      { vibe: 'x' },
      { origin: 'http://evil.test' },
    )
    expect(refused.status).toBe(403)
    const bad = await post(carol, '/console/api/purge', { user: '../x' })
    expect(bad.status).toBe(400)
  })
})
