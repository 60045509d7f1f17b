/**
 * The hand-over from the rules worker to the main thread. The worker does the expensive part
 * (YAML parsing, validation, warnings) and sends the validated rules as plain JSON text; the
 * main thread compiles them again, a slice at a time, and lets the event loop answer
 * requests between slices. Compiling needs about 10 µs per rule, so a 10,000-rule file costs
 * about 100 ms of main-thread time in all, in turns of a few milliseconds (issue #9).
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { compileRule } from './compile-rule.js'
import type { CompiledRule, Rules } from './compiled-rules.js'
import type { ParsedRules, RulesProblem } from './load-rules.js'
import { createMatcherBuilder } from './rule-matcher.js'
import type { RuleInput } from './rules-schema.js'

/** Rules per slice: one slice is parsed and compiled in one turn of the event loop (~2 ms). */
export const RULES_PER_SLICE = 200

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
  /** Stops between slices, rejecting with the signal's reason (the watcher was closed). */
  signal?: AbortSignal
}

/**
 * Compiles a {@link RulesPayload} into {@link Rules} on the calling thread, yielding to the
 * event loop (`setImmediate`) after each slice so that pending requests are answered while
 * a large file is compiled. The input was validated by the worker, so this cannot fail.
 */
export async function assembleRules(
  payload: RulesPayload,
  options: AssembleOptions = {},
): Promise<Rules> {
  const compiled: CompiledRule[] = []
  const matcher = createMatcherBuilder<CompiledRule>()
  for (const slice of payload.slices) {
    options.signal?.throwIfAborted()
    for (const [input, line, column] of JSON.parse(slice) as RuleEntry[]) {
      const index = compiled.length
      const { rule } = compileRule(input, index, ['rules', index], { line, column })
      compiled.push(rule)
      matcher.add(rule)
    }
    await nextTurn()
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
