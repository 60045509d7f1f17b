import { backstageSvg } from './backstage-svg.js'
import { coverSvg, hueOf } from './cover-svg.js'
import type { DemoItem } from './demo-items.js'
import { createHlsStream, type HlsStream } from './hls-stream.js'
import { hsl } from './hsl.js'
import { pcmVideoMp4, PCM_VIDEO_CODECS } from './pcm-video-mp4.js'
import { STUDIO_PICTURE, studioPosterSvg, studioShader } from './studio-picture.js'
import { toneWav } from './tone-wav.js'

/** A generated file and its MIME type. */
export interface MediaFile {
  bytes: Buffer
  type: string
}

/** The demo's generated covers and media. */
export interface DemoMedia {
  /** The cover named `name` (a vibe id or a demo cover name), or undefined. */
  cover(name: string): MediaFile | undefined
  /** The media of an item (its video, audio or photo), or undefined for a plain page. */
  media(item: DemoItem): MediaFile | undefined
  /** The HLS stream of a stream item (playlists and segments by file name), or undefined. */
  stream(item: DemoItem): HlsStream | undefined
  /** The poster of a stream item, or undefined. */
  poster(item: DemoItem): MediaFile | undefined
}

const SVG = 'image/svg+xml'
// An A-minor arpeggio then a G-major one, a quarter second a note, and a rest so the
// player shows 0:03 rather than 2.9997 s floored to 0:02: 3.25 s, ~36 kB.
const NOTES = [220, 262, 330, 440, 330, 262, 196, 247, 294, 392, 294, 247, 0]

/**
 * Covers and media for the demo, made in memory so nothing depends on the network and no
 * binary is committed. `covers` names each cover's title and subtitle (the fixture's vibes
 * and the demo's own). Media are made on first request and kept (a video takes ~0.3 s of
 * CPU and ~250 kB; the stream, 6 s in three 2-second segments, ~0.3 s and ~250 kB a
 * segment).
 */
export function createDemoMedia(
  covers: ReadonlyMap<string, { title: string; subtitle?: string }>,
): DemoMedia {
  const made = new Map<string, MediaFile>()
  const once = (key: string, make: () => MediaFile): MediaFile => {
    let file = made.get(key)
    if (!file) made.set(key, (file = make()))
    return file
  }
  const streams = new Map<string, HlsStream>()
  return {
    cover(name) {
      const cover = covers.get(name)
      if (!cover) return undefined
      return once(`cover:${name}`, () => ({
        bytes: Buffer.from(coverSvg({ ...cover, seed: name })),
        type: SVG,
      }))
    },
    media(item) {
      if (item.kind === 'video')
        return once(item.path, () => ({
          bytes: equalizerVideo(hueOf(item.cover)),
          type: `video/mp4; codecs="${PCM_VIDEO_CODECS}"`,
        }))
      if (item.kind === 'audio')
        return once(item.path, () => ({ bytes: toneWav({ notes: NOTES }), type: 'audio/wav' }))
      if (item.kind === 'photo')
        return once(item.path, () => ({ bytes: Buffer.from(backstageSvg(item.cover)), type: SVG }))
      return undefined
    },
    stream(item) {
      if (item.kind !== 'stream') return undefined
      let stream = streams.get(item.path)
      if (!stream) {
        const shade = studioShader(hueOf(item.cover))
        stream = createHlsStream({ ...STUDIO_PICTURE, shade, segmentFrames: 16, segments: 3 })
        streams.set(item.path, stream)
      }
      return stream
    },
    poster(item) {
      if (item.kind !== 'stream') return undefined
      return once(`poster:${item.path}`, () => ({
        bytes: Buffer.from(studioPosterSvg(item.title, hueOf(item.cover))),
        type: SVG,
      }))
    },
  }
}

/** Two seconds of dancing equalizer bars over a drifting gradient, 128 x 80 at 8 fps. */
function equalizerVideo(hue: number): Buffer {
  const width = 128
  const height = 80
  const frames = 16
  return pcmVideoMp4({
    width,
    height,
    fps: 8,
    frames,
    shade: (x, y, f) => {
      const phase = (2 * Math.PI * f) / frames
      const bar = Math.floor(x / 16)
      const level = 0.35 + 0.3 * (1 + Math.sin(phase * (1 + (bar % 3)) + bar * 1.7)) * 0.9
      // Edges on even pixels: chroma is sampled once per 2 x 2 block (4:2:0), so an edge on
      // an odd pixel would fringe the bar with the background's colour.
      const top = 2 * Math.round((height * (1 - level)) / 2)
      const inBar = x % 16 >= 4 && x % 16 < 12 && y >= top && y < height - 6
      if (inBar) return hsl((hue + 180 + bar * 8) % 360, 0.75, 0.62)
      const drift = (x / width + y / height) / 2 + 0.15 * Math.sin(phase)
      return hsl((hue + 40 * drift) % 360, 0.6, 0.18 + 0.22 * (1 - drift))
    },
  })
}
