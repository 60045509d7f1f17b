import { describe, expect, test } from '@jest/globals'
import { hlsMediaPlaylist, hlsMultivariantPlaylist } from '../../src/demo/hls-playlist.js'

describe('hlsMediaPlaylist', () => {
  const segments = [
    { uri: 'seg-0.m4s', duration: 2 },
    { uri: 'seg-1.m4s', duration: 2.4 },
    { uri: 'seg-2.m4s', duration: 0.5 },
  ]
  const lines = hlsMediaPlaylist({ map: 'init.mp4', segments }).split('\n')

  test('is a complete VOD playlist of fragmented MP4: header, map, segments, end', () => {
    expect(lines[0]).toBe('#EXTM3U')
    expect(lines).toContain('#EXT-X-VERSION:7')
    expect(lines).toContain('#EXT-X-PLAYLIST-TYPE:VOD')
    expect(lines).toContain('#EXT-X-MAP:URI="init.mp4"')
    expect(lines.indexOf('#EXT-X-MAP:URI="init.mp4"')).toBeLessThan(lines.indexOf('seg-0.m4s'))
    expect(lines.slice(-2)).toEqual(['#EXT-X-ENDLIST', ''])
  })

  test('lists each segment after its duration, in order', () => {
    const body = lines.filter((l) => l.startsWith('#EXTINF') || !l.startsWith('#'))
    expect(body.slice(0, 6)).toEqual([
      '#EXTINF:2.000,',
      'seg-0.m4s',
      '#EXTINF:2.400,',
      'seg-1.m4s',
      '#EXTINF:0.500,',
      'seg-2.m4s',
    ])
  })

  test('the target duration is the longest segment rounded to the nearest second', () => {
    expect(lines).toContain('#EXT-X-TARGETDURATION:2')
    const long = hlsMediaPlaylist({ map: 'i.mp4', segments: [{ uri: 's', duration: 2.6 }] })
    expect(long).toContain('#EXT-X-TARGETDURATION:3')
  })

  test.each([
    [{ map: 'init.mp4', segments: [] }, 'segments is empty'],
    [{ map: 'a".mp4', segments: [{ uri: 's', duration: 1 }] }, 'quoted-string'],
  ])('refuses %j', (input, message) => {
    expect(() => hlsMediaPlaylist(input)).toThrow(message)
  })
})

describe('hlsMultivariantPlaylist', () => {
  test('names the variant’s bandwidth, codecs, resolution and frame rate', () => {
    const text = hlsMultivariantPlaylist([
      { uri: 'video.m3u8', bandwidth: 991_000.5, codecs: 'avc1.42C01E', width: 128, height: 80, frameRate: 8 }, // prettier-ignore
    ])
    expect(text.split('\n')).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-STREAM-INF:BANDWIDTH=991001,CODECS="avc1.42C01E",RESOLUTION=128x80,FRAME-RATE=8.000',
      'video.m3u8',
      '',
    ])
  })
})
