import type { Response } from 'express'
import { escapeHtml } from '../http/html-page.js'

/** The console's screens, in the order of its navigation. */
export const CONSOLE_SCREENS = [
  { path: '/console', label: 'Rules' },
  { path: '/console/rules/new', label: 'Add a rule' },
  { path: '/console/yaml', label: 'YAML' },
  { path: '/console/history', label: 'History' },
  { path: '/console/explain', label: 'Explain' },
  { path: '/console/live', label: 'Live' },
] as const

/** What every console page shows around its content. */
export interface LayoutOptions {
  title: string
  /** The CSP nonce of this response (base64, fresh per response). */
  nonce: string
  /** The path of the current screen, to mark it in the navigation; undefined: no navigation. */
  current?: string
  /** Signed-in operator, shown in the header. */
  who?: string
  /** The session's CSRF token, for the script's state-changing requests. */
  csrf?: string
  /** JSON for the page's script, embedded as data (never as code). */
  data?: unknown
  /** Whether the console script runs on this page; default true when `csrf` is set. */
  script?: string
}

/** The Content-Security-Policy of console pages: nothing but this response's own nonce runs. */
export function consoleCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    // Vibe covers come from OurSong's CDN (or the simulator in development).
    'img-src https: http: data:',
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ')
}

/**
 * Renders a console page into `res`: the layout around `body` (escaped HTML), a fresh CSP
 * nonce, the script, `current` the screen highlighted in the navigation, and `data` as JSON
 * for the script.
 */
export type ConsolePage = (
  res: Response,
  status: number,
  title: string,
  body: string,
  current?: string,
  data?: unknown,
) => void

