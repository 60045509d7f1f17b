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
/** Default JWT audience. */
export const DEFAULT_AUDIENCE = 'vibegate'

export type { MatchRequest }
