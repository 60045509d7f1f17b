import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { compileRule } from './compile-rule.js'
import type { CompiledRule, Rules } from './compiled-rules.js'
import { describeRulesIssue, type LocatedMessage } from './describe-rules-issue.js'
import { compileMatcher } from './rule-matcher.js'
import { ruleSchema, rulesFileSchema } from './rules-schema.js'
import { findFallthroughs, findShadowedRules } from './shadowed-rules.js'
import { formatFieldPath, parseYamlSource } from '../util/yaml-source.js'

/** One problem in a rules file, with its position. */
export interface RulesProblem {
  severity: 'error' | 'warning'
  file: string
  /** 1-based. */
  line: number
  /** 1-based. */
  column: number
  /** Field path such as `rules[3].match.paths[0]`, or '' for the whole file. */
  field: string
  message: string
}

/** A rules file that cannot be used; `problems` lists every error (and warning) at once. */
export class RulesFileError extends Error {
  override name = 'RulesFileError'
  constructor(readonly problems: readonly RulesProblem[]) {
    super(
      problems
        .filter((p) => p.severity === 'error')
        .map(formatProblem)
        .join('\n'),
    )
  }
}

/** `FILE:LINE:COL: field: message`, with `warning: ` before the field for warnings. */
export function formatProblem(p: RulesProblem): string {
  const where = p.field ? `${p.field}: ` : ''
  return `${p.file}:${p.line}:${p.column}: ${p.severity === 'warning' ? 'warning: ' : ''}${where}${p.message}`
}

/**
 * Parses and validates a rules file (YAML or JSON) and compiles it. Throws a
 * {@link RulesFileError} listing every problem when anything is wrong; otherwise returns
 * the rules and the warnings (such as shadowed rules).
 */
export function parseRules(text: string, file: string): { rules: Rules; warnings: RulesProblem[] } {
  const source = parseYamlSource(text)
  const problems: RulesProblem[] = source.syntaxErrors.map((e) => ({
    severity: 'error',
    file,
    line: e.line,
    column: e.column,
    field: '',
    message: e.message,
  }))
  if (problems.length > 0) throw new RulesFileError(problems)

  const value = source.value
  const locate = (m: LocatedMessage, severity: RulesProblem['severity']): RulesProblem => ({
    severity,
    file,
    // An unknown key's path ends with the key; it is found inside its parent mapping.
    ...(m.key === undefined
      ? source.position(m.path)
      : source.position(m.path.slice(0, -1), m.key)),
    field: formatFieldPath(m.path),
    message: m.message,
  })
  const valueAt = (path: readonly (string | number)[]): unknown =>
    path.reduce<unknown>(
      (v, key) =>
        v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined,
      value,
    )

  const structural = rulesFileSchema.safeParse(value)
  if (!structural.success) {
    for (const issue of structural.error.issues) {
      problems.push(...describeRulesIssue(issue, valueAt).map((m) => locate(m, 'error')))
    }
  }

  // Each rule that is structurally sound gets the deeper checks, so one pass reports all.
  const rawRules = valueAt(['rules'])
  const compiled: CompiledRule[] = []
  const firstById = new Map<string, number>()
  const warnings: RulesProblem[] = []
  if (Array.isArray(rawRules)) {
    rawRules.forEach((raw: unknown, index) => {
      const at = ['rules', index]
      const exclusive = requireXorAccess(raw, at)
      if (exclusive) problems.push(locate(exclusive, 'error'))
      const parsed = ruleSchema.safeParse(raw)
      if (!parsed.success || exclusive) return
      const previous = firstById.get(parsed.data.id)
      if (previous !== undefined) {
        const message = `duplicate id "${parsed.data.id}"; rules[${previous}] has it already`
        problems.push(locate({ path: [...at, 'id'], message }, 'error'))
      } else firstById.set(parsed.data.id, index)
      const result = compileRule(parsed.data, index, at, source.position(at))
      warnings.push(...result.warnings.map((m) => locate(m, 'warning')))
      compiled.push(result.rule)
    })
  }
  if (problems.length > 0) {
    const byPosition = (a: RulesProblem, b: RulesProblem): number =>
      a.line - b.line || a.column - b.column
    throw new RulesFileError([...problems.sort(byPosition), ...warnings])
  }

  const data = structural.data!
  const matcher = compileMatcher(compiled)
  for (const shadow of findShadowedRules(compiled, matcher)) {
    warnings.push(
      locate({ path: ['rules', shadow.rule.index, 'id'], message: shadow.message }, 'warning'),
    )
  }
  for (const fall of findFallthroughs(compiled, matcher, data.default ?? 'deny')) {
    warnings.push(
      locate({ path: ['rules', fall.rule.index, 'match'], message: fall.message }, 'warning'),
    )
  }
  const rules: Rules = {
    file,
    hash: createHash('sha256').update(text).digest('hex'),
    default: data.default ?? 'deny',
    rules: compiled,
    matcher,
  }
  return { rules, warnings }
}

/** Reads and parses a rules file; see {@link parseRules}. */
export async function loadRulesFile(
  file: string,
): Promise<{ rules: Rules; warnings: RulesProblem[] }> {
  return parseRules(await readFile(file, 'utf8'), file)
}

/** A rule needs exactly one of `require` and `access`; checked on the raw value so it is
 * reported together with the rule's other problems. */
function requireXorAccess(raw: unknown, at: (string | number)[]): LocatedMessage | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined
  const rule = raw as Record<string, unknown>
  const id = typeof rule.id === 'string' ? rule.id : `#${String(at[1])}`
  if ('require' in rule && 'access' in rule) {
    return {
      path: [...at, 'access'],
      message: `rule "${id}" has both "require" and "access"; keep one`,
    }
  }
  if (!('require' in rule) && !('access' in rule)) {
    return {
      path: [...at, 'id'],
      message: `rule "${id}" needs "require" (ownership) or "access: public | authenticated"`,
    }
  }
  return undefined
}
