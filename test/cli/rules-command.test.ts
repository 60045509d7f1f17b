import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { runCliCaptured } from '../helpers/run-cli.js'

const DEMO = new URL('../../rules/demo.yaml', import.meta.url).pathname
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vibegate-rules-cli-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const run = runCliCaptured

describe('vibegate rules check', () => {
  test('a valid file exits 0', async () => {
    const { code, stdout, stderr } = await run(['rules', 'check', DEMO])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toMatch(/demo\.yaml: ok, \d+ rules, default deny/)
  })

  test('a broken file exits 1 with one FILE:LINE:COL: line per problem', async () => {
    const file = join(dir, 'broken.yaml')
    await writeFile(
      file,
      'version: 1\nrules:\n  - { id: a, match: { paths: [/a] }, access: publik }\n  - { id: b, match: { paths: [/b] }, require: { vibe: x, token_ids: ["5-3"] } }\n',
    )
    const { code, stderr } = await run(['rules', 'check', DEMO, file])
    expect(code).toBe(1)
    expect(stderr.trim().split('\n')).toEqual([
      `${file}:3:46: rules[0].access: expected "public" or "authenticated", got "publik"; did you mean "public"?`,
      `${file}:4:70: rules[1].require.token_ids[0]: the range "5-3" is reversed; write "3-5"`,
    ])
  })

  test('warnings go to stderr and still exit 0', async () => {
    const file = join(dir, 'shadow.yaml')
    await writeFile(
      file,
      'version: 1\nrules:\n  - { id: a, match: { paths: ["/**"] }, access: public }\n  - { id: b, match: { paths: [/b] }, access: authenticated }\n',
    )
    const { code, stderr } = await run(['rules', 'check', file])
    expect(code).toBe(0)
    expect(stderr).toMatch(
      new RegExp(`^${file}:4:11: warning: rules\\[1\\]\\.id: rule "b" is never reached`),
    )
  })

  test('a pasted vibe URL is an error naming the id to write; an upper-case id, a warning', async () => {
    const file = join(dir, 'vibe-ids.yaml')
    await writeFile(
      file,
      'version: 1\nrules:\n  - id: a\n    match: { paths: [/a/**] }\n    require: { vibe: "https://www.oursong.com/vibe/abc?ref=x" }\n  - id: b\n    match: { paths: [/b/**] }\n    require: { vibe: NXWYQQOW }\n',
    )
    const { code, stderr } = await run(['rules', 'check', file])
    expect(code).toBe(1)
    expect(stderr.trim().split('\n')).toEqual([
      `${file}:5:22: rules[0].require.vibe: "https://www.oursong.com/vibe/abc?ref=x" is a URL, not a vibe id; the id is its last path segment: write vibe: abc`,
      `${file}:8:22: warning: rules[1].require.vibe: OurSong vibe ids are lower case (nxwyqqow), so "NXWYQQOW" is likely a typo; write vibe: nxwyqqow`,
    ])
  })

  test('an upper-case vibe id alone is only a warning: exit 0', async () => {
    const file = join(dir, 'upper.yaml')
    await writeFile(
      file,
      'version: 1\nrules:\n  - id: b\n    match: { paths: [/b/**] }\n    require: { vibe: Nxwyqqow }\n',
    )
    const { code, stderr } = await run(['rules', 'check', file])
    expect(code).toBe(0)
    expect(stderr).toMatch(
      /:5:22: warning: rules\[0\]\.require\.vibe: OurSong vibe ids are lower case/,
    )
  })

  test.each([
    [
      'a key indented one space too far',
      'version: 1\nrules:\n  - id: a\n    match:\n      paths: [/a/**]\n     require: { vibe: abc }\n',
      '6:6: All mapping items must start at the same column',
    ],
    [
      'a key indented between two levels',
      'version: 1\nrules:\n  - id: a\n    match:\n      paths: [/a/**]\n   require: { vibe: abc }\n',
      '6:4: Sequence item without - indicator',
    ],
    [
      'a key indented deeper than the one above it',
      'version: 1\nrules:\n  - id: a\n    match: { paths: [/a/**] }\n    require:\n      vibe: abc\n       token_ids: [1]\n',
      "7:8: bad indentation: this line is indented deeper than line 6, so YAML reads it as the continuation of that line's value; indent it like the keys beside it",
    ],
  ])('YAML indentation: %s is reported at the line and column at fault', async (_, text, at) => {
    const file = join(dir, 'indent.yaml')
    await writeFile(file, text)
    const { code, stderr } = await run(['rules', 'check', file])
    expect(code).toBe(1)
    expect(stderr).toBe(`${file}:${at}\n`)
  })

  test('a token id written "#1" is one error, not also "beyond" the largest id', async () => {
    const file = join(dir, 'hash.yaml')
    await writeFile(
      file,
      'version: 1\nrules:\n  - id: a\n    match: { paths: [/a/**] }\n    require: { vibe: nxwyqqow, token_ids: ["#1"] }\n',
    )
    const { code, stderr } = await run(['rules', 'check', file])
    expect(code).toBe(1)
    expect(stderr).toBe(
      `${file}:5:44: rules[0].require.token_ids[0]: expected a token id or a range like "3-5"\n`,
    )
  })

  test('a missing file exits 1 naming it', async () => {
    const { code, stderr } = await run(['rules', 'check', join(dir, 'nope.yaml')])
    expect(code).toBe(1)
    expect(stderr).toMatch(/nope\.yaml:1:1: cannot read the file: ENOENT/)
  })

  test('no file is a usage error', async () => {
    expect((await run(['rules', 'check'])).code).toBe(2)
    expect((await run(['rules', 'frob'])).code).toBe(2)
  })

  describe('refuses a file beyond a limit with one FILE:LINE:COL: line naming it', () => {
    test('larger than 8 MiB (maxBytes), without reading it', async () => {
      const file = join(dir, 'huge.yaml')
      await writeFile(file, '')
      await truncate(file, 9 * 1024 * 1024)
      const { code, stderr } = await run(['rules', 'check', file])
      expect(code).toBe(1)
      expect(stderr).toBe(
        `${file}:1:1: the file is 9 MiB; rules files are limited to 8 MiB (maxBytes): remove unused rules, or merge rules with the same requirement (one rule may list many paths and hosts)\n`,
      )
    })

    test.each([20_001, 30_000])('%i rules, more than 20,000 (maxRules)', async (n) => {
      const file = join(dir, `many-${n}.yaml`)
      await writeFile(file, `version: 1\nrules:\n${'  - {}\n'.repeat(n)}`)
      const { code, stderr } = await run(['rules', 'check', file])
      expect(code).toBe(1)
      expect(stderr).toBe(
        `${file}:20003:5: rules[20000]: more than 20000 rules; at most 20000 are allowed (maxRules): merge rules with the same requirement (one rule may list many paths and hosts)\n`,
      )
    })

    test('nested 200,000 deep, more than 64 (maxDepth), at once', async () => {
      const file = join(dir, 'deep.yaml')
      await writeFile(file, `version: 1\nrules: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`)
      const started = performance.now()
      const { code, stderr } = await run(['rules', 'check', file])
      expect(performance.now() - started).toBeLessThan(1000)
      expect(code).toBe(1)
      expect(stderr).toBe(
        `${file}:2:71: nested more than 64 levels deep (maxDepth); a rules file needs about 10: look for unclosed brackets or runaway indentation here\n`,
      )
    })
  })
})

