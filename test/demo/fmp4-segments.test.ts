import { describe, expect, test } from '@jest/globals'
import { fmp4InitSegment, fmp4MediaSegment } from '../../src/demo/fmp4-segments.js'
import { pcmH264 } from '../../src/demo/pcm-h264.js'

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'mvex', 'moof', 'traf'])

interface Box {
  type: string
  at: number
  size: number
  children?: Box[]
}

/** The box tree of an MP4 file, descending into the containers; sizes must add up. */
function parse(file: Buffer, from = 0, to = file.length): Box[] {
  const out: Box[] = []
  for (let at = from; at < to;) {
    const size = file.readUInt32BE(at)
    const type = file.toString('latin1', at + 4, at + 8)
    expect(size).toBeGreaterThanOrEqual(8)
    const box: Box = { type, at, size }
    if (CONTAINERS.has(type)) box.children = parse(file, at + 8, at + size)
    out.push(box)
    at += size
  }
  expect(out.reduce((n, b) => n + b.size, 0)).toBe(to - from)
  return out
}

/** The outline of a box tree: `moov(mvhd trak(...))`. */
const outline = (boxes: Box[]): string =>
  boxes.map((b) => (b.children ? `${b.type}(${outline(b.children)})` : b.type)).join(' ')

const find = (boxes: Box[], type: string): Box | undefined => {
  for (const b of boxes) {
    if (b.type === type) return b
    const inner = b.children && find(b.children, type)
    if (inner) return inner
  }
  return undefined
}

const shade = (x: number, y: number, f: number) => [x * 4, y * 4, f * 30] as const
const stream = pcmH264({ width: 32, height: 16, shade }, 4, 7)
const track = { width: 32, height: 16, timescale: 600, sps: stream.sps, pps: stream.pps }

describe('fmp4InitSegment', () => {
  const init = fmp4InitSegment(track)
  const boxes = parse(init)

  test('is ftyp and a moov with one avc1 track, an empty sample table and mvex', () => {
    expect(outline(boxes)).toBe(
      'ftyp moov(mvhd trak(tkhd mdia(mdhd hdlr minf(vmhd dinf stbl(stsd stts stsc stsz stco)))) mvex(trex))',
    )
    expect(init.indexOf('avc1', 0, 'latin1')).toBeGreaterThan(0)
    const stsz = find(boxes, 'stsz')!
    expect(init.readUInt32BE(stsz.at + 16)).toBe(0) // sample_count
  })

  test('names the size, the Baseline profile and the track the fragments refer to', () => {
    const tkhd = find(boxes, 'tkhd')!
    expect(init.readUInt32BE(tkhd.at + 20)).toBe(1) // track_ID
    expect(init.readUInt32BE(tkhd.at + 84) >>> 16).toBe(32)
    expect(init.readUInt32BE(tkhd.at + 88) >>> 16).toBe(16)
    const avcC = init.indexOf('avcC', 0, 'latin1')
    expect([...init.subarray(avcC + 4, avcC + 8)]).toEqual([1, 66, 0xc0, 30])
    const trex = find(boxes, 'trex')!
    expect(init.readUInt32BE(trex.at + 12)).toBe(1)
  })
})

describe('fmp4MediaSegment', () => {
  const fragment = { sequence: 3, baseDecodeTime: 300, sampleDuration: 75, samples: stream.samples }
  const segment = fmp4MediaSegment(fragment)
  const boxes = parse(segment)

  test('is styp, a moof with one track fragment, and the mdat', () => {
    expect(outline(boxes)).toBe('styp moof(mfhd traf(tfhd tfdt trun)) mdat')
  })

  test('carries its sequence number, decode time, duration and sync-sample flags', () => {
    expect(segment.readUInt32BE(find(boxes, 'mfhd')!.at + 12)).toBe(3)
    const tfhd = find(boxes, 'tfhd')!
    expect(segment.readUInt32BE(tfhd.at + 8) & 0xffffff).toBe(0x020028)
    expect(segment.readUInt32BE(tfhd.at + 16)).toBe(75) // default_sample_duration
    expect(segment.readUInt32BE(tfhd.at + 20)).toBe(0x02000000) // depends on nothing, sync
    const tfdt = find(boxes, 'tfdt')!
    expect(segment[tfdt.at + 8]).toBe(1) // version 1: a 64-bit decode time
    expect(segment.readBigUInt64BE(tfdt.at + 12)).toBe(300n)
  })

  test('the run’s data offset, from the moof, points at the first sample in the mdat', () => {
    const moof = find(boxes, 'moof')!
    const mdat = find(boxes, 'mdat')!
    const trun = find(boxes, 'trun')!
    expect(segment.readUInt32BE(trun.at + 12)).toBe(3) // sample_count
    const first = moof.at + segment.readUInt32BE(trun.at + 16)
    expect(first).toBe(mdat.at + 8)
    const sizes = [0, 1, 2].map((i) => segment.readUInt32BE(trun.at + 20 + 4 * i))
    expect(sizes).toEqual(stream.samples.map((s) => s.length))
    expect(mdat.size - 8).toBe(sizes.reduce((a, b) => a + b, 0))
    expect(segment[first + 4]).toBe(0x65) // an IDR slice
  })
})
