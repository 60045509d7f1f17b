import { describe, expect, test } from '@jest/globals'
import { pcmVideoMp4 } from '../../src/demo/pcm-video-mp4.js'

/** The top-level boxes of an MP4: type and size. */
function boxes(file: Buffer): { type: string; size: number; at: number }[] {
  const out = []
  for (let at = 0; at < file.length;) {
    const size = file.readUInt32BE(at)
    out.push({ type: file.toString('latin1', at + 4, at + 8), size, at })
    at += size
  }
  return out
}

const shade = (x: number, y: number, f: number) => [x, y, f * 10] as const

describe('pcmVideoMp4', () => {
  test('writes ftyp, moov then mdat, whose sizes add up to the file', () => {
    const file = pcmVideoMp4({ width: 32, height: 16, fps: 4, frames: 3, shade })
    const top = boxes(file)
    expect(top.map((b) => b.type)).toEqual(['ftyp', 'moov', 'mdat'])
    expect(top.reduce((n, b) => n + b.size, 0)).toBe(file.length)
  })

  test('the chunk offset points at the first sample, a length-prefixed IDR slice', () => {
    const file = pcmVideoMp4({ width: 16, height: 16, fps: 2, frames: 2, shade })
    const stco = file.indexOf('stco', 0, 'latin1')
    const offset = file.readUInt32BE(stco + 12)
    const mdat = boxes(file).find((b) => b.type === 'mdat')!
    expect(offset).toBe(mdat.at + 8)
    const nalLength = file.readUInt32BE(offset)
    expect(file[offset + 4]).toBe(0x65) // nal_ref_idc 3, type 5 (IDR)
    // Two samples of the same length: one I_PCM macroblock each (384 bytes and headers).
    expect(nalLength).toBeGreaterThan(384)
    expect(offset + 2 * (4 + nalLength)).toBe(file.length)
  })

  test('declares the size, the duration and the Baseline profile', () => {
    const file = pcmVideoMp4({ width: 48, height: 32, fps: 8, frames: 16, shade })
    const tkhd = file.indexOf('tkhd', 0, 'latin1')
    expect(file.readUInt32BE(tkhd + 80) >>> 16).toBe(48)
    expect(file.readUInt32BE(tkhd + 84) >>> 16).toBe(32)
    const mvhd = file.indexOf('mvhd', 0, 'latin1')
    expect(file.readUInt32BE(mvhd + 20) / file.readUInt32BE(mvhd + 16)).toBe(2) // seconds
    const avcC = file.indexOf('avcC', 0, 'latin1')
    expect([...file.subarray(avcC + 4, avcC + 8)]).toEqual([1, 66, 0xc0, 30])
  })

  test('never writes a start code inside a NAL unit', () => {
    // Samples are kept at 1 or more and the headers are escaped, so no 00 00 0x appears.
    const file = pcmVideoMp4({ width: 16, height: 16, fps: 1, frames: 1, shade: () => [0, 0, 0] })
    const mdat = boxes(file).find((b) => b.type === 'mdat')!
    const slice = file.subarray(mdat.at + 12)
    for (let i = 0; i + 2 < slice.length; i++)
      if (slice[i] === 0 && slice[i + 1] === 0) expect(slice[i + 2]).toBeGreaterThan(2)
  })

  test.each([
    [{ width: 10, height: 16, fps: 4 }, 'multiples of 16'],
    [{ width: 16, height: 0, fps: 4 }, 'multiples of 16'],
    [{ width: 16, height: 16, fps: 7 }, 'fps must divide 600'],
  ])('refuses %j', (options, message) => {
    expect(() => pcmVideoMp4({ ...options, frames: 1, shade })).toThrow(message)
  })
})
