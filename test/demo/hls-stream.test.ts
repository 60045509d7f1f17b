import { describe, expect, test } from '@jest/globals'
import { createHlsStream, HLS_TYPES } from '../../src/demo/hls-stream.js'

const shade = (x: number, y: number, f: number) => [x * 8, y * 8, f * 20] as const
const options = { width: 32, height: 16, fps: 4, segmentFrames: 6, segments: 3, shade }

describe('createHlsStream', () => {
  test('offers both playlists, the init segment and one file per segment', () => {
    const stream = createHlsStream(options)
    expect(stream.playlist).toBe('index.m3u8')
    expect(stream.files).toEqual([
      'index.m3u8',
      'video.m3u8',
      'init.mp4',
      'seg-0.m4s',
      'seg-1.m4s',
      'seg-2.m4s',
    ])
    expect(stream.file('seg-3.m4s')).toBeUndefined()
    expect(stream.file('constructor')).toBeUndefined()
  })

  test('each file has its MIME type; the playlists name every file the player needs', () => {
    const stream = createHlsStream(options)
    expect(stream.file('index.m3u8')!.type).toBe(HLS_TYPES.playlist)
    expect(stream.file('init.mp4')!.type).toBe('video/mp4')
    expect(stream.file('seg-1.m4s')!.type).toBe('video/iso.segment')
    const master = stream.file('index.m3u8')!.bytes.toString()
    expect(master).toContain('CODECS="avc1.42C01E",RESOLUTION=32x16')
    const media = stream.file('video.m3u8')!.bytes.toString()
    const uris = media.split('\n').filter((l) => l && !l.startsWith('#'))
    expect(uris).toEqual(['seg-0.m4s', 'seg-1.m4s', 'seg-2.m4s'])
    expect(media.match(/#EXTINF:1\.500,/g)).toHaveLength(3)
  })

  test('segments follow on: sequence numbers and decode times continue', () => {
    const stream = createHlsStream(options)
    const at = (file: Buffer, type: string) => file.indexOf(type, 0, 'latin1')
    for (const i of [0, 1, 2]) {
      const segment = stream.file(`seg-${i}.m4s`)!.bytes
      expect(segment.readUInt32BE(at(segment, 'mfhd') + 8)).toBe(i + 1)
      // 6 frames of 150 units (600 a second, 4 frames a second) per segment.
      expect(segment.readBigUInt64BE(at(segment, 'tfdt') + 8)).toBe(BigInt(i * 900))
    }
  })

  test('the bit rate the master playlist names is not below the real one', () => {
    const stream = createHlsStream(options)
    const named = Number(/BANDWIDTH=(\d+)/.exec(stream.file('index.m3u8')!.bytes.toString())![1])
    for (const i of [0, 1, 2]) {
      const bits = stream.file(`seg-${i}.m4s`)!.bytes.length * 8
      expect(bits / 1.5).toBeLessThanOrEqual(named)
    }
  })

  test('makes a file once and keeps it', () => {
    const stream = createHlsStream(options)
    expect(stream.file('seg-0.m4s')).toBe(stream.file('seg-0.m4s'))
  })

  test.each([
    [{ fps: 7 }, 'fps must divide 600'],
    [{ segmentFrames: 0 }, 'segmentFrames'],
    [{ segments: 1.5 }, 'segments must'],
  ])('refuses %j', (change, message) => {
    expect(() => createHlsStream({ ...options, ...change })).toThrow(message)
  })
})
