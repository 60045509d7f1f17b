import { formatProblem, parseRules, RulesFileError, type ParsedRules } from '../rules/load-rules.js'
import type { RulesLimits } from '../rules/rules-limits.js'

/** One problem of a rules text, as `vibegate rules check` reports it. */
export interface CheckedProblem {
  severity: 'error' | 'warning'
  /** 1-based. */
  line: number
  /** 1-based. */
  column: number
  /** `rules[3].match.paths[0]`, or '' for the whole file. */
  field: string
  message: string
  /** The line `vibegate rules check` prints: `FILE:LINE:COL: [warning: ]field: message`. */
  text: string
}

/** The outcome of {@link checkRulesText}. */
export interface RulesCheck {
  ok: boolean
  /** `FILE: ok, N rules, default D` when ok (the line `rules check` prints), else ''. */
  summary: string
  /** Errors and warnings (shadowed rules, fall-throughs), in the order `rules check` prints them. */
  problems: CheckedProblem[]
  /** The parsed rules when ok. */
  parsed: ParsedRules | undefined
}

/**
 * Runs exactly the checks of `vibegate rules check` on a rules text (the same `parseRules`,
 * the same limits, the same messages, shadowing warnings included), naming it `file`.
 */
export function checkRulesText(
  text: string,
  file: string,
  limits: Partial<RulesLimits> = {},
): RulesCheck {
  try {
    const parsed = parseRules(text, file, limits)
    const n = parsed.rules.rules.length
    return {
      ok: true,
      summary: `${file}: ok, ${n} rule${n === 1 ? '' : 's'}, default ${parsed.rules.default}`,
      problems: parsed.warnings.map(toChecked),
      parsed,
    }
  } catch (err) {
    if (!(err instanceof RulesFileError)) throw err
    return { ok: false, summary: '', problems: err.problems.map(toChecked), parsed: undefined }
  }
}

function toChecked(p: RulesFileError['problems'][number]): CheckedProblem {
  return {
    severity: p.severity,
    line: p.line,
    column: p.column,
    field: p.field,
    message: p.message,
    text: formatProblem(p),
  }
}
