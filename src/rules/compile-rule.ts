import type { CompiledRule } from './compiled-rules.js'
import { DEFAULT_AUDIENCE, DEFAULT_TTL_SECONDS } from './compiled-rules.js'
import type { LocatedMessage } from './describe-rules-issue.js'
import { parseDuration } from './duration.js'
import { parseHostPattern, type HostPattern } from './host-pattern.js'
import { parsePathPattern, type PathPattern } from './path-pattern.js'
import type { Requirement } from './requirement.js'
import type { RequirementInput, RuleInput } from './rules-schema.js'
import { TokenIdSet } from './token-id-set.js'

/** The outcome of compiling one valid rule. */
export interface CompileResult {
  rule: CompiledRule
  warnings: LocatedMessage[]
}

/**
 * Builds a rule that passed `ruleSchema` (which already checked its patterns, hosts, ttl
 * and token ids) and has exactly one of `require` and `access`. `at` is its path in the
 * document, for warnings.
 */
export function compileRule(
  input: RuleInput,
  index: number,
  at: (string | number)[],
  position: { line: number; column: number },
): CompileResult {
  const warnings: LocatedMessage[] = []
  const patterns = input.match.paths.map((source) => parsePathPattern(source) as PathPattern)
  const hosts = input.match.hosts?.map((source) => parseHostPattern(source) as HostPattern)
  const requirement =
    input.require === undefined
      ? undefined
      : compileRequirement(input.require, [...at, 'require'], warnings)
  const rule: CompiledRule = {
    index,
    id: input.id,
    description: input.description,
    line: position.line,
    column: position.column,
    patterns,
    methods: input.match.methods ? new Set<string>(input.match.methods) : undefined,
    hosts,
    access: input.access ?? 'require',
    requirement,
    token: {
      ttlSeconds:
        input.token?.ttl === undefined
          ? DEFAULT_TTL_SECONDS
          : parseDuration(input.token.ttl) / 1000,
      audience: input.token?.audience ?? DEFAULT_AUDIENCE,
    },
  }
  return { rule, warnings }
}

function compileRequirement(
  input: RequirementInput,
  at: (string | number)[],
  warnings: LocatedMessage[],
): Requirement {
  if ('any' in input || 'all' in input) {
    const kind = 'any' in input ? 'any' : 'all'
    const parts = 'any' in input ? input.any : input.all
    return {
      kind,
      of: parts.map((part, i) => compileRequirement(part, [...at, kind, i], warnings)),
    }
  }
  if ('issuer' in input) return { kind: 'issuer', issuer: input.issuer }
  let tokenIds: TokenIdSet | undefined
  if (input.token_ids) {
    const parsed = TokenIdSet.parse(input.token_ids)
    parsed.warnings.forEach((w) =>
      warnings.push({ path: [...at, 'token_ids', w.index], message: w.message }),
    )
    tokenIds = parsed.set
  }
  return { kind: 'vibe', vibe: input.vibe, tokenIds, minAmount: input.min_amount ?? 1 }
}
