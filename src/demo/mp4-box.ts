/** Big-endian integers and ISO BMFF (MP4) boxes, shared by the demo's MP4 writers. */

/** One byte. */
export const u8 = (v: number): Buffer => Buffer.from([v & 0xff])

/** A 16-bit big-endian integer. */
export const u16 = (v: number): Buffer => {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(v)
  return b
}

/** A 32-bit big-endian integer. */
export const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(v >>> 0)
  return b
}

/** A 64-bit big-endian integer (a decode time in a long stream). */
export const u64 = (v: number): Buffer => {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(BigInt(v))
  return b
}

/** A box: 32-bit size, four-character type, then its parts. */
export const box = (type: string, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts)
  return Buffer.concat([u32(body.length + 8), Buffer.from(type, 'latin1'), body])
}

/** A full box: a box whose body starts with an 8-bit version and 24 bits of flags. */
export const fullBox = (type: string, version: number, flags: number, ...parts: Buffer[]): Buffer =>
  box(type, u32((version << 24) | flags), ...parts)

/** The identity transformation matrix of `mvhd` and `tkhd`. */
export const MATRIX = Buffer.concat([0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000].map(u32))

/** A movie header: `timescale` units per second, `duration` in those units (0: unknown). */
export const mvhd = (timescale: number, duration: number, nextTrackId: number): Buffer =>
  fullBox('mvhd', 0, 0, u32(0), u32(0), u32(timescale), u32(duration), u32(0x10000), u16(0x100), Buffer.alloc(10), MATRIX, Buffer.alloc(24), u32(nextTrackId)) // prettier-ignore

/** What {@link videoTrak} describes. */
export interface VideoTrackOptions {
  /** Track id, 1 or more. */
  trackId: number
  width: number
  height: number
  /** Units per second of `duration` and of the samples' durations. */
  timescale: number
  /** In `timescale` units; 0 in a fragmented file, whose fragments carry the samples. */
  duration: number
  /** The H.264 sequence and picture parameter sets. */
  sps: Buffer
  pps: Buffer
  /** The sample table boxes after `stsd` (`stts`, `stsc`, `stsz`, `stco`). */
  sampleTable: Buffer[]
}

/** A video track (`trak`) of H.264 samples, with an `avc1` sample description. */
export function videoTrak(o: VideoTrackOptions): Buffer {
  const avcC = box(
    'avcC',
    Buffer.from([1, o.sps[1]!, o.sps[2]!, o.sps[3]!, 0xff, 0xe1]),
    u16(o.sps.length),
    o.sps,
    u8(1),
    u16(o.pps.length),
    o.pps,
  )
  const avc1 = box(
    'avc1',
    Buffer.alloc(6),
    u16(1), // data_reference_index
    Buffer.alloc(16),
    u16(o.width),
    u16(o.height),
    u32(0x00480000),
    u32(0x00480000),
    u32(0),
    u16(1), // frame_count
    Buffer.alloc(32), // compressorname
    u16(0x18),
    u16(0xffff),
    avcC,
  )
  return box(
    'trak',
    fullBox('tkhd', 0, 3, u32(0), u32(0), u32(o.trackId), u32(0), u32(o.duration), Buffer.alloc(8), u16(0), u16(0), u16(0), u16(0), MATRIX, u32(o.width << 16), u32(o.height << 16)), // prettier-ignore
    box(
      'mdia',
      fullBox('mdhd', 0, 0, u32(0), u32(0), u32(o.timescale), u32(o.duration), u16(0x55c4), u16(0)), // prettier-ignore
      fullBox('hdlr', 0, 0, u32(0), Buffer.from('vide', 'latin1'), Buffer.alloc(12), Buffer.from('Video\0', 'latin1')), // prettier-ignore
      box(
        'minf',
        fullBox('vmhd', 0, 1, Buffer.alloc(8)),
        box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1))),
        box('stbl', fullBox('stsd', 0, 0, u32(1), avc1), ...o.sampleTable),
      ),
    ),
  )
}
