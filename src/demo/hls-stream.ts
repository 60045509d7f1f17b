import type { MediaFile } from './demo-media.js'
import { fmp4InitSegment, fmp4MediaSegment } from './fmp4-segments.js'
import { hlsMediaPlaylist, hlsMultivariantPlaylist } from './hls-playlist.js'
import { pcmH264, PCM_VIDEO_CODECS, type PcmPictureOptions } from './pcm-h264.js'

/** What {@link createHlsStream} draws and how it cuts it. */
export interface HlsStreamOptions extends PcmPictureOptions {
  /** Frames per second, dividing 600 (1, 2, 3, 4, 5, 6, 8, 10, 12, ...). */
  fps: number
  /** Frames per segment. */
  segmentFrames: number
  /** Number of segments. */
  segments: number
}

/** A generated HLS stream: its playlists and segments by file name. */
export interface HlsStream {
  /** The file name of the entry point, the multivariant playlist. */
  readonly playlist: string
  /** Every file name: both playlists, the initialization segment and the media segments. */
  readonly files: readonly string[]
  /** The file named `name`, made on first request and kept, or undefined. */
  file(name: string): MediaFile | undefined
}

/** The MIME types of the stream's files. */
export const HLS_TYPES = {
  playlist: 'application/vnd.apple.mpegurl',
  init: 'video/mp4',
  segment: 'video/iso.segment',
} as const

const TIMESCALE = 600

/**
 * An HLS stream drawn with {@link pcmH264} and cut into fragmented MP4 segments:
 * `index.m3u8` (multivariant, naming the codec), `video.m3u8` (the VOD media playlist),
 * `init.mp4` and `seg-0.m4s`, `seg-1.m4s`, ... Every frame is an IDR, so every segment
 * starts with one and can be decoded on its own. Nothing is made before it is asked for.
 */
export function createHlsStream(options: HlsStreamOptions): HlsStream {
  const { width, height, fps, segmentFrames, segments } = options
  if (!Number.isInteger(fps) || fps <= 0 || TIMESCALE % fps)
    throw new TypeError('createHlsStream: fps must divide 600')
  if (!Number.isInteger(segmentFrames) || segmentFrames <= 0)
    throw new TypeError('createHlsStream: segmentFrames must be a positive integer')
  if (!Number.isInteger(segments) || segments <= 0)
    throw new TypeError('createHlsStream: segments must be a positive integer')
  const delta = TIMESCALE / fps
  const segmentNames = Array.from({ length: segments }, (_, i) => `seg-${i}.m4s`)
  // An upper bound on the bit rate: an I_PCM macroblock is 384 bytes of samples plus at
  // most 2 bytes of mb_type and alignment; 64 bytes a frame cover the slice header, the
  // NAL length and the fragment's boxes.
  const frameBytes = (width / 16) * (height / 16) * 386 + 64
  const make: Record<string, () => MediaFile> = {
    'index.m3u8': () =>
      text(
        hlsMultivariantPlaylist([
          { uri: 'video.m3u8', bandwidth: frameBytes * 8 * fps, codecs: PCM_VIDEO_CODECS, width, height, frameRate: fps }, // prettier-ignore
        ]),
      ),
    'video.m3u8': () =>
      text(
        hlsMediaPlaylist({
          map: 'init.mp4',
          segments: segmentNames.map((uri) => ({ uri, duration: segmentFrames / fps })),
        }),
      ),
    'init.mp4': () => {
      const { sps, pps } = pcmH264(options, 0, 0)
      const bytes = fmp4InitSegment({ width, height, timescale: TIMESCALE, sps, pps })
      return { bytes, type: HLS_TYPES.init }
    },
  }
  segmentNames.forEach((name, i) => {
    make[name] = () => {
      const from = i * segmentFrames
      const { samples } = pcmH264(options, from, from + segmentFrames)
      const bytes = fmp4MediaSegment({
        sequence: i + 1,
        baseDecodeTime: from * delta,
        sampleDuration: delta,
        samples,
      })
      return { bytes, type: HLS_TYPES.segment }
    }
  })
  const made = new Map<string, MediaFile>()
  return {
    playlist: 'index.m3u8',
    files: Object.keys(make),
    file(name) {
      if (!Object.hasOwn(make, name)) return undefined
      let file = made.get(name)
      if (!file) made.set(name, (file = make[name]!()))
      return file
    },
  }
}

const text = (body: string): MediaFile => ({
  bytes: Buffer.from(body, 'utf8'),
  type: HLS_TYPES.playlist,
})
