import { escapeHtml } from '../http/html-page.js'
import { hsl } from './hsl.js'
import type { PixelShader } from './pcm-h264.js'

/** The studio stream's picture: 128 x 80 pixels, 8 frames a second. */
export const STUDIO_PICTURE = { width: 128, height: 80, fps: 8 } as const

// The layout, in pixels of the 128 x 80 picture; the poster draws the same at t = 0. The
// meters sit above the bottom eighth, which the player's controls cover before playing.
const WAVE_Y = 26
const METER = { x: 14, top: 44, height: 20, width: 16, step: 20, count: 5 }
const LIGHT = { x: 10, y: 10, r: 3.5 }

/** The waveform's height at `x` at `t` seconds: two sines scrolling left. */
const waveAt = (x: number, t: number): number =>
  WAVE_Y + 12 * Math.sin(x / 7 + 5 * t) * Math.sin(x / 23 - 2 * t)

/** How full meter `m` is at `t` seconds, 0.05 to 0.95. */
const levelAt = (m: number, t: number): number =>
  0.5 + 0.45 * Math.sin(2 * Math.PI * t * (0.7 + m * 0.3) + m)

/** The lit height of a meter, in whole 2-pixel rows. */
const litRows = (level: number): number => 2 * Math.round((METER.height * level) / 2)

const colours = (hue: number) => ({
  wave: hsl((hue + 180) % 360, 0.8, 0.68),
  track: [40, 36, 48] as const,
  // Green at the bottom of a meter (0) to orange at its top (1).
  meter: (fromBottom: number) => hsl(120 - 95 * fromBottom, 0.8, 0.5),
  room: (drift: number) => hsl((hue + 30 * drift) % 360, 0.25, 0.1 + 0.12 * (1 - drift)),
})

/**
 * "Live from the studio": a waveform scrolling across a dark control-room gradient, five
 * level meters and a red recording light that blinks once a second. `hue` (0-359) tints it
 * like the item's cover. Shapes are decided per 2 x 2 block: chroma is sampled once per
 * block (4:2:0), so an edge inside one would fringe it with the background's colour.
 */
export function studioShader(hue: number): PixelShader {
  const { width, height, fps } = STUDIO_PICTURE
  const c = colours(hue)
  return (x, y, f) => {
    const t = f / fps
    const bx = (x & ~1) + 1
    const by = (y & ~1) + 1
    if ((bx - LIGHT.x) ** 2 + (by - LIGHT.y) ** 2 <= LIGHT.r ** 2)
      return f % fps < fps / 2 ? [230, 40, 40] : [70, 24, 28]
    if (Math.abs(by - waveAt(bx, t)) < 2.5) return c.wave
    const m = Math.floor((x - METER.x) / METER.step)
    const inMeter = m >= 0 && m < METER.count && (x - METER.x) % METER.step < METER.width
    if (inMeter && y >= METER.top && y < METER.top + METER.height) {
      const lit = METER.top + METER.height - y <= litRows(levelAt(m, t))
      return lit ? c.meter((METER.top + METER.height - y) / METER.height) : c.track
    }
    return c.room((x / width + y / height) / 2)
  }
}

/**
 * The stream's poster: its first frame drawn as SVG (so the picture does not jump when it
 * starts), 16:10, scaled without blur. No script, no external reference.
 */
export function studioPosterSvg(title: string, hue: number): string {
  const { width, height } = STUDIO_PICTURE
  const c = colours(hue)
  const rgb = (v: readonly number[]): string => `rgb(${v.join(',')})`
  const wave = Array.from({ length: width / 2 + 1 }, (_, i) => {
    const x = 2 * i
    return `${i ? 'L' : 'M'}${x} ${waveAt(x, 0).toFixed(2)}`
  }).join('')
  const meters = Array.from({ length: METER.count }, (_, m) => {
    const x = METER.x + m * METER.step
    const lit = litRows(levelAt(m, 0))
    const bottom = METER.top + METER.height
    return `<rect x="${x}" y="${METER.top}" width="${METER.width}" height="${METER.height}" fill="${rgb(c.track)}"/><rect x="${x}" y="${bottom - lit}" width="${METER.width}" height="${lit}" fill="url(#m)"/>`
  }).join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="1280" height="800" role="img"><title>${escapeHtml(title)}</title>
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${rgb(c.room(0))}"/><stop offset="1" stop-color="${rgb(c.room(1))}"/></linearGradient>
<linearGradient id="m" x1="0" y1="1" x2="0" y2="0" gradientUnits="userSpaceOnUse" gradientTransform="translate(0 ${METER.top}) scale(1 ${METER.height})"><stop offset="0" stop-color="${rgb(c.meter(0))}"/><stop offset="1" stop-color="${rgb(c.meter(1))}"/></linearGradient></defs>
<rect width="${width}" height="${height}" fill="url(#g)"/>
<path d="${wave}" fill="none" stroke="${rgb(c.wave)}" stroke-width="4" stroke-linejoin="round"/>
${meters}<circle cx="${LIGHT.x}" cy="${LIGHT.y}" r="${LIGHT.r}" fill="rgb(230,40,40)"/>
</svg>`
}