/** A whole console page: header, navigation, `body` (already escaped HTML), styles, script. */
export function consoleLayout(body: string, o: LayoutOptions): string {
  const nav = o.current
    ? `<nav aria-label="Console"><ul>${CONSOLE_SCREENS.map(
        (s) =>
          `<li><a href="${s.path}"${s.path === o.current ? ' aria-current="page"' : ''}>${escapeHtml(s.label)}</a></li>`,
      ).join('')}</ul></nav>`
    : ''
  const who = o.who
    ? `<div class="who"><span>${escapeHtml(o.who)}</span> <button type="button" id="sign-out" class="link">Sign out</button></div>`
    : ''
  const data =
    o.data === undefined
      ? ''
      : `<script type="application/json" id="console-data" nonce="${o.nonce}">${jsonForHtml(o.data)}</script>`
  const script = o.script ? `<script nonce="${o.nonce}">${o.script}</script>` : ''
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">${o.csrf ? `<meta name="csrf-token" content="${escapeHtml(o.csrf)}">` : ''}
<title>${escapeHtml(o.title)} · vibegate console</title>
<style nonce="${o.nonce}">${CONSOLE_CSS}</style>
</head><body>
<a class="skip" href="#main">Skip to content</a>
<header><div class="brand"><span class="logo" aria-hidden="true">◆</span> vibegate <span class="muted">operator console</span></div>${who}</header>
${nav}<main id="main"><div id="status" role="status" aria-live="polite" class="status" hidden></div>
<h1>${escapeHtml(o.title)}</h1>
${body}</main>
${data}${script}
</body></html>
`
}

/** JSON safe inside a `<script type="application/json">` element. */
function jsonForHtml(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

const CONSOLE_CSS = `
:root{--bg:#f7f7fb;--fg:#1c1b22;--muted:#5c5a66;--card:#fff;--line:#d9d7e3;--accent:#5b2fc4;--accent-fg:#fff;--ok:#116b3a;--ok-bg:#e3f5ea;--bad:#a1161f;--bad-bg:#fde8ea;--warn:#7a4b00;--warn-bg:#fff2d6;--code:#f0eff6}
@media (prefers-color-scheme:dark){:root{--bg:#15141a;--fg:#ecebf2;--muted:#a9a6b8;--card:#1f1e26;--line:#393745;--accent:#b49cff;--accent-fg:#15141a;--ok:#7fe0a6;--ok-bg:#113321;--bad:#ff9aa2;--bad-bg:#3a1519;--warn:#ffd27a;--warn-bg:#3a2a08;--code:#26252f}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:var(--card);padding:.25rem .5rem;z-index:2}
header{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap;padding:.75rem 1.25rem;border-bottom:1px solid var(--line);background:var(--card)}
.brand{font-weight:700;letter-spacing:.01em}.logo{color:var(--accent)}
.muted{color:var(--muted);font-weight:400}
.who{display:flex;gap:.75rem;align-items:center;color:var(--muted);font-size:.95rem}
nav ul{display:flex;flex-wrap:wrap;gap:.25rem;list-style:none;margin:0;padding:.5rem 1rem;border-bottom:1px solid var(--line);background:var(--card)}
nav a{display:block;padding:.4rem .8rem;border-radius:.5rem;text-decoration:none;color:var(--fg);white-space:nowrap}
nav a[aria-current=page]{background:var(--accent);color:var(--accent-fg)}
nav a:hover{text-decoration:underline}
main{max-width:68rem;margin:0 auto;padding:1rem 1.25rem 4rem}
h1{font-size:1.5rem;margin:.75rem 0 1rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.status{margin:.75rem 0 .25rem;padding:.6rem 1rem;border-radius:.5rem;border:1px solid var(--line);background:var(--card)}
.status.ok{background:var(--ok-bg);color:var(--ok);border-color:transparent}
.status.bad{background:var(--bad-bg);color:var(--bad);border-color:transparent}
.status.warn{background:var(--warn-bg);color:var(--warn);border-color:transparent}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,20rem),1fr));gap:1rem;padding:0;list-style:none}
.card{background:var(--card);border:1px solid var(--line);border-radius:.75rem;padding:1rem;display:flex;flex-direction:column;gap:.5rem}
.card h2{margin:0;font-size:1.05rem;display:flex;justify-content:space-between;gap:.5rem;align-items:baseline}
.card .pos{color:var(--muted);font-size:.85rem;font-weight:400}
.card dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem .75rem;margin:0}
.card dd code{display:inline-block;margin:.1rem 0;overflow-wrap:anywhere}
.card dt{color:var(--muted);font-size:.9rem}.card dd{margin:0;min-width:0;overflow-wrap:anywhere}
.card .actions{margin-top:auto;display:flex;gap:.4rem;flex-wrap:wrap;padding-top:.5rem;border-top:1px solid var(--line)}
.card .actions button,.card .actions .button{padding:.3rem .55rem}.card .actions .danger{margin-left:auto}
code,.mono,textarea{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9rem}
code{background:var(--code);padding:.05rem .3rem;border-radius:.25rem}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.8rem;font-weight:600;background:var(--code)}
.badge.public{background:var(--ok-bg);color:var(--ok)}.badge.authenticated{background:var(--warn-bg);color:var(--warn)}.badge.require{background:var(--accent);color:var(--accent-fg)}
.vibe{display:flex;gap:.5rem;align-items:center;margin:.15rem 0}
.vibe img{width:40px;height:40px;border-radius:.4rem;object-fit:cover;background:var(--code);flex:none}
.vibe .ph{width:40px;height:40px;border-radius:.4rem;background:var(--code);flex:none;display:grid;place-items:center;color:var(--muted)}
ul.req{margin:.25rem 0 0;padding:0 0 0 .6rem;list-style:none;border-left:2px solid var(--line)}
button,.button{display:inline-block;text-decoration:none;font:inherit;border-radius:.5rem;border:1px solid var(--line);background:var(--card);color:var(--fg);padding:.4rem .8rem;cursor:pointer;min-height:2.25rem}
button.primary,.button.primary{background:var(--accent);color:var(--accent-fg);border-color:var(--accent);font-weight:600}
button.danger{color:var(--bad);border-color:var(--bad)}
button.link{border:0;background:none;color:var(--accent);padding:0;min-height:0;text-decoration:underline}
button:disabled{opacity:.55;cursor:not-allowed}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
.hint{color:var(--muted);font-size:.9rem;margin:.15rem 0 0;font-weight:400}
input,select,textarea{font:inherit;width:100%;padding:.45rem .6rem;border:1px solid var(--line);border-radius:.5rem;background:var(--card);color:var(--fg)}
textarea{line-height:1.45;tab-size:2;resize:vertical}
#yaml{min-height:28rem;margin-top:.5rem;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9rem;white-space:pre;overflow-wrap:normal;overflow-x:auto}
fieldset{border:1px solid var(--line);border-radius:.75rem;padding:.5rem 1rem 1rem;margin:1rem 0;background:var(--card)}
legend{font-weight:700;padding:0 .25rem}
.row{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,14rem),1fr));gap:0 1rem}
.choices{display:flex;gap:1rem;flex-wrap:wrap}.choices label{font-weight:400;display:flex;gap:.4rem;align-items:center;margin:.25rem 0}.choices input{width:auto}
.toolbar{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center;margin:.75rem 0}
.problems{list-style:none;padding:0;margin:.5rem 0}
.problems button{all:unset;cursor:pointer;display:block;width:100%}.problems button:focus-visible{outline:2px solid currentColor}
.problems li{padding:.4rem .6rem;border-radius:.4rem;margin:.25rem 0;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem;overflow-wrap:anywhere}
.problems .error{background:var(--bad-bg);color:var(--bad)}.problems .warning{background:var(--warn-bg);color:var(--warn)}.problems .ok{background:var(--ok-bg);color:var(--ok)}
.diff{background:var(--card);border:1px solid var(--line);border-radius:.5rem;overflow:auto;max-height:28rem;margin:.5rem 0;padding:.5rem 0}
.diff div{white-space:pre;padding:0 .75rem;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem;min-height:1.3em}
.diff .add{background:var(--ok-bg);color:var(--ok)}.diff .del{background:var(--bad-bg);color:var(--bad)}
.diff .skip{color:var(--muted);font-style:italic}
.result{background:var(--card);border:1px solid var(--line);border-radius:.75rem;padding:1rem;margin:1rem 0}
.result .verdict{margin-top:0;font-size:1.2rem;font-weight:700}.result .allow{color:var(--ok)}.result .deny{color:var(--bad)}.result dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}.result dt{color:var(--muted)}.result dd{margin:0;overflow-wrap:anywhere}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,24rem),1fr));gap:1rem}
figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:.75rem;padding:.75rem 1rem}
figcaption{font-weight:600;display:flex;justify-content:space-between;gap:.5rem;flex-wrap:wrap}
figure svg{width:100%;height:auto;display:block;margin-top:.5rem}
.key{font-weight:400;font-size:.85rem;color:var(--muted)}.k-allow,.k-mean{color:var(--ok)}.k-deny,.k-max{color:var(--bad)}
.bar-allow,.bar-mean{fill:var(--ok)}.bar-deny,.bar-max{fill:var(--bad)}.axis{stroke:var(--line)}.axis-label{fill:var(--muted);font-size:14px}
.purge select{width:auto;flex:0 1 14rem}.purge input{width:auto;flex:1 1 14rem}
td.allow{color:var(--ok)}td.deny{color:var(--bad)}
#preview{border:2px solid var(--accent);border-radius:.75rem;padding:1rem;margin:1rem 0;background:var(--card)}
#preview h2{margin-top:0}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:.5rem}
th,td{text-align:left;padding:.5rem .75rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.9rem;color:var(--muted);font-weight:600}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.empty{padding:2rem;text-align:center;color:var(--muted);background:var(--card);border:1px dashed var(--line);border-radius:.75rem}
main:has(> .center) > h1{max-width:32rem;margin:3rem auto 0}
.center>p:first-child{margin-top:0}
.center{max-width:32rem;margin:1rem auto 3rem;background:var(--card);border:1px solid var(--line);border-radius:.75rem;padding:1.5rem}
@media (max-width:40rem){th:nth-child(4),td:nth-child(4){display:none}main{padding:.5rem .75rem 3rem}}
`
