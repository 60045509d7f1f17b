import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import {
  holderListResponseSchema,
  ownedTokenIdListResponseSchema,
  tokenSpecListResponseSchema,
  vibeListResponseSchema,
  vibeProfileSchema,
} from '../../src/oursong/schemas.js'
import { UPSTREAM_ROUTES } from '../../src/simulator/routes.js'
import { CAROL_BIG_IDS, TOKENS, expectError, expectJson, startKit, type Kit } from './sim-kit.js'

let kit: Kit
beforeAll(async () => {
  kit = await startKit()
})
afterAll(async () => {
  await kit.close()
})

const ids = (body: { list: { id: string }[] }) => body.list.map((v) => v.id)

describe('token-spec-list', () => {
  test('lists the eight specs with end points built from the public URL', async () => {
    const body = tokenSpecListResponseSchema.parse(
      await expectJson(await kit.get('/api/open-api/token-spec-list'), 200),
    )
    expect(body.list.map((s) => s.token_spec)).toEqual([
      'erc721',
      'erc1155',
      'polygon721',
      'polygon1155',
      'bep721',
      'bep1155',
      'tt721',
      'tt1155',
    ])
    expect(body.list[6]).toEqual({
      token_spec: 'tt721',
      end_point: `${kit.url}/api/open-api/token-spec/tt721/vibe-list`,
      param: ['page'],
      example: `${kit.url}/api/open-api/token-spec/tt721/vibe-list?page=1`,
    })
  })
})

describe('vibe lists by token spec and content type', () => {
  test('token-spec list holds that spec only, hidden vibes left out', async () => {
    const res = await kit.get('/api/open-api/token-spec/tt721/vibe-list')
    const body = vibeListResponseSchema.parse(await expectJson(res, 200))
    expect(ids(body)).toEqual(['v721'])
    expect(body).toMatchObject({ current_page: 1, per_page: 20, total: 1, has_more_page: false })
  })

  test('a vibe is listed field by field as documented (token id bounds as strings)', async () => {
    const raw = (await expectJson(
      await kit.get('/api/open-api/token-spec/tt721/vibe-list'),
      200,
    )) as {
      list: Record<string, unknown>[]
    }
    expect(raw.list[0]).toEqual({
      id: 'v721',
      title: 'Seven Two One',
      description: 'A tt721 video',
      token_spec: 'tt721',
      contract_address: '0x4888cd354a13606992793468a628f9e6c8efd847',
      token_id_start: '1',
      token_id_end: '10',
      base_uri: `${kit.url}/project/v721/erc721token-meta/`,
      contract_uri: `${kit.url}/project/v721/erc721contract-meta`,
      example_base_uri: `${kit.url}/project/v721/erc721token-meta/1`,
      cover_image: null,
      image: null,
      animation_url: null,
      external_url: `${kit.url}/project/v721`,
      content_type: 'video',
      issuer: {
        uuid: expect.stringMatching(
          /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        ),
        id: 'artist',
        name: 'The Artist',
        username: 'artist',
        avatar: 'https://cdn.example.com/artist.jpg',
        avatar_m: 'https://cdn.example.com/artist.jpg',
        avatar_b: 'https://cdn.example.com/artist.jpg',
      },
      created_at: '2021-05-17 08:26:04',
    })
  })

  test('content-type list, newest first, hidden vibes left out', async () => {
    const res = await kit.get('/api/open-api/content-type/video/vibe-list')
    expect(ids(vibeListResponseSchema.parse(await expectJson(res, 200)))).toEqual(['v721', 'remix'])
  })

  test.each([
    ['/api/open-api/token-spec/erc999/vibe-list', /erc999/],
    ['/api/open-api/content-type/music/vibe-list', /music/],
  ])('unknown path value %s is 404', async (path, message) => {
    await expectError(await kit.get(path), 404, message)
  })
})

describe('api_key', () => {
  test.each([
    ['missing', null, /required/],
    ['unknown', 'nope', /invalid/],
  ])('%s api_key is 401', async (_case, apiKey, message) => {
    await expectError(await kit.get('/api/open-api/token-spec-list', { apiKey }), 401, message)
  })

  const SAMPLE_PATH_VALUES: Record<string, string> = {
    '{token_spec}': 'tt721',
    '{content_type}': 'video',
    '{user_id}': 'alice',
    '{vibe_id}': 'v721',
  }
  const apiRoutes = UPSTREAM_ROUTES.filter((r) => r.template.startsWith('/api/open-api/'))
  test.each(apiRoutes.map((r) => [r.method, r.template] as const))(
    '%s %s without api_key is 401, even with a valid Bearer token',
    async (method, template) => {
      const path = template.replace(/\{[a-z_]+\}/g, (p) => SAMPLE_PATH_VALUES[p] ?? 'x')
      const res = await fetch(`${kit.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKENS.alice}` },
      })
      await expectError(res, 401, /api_key/)
    },
  )

  test('is accepted from a urlencoded POST body as well as the query', async () => {
    const res = await kit.post(
      '/api/open-api/ai-rapper-use-license',
      { remix_from_id: 'remix' },
      {
        token: TOKENS.alice,
      },
    )
    expect(res.status).toBe(200)
  })
})

