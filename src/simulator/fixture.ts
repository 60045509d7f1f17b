/**
 * The simulator's fixture: which apps, users, vibes and holdings it starts with (contract
 * section 7). YAML or JSON (JSON is YAML). Every problem is reported at once with the file,
 * line:column, field path and a fix, e.g.
 * `demo.yaml:41:11: holdings[2].vibe: unknown vibe 'nxwyqow'; known vibes: nxwyqqow, ...`.
 */
import { readFile } from 'node:fs/promises'
import { parseYamlSource } from '../util/yaml-source.js'
import { z } from 'zod'
import {
  checkFixtureReferences,
  formatPath,
  type FixtureProblem,
} from './check-fixture-references.js'
import { describeZodIssue } from './describe-zod-issue.js'
import { FixtureError } from './fixture-error.js'
import {
  FIXTURE_FIELDS,
  fixtureAppSchema,
  fixtureHoldingSchema,
  fixtureUserSchema,
  fixtureVibeSchema,
} from './fixture-items.js'

export { FixtureError } from './fixture-error.js'
export type { FixtureApp, FixtureHolding, FixtureUser, FixtureVibe } from './fixture-items.js'

/**
 * The whole fixture: `apps` (at least one), `users`, `vibes` (default none) and `holdings`
 * (default none), with every cross-reference checked (see `checkFixtureReferences`).
 * `parseFixture` reports the same problems with line numbers; use this schema for fixtures
 * built in code.
 */
export const fixtureSchema = z
  .strictObject({
    apps: z.array(fixtureAppSchema).min(1, 'needs at least one app'),
    users: z.array(fixtureUserSchema),
    vibes: z.array(fixtureVibeSchema).default([]),
    holdings: z.array(fixtureHoldingSchema).default([]),
  })
  .superRefine((fixture, ctx) => {
    for (const problem of checkFixtureReferences(fixture)) {
      ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message })
    }
  })

/** A valid fixture, with defaults filled in (user uuids, `hidden: false`, ...). */
export type Fixture = z.output<typeof fixtureSchema>
/** A fixture as written, before defaults. */
export type FixtureInput = z.input<typeof fixtureSchema>

const topSchema = z.strictObject({
  apps: z
    .array(z.unknown())
    .min(1, 'needs at least one app: add apps: [{ api_key, api_secret, redirect_uris }]'),
  users: z.array(z.unknown()),
  vibes: z.array(z.unknown()).optional(),
  holdings: z.array(z.unknown()).optional(),
})

/**
 * Parses and checks a fixture from `text` (YAML or JSON); `file` only names it in
 * messages. Throws a {@link FixtureError} listing every problem.
 */
export function parseFixture(text: string, file: string): Fixture {
  const source = parseYamlSource(text)
  if (source.syntaxErrors.length > 0) {
    throw new FixtureError(
      file,
      source.syntaxErrors.map((e) => `${file}:${e.line}:${e.column}: ${e.message}`),
    )
  }
  const located: string[] = []
  const report = (problem: FixtureProblem, key?: string) => {
    const { line, column } = source.position(problem.path, key)
    located.push(`${file}:${line}:${column}: ${formatPath(problem.path)}: ${problem.message}`)
  }
  const raw = source.value
  const top = topSchema.safeParse(raw, { reportInput: true })
  if (!top.success) {
    for (const issue of top.error.issues) {
      const message = describeZodIssue(issue, Object.keys(topSchema.shape))
      const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined
      report({ path: issue.path.map(pathPart), message }, key)
    }
  }
  const rawSections = isRecord(raw) ? raw : {}
  const sections = {
    apps: parseSection('apps', rawSections.apps, fixtureAppSchema, report),
    users: parseSection('users', rawSections.users, fixtureUserSchema, report),
    vibes: parseSection('vibes', rawSections.vibes, fixtureVibeSchema, report),
    holdings: parseSection('holdings', rawSections.holdings, fixtureHoldingSchema, report),
  }
  const invalidIds = {
    users: invalidIdsOf(rawSections.users, sections.users),
    vibes: invalidIdsOf(rawSections.vibes, sections.vibes),
  }
  for (const problem of checkFixtureReferences({ ...sections, invalidIds })) report(problem)
  if (located.length > 0) throw new FixtureError(file, located)
  return {
    apps: sections.apps.filter((x) => x !== undefined),
    users: sections.users.filter((x) => x !== undefined),
    vibes: sections.vibes.filter((x) => x !== undefined),
    holdings: sections.holdings.filter((x) => x !== undefined),
  }
}

/** Reads and parses a fixture file; a file that cannot be read is a {@link FixtureError} too. */
export async function loadFixture(file: string): Promise<Fixture> {
  let source: string
  try {
    source = await readFile(file, 'utf8')
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new FixtureError(file, [`${file}: cannot read the fixture file (${reason})`])
  }
  return parseFixture(source, file)
}

/** Parses each entry of a section on its own, so one bad entry does not hide the others. */
function parseSection<T>(
  name: keyof typeof FIXTURE_FIELDS,
  entries: unknown,
  schema: z.ZodType<T>,
  report: (problem: FixtureProblem, key?: string) => void,
): (T | undefined)[] {
  if (!Array.isArray(entries)) return []
  const allowed = FIXTURE_FIELDS[name]
  return entries.map((entry: unknown, index) => {
    const result = schema.safeParse(entry, { reportInput: true })
    if (result.success) return result.data
    for (const issue of result.error.issues) {
      const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined
      report(
        {
          path: [name, index, ...issue.path.map(pathPart)],
          message: describeZodIssue(issue, allowed),
        },
        key,
      )
    }
    return undefined
  })
}

function invalidIdsOf(entries: unknown, parsed: readonly unknown[]): Set<string> {
  const ids = new Set<string>()
  if (!Array.isArray(entries)) return ids
  entries.forEach((entry: unknown, i) => {
    if (parsed[i] === undefined && isRecord(entry) && typeof entry.id === 'string')
      ids.add(entry.id)
  })
  return ids
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function pathPart(part: PropertyKey): string | number {
  return typeof part === 'number' ? part : String(part)
}
