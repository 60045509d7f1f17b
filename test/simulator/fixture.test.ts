import { describe, expect, test } from '@jest/globals'
import { computeAddress } from 'ethers'
import { readFile } from 'node:fs/promises'
import {
  FixtureError,
  fixtureSchema,
  loadFixture,
  parseFixture,
  type Fixture,
} from '../../src/simulator/fixture.js'
import { startSimulator } from '../../src/simulator/start-simulator.js'
import { ownedTokenIdListResponseSchema } from '../../src/oursong/schemas.js'

const APPS = `apps:
  - { api_key: k, api_secret: s, redirect_uris: [http://x.test/cb] }`
const USERS = `users:
  - { id: alice, name: Alice, username: alice, email: alice@example.com, password: p }
  - { id: bob, name: Bob, username: bob, email: bob@example.com, password: p }`
const VIBES = `vibes:
  - { id: v721, title: T, token_spec: tt721, content_type: video, token_id_start: 1, token_id_end: 10, issuer: alice }
  - { id: v1155, title: U, token_spec: bep1155, content_type: audio, token_id_start: 1, token_id_end: 3, issuer: bob }`
const HOLDINGS = `holdings:
  - { user: alice, vibe: v721, token_ids: [1, 2] }
  - { user: bob, vibe: v1155, amount: 2 }`

/** A fixture from the valid sections above, with some replaced. */
function yaml(sections: { apps?: string; users?: string; vibes?: string; holdings?: string } = {}) {
  return [
    sections.apps ?? APPS,
    sections.users ?? USERS,
    sections.vibes ?? VIBES,
    sections.holdings ?? HOLDINGS,
  ].join('\n')
}

/** The problems parseFixture reports for `source` (fails the test when it parses). */
function problemsOf(source: string, file = 'f.yaml'): string[] {
  try {
    parseFixture(source, file)
  } catch (error) {
    expect(error).toBeInstanceOf(FixtureError)
    return (error as FixtureError).problems
  }
  throw new Error('expected a FixtureError')
}

const user = (fields: string) =>
  `users:\n  - { id: alice, name: Alice, username: alice, email: alice@example.com, password: p }\n  - { ${fields} }`
const bobWith = (extra: string) =>
  user(`id: bob, name: Bob, username: bob, email: bob@example.com, password: p, ${extra}`)
const vibe = (fields: string) =>
  `vibes:\n  - { id: v721, title: T, token_spec: tt721, content_type: video, token_id_start: 1, token_id_end: 10, issuer: alice }\n  - { ${fields} }`
const holding = (fields: string) =>
  `holdings:\n  - { user: alice, vibe: v721, token_ids: [1, 2] }\n  - { ${fields} }`