describe('vibegate rules explain', () => {
  test('allow: names the rule and the holdings that met it', async () => {
    const { code, stdout } = await run([
      'rules',
      'explain',
      DEMO,
      'GET',
      '/videos/yellow/hd',
      '--owns',
      'nxwyqqow:1,2',
    ])
    expect(code).toBe(0)
    expect(stdout).toMatch(/rule:\s+yellow-hd \(.*demo\.yaml line \d+\)/)
    expect(stdout).toMatch(/decision:\s+allow \(200\); JWT aud=vibegate-demo ttl=120s/)
    expect(stdout).toMatch(/met by:\s+nxwyqqow token ids 1, 2/)
  })

  test('deny: says what would unlock it', async () => {
    const { stdout } = await run([
      'rules',
      'explain',
      DEMO,
      'GET',
      '/videos/yellow/hd',
      '--owns',
      'nxwyqqow:7',
    ])
    expect(stdout).toMatch(/decision:\s+deny \(403 not_owned\)/)
    expect(stdout).toMatch(/unlock by: vibe nxwyqqow with token ids 1-5/)
  })

  test('no --owns is logged in with nothing; --anonymous is not logged in', async () => {
    expect((await run(['rules', 'explain', DEMO, 'GET', '/members'])).stdout).toMatch(
      /allow \(200\)/,
    )
    expect(
      (await run(['rules', 'explain', DEMO, 'GET', '/members', '--anonymous'])).stdout,
    ).toMatch(/deny \(401 no_identity\)/)
  })

  test('--json gives the machine form', async () => {
    const { stdout } = await run([
      'rules',
      'explain',
      DEMO,
      'HEAD',
      'http://localhost:8080/queen/live?x=1',
      '--owns',
      'xdrbpvjr',
      '--issuer-vibes',
      'queen=xdrbpvjr,xdwbppyw',
      '--json',
    ])
    expect(JSON.parse(stdout)).toMatchObject({
      request: {
        method: 'HEAD',
        host: 'localhost:8080',
        target: '/queen/live?x=1',
        path: '/queen/live',
      },
      match: { kind: 'rule', id: 'queen-club' },
      decision: 'allow',
      status: 200,
      satisfied_by: [{ id: 'xdrbpvjr', owned_amount: 1 }],
    })
  })

  test('an ambiguous path is refused, as the gate would', async () => {
    const { stdout } = await run([
      'rules',
      'explain',
      DEMO,
      'GET',
      '/assets/..%2Fvideos/yellow',
      '--json',
    ])
    expect(JSON.parse(stdout)).toMatchObject({
      match: { kind: 'bad_request' },
      status: 403,
      reason: 'bad_request',
    })
  })

  test('no rule under default deny', async () => {
    const { stdout } = await run(['rules', 'explain', DEMO, 'GET', '/nowhere', '--json'])
    expect(JSON.parse(stdout)).toMatchObject({
      match: { kind: 'default' },
      status: 403,
      reason: 'no_rule',
    })
  })

  test.each([
    [['rules', 'explain', DEMO, 'GET']],
    [['rules', 'explain', DEMO, 'GET', '/x', '--owns', 'nx:1,a']],
    [['rules', 'explain', DEMO, 'GET', '/x', '--owns', 'nx:5-3']],
    [['rules', 'explain', DEMO, 'GET', '/x', '--owns', 'nx', '--anonymous']],
  ])('bad arguments exit 2: %j', async (argv) => {
    expect((await run(argv)).code).toBe(2)
  })
})
