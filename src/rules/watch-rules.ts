import { systemClock, type Clock } from '../util/clock.js'
import { silentLogger, type Logger } from '../util/logger.js'
import { FileTooLargeError } from '../util/read-limited.js'
import { watchFile } from '../util/watched-file.js'
import { assembleRules } from './assemble-rules.js'
import {
  checkRulesInWorker,
  resolveRulesWorkerOptions,
  type RulesWorkerOptions,
} from './check-rules-in-worker.js'
import type { Rules } from './compiled-rules.js'
import { formatProblem, limitError, RulesFileError } from './load-rules.js'
import { fileTooLargeMessage, resolveRulesLimits, type RulesLimits } from './rules-limits.js'

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
  /** Caps on the file; defaults in `DEFAULT_RULES_LIMITS` (8 MiB, 20,000 rules, depth 64). */
  limits?: Partial<RulesLimits>
  /** Time and memory limits of the worker that parses the file (defaults 30 s, 512 MiB). */
  worker?: RulesWorkerOptions
}

/**
 * Loads the rules file and keeps it current. The first load must succeed (it rejects with
 * a {@link RulesFileError} listing every problem, so the gate never starts without rules).
 * Afterwards a broken file is logged problem by problem, counted, and the previous rules
 * stay in force; warnings of a good file are logged when it is loaded.
 *
 * Every load is parsed and validated in a worker thread (`checkRulesInWorker`) and compiled
 * on this thread in slices (`assembleRules`), so requests keep being answered while a large
 * file loads. A file beyond `limits`, or a worker that times out, runs out of memory or
 * crashes, counts as a broken file.
 */
export async function watchRules(options: WatchRulesOptions): Promise<RulesSource> {
  const logger = (options.logger ?? silentLogger()).child({ component: 'rules' })
  const clock = options.clock ?? systemClock
  let loadedAt = clock.now()
  let reloads = 0
  let failures = 0
  let lastReloadOk = true

  const limits = resolveRulesLimits(options.limits)
  const worker = resolveRulesWorkerOptions(options.worker)
  // Aborted by close(): stops a running worker and the slices still to compile.
  const stop = new AbortController()
  const parseBytes = async (bytes: Buffer, file: string): Promise<Rules> => {
    const { signal } = stop
    const payload = await checkRulesInWorker({ bytes, file, limits, signal }, worker)
    for (const w of payload.warnings) {
      logger.warn({ file, problem: formatProblem(w) }, 'rules warning')
    }
    return assembleRules(payload, { signal })
  }
  const watched = await watchFile({
    file: options.file,
    parseBytes,
    maxBytes: limits.maxBytes,
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
        const error = asRulesFileError(event.error, limits)
        const problems =
          error instanceof RulesFileError ? error.problems.map(formatProblem) : [String(error)]
        for (const problem of problems)
          logger.error(
            { file: event.file, problem },
            'rules file rejected; previous rules stay in force',
          )
      }
      options.onReload?.(status())
    },
  }).catch((error: unknown) => {
    throw asRulesFileError(error, limits)
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
    close: async () => {
      const closing = watched.close()
      stop.abort(new Error('rules watcher closed'))
      await closing
    },
  }
}

/** A file too large to read becomes a rules problem like any other. */
function asRulesFileError(error: unknown, limits: RulesLimits): unknown {
  if (!(error instanceof FileTooLargeError)) return error
  const message = fileTooLargeMessage(error.size, limits)
  return limitError({
    file: error.file,
    line: 1,
    column: 1,
    field: '',
    message,
    code: 'file_too_large',
  })
}
