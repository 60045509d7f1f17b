import { describe, expect, test } from '@jest/globals'
import { paginate } from '../../src/oursong/paginate.js'
import { testClient, useSimulatorAndClient } from '../helpers/simulator-harness.js'
import { TOKENS } from '../helpers/test-fixture.js'

const ctx = useSimulatorAndClient()

describe('access-token-free endpoints', () => {
  test('tokenSpecList lists the specs OurSong supports', async () => {
    const specs = await ctx.client.tokenSpecList()
    expect(specs.list.map((s) => s.token_spec)).toEqual(
      expect.arrayContaining(['erc721', 'erc1155', 'polygon721', 'polygon1155', 'tt721', 'tt1155']),
    )
  })

  test('tokenSpecVibeList returns the public vibes of a spec, ids as numbers', async () => {
    const page = await ctx.client.tokenSpecVibeList('tt721')
    expect(page.list.map((v) => v.id).sort()).toEqual(['nxwyqqow', 'xdwbppyw'])
    const yellow = page.list.find((v) => v.id === 'nxwyqqow')!
    expect(yellow).toMatchObject({ token_id_start: 1, token_id_end: 10, content_type: 'video' })
    expect(yellow.issuer.id).toBe('coldplay')
    expect(page).toMatchObject({ current_page: 1, per_page: 20, total: 2, has_more_page: false })
  })

  test('contentTypeVibeList filters by content type', async () => {
    const page = await ctx.client.contentTypeVibeList('audio')
    expect(page.list.map((v) => v.id)).toEqual(['xdrbpvjr'])
  })

  test('collectedVibeList takes a user id or uuid and the spec filter', async () => {
    const byId = await ctx.client.collectedVibeList('bob')
    expect(byId.list.map((v) => v.id).sort()).toEqual(['xdrbpvjr', 'xdwbppyw'])
    const uuid = (await ctx.client.authUser(TOKENS.bob)).uuid
    const byUuid = await ctx.client.collectedVibeList(uuid, { tokenSpecs: ['bep1155'] })
    expect(byUuid.list.map((v) => v.id)).toEqual(['xdrbpvjr'])
  })

  test('hidden vibes are listed only with the owner’s own token', async () => {
    const anonymous = await ctx.client.collectedVibeList('alice')
    expect(anonymous.list.map((v) => v.id)).toEqual(['nxwyqqow'])
    const own = await ctx.client.collectedVibeList('alice', { accessToken: TOKENS.alice })
    expect(own.list.map((v) => v.id).sort()).toEqual(['nxwyqqow', 'secret1'])
  })

  test('createdVibeList lists an issuer’s vibes, filtered by content type', async () => {
    const page = await ctx.client.createdVibeList('queen', { contentTypes: ['video', 'audio'] })
    expect(page.list.map((v) => v.id).sort()).toEqual(['xdrbpvjr', 'xdwbppyw'])
  })

  test('ownedTokenIdList pages through a user’s token ids', async () => {
    const first = await ctx.client.ownedTokenIdList('carol', 'bigset', { perPage: 20 })
    expect(first.song_project.id).toBe('bigset')
    expect(first.owned_token_id_list).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(first).toMatchObject({ total: 45, has_more_page: true })
    const ids: number[] = []
    for await (const id of paginate(
      (page) => ctx.client.ownedTokenIdList('carol', 'bigset', { page, perPage: 20 }),
      (r) => r.owned_token_id_list,
    )) {
      ids.push(id)
    }
    expect(ids).toEqual(Array.from({ length: 45 }, (_, i) => i + 1))
  })

  test('per_page above 100 is refused by the client before sending', () => {
    expect(() => ctx.client.holderList('bigset', { perPage: 101 })).toThrow(TypeError)
    expect(() => ctx.client.holderList('bigset', { page: 0 })).toThrow(/page must be an integer/)
  })

  test('vibeProfile returns the documented shape (name, not title)', async () => {
    const profile = await ctx.client.vibeProfile('nxwyqqow')
    expect(profile).toMatchObject({ id: 'nxwyqqow', name: 'Coldplay - Yellow' })
    expect(profile.issuer.username).toBe('coldplay')
  })

  test('holderList gives each holder’s amount', async () => {
    const page = await ctx.client.holderList('xdrbpvjr')
    expect(page.holder_list.map((h) => [h.id, h.owned_amount])).toEqual([['bob', 3]])
    expect(page.song_project.token_spec).toBe('bep1155')
  })

  test.each([
    ['an unknown vibe', () => ctx.client.vibeProfile('nosuchvibe'), 'oursong_not_found'],
    ['an unknown user', () => ctx.client.createdVibeList('nobody'), 'oursong_not_found'],
    ['a hidden vibe, anonymously', () => ctx.client.vibeProfile('secret1'), 'oursong_not_found'],
  ])('%s fails with a typed error', async (_name, call, code) => {
    await expect(call()).rejects.toMatchObject({ code })
  })

  test('a bad api key fails with oursong_unauthorized', async () => {
    const bad = testClient(ctx.sim.url, { apiKey: 'wrong-key' })
    await expect(bad.tokenSpecList()).rejects.toMatchObject({
      code: 'oursong_unauthorized',
      upstreamStatus: 401,
      endpoint: 'GET /api/open-api/token-spec-list',
    })
    await bad.close()
  })

  test('ids that would change the upstream path are refused', () => {
    expect(() => ctx.client.vibeProfile('..')).toThrow(TypeError)
    expect(() => ctx.client.vibeProfile('')).toThrow(TypeError)
  })

  test('ids are percent-encoded into one path segment', async () => {
    await expect(ctx.client.vibeProfile('a/../../oauth/token')).rejects.toMatchObject({
      code: 'oursong_not_found',
    })
  })

  test('paginate refuses to run past maxPages', async () => {
    const iterate = async (): Promise<void> => {
      for await (const id of paginate(
        (page) => ctx.client.ownedTokenIdList('carol', 'bigset', { page, perPage: 10 }),
        (r) => r.owned_token_id_list,
        { maxPages: 2 },
      )) {
        expect(id).toBeGreaterThan(0)
      }
    }
    await expect(iterate()).rejects.toMatchObject({ code: 'oursong_bad_response' })
  })
})
