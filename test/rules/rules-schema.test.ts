import { describe, expect, test } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { loadRulesFile } from '../../src/rules/load-rules.js'
import { rulesJsonSchema } from '../../src/rules/rules-schema.js'

describe('rules/rules.schema.json', () => {
  test('is the schema the loader validates with (run `npm run schema` when this fails)', async () => {
    const committed: unknown = JSON.parse(
      await readFile(new URL('../../rules/rules.schema.json', import.meta.url), 'utf8'),
    )
    expect(committed).toEqual(rulesJsonSchema())
  })

  test('describes every rule key, so editors can complete them', () => {
    const text = JSON.stringify(rulesJsonSchema())
    for (const key of [
      'paths',
      'methods',
      'hosts',
      'vibe',
      'token_ids',
      'min_amount',
      'issuer',
      'any',
      'all',
      'ttl',
      'audience',
    ]) {
      expect(text).toContain(`"${key}"`)
    }
  })
})

describe('the bundled rules files', () => {
  test.each(['rules/demo.yaml', 'rules/example.yaml'])(
    '%s is valid without warnings',
    async (file) => {
      const { rules, warnings } = await loadRulesFile(
        new URL(`../../${file}`, import.meta.url).pathname,
      )
      expect(warnings).toEqual([])
      expect(rules.rules.length).toBeGreaterThan(3)
    },
  )
})
