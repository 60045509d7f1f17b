import { escapeHtml } from '../http/html-page.js'

/** What {@link coverSvg} draws. */
export interface CoverOptions {
  title: string
  /** A second line under the title, e.g. the artist. */
  subtitle?: string
  /** Chooses the colours; the same seed always gives the same cover. */
  seed: string
}

/** A hue, 0-359, from a string: the same string always gives the same hue. */
export function hueOf(seed: string): number {
  // FNV-1a: similar ids (all vibe ids are eight lowercase letters) still land far apart.
  let h = 0x811c9dc5
  for (const c of seed) h = Math.imul(h ^ c.codePointAt(0)!, 0x01000193) >>> 0
  return h % 360
}

/**
 * A square cover-art SVG (480 x 480): a gradient, a record and the title, generated so the
 * demo has cover art without the network. Every text is escaped; the SVG has no script
 * and no external reference.
 */
export function coverSvg(options: CoverOptions): string {
  const hue = hueOf(options.seed)
  const lines = wrap(options.title, 16).slice(0, 3)
  const top = 440 - lines.length * 40 - (options.subtitle ? 34 : 0)
  const title = lines
    .map((line, i) => `<tspan x="32" y="${top + 40 * (i + 1)}">${escapeHtml(line)}</tspan>`)
    .join('')
  const subtitle = options.subtitle
    ? `<text x="32" y="${top + 40 * lines.length + 34}" font-size="22" fill="#fff" opacity=".85">${escapeHtml(options.subtitle)}</text>`
    : ''
  const grooves = [150, 128, 106, 84]
    .map(
      (r) =>
        `<circle cx="330" cy="170" r="${r}" fill="none" stroke="#fff" stroke-opacity=".12" stroke-width="2"/>`,
    )
    .join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 480 480" width="480" height="480" role="img"><title>${escapeHtml(options.title)}</title>
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},70%,52%)"/><stop offset="1" stop-color="hsl(${(hue + 60) % 360},65%,22%)"/></linearGradient></defs>
<rect width="480" height="480" fill="url(#g)"/>
<circle cx="330" cy="170" r="170" fill="#000" opacity=".35"/>${grooves}
<circle cx="330" cy="170" r="44" fill="hsl(${(hue + 180) % 360},70%,60%)"/><circle cx="330" cy="170" r="6" fill="#111"/>
<rect y="300" width="480" height="180" fill="#000" opacity=".25"/>
<text font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif" font-weight="700" font-size="36" fill="#fff">${title}</text>
<g font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif">${subtitle}</g>
</svg>`
}

/** Splits text into lines of at most `width` characters, at spaces where it can. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(line)
  return lines
}
