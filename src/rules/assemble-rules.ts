/**
 * The hand-over from the rules worker to the main thread. The worker does the expensive part
 * (YAML parsing, validation, warnings) and sends the validated rules as plain JSON text; the
 * main thread compiles them again, in turns of at most about 2 ms between which the event
 * loop answers requests. Compiling takes about 10 µs per rule, garbage collection included,
 * so a 10,000-rule file costs about 100 ms of main-thread time in all (issue #9).
 */
import { performance } from 'node:perf_hooks'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { compileRule, sharedParts } from './compile-rule.js'
import type { CompiledRule, Rules } from './compiled-rules.js'
import type { ParsedRules, RulesProblem } from './load-rules.js'
import { createMatcherBuilder } from './rule-matcher.js'
import type { RuleInput } from './rules-schema.js'

/** Rules per slice of JSON text: parsing one takes well under a millisecond. */
export const RULES_PER_SLICE = 100
/** Default longest stretch of compiling between two turns of the event loop, ms. */
export const DEFAULT_TURN_BUDGET_MS = 2

/** What the rules worker sends for a good file: plain data, copied cheaply between threads. */
export interface RulesPayload {
  file: string
  /** sha256 (hex) of the file's content. */
  hash: string
  default: Rules['default']
  /**
   * The validated rules in file order, as JSON text of `[input, line, column][]`, at most
   * {@link RULES_PER_SLICE} per slice. Text crosses the thread boundary as one copy, where a
   * structured object would be rebuilt on the main thread all at once.
   */
  slices: string[]
  /** Warnings of the file (shadowed rules, ...), already placed. */
  warnings: RulesProblem[]
}

/** One rule as it travels: the validated input and where it starts in the file. */
type RuleEntry = [input: RuleInput, line: number, column: number]

/** Packs a parsed rules file for the main thread; runs in the worker. */
export function toRulesPayload(parsed: ParsedRules, perSlice = RULES_PER_SLICE): RulesPayload {
  const { rules, inputs, warnings } = parsed
  const slices: string[] = []
  for (let start = 0; start < inputs.length; start += perSlice) {
    const entries: RuleEntry[] = inputs
      .slice(start, start + perSlice)
      .map((input, i) => [input, rules.rules[start + i]!.line, rules.rules[start + i]!.column])
    slices.push(JSON.stringify(entries))
  }
  return { file: rules.file, hash: rules.hash, default: rules.default, slices, warnings }
}

/** Options of {@link assembleRules}. */
export interface AssembleOptions {
  /** Stops between turns, rejecting with the signal's reason (the watcher was closed). */
  signal?: AbortSignal
  /** Longest stretch of compiling before yielding to the event loop, ms; default 2. */
  turnBudgetMs?: number
}

/**
 * Compiles a {@link RulesPayload} into {@link Rules} on the calling thread, yielding to the
 * event loop (`setImmediate`) whenever `turnBudgetMs` has been spent, so that requests are
 * answered while a large file is compiled. The budget is small because one request may
 * need several turns of the event loop, and each of them may run one stretch of compiling.
 * The input was validated by the worker, so this cannot fail.
 */
export async function assembleRules(
  payload: RulesPayload,
  options: AssembleOptions = {},
): Promise<Rules> {
  const budget = options.turnBudgetMs ?? DEFAULT_TURN_BUDGET_MS
  const compiled: CompiledRule[] = []
  const matcher = createMatcherBuilder<CompiledRule>()
  const shared = sharedParts()
  let turnStarted = performance.now()
  for (const slice of payload.slices) {
    for (const [input, line, column] of JSON.parse(slice) as RuleEntry[]) {
      const index = compiled.length
      const { rule } = compileRule(input, index, ['rules', index], { line, column }, shared)
      compiled.push(rule)
      matcher.add(rule)
      if (performance.now() - turnStarted >= budget) {
        await nextTurn()
        options.signal?.throwIfAborted()
        turnStarted = performance.now()
      }
    }
  }
  options.signal?.throwIfAborted()
  return {
    file: payload.file,
    hash: payload.hash,
    default: payload.default,
    rules: compiled,
    matcher: matcher.build(),
  }
}
