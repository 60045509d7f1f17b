/**
 * Caps on a rules file. A large or hostile file must not stall or exhaust the gate: the
 * caps are checked before the expensive work (the size before reading, depth and count while
 * parsing), and each is reported as a `FILE:LINE:COL: message` problem that names the limit
 * and what to do about it (issue #9: 10,000 rules stalled /healthz 2.2 s, a 200,000-deep
 * document cost 1.1 s and 236 MB).
 */

/** The caps; see {@link DEFAULT_RULES_LIMITS} for the defaults. */
export interface RulesLimits {
  /** Largest rules file, in bytes; default 8 MiB (8,388,608). */
  maxBytes: number
  /** Most rules in one file; default 20,000. */
  maxRules: number
  /** Deepest nesting of mappings and lists, the root mapping being depth 1; default 64. */
  maxDepth: number
}

/**
 * Default caps: 8 MiB, 20,000 rules, depth 64. A rules file needs a depth of about 10
 * (`any`/`all` add two levels each); 20,000 rules of the bench's shape are about 2 MiB.
 */
export const DEFAULT_RULES_LIMITS: Readonly<RulesLimits> = Object.freeze({
  maxBytes: 8 * 1024 * 1024,
  maxRules: 20_000,
  maxDepth: 64,
})

/**
 * The limits with defaults filled in. A value that is not a positive integer throws a
 * `TypeError` naming the option (misuse, found when the caller is built).
 */
export function resolveRulesLimits(options: Partial<RulesLimits> = {}): RulesLimits {
  const limits = { ...DEFAULT_RULES_LIMITS, ...withoutUndefined(options) }
  for (const name of ['maxBytes', 'maxRules', 'maxDepth'] as const) {
    const value = limits[name]
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new TypeError(`rules limits: ${name} must be a positive integer, got ${String(value)}`)
    }
  }
  return limits
}

/** The problem for a file larger than `maxBytes`. */
export function fileTooLargeMessage(bytes: number, limits: RulesLimits): string {
  return `the file is ${sizeOf(bytes)}; rules files are limited to ${sizeOf(limits.maxBytes)} (maxBytes): remove unused rules, or merge rules with the same requirement (one rule may list many paths and hosts)`
}

/** The problem for a file with more than `maxRules` rules, placed at the first one beyond. */
export function tooManyRulesMessage(limits: RulesLimits): string {
  return `more than ${limits.maxRules} rules; at most ${limits.maxRules} are allowed (maxRules): merge rules with the same requirement (one rule may list many paths and hosts)`
}

/** The problem for nesting deeper than `maxDepth`, placed at the first collection beyond. */
export function tooDeepMessage(limits: RulesLimits): string {
  return `nested more than ${limits.maxDepth} levels deep (maxDepth); a rules file needs about 10: look for unclosed brackets or runaway indentation here`
}

/** `64 GiB`, `9.5 MiB`, `512 KiB`, `300 bytes`. */
function sizeOf(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${trim(bytes / 1024 ** 3)} GiB`
  if (bytes >= 1024 * 1024) return `${trim(bytes / (1024 * 1024))} MiB`
  if (bytes >= 1024) return `${trim(bytes / 1024)} KiB`
  return `${bytes} bytes`
}

function trim(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1)
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, v]) => v !== undefined),
  ) as Partial<T>
}
