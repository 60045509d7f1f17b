import { backstageSvg } from './backstage-svg.js'
import { coverSvg, hueOf } from './cover-svg.js'
import type { DemoItem } from './demo-items.js'
import { pcmVideoMp4, PCM_VIDEO_CODECS } from './pcm-video-mp4.js'
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
}

const SVG = 'image/svg+xml'
// An A-minor arpeggio then a G-major one, a quarter second a note, and a rest so the
// player shows 0:03 rather than 2.9997 s floored to 0:02: 3.25 s, ~36 kB.
const NOTES = [220, 262, 330, 440, 330, 262, 196, 247, 294, 392, 294, 247, 0]

/**
 * Covers and media for the demo, made in memory so nothing depends on the network and no
 * binary is committed. `covers` names each cover's title and subtitle (the fixture's vibes
 * and the demo's own). Media are made on first request and kept (a video takes ~0.3 s of
 * CPU and ~250 kB).
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

/** HSL (hue in degrees, saturation and lightness 0-1) to 0-255 RGB. */
function hsl(h: number, s: number, l: number): [number, number, number] {
  const k = (n: number): number => (n + h / 30) % 12
  const a = s * Math.min(l, 1 - l)
  const f = (n: number): number =>
    Math.round(255 * (l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)))))
  return [f(0), f(8), f(4)]
}
