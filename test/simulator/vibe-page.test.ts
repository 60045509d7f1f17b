import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { vibeProfileSchema } from '../../src/oursong/schemas.js'
import { API_KEY, startKit, type Kit } from './sim-kit.js'

let kit: Kit
beforeAll(async () => {
  kit = await startKit()
})
afterAll(async () => {
  await kit.close()
})

describe('the vibe page a profile links to', () => {
  test('the external_url of a profile is an HTML page about the vibe', async () => {
    const profile = vibeProfileSchema.parse(
      await (await fetch(`${kit.url}/api/open-api/vibe/v721/profile?api_key=${API_KEY}`)).json(),
    )
    const page = await fetch(profile.external_url!)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const html = await page.text()
    expect(html).toContain('<h1>Seven Two One</h1>')
    expect(html).toContain('by The Artist · video')
  })

  test('a hidden or unknown vibe is a 404 page, and it counts as no upstream call', async () => {
    for (const id of ['secret', 'nope']) {
      const page = await fetch(`${kit.url}/project/${id}`)
      expect(page.status).toBe(404)
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    }
    const calls = (await (await fetch(`${kit.url}/__sim/calls`)).json()) as Record<string, number>
    expect(Object.keys(calls).some((k) => k.includes('/project/'))).toBe(false)
  })
})
