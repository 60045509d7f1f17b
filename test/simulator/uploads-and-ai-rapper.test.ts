import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import {
  aiRapperCreateNftCardResponseSchema,
  aiRapperUseLicenseResponseSchema,
  uploadResponseSchema,
  vibeListResponseSchema,
  vibeProfileSchema,
} from '../../src/oursong/schemas.js'
import type { UploadKind } from '../../src/oursong/upload-kinds.js'
import { API_KEY, TOKENS, expectError, expectJson, startKit, type Kit } from './sim-kit.js'

const PHOTO_LIMIT = 1024
let kit: Kit
beforeAll(async () => {
  kit = await startKit({ uploadLimits: { photo: PHOTO_LIMIT } })
})
afterAll(async () => {
  await kit.close()
})

const uploadPath = (kind: UploadKind) => `/api/open-api/attach/upload-${kind}`

/** Uploads `size` bytes named `fileName` as multipart/form-data, api_key as a form field. */
function upload(
  kind: UploadKind,
  fileName: string | null,
  options: { size?: number; token?: string | null; apiKey?: string | null; query?: string } = {},
): Promise<Response> {
  const form = new FormData()
  const apiKey = options.apiKey === undefined ? API_KEY : options.apiKey
  if (apiKey !== null) form.append('api_key', apiKey)
  if (fileName !== null)
    form.append('file', new Blob([new Uint8Array(options.size ?? 16)]), fileName)
  const token = options.token === undefined ? TOKENS.alice : options.token
  return fetch(`${kit.url}${uploadPath(kind)}${options.query ?? ''}`, {
    method: 'POST',
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    body: form,
  })
}

async function uploadId(kind: UploadKind, fileName: string, token: string = TOKENS.alice) {
  const body = uploadResponseSchema.parse(
    await expectJson(await upload(kind, fileName, { token }), 200),
  )
  return body.attach_id_encrypt
}