describe('pagination', () => {
  const path = '/api/open-api/user/carol/vibe/big/owned-token-id-list'
  test.each([
    // page, per_page, effective page, effective per_page, first id, count, has_more
    ['1', '100', 1, 100, 1, 100, true],
    ['3', '100', 3, 100, 201, 50, false],
    ['2', '500', 2, 100, 101, 100, true],
    ['1', '0', 1, 20, 1, 20, true],
    ['1', 'abc', 1, 20, 1, 20, true],
    ['1', '2.5', 1, 20, 1, 20, true],
    ['-1', '-5', 1, 20, 1, 20, true],
    ['x', '10', 1, 10, 1, 10, true],
    ['13', '20', 13, 20, 241, 10, false],
    ['99', '20', 99, 20, undefined, 0, false],
  ])(
    'page=%s per_page=%s gives page %d with per_page %d',
    async (page, perPage, effectivePage, effectivePerPage, firstId, count, more) => {
      const res = await kit.get(path, { query: { page, per_page: perPage } })
      const body = ownedTokenIdListResponseSchema.parse(await expectJson(res, 200))
      expect(body.current_page).toBe(effectivePage)
      expect(body.per_page).toBe(effectivePerPage)
      expect(body.total).toBe(CAROL_BIG_IDS.length)
      expect(body.has_more_page).toBe(more)
      expect(body.owned_token_id_list).toHaveLength(count)
      expect(body.owned_token_id_list[0]).toBe(firstId)
    },
  )

  test('walking every page with per_page 100 yields each id exactly once', async () => {
    const seen: number[] = []
    for (let page = 1; ; page++) {
      const res = await kit.get(path, { query: { page: String(page), per_page: '1000' } })
      const body = ownedTokenIdListResponseSchema.parse(await expectJson(res, 200))
      seen.push(...body.owned_token_id_list)
      if (!body.has_more_page) break
    }
    expect(seen).toEqual(CAROL_BIG_IDS)
  })
})

describe('collected-vibe-list and created-vibe-list', () => {
  const collected = (user: string) => `/api/open-api/user/${user}/collected-vibe-list`
  const created = (user: string) => `/api/open-api/user/${user}/created-vibe-list`

  test.each([
    ['alice, anonymous: no hidden vibe', collected('alice'), undefined, {}, ['v721']],
    [
      'alice, her own token: the hidden one too',
      collected('alice'),
      TOKENS.alice,
      {},
      ['v721', 'secret'],
    ],
    ["alice, bob's token: no hidden vibe", collected('alice'), TOKENS.bob, {}, ['v721']],
    [
      "alice, the hidden vibe's issuer: still not in her public list",
      collected('alice'),
      TOKENS.artist,
      {},
      ['v721'],
    ],
    [
      'bob by uuid',
      collected('0b0b0b0b-1111-4222-8333-444455556666'),
      undefined,
      {},
      ['v721', 'v1155'],
    ],
    ['bob, token_spec filter', collected('bob'), undefined, { token_spec: 'bep1155' }, ['v1155']],
    [
      'bob, two token specs',
      collected('bob'),
      undefined,
      { token_spec: 'tt721, bep1155' },
      ['v721', 'v1155'],
    ],
    [
      'bob, content_type filter',
      collected('bob'),
      undefined,
      { content_type: 'audio,photo' },
      ['v1155'],
    ],
    ['dave holds nothing', collected('dave'), undefined, {}, []],
    [
      'artist created, anonymous',
      created('artist'),
      undefined,
      {},
      ['v721', 'v1155', 'big', 'remix'],
    ],
    [
      'artist created, own token',
      created('artist'),
      TOKENS.artist,
      {},
      ['v721', 'v1155', 'big', 'secret', 'remix'],
    ],
    [
      'artist created, filtered',
      created('artist'),
      undefined,
      { content_type: 'video' },
      ['v721', 'remix'],
    ],
    ['alice created nothing', created('alice'), TOKENS.alice, {}, []],
  ])('%s', async (_name, path, token, query, expected) => {
    const res = await kit.get(path, { token, query })
    expect(ids(vibeListResponseSchema.parse(await expectJson(res, 200)))).toEqual(expected)
  })

  test.each([
    [collected('nobody'), {}, 404, /nobody/],
    [created('nobody'), {}, 404, /nobody/],
    [collected('bob'), { token_spec: 'erc721,foo' }, 422, /token_spec 'foo'/],
    [created('artist'), { content_type: 'music' }, 422, /content_type 'music'/],
  ])('%s with %j is %d', async (path, query, status, message) => {
    await expectError(await kit.get(path, { query }), status, message)
  })

  test('an invalid optional Bearer token is 401, not ignored', async () => {
    await expectError(await kit.get(collected('alice'), { token: 'not-a-token' }), 401)
  })
})

