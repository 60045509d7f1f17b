/**
 * Runs the expensive part of loading a rules file in a worker thread, so that the gate keeps
 * answering while a large file is parsed (issue #9: 10,000 rules stalled /healthz 2.2 s).
 *
 * One worker per check, not a resident one: reloads are rare, starting a worker costs the
 * main thread about 3 ms, and a worker that exits takes its heap with it, so a 200 MB parse
 * leaves nothing behind, and a worker that crashed, hung or ran out of memory cannot affect
 * the next check. The worker is bounded in time (`timeoutMs`) and memory (`maxMemoryMb`);
 * either failure, or a crash, rejects with a {@link RulesFileError} with one problem, so it
 * is reported like any broken file and the previous rules stay in force.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { RulesPayload } from './assemble-rules.js'
import { limitError, RulesFileError, type RulesProblemCode } from './load-rules.js'
import type { RulesLimits } from './rules-limits.js'
import type { RulesWorkerReply, RulesWorkerRequest } from './rules-worker.js'

/** Options of the rules worker; checked by {@link resolveRulesWorkerOptions}. */
export interface RulesWorkerOptions {
  /** Longest a check may take, in milliseconds, before the worker is stopped; default 30,000. */
  timeoutMs?: number
  /** The worker's heap limit, in MiB (`resourceLimits.maxOldGenerationSizeMb`); default 512. */
  maxMemoryMb?: number
  /** The worker module; default the compiled `rules-worker.js` ({@link rulesWorkerUrl}). */
  entry?: URL
}

/**
 * Default time limit of one check, ms: a file at the default limits (8 MiB, 20,000 rules)
 * takes about 10 s on two cores.
 */
export const DEFAULT_RULES_WORKER_TIMEOUT_MS = 30_000
/** Default heap limit of the worker, MiB: a file at the limits needs more than 256 MiB. */
export const DEFAULT_RULES_WORKER_MEMORY_MB = 512

/** {@link RulesWorkerOptions} with defaults; a bad value throws a `TypeError` naming it. */
export function resolveRulesWorkerOptions(
  options: RulesWorkerOptions = {},
): Required<RulesWorkerOptions> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_RULES_WORKER_TIMEOUT_MS
  const maxMemoryMb = options.maxMemoryMb ?? DEFAULT_RULES_WORKER_MEMORY_MB
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2 ** 31 - 1) {
    throw new TypeError(`rules worker: timeoutMs must be a positive integer, got ${timeoutMs}`)
  }
  if (!Number.isSafeInteger(maxMemoryMb) || maxMemoryMb < 16) {
    throw new TypeError(
      `rules worker: maxMemoryMb must be an integer of at least 16, got ${maxMemoryMb}`,
    )
  }
  return { timeoutMs, maxMemoryMb, entry: options.entry ?? rulesWorkerUrl(import.meta.url) }
}

/**
 * The compiled worker module next to `moduleUrl` (this module's URL). When this module runs
 * from its TypeScript source (ts-jest), the build's copy under `dist/` is used: a worker
 * needs JavaScript, and `npm test` builds before it runs the tests.
 */
export function rulesWorkerUrl(moduleUrl: string): URL {
  if (!moduleUrl.endsWith('.ts')) return new URL('./rules-worker.js', moduleUrl)
  const built = new URL('../../dist/rules/rules-worker.js', moduleUrl)
  if (!existsSync(built)) {
    throw new TypeError(`rules worker: ${fileURLToPath(built)} is missing; run npm run build`)
  }
  return built
}

/** One check: the file's bytes and what to check them against. */
export interface RulesCheck {
  bytes: Uint8Array
  file: string
  limits: RulesLimits
  /** Stops the worker; the promise then rejects with the signal's reason. */
  signal?: AbortSignal
}

/**
 * Parses and validates a rules file in a new worker. Resolves with what the main thread
 * compiles (`assembleRules`); rejects with a {@link RulesFileError} listing the file's
 * problems, or one problem when the worker timed out, ran out of memory or failed.
 */
export function checkRulesInWorker(
  check: RulesCheck,
  options: Required<RulesWorkerOptions>,
): Promise<RulesPayload> {
  const { bytes, file, limits, signal } = check
  const failed = (code: RulesProblemCode, message: string): RulesFileError =>
    limitError({ file, line: 1, column: 1, field: '', message: `not loaded: ${message}`, code })
  return new Promise<RulesPayload>((resolve, reject) => {
    signal?.throwIfAborted()
    const request: RulesWorkerRequest = { bytes, file, limits }
    let worker: Worker
    try {
      worker = new Worker(options.entry, {
        workerData: request,
        resourceLimits: { maxOldGenerationSizeMb: options.maxMemoryMb },
      })
    } catch (error) {
      throw failed('check_failed', `cannot start the rules worker: ${messageOf(error)}`)
    }
    // The first outcome wins; later events (the exit that follows a reply) are ignored.
    let settled = false
    const settle = (outcome: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      // Whatever state it is in, nothing more is wanted from it.
      void worker.terminate()
      outcome()
    }
    const timer = setTimeout(() => {
      const message = `checking the file took longer than ${options.timeoutMs} ms (timeoutMs) and was stopped; a file that slow to parse is too large: reduce it`
      settle(() => reject(failed('check_timed_out', message)))
    }, options.timeoutMs)
    timer.unref()
    const onAbort = (): void => settle(() => reject(signal!.reason))
    signal?.addEventListener('abort', onAbort, { once: true })
    worker.on('message', (reply: RulesWorkerReply) => {
      settle(() => (reply.ok ? resolve(reply.payload) : reject(new RulesFileError(reply.problems))))
    })
    worker.on('error', (error: Error & { code?: string }) => {
      const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY'
      const message = outOfMemory
        ? `checking the file needed more than ${options.maxMemoryMb} MiB of memory (maxMemoryMb) and was stopped: reduce the file`
        : `checking the file failed: ${error.message}`
      settle(() => reject(failed(outOfMemory ? 'check_out_of_memory' : 'check_failed', message)))
    })
    worker.on('exit', (code) => {
      settle(() => reject(failed('check_failed', `the rules worker exited with code ${code}`)))
    })
  })
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
