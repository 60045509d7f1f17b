import { systemClock, type Clock } from '../util/clock.js'
import { silentLogger, type Logger } from '../util/logger.js'
import { watchFile } from '../util/watched-file.js'
import type { Rules } from './compiled-rules.js'
import { formatProblem, parseRules, RulesFileError } from './load-rules.js'

/** The state of the rules file, for `/metrics` and `/readyz`. */
export interface RulesStatus {
  /** The file in force and the sha256 of its content. */
  file: string
  hash: string
  /** Number of rules in force. */
  rules: number
  /** Successful reloads since start (the first load not counted). */
  reloads: number
  /** Rejected reloads since start: the previous rules stayed in force each time. */
  failures: number
  /** False while the file on disk is broken (the previous rules are in force). */
  lastReloadOk: boolean
  /** When the rules in force were loaded, ms since the epoch. */
  loadedAt: number
}

/** The live rules: always a valid set, swapped atomically when the file changes. */
export interface RulesSource {
  /** The rules in force; synchronous and cheap (the hot path calls it per request). */
  current(): Rules
  status(): RulesStatus
  /** Re-reads the file now (SIGHUP, tests). */
  reload(): Promise<void>
  close(): Promise<void>
}

/** Options of {@link watchRules}. */
export interface WatchRulesOptions {
  file: string
  logger?: Logger
  clock?: Clock
  /** Called after each reload attempt that changed something (metrics). */
  onReload?: (status: RulesStatus) => void
  /** See `watchFile`: defaults 100 ms and 1000 ms, so a change applies within about 1 s. */
  debounceMs?: number
  pollIntervalMs?: number
}

/**
 * Loads the rules file and keeps it current. The first load must succeed (it rejects with
 * a {@link RulesFileError} listing every problem, so the gate never starts without rules).
 * Afterwards a broken file is logged problem by problem, counted, and the previous rules
 * stay in force; warnings of a good file are logged when it is loaded.
 */
export async function watchRules(options: WatchRulesOptions): Promise<RulesSource> {
  const logger = (options.logger ?? silentLogger()).child({ component: 'rules' })
  const clock = options.clock ?? systemClock
  let loadedAt = clock.now()
  let reloads = 0
  let failures = 0
  let lastReloadOk = true

  const parse = (text: string, file: string): Rules => {
    const { rules, warnings } = parseRules(text, file)
    for (const w of warnings) logger.warn({ file, problem: formatProblem(w) }, 'rules warning')
    return rules
  }
  const watched = await watchFile({
    file: options.file,
    parse,
    logger,
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    onReload: (event) => {
      lastReloadOk = event.ok
      if (event.ok) {
        reloads++
        loadedAt = clock.now()
        logger.info(
          { file: event.file, hash: event.hash, rules: watched.current().rules.length },
          'rules reloaded',
        )
      } else {
        failures++
        const problems =
          event.error instanceof RulesFileError
            ? event.error.problems.map(formatProblem)
            : [String(event.error)]
        for (const problem of problems)
          logger.error(
            { file: event.file, problem },
            'rules file rejected; previous rules stay in force',
          )
      }
      options.onReload?.(status())
    },
  })
  const status = (): RulesStatus => {
    const rules = watched.current()
    return {
      file: rules.file,
      hash: rules.hash,
      rules: rules.rules.length,
      reloads,
      failures,
      lastReloadOk,
      loadedAt,
    }
  }
  return {
    current: () => watched.current(),
    status,
    reload: async () => {
      await watched.reload()
    },
    close: () => watched.close(),
  }
}