describe('owned-token-id-list', () => {
  test('lists the ids a user holds with the song_project', async () => {
    const res = await kit.get('/api/open-api/user/alice/vibe/v721/owned-token-id-list')
    const body = ownedTokenIdListResponseSchema.parse(await expectJson(res, 200))
    expect(body.song_project).toEqual({
      id: 'v721',
      title: 'Seven Two One',
      description: 'A tt721 video',
      token_spec: 'tt721',
      contract_address: '0x4888cd354a13606992793468a628f9e6c8efd847',
    })
    expect(body.owned_token_id_list).toEqual([1, 2, 5])
    expect(body.total).toBe(3)
  })

  test('is empty for a user holding none', async () => {
    const res = await kit.get('/api/open-api/user/dave/vibe/v721/owned-token-id-list')
    const body = ownedTokenIdListResponseSchema.parse(await expectJson(res, 200))
    expect(body).toMatchObject({ owned_token_id_list: [], total: 0, has_more_page: false })
  })

  test.each([
    ['unknown user', '/api/open-api/user/nobody/vibe/v721/owned-token-id-list', undefined],
    ['unknown vibe', '/api/open-api/user/alice/vibe/nope/owned-token-id-list', undefined],
    [
      'hidden vibe, anonymous',
      '/api/open-api/user/alice/vibe/secret/owned-token-id-list',
      undefined,
    ],
    [
      'hidden vibe, a non-holder',
      '/api/open-api/user/alice/vibe/secret/owned-token-id-list',
      TOKENS.bob,
    ],
  ])('%s is 404', async (_name, path, token) => {
    await expectError(await kit.get(path, { token }), 404)
  })

  test('a hidden vibe is visible to its holder', async () => {
    const res = await kit.get('/api/open-api/user/alice/vibe/secret/owned-token-id-list', {
      token: TOKENS.alice,
    })
    const body = ownedTokenIdListResponseSchema.parse(await expectJson(res, 200))
    expect(body.owned_token_id_list).toEqual([2])
  })
})

describe('vibe profile', () => {
  test('has name (not title) and no status, as documented', async () => {
    const raw = (await expectJson(await kit.get('/api/open-api/vibe/v721/profile'), 200)) as Record<
      string,
      unknown
    >
    const body = vibeProfileSchema.parse(raw)
    expect(body.name).toBe('Seven Two One')
    expect(raw).not.toHaveProperty('title')
    expect(raw).not.toHaveProperty('status')
    expect(Object.keys(raw).sort()).toEqual(
      [
        'id',
        'name',
        'description',
        'cover_image',
        'image',
        'animation_url',
        'external_url',
        'content_type',
        'issuer',
        'created_at',
      ].sort(),
    )
  })

  test.each([
    ['anonymous', 404, undefined],
    ['a non-holder', 404, TOKENS.bob],
    ['its holder', 200, TOKENS.alice],
    ['its issuer', 200, TOKENS.artist],
  ])('a hidden vibe, asked by %s, is %d', async (_who, status, token) => {
    const res = await kit.get('/api/open-api/vibe/secret/profile', { token })
    if (status === 200) vibeProfileSchema.parse(await expectJson(res, 200))
    else await expectError(res, status)
  })

  test('an unknown vibe is 404', async () => {
    await expectError(await kit.get('/api/open-api/vibe/nope/profile'), 404, /nope/)
  })
})

describe('holder-list', () => {
  test('lists holders with owned_amount: ids for 721-like, largest first', async () => {
    const res = await kit.get('/api/open-api/vibe/v721/holder-list')
    const body = holderListResponseSchema.parse(await expectJson(res, 200))
    expect(body.song_project.id).toBe('v721')
    expect(body.holder_list.map((h) => [h.id, h.owned_amount])).toEqual([
      ['alice', 3],
      ['bob', 1],
    ])
    expect(body.total).toBe(2)
  })

  test('uses the amount for 1155-like vibes', async () => {
    const res = await kit.get('/api/open-api/vibe/v1155/holder-list')
    const body = holderListResponseSchema.parse(await expectJson(res, 200))
    expect(body.holder_list.map((h) => [h.id, h.owned_amount])).toEqual([['bob', 7]])
  })

  test('is paginated', async () => {
    const res = await kit.get('/api/open-api/vibe/v721/holder-list', {
      query: { page: '2', per_page: '1' },
    })
    const body = holderListResponseSchema.parse(await expectJson(res, 200))
    expect(body.holder_list.map((h) => h.id)).toEqual(['bob'])
    expect(body).toMatchObject({ current_page: 2, per_page: 1, total: 2, has_more_page: false })
  })

  test.each([
    ['anonymous', 404, undefined],
    ['its holder', 200, TOKENS.alice],
  ])('of a hidden vibe, asked by %s, is %d', async (_who, status, token) => {
    const res = await kit.get('/api/open-api/vibe/secret/holder-list', { token })
    if (status === 200) holderListResponseSchema.parse(await expectJson(res, 200))
    else await expectError(res, status)
  })
})
