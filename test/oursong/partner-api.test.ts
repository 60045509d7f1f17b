import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { OurSongClient } from '../../src/oursong/oursong-client.js'
import {
  startTestSimulator,
  testClient,
  type SimulatorHarness,
} from '../helpers/simulator-harness.js'
import { TOKENS } from '../helpers/test-fixture.js'

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01])
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d])
const MP4 = Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34, 0x32])
const WAV = Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1')
const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0, 0, 0, 0])

let sim: SimulatorHarness
let client: OurSongClient
let dir: string

beforeAll(async () => {
  sim = await startTestSimulator()
  client = testClient(sim.url)
  dir = await mkdtemp(join(tmpdir(), 'vibegate-upload-'))
})
afterAll(async () => {
  await client.close()
  await sim.close()
  await rm(dir, { recursive: true, force: true })
})

async function file(name: string, head: Buffer, size = 64 * 1024): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, Buffer.concat([head, Buffer.alloc(Math.max(0, size - head.length))]))
  return path
}

describe('uploads', () => {
  test.each([
    ['photo', 'cover.jpg', JPEG, 'photo'],
    ['photo', 'cover.png', PNG, 'photo'],
    ['video', 'clip.mp4', MP4, 'video'],
    ['audio', 'take.wav', WAV, 'audio'],
    ['archive', 'stems.zip', ZIP, 'archive'],
  ] as const)('a %s upload of %s streams from disk', async (kind, name, head, type) => {
    const path = await file(name, head)
    const answer = await client.upload(TOKENS.alice, kind, { path })
    expect(answer.type).toBe(type)
    expect(answer.attach_id_encrypt).not.toBe('')
    expect(answer.attach_file_name).toMatch(new RegExp(`\\.${name.split('.')[1]}$`))
  })

  test('bytes in memory can be uploaded too', async () => {
    const answer = await client.uploadPhoto(TOKENS.alice, {
      data: Buffer.concat([JPEG, Buffer.alloc(100)]),
      fileName: 'x.jpeg',
    })
    expect(answer.type).toBe('photo')
  })

  test('a file over the limit is refused before anything is sent', async () => {
    const path = join(dir, 'huge.jpg')
    const handle = await open(path, 'w')
    await handle.write(JPEG, 0, JPEG.length, 0)
    await handle.truncate(100 * 1024 * 1024 + 1) // sparse: costs no disk
    await handle.close()
    await sim.resetCalls()
    await expect(client.uploadPhoto(TOKENS.alice, { path })).rejects.toMatchObject({
      code: 'upload_too_large',
      status: 413,
    })
    expect((await sim.calls())['POST /api/open-api/attach/upload-photo']).toBeUndefined()
  })

  test.each([
    ['an extension the kind does not take', 'photo', 'cover.gif', JPEG],
    ['no extension', 'photo', 'cover', JPEG],
    ['a file renamed to a wrong extension', 'photo', 'really-a-png.jpg', PNG],
    ['a zip sent as video', 'video', 'clip.mp4', ZIP],
  ] as const)('%s is upload_unsupported_type', async (_name, kind, fileName, head) => {
    const path = await file(fileName, head)
    await expect(client.upload(TOKENS.alice, kind, { path })).rejects.toMatchObject({
      code: 'upload_unsupported_type',
    })
  })

  test('an invalid token is oursong_unauthorized', async () => {
    const path = await file('a.jpg', JPEG)
    await expect(client.uploadPhoto('bad-token-123456', { path })).rejects.toMatchObject({
      code: 'oursong_unauthorized',
    })
  })

  test('uploads are never retried', async () => {
    const path = await file('b.mp4', MP4)
    await sim.resetCalls()
    await sim.fault({ path: '/api/open-api/attach/upload-video', status: 503, times: 1 })
    await expect(client.uploadVideo(TOKENS.alice, { path })).rejects.toMatchObject({
      code: 'oursong_unavailable',
    })
    expect((await sim.calls())['POST /api/open-api/attach/upload-video']).toBe(1)
    await sim.clearFaults()
  })
})

describe('AI Rapper', () => {
  test('use a license, then mint the remix as a new vibe', async () => {
    const license = await client.aiRapperUseLicense(TOKENS.alice, { remixFromId: 'xdwbppyw' })
    expect(license).toMatchObject({ error: 'no_error', mode: 'ai_rapper' })
    expect(license.order_id).not.toBe('')

    const video = await client.uploadVideo(TOKENS.alice, { path: await file('r.mp4', MP4) })
    const cover = await client.uploadPhoto(TOKENS.alice, { path: await file('r.png', PNG) })
    const stems = await client.uploadArchive(TOKENS.alice, { path: await file('r.zip', ZIP) })
    const card = await client.aiRapperCreateNftCard(TOKENS.alice, {
      remixFromId: 'xdwbppyw',
      uploadContentId: video.attach_id_encrypt,
      uploadCoverId: cover.attach_id_encrypt,
      uploadAttachId: stems.attach_id_encrypt,
      title: 'My remix',
      description: 'Alice raps over Queen',
    })
    const created = await client.createdVibeList('alice')
    expect(created.list.map((v) => v.id)).toContain(card.vibe_id)
  })

  test('a vibe off the AI Rapper list is refused', async () => {
    const license = client.aiRapperUseLicense(TOKENS.alice, { remixFromId: 'nxwyqqow' })
    await expect(license).rejects.toMatchObject({ code: 'oursong_rejected' })
  })

  test('upload ids of the wrong kind are refused', async () => {
    const cover = await client.uploadPhoto(TOKENS.alice, { path: await file('w.jpg', JPEG) })
    const card = client.aiRapperCreateNftCard(TOKENS.alice, {
      remixFromId: 'xdwbppyw',
      uploadContentId: cover.attach_id_encrypt,
      uploadCoverId: cover.attach_id_encrypt,
      uploadAttachId: cover.attach_id_encrypt,
      title: 't',
      description: 'd',
    })
    await expect(card).rejects.toMatchObject({ code: 'oursong_rejected' })
  })
})
