import { describe, expect, test } from '@jest/globals'
import { contentPage } from '../../src/demo/content-page.js'
import { DEMO_ITEMS, type DemoItem } from '../../src/demo/demo-items.js'
import { landingPage, safeUrl } from '../../src/demo/landing-page.js'

const VIBE_IDS = ['nxwyqqow', 'xdwbppyw', 'mzwkaxwy', 'npwjlbwq', 'xdrbpvjr']
const evil: DemoItem = {
  path: '/videos/x',
  title: '<script>alert(1)</script>',
  kind: 'video',
  unlock: '"><img src=x onerror=alert(1)>',
  cover: 'x',
  blurb: '</p><script>',
}
const accounts = [{ id: 'alice', address: '0x90b45d9327E239f08b57C0b770DCc86967cFed64' }]
/** The page without its tags: what a reader sees (roughly). */
const visible = (html: string) =>
  html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ')

describe('landingPage', () => {
  const items = DEMO_ITEMS.map((item) => ({ item, coverUrl: `/assets/covers/${item.cover}.svg` }))
  const html = landingPage(items, accounts)

  test('shows every title and what unlocks it, never a vibe id', () => {
    for (const { title } of DEMO_ITEMS) expect(visible(html)).toContain(title)
    for (const id of VIBE_IDS) expect(visible(html)).not.toContain(id)
  })

  test('has one h1, labelled controls, alt text, and no button inside a link', () => {
    expect(html.match(/<h1[ >]/g)).toHaveLength(1)
    expect(html).toContain('<label for="account">')
    expect(html).not.toMatch(/<a [^>]*>\s*<button/)
    for (const img of html.match(/<img [^>]*>/g) ?? []) expect(img).toMatch(/alt="[^"]+"/)
  })

  test('escapes titles and drops cover URLs that are not http(s) or same-origin', () => {
    const page = landingPage([{ item: evil, coverUrl: 'javascript:alert(1)' }], accounts)
    expect(page).not.toContain('<script>alert(1)')
    expect(page).not.toContain('<img src=x')
    expect(page).not.toContain('javascript:')
    const script = landingPage(items, [{ id: '</script><script>alert(1)//', address: '0x1' }])
    expect(script.match(/<\/script>/g)).toHaveLength(1)
  })

  test.each([
    ['/assets/covers/a.svg', true],
    ['https://cdn.example/a.png', true],
    ['//evil.example/a.png', false],
    ['javascript:alert(1)', false],
    ['data:image/svg+xml,<svg/>', false],
  ])('safeUrl(%s) keeps it: %s', (url, kept) => {
    expect(safeUrl(url) !== undefined).toBe(kept)
  })
})

describe('contentPage', () => {
  const token = 'eyJhbGciOiJFZERTQSJ9.eyJydWxlIjoieWVsbG93LWhkIn0.sig'
  const item = DEMO_ITEMS.find((i) => i.path === '/videos/yellow/hd')!

  test('a video item gets a <video controls> with its media below the page', () => {
    const html = contentPage({ item, coverUrl: '/c.svg', token, claims: { rule: 'yellow-hd' } })
    expect(html).toMatch(/<video controls[^>]*><source src="\/videos\/yellow\/hd\/media\.mp4"/)
  })

  test('an audio item gets an <audio controls>, a photo an <img> with alt text', () => {
    const audio = DEMO_ITEMS.find((i) => i.kind === 'audio')!
    expect(contentPage({ item: audio, coverUrl: '/c.svg' })).toMatch(
      /<audio controls[^>]*src="\/audio\/under-pressure\/media\.wav"/,
    )
    const photo = DEMO_ITEMS.find((i) => i.kind === 'photo')!
    expect(contentPage({ item: photo, coverUrl: '/c.svg' })).toMatch(
      /<img src="\/members\/photo\.svg" alt="[^"]+"/,
    )
  })

  test('a stream item gets a labelled <video> with a poster, fed from its playlist by scripts of the site', () => {
    const stream = DEMO_ITEMS.find((i) => i.kind === 'stream')!
    const html = contentPage({ item: stream, coverUrl: '/c.svg' })
    const video = /<video [^>]*>/.exec(html)![0]
    expect(video).toContain('controls')
    expect(video).toContain('data-hls="/stream/studio/hls/index.m3u8"')
    expect(video).toContain('poster="/stream/studio/poster.svg"')
    expect(video).toMatch(/aria-label="Live from the studio, video stream"/)
    expect(html).toContain('role="status"')
    const scripts = html.match(/<script[^>]*>/g)
    expect(scripts).toEqual([
      '<script src="/assets/hls/hls.light.min.js" defer>',
      '<script src="/assets/stream-player.js" defer>',
    ])
  })

  test('the JWT and its claims are inside <details>, closed', () => {
    const html = contentPage({ item, coverUrl: '/c.svg', token, claims: { rule: 'yellow-hd' } })
    const details = /<details id="token-details">([\s\S]*)<\/details>/.exec(html)![1]!
    expect(details).toContain(token)
    expect(details).toContain('&quot;rule&quot;: &quot;yellow-hd&quot;')
    expect(html.replace(details, '')).not.toContain(token)
    expect(html).not.toMatch(/<details[^>]* open/)
  })

  test('escapes everything it shows', () => {
    const html = contentPage({
      item: evil,
      coverUrl: '/c.svg',
      token: '<b>',
      claims: { x: '</pre><script>' },
    })
    expect(html).not.toMatch(/<script>|<img src=x|<b>|<\/pre><script>/)
  })
})
