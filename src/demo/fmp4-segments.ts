import { box, fullBox, mvhd, u32, u64, videoTrak } from './mp4-box.js'

/** The one video track of a fragmented MP4 stream. */
export interface Fmp4Track {
  width: number
  height: number
  /** Units per second of every decode time and duration below. */
  timescale: number
  /** The H.264 sequence and picture parameter sets. */
  sps: Buffer
  pps: Buffer
}

/** One media segment: a run of H.264 samples of equal duration, every one a sync sample. */
export interface Fmp4Fragment {
  /** The fragment's sequence number, 1 for the first, one more for each next fragment. */
  sequence: number
  /** The first sample's decode time, in timescale units from the start of the stream. */
  baseDecodeTime: number
  /** Every sample's duration, in timescale units. */
  sampleDuration: number
  /** MP4 samples: length-prefixed NAL units. */
  samples: Buffer[]
}

const TRACK_ID = 1
// sample_depends_on = 2 (an I picture) and sample_is_non_sync_sample = 0: every sample of
// the demo's stream is an IDR, so a player may start or seek at any one.
const SYNC_SAMPLE_FLAGS = 0x02000000

/**
 * The initialization segment of a fragmented MP4 (the `EXT-X-MAP` of an HLS playlist):
 * `ftyp` and a `moov` with an empty sample table and `mvex`, saying the samples come in
 * movie fragments.
 */
export function fmp4InitSegment(track: Fmp4Track): Buffer {
  const ftyp = box('ftyp', Buffer.from('iso6', 'latin1'), u32(0), Buffer.from('iso6mp41', 'latin1'))
  const empty = [
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
    fullBox('stsz', 0, 0, u32(0), u32(0)),
    fullBox('stco', 0, 0, u32(0)),
  ]
  const trex = fullBox('trex', 0, 0, u32(TRACK_ID), u32(1), u32(0), u32(0), u32(0))
  const moov = box(
    'moov',
    mvhd(track.timescale, 0, TRACK_ID + 1),
    videoTrak({ ...track, trackId: TRACK_ID, duration: 0, sampleTable: empty }),
    box('mvex', trex),
  )
  return Buffer.concat([ftyp, moov])
}

/**
 * A media segment of a fragmented MP4: `styp`, then one `moof` (sequence number, decode
 * time, sample sizes) and the `mdat` with its samples. Offsets are relative to the `moof`
 * (default-base-is-moof), so a segment can be fetched and appended on its own.
 */
export function fmp4MediaSegment(fragment: Fmp4Fragment): Buffer {
  const { samples } = fragment
  const styp = box('styp', Buffer.from('msdh', 'latin1'), u32(0), Buffer.from('msdh', 'latin1'))
  const moof = (dataOffset: number): Buffer =>
    box(
      'moof',
      fullBox('mfhd', 0, 0, u32(fragment.sequence)),
      box(
        'traf',
        // 0x020000 default-base-is-moof, 0x08 default duration, 0x20 default flags.
        fullBox('tfhd', 0, 0x020028, u32(TRACK_ID), u32(fragment.sampleDuration), u32(SYNC_SAMPLE_FLAGS)), // prettier-ignore
        fullBox('tfdt', 1, 0, u64(fragment.baseDecodeTime)),
        // 0x001 data offset, 0x200 a size per sample.
        fullBox('trun', 0, 0x000201, u32(samples.length), u32(dataOffset), ...samples.map((s) => u32(s.length))), // prettier-ignore
      ),
    )
  // The first sample follows the moof and the mdat's 8-byte header; the moof's size does
  // not depend on the offset it carries.
  const offset = moof(0).length + 8
  return Buffer.concat([styp, moof(offset), box('mdat', ...samples)])
}
