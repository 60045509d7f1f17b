/**
 * The demo site's stylesheet, inlined in every page (no CDN, no web fonts): light and dark
 * colour schemes with WCAG AA contrast, a card grid that becomes one column on phones.
 */
export const DEMO_STYLE = `:root{color-scheme:light dark;--bg:#f7f6fb;--surface:#fff;--text:#1d1b22;--muted:#56525f;--line:#dcd7e8;--accent:#5b2fc4;--on-accent:#fff;--ok:#0f6b32;--ok-bg:#e1f4e8;--no:#9b1c12;--no-bg:#fde8e6;--info-bg:#ece8f7;--code:#f0eef5}
@media (prefers-color-scheme:dark){:root{--bg:#121016;--surface:#1c1922;--text:#eeebf4;--muted:#b1abbd;--line:#352f40;--accent:#b99dff;--on-accent:#17121f;--ok:#8be3ab;--ok-bg:#133322;--no:#ffaaa0;--no-bg:#3d1813;--info-bg:#2a2436;--code:#0c0a10}}
*{box-sizing:border-box}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:var(--bg);color:var(--text)}
main{max-width:60rem;margin:0 auto;padding:1.5rem 1rem 3rem}
header.site{border-bottom:1px solid var(--line);background:var(--surface)}
header.site div{max-width:60rem;margin:0 auto;padding:1rem;display:flex;align-items:center;gap:.6rem;font-weight:700}
header.site svg{flex:none}
h1{font-size:clamp(1.5rem,4vw,2rem);line-height:1.2;margin:.2rem 0 .5rem}
h2{font-size:1.2rem;margin:2rem 0 .8rem}
p.lead{color:var(--muted);margin:0 0 1.2rem;max-width:42rem}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.button,button{display:inline-block;font:inherit;font-weight:600;line-height:1.2;padding:.6rem 1rem;border-radius:8px;border:2px solid var(--accent);background:transparent;color:var(--accent);cursor:pointer;text-decoration:none}
.button.primary,button.primary{background:var(--accent);color:var(--on-accent)}
select{font:inherit;padding:.5rem;border-radius:8px;border:1px solid var(--line);background:var(--surface);color:var(--text);max-width:100%}
label{font-weight:600}
.panel{background:var(--surface);border:1px solid var(--line);border-radius:12px;padding:1rem 1.2rem;margin:1rem 0}
.panel p{margin:.4rem 0}
.row{display:flex;flex-wrap:wrap;align-items:center;gap:.6rem}
.hint{color:var(--muted);font-size:.9rem}
ul.cards{list-style:none;padding:0;margin:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:1rem}
.card{position:relative;background:var(--surface);border:1px solid var(--line);border-radius:12px;overflow:hidden;display:flex;flex-direction:column}
.card:hover{border-color:var(--accent)}
.card img{display:block;width:100%;height:auto;aspect-ratio:1;object-fit:cover;background:var(--info-bg)}
.card .body{padding:.8rem 1rem 1rem;display:flex;flex-direction:column;gap:.35rem;flex:1}
.card h3{font-size:1.05rem;margin:0;line-height:1.3}
.card h3 a{text-decoration:none;color:var(--text)}
.card h3 a::after{content:"";position:absolute;inset:0}
.card .kind{font-size:.8rem;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);font-weight:600}
.card .unlock{font-size:.9rem;color:var(--muted);margin:0;flex:1}
.state{align-self:flex-start;font-size:.85rem;font-weight:700;padding:.15rem .6rem;border-radius:999px;background:var(--info-bg);color:var(--text)}
.state.open{background:var(--ok-bg);color:var(--ok)}
.state.locked{background:var(--no-bg);color:var(--no)}
.media{margin:1rem 0;border-radius:12px;overflow:hidden;background:#000}
.media video,.media img{display:block;width:100%;height:auto}
.media video{aspect-ratio:16/10}
figure.stream{margin:1rem 0}
figure.stream .media{margin:0}
figure.stream figcaption{margin:.5rem 0 0}
.player-status{margin:.6rem 0 0;padding:.6rem .8rem;border-radius:8px;background:var(--no-bg);color:var(--no);font-weight:600}
.player-status:empty{padding:0;margin:0}
.audio{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;background:var(--surface);border:1px solid var(--line);border-radius:12px;padding:1rem;margin:1rem 0}
.audio img{width:8rem;height:8rem;border-radius:8px}
.audio audio{flex:1;min-width:14rem;width:100%}
details{background:var(--surface);border:1px solid var(--line);border-radius:12px;padding:.8rem 1.2rem;margin:1.5rem 0}
summary{cursor:pointer;font-weight:600}
details h2{font-size:1rem;margin:1rem 0 .4rem}
pre{background:var(--code);border:1px solid var(--line);padding:.8rem;border-radius:8px;overflow:auto;font-size:.8rem;margin:0}
pre.jwt{white-space:pre-wrap;word-break:break-all}
@media (max-width:30rem){main{padding:1rem .8rem 2rem}ul.cards{grid-template-columns:1fr}.card{flex-direction:row}.card img{width:6.5rem;height:6.5rem;flex:none;align-self:flex-start;margin:.6rem 0 .6rem .6rem;border-radius:8px}.card .body{padding:.6rem .8rem}.audio img{width:100%;height:auto}}`

/** The little logo in the demo site's header: a gate over a note, in the accent colour. */
export const DEMO_LOGO = `<svg width="28" height="28" viewBox="0 0 28 28" aria-hidden="true" focusable="false"><rect x="2" y="2" width="24" height="24" rx="7" fill="var(--accent)"/><path d="M11 19.5a2.5 2.5 0 1 1-1.5-2.3V8l8-2v9.5a2.5 2.5 0 1 1-1.5-2.3V9l-5 1.2z" fill="var(--on-accent)"/></svg>`