describe('parseFixture accepts', () => {
  test('a valid fixture, filling defaults', () => {
    const fixture = parseFixture(yaml(), 'f.yaml')
    expect(fixture.users[0]).toMatchObject({ id: 'alice', is_pro: false })
    expect(fixture.users[0]?.uuid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(fixture.vibes[0]).toMatchObject({ hidden: false, ai_rapper_remixable: false })
    expect(fixture.holdings).toHaveLength(2)
  })

  test('derives the same uuid from the same id on every run, and different ones for different ids', () => {
    const a = parseFixture(yaml(), 'a.yaml')
    const b = parseFixture(yaml(), 'b.yaml')
    expect(a.users[0]?.uuid).toBe(b.users[0]?.uuid)
    expect(a.users[0]?.uuid).not.toBe(a.users[1]?.uuid)
  })

  test('JSON, which is YAML', () => {
    const json = JSON.stringify({
      apps: [{ api_key: 'k', api_secret: 's', redirect_uris: ['http://x.test/cb'] }],
      users: [{ id: 'alice', name: 'A', username: 'alice', email: 'a@example.com', password: 'p' }],
    })
    const fixture = parseFixture(json, 'f.json')
    expect(fixture.vibes).toEqual([])
    expect(fixture.holdings).toEqual([])
  })

  test('fixtureSchema applies the same cross-reference checks to fixtures built in code', () => {
    const result = fixtureSchema.safeParse({
      apps: [{ api_key: 'k', api_secret: 's', redirect_uris: ['http://x.test/cb'] }],
      users: [],
      holdings: [{ user: 'ghost', vibe: 'v', token_ids: [1] }],
    })
    expect(result.success).toBe(false)
    expect(result.error?.issues.map((i) => i.message).join('\n')).toMatch(/unknown user 'ghost'/)
  })
})

describe('parseFixture refuses, naming the path and the fix', () => {
  test.each([
    [
      'an unknown vibe in a holding',
      { holdings: holding('user: bob, vibe: nxwyqow, token_ids: [2]') },
      /holdings\[1\]\.vibe: unknown vibe 'nxwyqow'; known vibes: v721, v1155/,
    ],
    [
      'an unknown user in a holding',
      { holdings: holding('user: carol, vibe: v721, token_ids: [3]') },
      /holdings\[1\]\.user: unknown user 'carol'; known users: alice, bob/,
    ],
    [
      'an issuer that is not a user',
      { vibes: vibe('id: v2, title: T, token_spec: erc1155, content_type: photo, issuer: nobody') },
      /vibes\[1\]\.issuer: issuer 'nobody' is not a user id; known users: alice, bob/,
    ],
    [
      'a duplicate user id',
      { users: user('id: alice, name: B, username: b, email: b@example.com, password: p') },
      /users\[1\]\.id: user id or uuid 'alice' is already used at users\[0\]\.id/,
    ],
    [
      'a duplicate username',
      { users: user('id: bob, name: B, username: alice, email: b@example.com, password: p') },
      /users\[1\]\.username: username 'alice' is already used/,
    ],
    [
      'a duplicate email',
      { users: user('id: bob, name: B, username: bob, email: ALICE@example.com, password: p') },
      /users\[1\]\.email: email .* is already used/,
    ],
    [
      'a duplicate uuid',
      {
        users: `users:\n  - { id: alice, name: A, username: alice, email: a@example.com, password: p, uuid: 7f7a2c1e-3b5d-4c1a-9e2f-0a1b2c3d4e5f }\n  - { id: bob, name: B, username: bob, email: b@example.com, password: p, uuid: 7f7a2c1e-3b5d-4c1a-9e2f-0a1b2c3d4e5f }`,
      },
      /users\[1\]\.uuid: user id or uuid '7f7a2c1e-3b5d-4c1a-9e2f-0a1b2c3d4e5f' is already used/,
    ],
    [
      'a duplicate wallet',
      {
        users: `users:\n  - { id: alice, name: A, username: alice, email: a@example.com, password: p, wallet_private_key: "0x${'11'.repeat(32)}" }\n  - { id: bob, name: B, username: bob, email: b@example.com, password: p, wallet_private_key: "0x${'11'.repeat(32)}" }`,
      },
      /users\[1\]\.wallet_private_key: wallet '0x[0-9a-fA-F]{40}' is already used at users\[0\]\.wallet_private_key/,
    ],
    [
      'a duplicate access token',
      {
        users: `users:\n  - { id: alice, name: A, username: alice, email: a@example.com, password: p, access_tokens: [tok] }\n  - { id: bob, name: B, username: bob, email: b@example.com, password: p, access_tokens: [tok] }`,
      },
      /users\[1\]\.access_tokens\[0\]: access token is already used at users\[0\]\.access_tokens\[0\]/,
    ],
    [
      'a duplicate vibe id',
      { vibes: vibe('id: v721, title: T, token_spec: bep1155, content_type: photo, issuer: bob') },
      /vibes\[1\]\.id: vibe id 'v721' is already used at vibes\[0\]\.id/,
    ],
    [
      'a duplicate api_key',
      { apps: `${APPS}\n  - { api_key: k, api_secret: t, redirect_uris: [http://y.test/cb] }` },
      /apps\[1\]\.api_key: api key 'k' is already used/,
    ],
    [
      'a 721 token id outside the range',
      { holdings: holding('user: bob, vibe: v721, token_ids: [3, 11]') },
      /holdings\[1\]\.token_ids\[1\]: token id 11 is outside vibe 'v721' range 1-10/,
    ],
    [
      'a 721 token id listed twice',
      { holdings: holding('user: bob, vibe: v721, token_ids: [4, 4]') },
      /holdings\[1\]\.token_ids\[1\]: token id 4 is listed twice/,
    ],
    [
      'a 721 token id held by two users',
      { holdings: holding('user: bob, vibe: v721, token_ids: [2]') },
      /holdings\[1\]\.token_ids\[0\]: token 2 of tt721 vibe 'v721' is already held by 'alice'/,
    ],
    [
      'an amount on a 721 vibe',
      { holdings: holding('user: bob, vibe: v721, amount: 2') },
      /holdings\[1\]\.amount: vibe 'v721' is tt721 \(721-like\)/,
    ],
    [
      'a 721 holding without token ids',
      { holdings: holding('user: bob, vibe: v721, token_ids: []') },
      /holdings\[1\]\.token_ids: vibe 'v721' is tt721 \(721-like\): list the ids held/,
    ],
    [
      'an 1155 holding without an amount',
      { holdings: holding('user: bob, vibe: v1155, token_ids: [1]') },
      /holdings\[1\]\.amount: vibe 'v1155' is bep1155 \(1155-like\): give the amount/,
    ],
    [
      'an 1155 amount of 0',
      { holdings: holding('user: bob, vibe: v1155, amount: 0') },
      /holdings\[1\]\.amount: must be 1 or more/,
    ],
    [
      'an 1155 token id outside the range',
      { holdings: holding('user: bob, vibe: v1155, amount: 1, token_ids: [4]') },
      /holdings\[1\]\.token_ids\[0\]: token id 4 is outside/,
    ],
    [
      'a second holding of the same user and vibe',
      { holdings: holding('user: alice, vibe: v721, token_ids: [3]') },
      /holdings\[1\]: holdings\[0\] already says what 'alice' holds of 'v721'; merge/,
    ],
    [
      'a private key that is not hex',
      { users: bobWith('wallet_private_key: "0x1234"') },
      /users\[1\]\.wallet_private_key: must be 0x followed by 64 hex digits/,
    ],
    [
      'a private key of zero',
      { users: bobWith(`wallet_private_key: "0x${'00'.repeat(32)}"`) },
      /users\[1\]\.wallet_private_key: is not a valid secp256k1 private key/,
    ],
    [
      'an unknown token spec',
      { vibes: vibe('id: v2, title: T, token_spec: erc9, content_type: photo, issuer: bob') },
      /vibes\[1\]\.token_spec: 'erc9' is not allowed; use one of: erc721, erc1155, polygon721, polygon1155, bep721, bep1155, tt721, tt1155/,
    ],
    [
      'an unknown content type',
      { vibes: vibe('id: v2, title: T, token_spec: erc1155, content_type: music, issuer: bob') },
      /vibes\[1\]\.content_type: 'music' is not allowed; use one of: video, audio, photo, 3dmodel, space_theme/,
    ],
    [
      'a 721 vibe without a token range',
      { vibes: vibe('id: v2, title: T, token_spec: bep721, content_type: photo, issuer: bob') },
      /vibes\[1\]: a bep721 \(721-like\) vibe needs its token id range: add token_id_start and token_id_end/,
    ],
    [
      'a range ending before it starts',
      {
        vibes: vibe(
          'id: v2, title: T, token_spec: bep721, content_type: photo, issuer: bob, token_id_start: 5, token_id_end: 2',
        ),
      },
      /vibes\[1\]\.token_id_end: token_id_end 2 is below token_id_start 5/,
    ],
    [
      'half a range',
      {
        vibes: vibe(
          'id: v2, title: T, token_spec: erc1155, content_type: photo, issuer: bob, token_id_start: 5',
        ),
      },
      /vibes\[1\]\.token_id_start: give both token_id_start and token_id_end, or neither/,
    ],
    [
      'a token id bound given as a string',
      {
        vibes: vibe(
          'id: v2, title: T, token_spec: erc721, content_type: photo, issuer: bob, token_id_start: "1", token_id_end: 2',
        ),
      },
      /vibes\[1\]\.token_id_start: expected a number, got '1'/,
    ],
    [
      'an unquoted-looking bad created_at',
      {
        vibes: vibe(
          'id: v2, title: T, token_spec: erc1155, content_type: photo, issuer: bob, created_at: 2021-05-17',
        ),
      },
      /vibes\[1\]\.created_at: must look like '2021-05-17 08:26:04'/,
    ],
    [
      'a misspelt field',
      { users: bobWith('pasword: x') },
      /users\[1\]: unknown field 'pasword'; allowed fields: id, name, username, email, password, uuid, wallet_private_key, access_tokens, is_pro, avatar/,
    ],
    [
      'a missing field',
      { users: user('id: bob, name: Bob, username: bob, email: bob@example.com') },
      /users\[1\]\.password: missing; add password: <string>/,
    ],
    [
      'a bad email',
      { users: user('id: bob, name: Bob, username: bob, email: bob, password: p') },
      /users\[1\]\.email: must be an e-mail address/,
    ],
    [
      'an id with a slash',
      { users: user('id: b/ob, name: Bob, username: bob, email: bob@example.com, password: p') },
      /users\[1\]\.id: a user id must be letters, digits/,
    ],
    [
      'a redirect URI with a fragment',
      {
        apps: 'apps:\n  - { api_key: k, api_secret: s, redirect_uris: ["http://x.test/cb#frag"] }',
      },
      /apps\[0\]\.redirect_uris\[0\]: must be an http\(s\) URL without a #fragment/,
    ],
    ['no app', { apps: 'apps: []' }, /apps: needs at least one app/],
    [
      'an unknown top-level section',
      { holdings: `${HOLDINGS}\nvibez: []` },
      /\(root\): unknown field 'vibez'; allowed fields: apps, users, vibes, holdings/,
    ],
  ])('%s', (_name, sections, expected) => {
    const problems = problemsOf(yaml(sections))
    expect(problems.some((p) => expected.test(p))).toBe(true)
    expect(problems.every((p) => /^f\.yaml:\d+:\d+: /.test(p))).toBe(true)
  })

  test('a document that is not a mapping', () => {
    expect(problemsOf('- just\n- a list\n')).toEqual([
      'f.yaml:1:1: (root): expected a mapping (field: value), got a list',
    ])
  })

  test('names the file, the line and column of the offending value, and the fix', () => {
    const source = `apps:
  - api_key: k
    api_secret: s
    redirect_uris: [http://x.test/cb]
users:
  - id: alice
    name: Alice
    username: alice
    email: alice@example.com
    password: p
vibes:
  - id: nxwyqqow
    title: Yellow
    token_spec: tt721
    content_type: video
    token_id_start: 1
    token_id_end: 10
    issuer: alice
holdings:
  - { user: alice, vibe: nxwyqqow, token_ids: [1] }
  - { user: alice, vibe: nxwyqow, token_ids: [2] }
`
    expect(problemsOf(source, 'demo.yaml')).toEqual([
      "demo.yaml:21:26: holdings[1].vibe: unknown vibe 'nxwyqow'; known vibes: nxwyqqow",
    ])
  })

  test('points an unknown field at its key, and a missing one at its entry', () => {
    const source = `apps:
  - api_key: k
    api_secret: s
    redirect_uris: [http://x.test/cb]
users:
  - id: alice
    name: Alice
    usrname: alice
    email: alice@example.com
    password: p
`
    const problems = problemsOf(source)
    expect(problems).toContainEqual(
      expect.stringMatching(/^f\.yaml:8:5: users\[0\]: unknown field 'usrname'/),
    )
    expect(problems).toContainEqual(
      expect.stringMatching(/^f\.yaml:6:5: users\[0\]\.username: missing/),
    )
  })

  test('lists every problem at once, across sections', () => {
    const source = yaml({
      users: bobWith('wallet_private_key: "0x12"'),
      vibes: vibe('id: v2, title: T, token_spec: erc9, content_type: photo, issuer: nobody'),
      holdings: holding('user: carol, vibe: v721, token_ids: [99]'),
    })
    let error: unknown
    try {
      parseFixture(source, 'many.yaml')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(FixtureError)
    const { problems, message } = error as FixtureError
    expect(problems.map((p) => p.replace(/^many\.yaml:\d+:\d+: /, '').split(':')[0])).toEqual([
      'users[1].wallet_private_key',
      'vibes[1].token_spec',
      'holdings[1].user',
      'holdings[1].token_ids[0]',
    ])
    expect(message).toContain('many.yaml (4 problems)')
  })

  test('an entry that failed its own schema is not reported again where it is referenced', () => {
    const problems = problemsOf(
      yaml({
        vibes: vibe('id: v2, title: T, token_spec: erc9, content_type: photo, issuer: bob'),
        holdings: holding('user: bob, vibe: v2, amount: 1'),
      }),
    )
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/vibes\[1\]\.token_spec/)
  })

  test('never echoes a password, secret or private key', () => {
    const problems = problemsOf(
      yaml({ users: bobWith('wallet_private_key: 123456789') }).replace(
        'password: p }',
        'password: 987654321 }',
      ),
    )
    expect(problems.join('\n')).not.toMatch(/123456789|987654321/)
  })

  test('reports YAML syntax errors with their position', () => {
    const problems = problemsOf('apps: [1, 2\nusers: {a: 1, a: 2}\n', 'broken.yaml')
    expect(problems.length).toBeGreaterThan(0)
    expect(problems.every((p) => /^broken\.yaml:\d+:\d+: /.test(p))).toBe(true)
  })
})

describe('loadFixture', () => {
  test('an unreadable file is a FixtureError naming it', async () => {
    await expect(loadFixture('/no/such/fixture.yaml')).rejects.toThrow(FixtureError)
    await expect(loadFixture('/no/such/fixture.yaml')).rejects.toThrow(
      /\/no\/such\/fixture\.yaml: cannot read/,
    )
  })

  describe('the bundled demo fixture', () => {
    let demo: Fixture
    test('loads', async () => {
      demo = await loadFixture('fixtures/demo.yaml')
      expect(demo.apps[0]?.api_key).toBe('demo-key')
      expect(demo.apps[0]?.redirect_uris).toEqual([
        'http://localhost:8080/auth/callback',
        'http://127.0.0.1:8080/auth/callback',
      ])
      expect(demo.vibes.map((v) => v.id)).toEqual([
        'nxwyqqow',
        'xdwbppyw',
        'mzwkaxwy',
        'npwjlbwq',
        'xdrbpvjr',
      ])
      for (const fan of ['alice', 'bob', 'carol', 'dave']) {
        expect(demo.users.find((u) => u.id === fan)?.wallet_private_key).toMatch(/^0x[0-9a-f]{64}$/)
      }
    })

    test('its comments show the addresses of its keys', async () => {
      const source = await readFile('fixtures/demo.yaml', 'utf8')
      const pairs = [
        ...source.matchAll(/wallet_private_key: '(0x[0-9a-f]{64})' # (0x[0-9a-fA-F]{40})/g),
      ]
      expect(pairs.length).toBe(5)
      for (const [, key, address] of pairs) expect(computeAddress(key ?? '')).toBe(address)
    })

    test('serves carol more than one page of Under Pressure ids', async () => {
      const running = await startSimulator({ fixture: await loadFixture('fixtures/demo.yaml') })
      try {
        const res = await fetch(
          `${running.url}/api/open-api/user/carol/vibe/mzwkaxwy/owned-token-id-list?api_key=demo-key`,
        )
        const body = ownedTokenIdListResponseSchema.parse(await res.json())
        expect(body).toMatchObject({ total: 25, has_more_page: true })
        expect(body.owned_token_id_list.slice(0, 3)).toEqual([2, 3, 5])
      } finally {
        await running.close()
      }
    })
  })
})
