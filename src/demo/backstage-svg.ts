import { hueOf } from './cover-svg.js'

/**
 * A 960 x 540 "backstage photo" SVG for the members' lounge: a stage, spotlights and a
 * band in silhouette, generated so the demo shows a photo without the network.
 */
export function backstageSvg(seed: string): string {
  const hue = hueOf(seed)
  const beams = [180, 480, 780]
    .map(
      (x, i) =>
        `<polygon points="${x - 20},0 ${x + 20},0 ${x + 160},420 ${x - 160},420" fill="hsl(${(hue + i * 40) % 360},90%,70%)" opacity=".22"/>`,
    )
    .join('')
  const band = [
    [250, 300],
    [420, 280],
    [560, 290],
    [720, 305],
  ]
    .map(
      ([x, y]) =>
        `<circle cx="${x}" cy="${y! - 38}" r="26" fill="#0b0910"/><path d="M${x! - 38} 424V${y! + 20}a30 30 0 0 1 30-30h16a30 30 0 0 1 30 30V424z" fill="#0b0910"/>`,
    )
    .join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 960 540" width="960" height="540">
<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="hsl(${hue},55%,18%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},60%,8%)"/></linearGradient></defs>
<rect width="960" height="540" fill="url(#sky)"/>${beams}
<rect y="420" width="960" height="120" fill="#1a1520"/><rect y="420" width="960" height="6" fill="hsl(${hue},80%,60%)" opacity=".6"/>
${band}
</svg>`
}