describe('uploads', () => {
  test.each([
    ['photo', 'cover.JPG', 'jpg'],
    ['photo', 'cover.png', 'png'],
    ['video', 'clip.mp4', 'mp4'],
    ['audio', 'song.wav', 'wav'],
    ['archive', 'stems.zip', 'zip'],
    ['archive', 'take.mp3', 'mp3'],
  ] as const)('%s %s is accepted', async (kind, fileName, extension) => {
    const body = uploadResponseSchema.parse(await expectJson(await upload(kind, fileName), 200))
    expect(body.type).toBe(kind)
    expect(body.attach_file_name).toMatch(
      new RegExp(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.${extension}$`),
    )
    expect(body.attach_file_url).toBe(`${kit.url}/attach/${kind}/${body.attach_file_name}`)
  })

  test('each upload gets its own attach id', async () => {
    expect(await uploadId('video', 'a.mp4')).not.toBe(await uploadId('video', 'a.mp4'))
  })

  test.each([
    ['photo', 'anim.gif'],
    ['photo', 'noextension'],
    ['video', 'clip.mov'],
    ['audio', 'song.flac'],
    ['archive', 'stems.7z'],
  ] as const)('%s %s has a wrong extension: 422', async (kind, fileName) => {
    await expectError(await upload(kind, fileName), 422, /type/)
  })

  test('a file exactly at the limit is accepted, one byte more is 413', async () => {
    expect((await upload('photo', 'a.png', { size: PHOTO_LIMIT })).status).toBe(200)
    await expectError(
      await upload('photo', 'a.png', { size: PHOTO_LIMIT + 1 }),
      413,
      /greater than 1024/,
    )
  })

  test('a much larger file is refused with 413 and the simulator keeps serving', async () => {
    await expectError(await upload('photo', 'a.png', { size: 8 * 1024 * 1024 }), 413)
    expect((await kit.get('/api/open-api/token-spec-list')).status).toBe(200)
  })

  test('the api_key may come from the query', async () => {
    const res = await upload('photo', 'a.png', { apiKey: null, query: `?api_key=${API_KEY}` })
    uploadResponseSchema.parse(await expectJson(res, 200))
  })

  test.each([
    ['no file', 422, null, {}],
    ['no Bearer token', 401, 'a.png', { token: null }],
    ['an invalid Bearer token', 401, 'a.png', { token: 'nope' }],
    ['no api_key', 401, 'a.png', { apiKey: null }],
  ] as const)('%s is %d', async (_name, status, fileName, options) => {
    await expectError(await upload('photo', fileName, options), status)
  })

  test('a non-multipart body is 422 (no file)', async () => {
    const res = await kit.post(uploadPath('photo'), { file: 'not a file' }, { token: TOKENS.alice })
    await expectError(res, 422, /file/)
  })
})

describe('ai-rapper-use-license', () => {
  const use = (form: Record<string, string>, token: string | undefined) =>
    kit.post('/api/open-api/ai-rapper-use-license', form, { token })

  test('returns an order for a remixable vibe', async () => {
    const body = aiRapperUseLicenseResponseSchema.parse(
      await expectJson(await use({ remix_from_id: 'remix' }, TOKENS.alice), 200),
    )
    expect(body).toMatchObject({ error: 'no_error', mode: 'ai_rapper' })
  })

  test.each([
    ['a vibe not in the remix list', 422, { remix_from_id: 'v721' }, TOKENS.alice],
    ['an unknown vibe', 404, { remix_from_id: 'nope' }, TOKENS.alice],
    ['no remix_from_id', 422, {}, TOKENS.alice],
    ['no Bearer token', 401, { remix_from_id: 'remix' }, undefined],
  ])('%s is %d', async (_name, status, form, token) => {
    await expectError(await use(form, token), status)
  })
})

describe('ai-rapper-create-nft-card', () => {
  let form: Record<string, string>
  beforeAll(async () => {
    form = {
      remix_from_id: 'remix',
      upload_content_type: 'video',
      upload_content_id: await uploadId('video', 'card.mp4'),
      upload_cover_id: await uploadId('photo', 'card.jpg'),
      upload_attach_id: await uploadId('archive', 'card.zip'),
      title: 'My Remix',
      description: 'Made with AI Rapper',
    }
  })
  const create = (f: Record<string, string>, token: string = TOKENS.alice) =>
    kit.post('/api/open-api/ai-rapper-create-nft-card', f, { token })

  test('creates a public tt721 video vibe issued by the user, listed thereafter', async () => {
    const { vibe_id: vibeId } = aiRapperCreateNftCardResponseSchema.parse(
      await expectJson(await create(form), 200),
    )
    const profile = vibeProfileSchema.parse(
      await expectJson(await kit.get(`/api/open-api/vibe/${vibeId}/profile`), 200),
    )
    expect(profile).toMatchObject({
      name: 'My Remix',
      content_type: 'video',
      issuer: { id: 'alice' },
    })
    expect(profile.animation_url).toMatch(/\.mp4$/)
    expect(profile.cover_image).toMatch(/\.jpg$/)
    for (const path of [
      '/api/open-api/user/alice/created-vibe-list',
      '/api/open-api/token-spec/tt721/vibe-list',
      '/api/open-api/content-type/video/vibe-list',
    ]) {
      const list = vibeListResponseSchema.parse(await expectJson(await kit.get(path), 200))
      expect(list.list.map((v) => v.id)).toContain(vibeId)
    }
  })

  test.each([
    'remix_from_id',
    'upload_content_type',
    'upload_content_id',
    'upload_cover_id',
    'upload_attach_id',
    'title',
    'description',
  ])('without %s is 422 naming it', async (name) => {
    const partial = Object.fromEntries(Object.entries(form).filter(([k]) => k !== name))
    await expectError(await create(partial), 422, new RegExp(name))
  })

  test.each([
    ['upload_content_type audio', { upload_content_type: 'audio' }, /upload_content_type/],
    ['a photo as the content', { upload_content_id: 'cover' }, /upload_content_id/],
    ['a video as the cover', { upload_cover_id: 'content' }, /upload_cover_id/],
    ['an unknown attach id', { upload_attach_id: 'made-up' }, /upload_attach_id/],
    ['a vibe not in the remix list', { remix_from_id: 'v721' }, /remix/],
  ])('%s is 422', async (_name, overrides, message) => {
    const swapped = Object.fromEntries(
      Object.entries(overrides).map(([k, v]) => [
        k,
        v === 'cover'
          ? (form.upload_cover_id ?? '')
          : v === 'content'
            ? (form.upload_content_id ?? '')
            : v,
      ]),
    )
    await expectError(await create({ ...form, ...swapped }), 422, message)
  })

  test("another user's uploads are refused", async () => {
    await expectError(await create(form, TOKENS.bob), 422, /your own/)
  })
})
