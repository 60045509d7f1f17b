import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ConfigError } from '../../src/config/load-config.js'
import { loadConfig } from '../../src/config/load-config.js'
import type { UnlockDetail, VibeCatalog } from '../../src/decision/vibe-catalog.js'
import { createFanPages } from '../../src/http/fan-pages.js'

const publicUrl = new URL('https://gate.example.com')
const yellow: UnlockDetail = {
  vibe: 'nxwyqqow',
  title: 'Coldplay <Yellow>',
  cover_image: 'javascript:alert(1)',
  external_url: 'https://www.oursong.com/project/nxwyqqow',
  token_ids: ['1-5'],
  description: 'The HD cut',
  content_type: 'video',
  artist: 'Coldplay',
}
const catalog: VibeCatalog = {
  details: async (missing) => missing.map(() => yellow),
  unlocks: async () => [],
}
const requirement = {
  kind: 'vibe' as const,
  vibe: 'nxwyqqow',
  tokenIds: undefined,
  minAmount: 1,
}

describe('fan pages', () => {
  test('the signed-out page says holders get in, escapes text and drops non-http URLs', async () => {
    const html = await createFanPages({ publicUrl, catalog }).denial({
      status: 401,
      reason: 'no_identity',
      requirement,
      returnTo: 'https://fans.example.com/v?a=1',
    })
    expect(html).toContain('For holders of Coldplay &lt;Yellow&gt;')
    expect(html).not.toContain('<Yellow>')
    expect(html).not.toContain('javascript:')
    expect(html).not.toContain('for OurSong members')
    expect(html).toContain(
      'href="https://gate.example.com/auth/login?return_to=https%3A%2F%2Ffans.example.com%2Fv%3Fa%3D1"',
    )
    expect(html).toContain('href="https://www.oursong.com/project/nxwyqqow"')
    expect(html).not.toMatch(/\son[a-z]+=/i)
  })

  test('the not-owned page says what is needed and what the fan holds', async () => {
    const html = await createFanPages({ publicUrl, catalog }).denial({
      status: 403,
      reason: 'not_owned',
      requirement,
      missing: [{ vibe: 'nxwyqqow', token_ids: ['1-5'] }],
      held: [{ id: 'nxwyqqow', owned_amount: 1, token_ids: [7] }],
      user: { uuid: 'u', id: 'dave', username: 'dave', name: 'Dave', wallet: null },
      returnTo: '/v',
    })
    expect(html).toContain('Needs token #1–#5.')
    expect(html).toContain('You hold #7.')
    expect(html).toContain('Dave (@dave)')
    expect(html).toContain('action="https://gate.example.com/auth/logout"')
  })

  test('an operator template gets escaped variables; unknown variables are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vibegate-templates-'))
    writeFileSync(
      join(dir, 'locked.html'),
      '<h1 style="color:{{accent}}">{{heading}}</h1>{{holds}}',
    )
    const pages = createFanPages({
      publicUrl,
      catalog,
      templates: dir,
      branding: { accent: '#f0a' },
    })
    const html = await pages.denial({
      status: 401,
      reason: 'no_identity',
      requirement,
      returnTo: '/',
    })
    expect(html).toBe('<h1 style="color:#ff00aa">For holders of Coldplay &lt;Yellow&gt;</h1>')
    writeFileSync(join(dir, 'locked.html'), '{{nope}}')
    expect(() => createFanPages({ publicUrl, catalog, templates: dir })).toThrow(
      /unknown variable \{\{nope\}\}/,
    )
    expect(() => createFanPages({ publicUrl, catalog, templates: join(dir, 'missing') })).toThrow(
      /templates: the directory/,
    )
    expect(() => createFanPages({ publicUrl, catalog, branding: { accent: 'red;}' } })).toThrow(
      /branding.accent/,
    )
  })

  test('start-up refuses bad branding and a missing template directory, naming the variable', () => {
    const env = { OURSONG_API_KEY: 'k', OURSONG_API_SECRET: 's' }
    let problems: readonly string[] = []
    try {
      loadConfig({
        ...env,
        VIBEGATE_BRAND_ACCENT: 'purple',
        VIBEGATE_BRAND_LOGO_URL: 'javascript:alert(1)',
        VIBEGATE_TEMPLATES: '/nonexistent/vibegate-templates',
      })
    } catch (err) {
      problems = (err as ConfigError).problems
    }
    expect(problems.some((p) => p.startsWith('VIBEGATE_BRAND_ACCENT'))).toBe(true)
    expect(problems.some((p) => p.startsWith('VIBEGATE_BRAND_LOGO_URL'))).toBe(true)
    expect(problems.some((p) => p.startsWith('VIBEGATE_TEMPLATES'))).toBe(true)
    const config = loadConfig({
      ...env,
      VIBEGATE_BRAND_NAME: 'Fan Club',
      VIBEGATE_BRAND_ACCENT: '#112233',
    })
    expect(config.branding).toEqual({ name: 'Fan Club', accent: '#112233' })
  })
})
