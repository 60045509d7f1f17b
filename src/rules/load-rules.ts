import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { compileRule, sharedParts } from './compile-rule.js'
import type { CompiledRule, Rules } from './compiled-rules.js'
import { describeRulesIssue, type LocatedMessage } from './describe-rules-issue.js'
import { checkPassRule } from './pass-checks.js'
import { compileMatcher } from './rule-matcher.js'
import {
  fileTooLargeMessage,
  resolveRulesLimits,
  tooDeepMessage,
  tooManyRulesMessage,
  type RulesLimits,
} from './rules-limits.js'
import { ruleSchema, rulesFileSchema, type RuleInput } from './rules-schema.js'
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
  /** Set when the problem is a limit or the check itself, not the file's content. */
  code?: RulesProblemCode
}

/**
 * Problems that are not about the content: the file exceeds a limit of {@link RulesLimits}
 * (`file_too_large`, `too_many_rules`, `too_deep`), or checking it failed (`check_timed_out`,
 * `check_out_of_memory`, `check_failed`: the worker that parses it timed out, ran out of
 * memory or crashed).
 */
export type RulesProblemCode =
  | 'file_too_large'
  | 'too_many_rules'
  | 'too_deep'
  | 'check_timed_out'
  | 'check_out_of_memory'
  | 'check_failed'

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

  /** True when checking failed (timed out, crashed), not the content: worth trying again. */
  get retryable(): boolean {
    return this.problems.some((p) => p.code === 'check_timed_out' || p.code === 'check_failed')
  }
}

/** `FILE:LINE:COL: field: message`, with `warning: ` before the field for warnings. */
export function formatProblem(p: RulesProblem): string {
  const where = p.field ? `${p.field}: ` : ''
  return `${p.file}:${p.line}:${p.column}: ${p.severity === 'warning' ? 'warning: ' : ''}${where}${p.message}`
}

/** A parsed rules file; see {@link parseRules}. */
export interface ParsedRules {
  rules: Rules
  /** Warnings such as shadowed rules, in file order. */
  warnings: RulesProblem[]
  /**
   * Each rule as written, validated, in the order of `rules.rules`: the plain form the rules
   * worker hands to the main thread, which compiles it again (see `assembleRules`).
   */
  inputs: RuleInput[]
}

/**
 * Parses and validates a rules file (YAML or JSON) and compiles it. Throws a
 * {@link RulesFileError} listing every problem when anything is wrong; otherwise returns
 * the rules and the warnings (such as shadowed rules). `limits` (defaults in
 * `DEFAULT_RULES_LIMITS`) are checked first: a file beyond one is refused before the
 * expensive work, with that one problem.
 */
export function parseRules(
  text: string,
  file: string,
  limits: Partial<RulesLimits> = {},
): ParsedRules {
  const caps = resolveRulesLimits(limits)
  const limitProblem = (
    code: RulesProblemCode,
    at: { line: number; column: number },
    field: string,
    message: string,
  ): RulesFileError => limitError({ file, ...at, field, message, code })
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > caps.maxBytes) {
    throw limitProblem(
      'file_too_large',
      { line: 1, column: 1 },
      '',
      fileTooLargeMessage(bytes, caps),
    )
  }
  const source = parseYamlSource(text, {
    maxDepth: caps.maxDepth,
    maxItems: { key: 'rules', max: caps.maxRules },
  })
  const exceeded = source.limitExceeded
  if (exceeded?.limit === 'maxDepth') {
    throw limitProblem('too_deep', exceeded, '', tooDeepMessage(caps))
  }
  if (exceeded?.limit === 'maxItems') {
    const field = formatFieldPath(['rules', caps.maxRules])
    throw limitProblem('too_many_rules', exceeded, field, tooManyRulesMessage(caps))
  }
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

  const rawRules = valueAt(['rules'])
  // Exact, and after aliases are expanded; the parse checked the written list already.
  if (Array.isArray(rawRules) && rawRules.length > caps.maxRules) {
    const at = ['rules', caps.maxRules]
    throw limitProblem(
      'too_many_rules',
      source.position(at),
      formatFieldPath(at),
      tooManyRulesMessage(caps),
    )
  }

  const structural = rulesFileSchema.safeParse(value)
  if (!structural.success) {
    for (const issue of structural.error.issues) {
      problems.push(...describeRulesIssue(issue, valueAt).map((m) => locate(m, 'error')))
    }
  }

  // Each rule that is structurally sound gets the deeper checks, so one pass reports all.
  const compiled: CompiledRule[] = []
  const inputs: RuleInput[] = []
  const firstById = new Map<string, number>()
  const warnings: RulesProblem[] = []
  const shared = sharedParts()
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
      problems.push(...checkPassRule(parsed.data, at).map((m) => locate(m, 'error')))
      const result = compileRule(parsed.data, index, at, source.position(at), shared)
      warnings.push(...result.warnings.map((m) => locate(m, 'warning')))
      compiled.push(result.rule)
      inputs.push(parsed.data)
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
  return { rules, warnings, inputs }
}

/**
 * Reads and parses a rules file; see {@link parseRules}. A file larger than
 * `limits.maxBytes` is refused before it is read.
 */
export async function loadRulesFile(
  file: string,
  limits: Partial<RulesLimits> = {},
): Promise<ParsedRules> {
  const caps = resolveRulesLimits(limits)
  const { size } = await stat(file)
  if (size > caps.maxBytes) {
    const message = fileTooLargeMessage(size, caps)
    throw limitError({ file, line: 1, column: 1, field: '', message, code: 'file_too_large' })
  }
  return parseRules(await readFile(file, 'utf8'), file, caps)
}

/** The error for a file that exceeds a limit, or could not be checked: one problem, with a code. */
export function limitError(problem: Omit<RulesProblem, 'severity'>): RulesFileError {
  return new RulesFileError([{ severity: 'error', ...problem }])
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
