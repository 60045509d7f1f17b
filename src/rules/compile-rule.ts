import type { CompiledRule, PassSettings, TokenSettings } from './compiled-rules.js'
import { DEFAULT_AUDIENCE, DEFAULT_TTL_SECONDS, MAX_PASS_BYTES } from './compiled-rules.js'
import type { LocatedMessage } from './describe-rules-issue.js'
import { parseDuration } from './duration.js'
import { parseHostPattern, type HostPattern } from './host-pattern.js'
import {
  addEarlierPatterns,
  canonicalPatternText,
  earlierPatterns,
  passFixedBytes,
  passSettings,
  PASS_REQUEST_FIELDS_BYTES,
  type EarlierPatterns,
} from './pass-scope.js'
import { parsePathPattern, type PathPattern, type PatternSegment } from './path-pattern.js'
import type { Requirement } from './requirement.js'
import type { RequirementInput, RuleInput } from './rules-schema.js'
import { TokenIdSet } from './token-id-set.js'
import { vibeIdAdvice } from './vibe-id-advice.js'

/** The outcome of compiling one valid rule. */
export interface CompileResult {
  rule: CompiledRule
  warnings: LocatedMessage[]
}

/**
 * Parts that many rules of one file have in common (path segments such as `artists` or
 * `**`, method sets, token settings), kept once: a 10,000-rule file then holds a fifth fewer
 * objects, which the garbage collector moves while the main thread compiles (issue #9).
 * Create one per file with {@link sharedParts}.
 */
export interface SharedParts {
  segments: Map<string, PatternSegment>
  methods: Map<string, ReadonlySet<string>>
  tokens: Map<string, TokenSettings>
  /** The patterns of the rules compiled so far: the `n` of a later rule's pass. */
  earlier: EarlierPatterns
}

/** An empty {@link SharedParts}, for one file. */
export function sharedParts(): SharedParts {
  return { segments: new Map(), methods: new Map(), tokens: new Map(), earlier: earlierPatterns() }
}

/** The value kept under `key`, or `make()` kept from now on. */
function once<V>(map: Map<string, V>, key: string, make: () => V): V {
  let value = map.get(key)
  if (value === undefined) map.set(key, (value = make()))
  return value
}

/**
 * Builds a rule that passed `ruleSchema` (which already checked its patterns, hosts, ttl
 * and token ids) and has exactly one of `require` and `access`. `at` is its path in the
 * document, for warnings. Rules of one file are compiled in file order with one `shared`:
 * a rule's pass lists the patterns of the rules compiled before it.
 */
export function compileRule(
  input: RuleInput,
  index: number,
  at: (string | number)[],
  position: { line: number; column: number },
  shared: SharedParts = sharedParts(),
): CompileResult {
  const warnings: LocatedMessage[] = []
  const patterns = input.match.paths.map((source) => {
    const { segments } = parsePathPattern(source) as PathPattern
    return {
      source,
      segments: segments.map((seg) =>
        once(shared.segments, seg.kind === 'literal' ? `/${seg.value}` : seg.kind, () => seg),
      ),
    }
  })
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
    methods:
      input.match.methods &&
      once(
        shared.methods,
        [...input.match.methods].sort().join(),
        () => new Set(input.match.methods),
      ),
    hosts,
    access: input.access ?? 'require',
    requirement,
    token: tokenSettings(input, shared),
    pass: undefined,
  }
  if (input.pass !== undefined) {
    rule.pass = passSettings(
      input.id,
      parseDuration(input.pass.ttl) / 1000,
      patterns.map((p) => p.segments),
      shared.earlier,
    )
    const warning = passSizeWarning(input.id, rule.pass)
    if (warning) warnings.push({ path: [...at, 'pass'], message: warning })
  }
  // Only while they fit in a pass, so a large file without passes pays little for this.
  if (!shared.earlier.overflow) {
    addEarlierPatterns(
      shared.earlier,
      patterns.map((p) => canonicalPatternText(p.segments)),
    )
  }
  return { rule, warnings }
}

/** The `rules check` warning for a pass that is, or may be, too large to issue. */
function passSizeWarning(id: string, pass: PassSettings): string | undefined {
  const fix = `move rule "${id}" above rules it does not need to follow, or use fewer, shorter path patterns`
  if (pass.unfit === 'no_edge_path')
    return `rule "${id}": no pass is ever issued: every one of its paths has a segment with characters the edge does not compare (it compares A-Z a-z 0-9 and . _ ~ ! $ & ' ( ) * + = : @ -); remove pass from this rule, or rename those paths`
  if (!pass.fits)
    return `rule "${id}": no pass is ever issued: its paths and the earlier rules' paths (n) make the pass larger than ${MAX_PASS_BYTES} bytes; ${fix}`
  const bytes = passFixedBytes(pass.scope)
  if (bytes + PASS_REQUEST_FIELDS_BYTES > MAX_PASS_BYTES)
    return `rule "${id}": the pass is ${bytes} bytes before host and user; with a long host it exceeds ${MAX_PASS_BYTES} and is not issued; ${fix}`
  return undefined
}

function tokenSettings(input: RuleInput, shared: SharedParts): TokenSettings {
  const ttlSeconds =
    input.token?.ttl === undefined ? DEFAULT_TTL_SECONDS : parseDuration(input.token.ttl) / 1000
  const audience = input.token?.audience ?? DEFAULT_AUDIENCE
  return once(shared.tokens, `${ttlSeconds} ${audience}`, () => ({ ttlSeconds, audience }))
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
  const advice = vibeIdAdvice(input.vibe)
  if (advice) warnings.push({ path: [...at, 'vibe'], message: advice })
  return { kind: 'vibe', vibe: input.vibe, tokenIds, minAmount: input.min_amount ?? 1 }
}
