import type { LocatedMessage } from './describe-rules-issue.js'
import { parsePathPattern, type PathPattern } from './path-pattern.js'
import type { RuleInput } from './rules-schema.js'

/**
 * The checks of a rule's `pass` that span fields (docs/edge-pass.md): not on a public rule,
 * only on a rule that matches GET, and only with patterns the edge reads as the gate does.
 * `at` is the rule's path in the document. Empty when the rule has no pass or is fine.
 */
export function checkPassRule(rule: RuleInput, at: (string | number)[]): LocatedMessage[] {
  if (rule.pass === undefined) return []
  const path = [...at, 'pass']
  const problems: LocatedMessage[] = []
  if (rule.access === 'public') {
    problems.push({
      path,
      message: `rule "${rule.id}" is public: a pass has no use there (anyone may read these paths); remove "pass"`,
    })
  }
  const methods = rule.match.methods
  if (methods !== undefined && !methods.includes('GET')) {
    problems.push({
      path,
      message: `rule "${rule.id}" has "pass" but match.methods (${methods.join(', ')}) leaves out GET, and passes serve only GET and HEAD: add GET to match.methods or remove "pass"`,
    })
  }
  for (const [i, source] of rule.match.paths.entries()) {
    const parsed = parsePathPattern(source) as PathPattern
    // `%2A` decodes to a literal "*" segment, which the edge would read as a wildcard.
    if (parsed.segments.some((s) => s.kind === 'literal' && /^\*+$/.test(s.value))) {
      problems.push({
        path: [...at, 'match', 'paths', i],
        message: `rule "${rule.id}" has "pass" but "${source}" has a segment that decodes to "*", which the edge would read as a wildcard: rename that path or remove "pass"`,
      })
    }
  }
  return problems
}
