import type { HostPattern } from './host-pattern.js'
import type { Requirement } from './requirement.js'
import type { MatchableRule, MatchRequest, RuleMatcher } from './rule-matcher.js'

/** What a rule, or the default, grants. */
export type Access = 'public' | 'authenticated' | 'require'

/** The JWT issued when a rule allows. */
export interface TokenSettings {
  /** Lifetime in seconds; default 120, at most 900. */
  ttlSeconds: number
  /** The `aud` claim; default `vibegate`. */
  audience: string
}

/** A rule after validation, ready to match. */
export interface CompiledRule extends MatchableRule {
  id: string
  description: string | undefined
  /** Where the rule starts in its file (1-based), for messages and `rules explain`. */
  line: number
  column: number
  /** Upper-case methods; undefined = every method. */
  methods: ReadonlySet<string> | undefined
  hosts: readonly HostPattern[] | undefined
  access: Access
  /** Set exactly when `access` is `require`. */
  requirement: Requirement | undefined
  token: TokenSettings
  /** The rule's `pass` (docs/edge-pass.md), computed once at load; undefined without one. */
  pass: PassSettings | undefined
}

/**
 * What issuing an edge pass for a rule needs, computed once when the rules are loaded, so
 * the decision path only adds the per-request fields (docs/edge-pass.md).
 */
export interface PassSettings {
  /** `pass.ttl` in seconds: 1 to {@link MAX_PASS_TTL_SECONDS}. */
  ttlSeconds: number
  /** `p`: the rule's canonical path patterns, e.g. `/media/stream/**`. */
  patterns: readonly string[]
  /**
   * `n`: the canonical patterns of the earlier rules that some path of `p` could also match,
   * in file order; `[]` when none (and when the pass does not fit).
   */
  earlier: readonly string[]
  /** The cookie's `Path`: the patterns' common leading literal segments, ending in `/`. */
  cookiePath: string
  /**
   * `p` and `n` as the pass carries them, `<count of p>|<p>...|<n>...` in the edge's forms
   * (docs/edge-pass.md), written once; `''` when the pass does not fit.
   */
  scope: string
  /**
   * False when no pass is ever issued for the rule: its pass would exceed
   * {@link MAX_PASS_BYTES} whatever the request (`p` and `n` alone are too large), or none
   * of its patterns is one the edge can compare. `earlier` is then `[]`.
   */
  fits: boolean
  /** Why the pass does not fit; undefined when it does. */
  unfit: 'too_large' | 'no_edge_path' | undefined
}

/** A loaded rules file: immutable; a reload builds a new one. */
export interface Rules {
  file: string
  /** sha256 (hex) of the file's content. */
  hash: string
  /** What requests no rule matches get. */
  default: 'deny' | 'public' | 'authenticated'
  rules: readonly CompiledRule[]
  matcher: RuleMatcher<CompiledRule>
}

/** Default JWT lifetime, seconds. */
export const DEFAULT_TTL_SECONDS = 120
/** Longest JWT lifetime a rule may ask for, seconds. */
export const MAX_TTL_SECONDS = 900
/** Longest edge pass a rule may ask for (`pass.ttl`), seconds. */
export const MAX_PASS_TTL_SECONDS = 300
/**
 * Largest signed part of a pass issued, bytes (all before the signature); a larger one is not
 * issued (docs/edge-pass.md).
 */
export const MAX_PASS_BYTES = 3000
/** Default JWT audience. */
export const DEFAULT_AUDIENCE = 'vibegate'

export type { MatchRequest }
