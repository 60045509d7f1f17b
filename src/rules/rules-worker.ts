/**
 * The rules worker's entry point: runs in a `node:worker_threads` Worker started by
 * `checkRulesInWorker`, one per check. It decodes, parses and validates the bytes it was
 * given (the expensive part, which would stall the gate's event loop for seconds on a large
 * file) and posts one {@link RulesWorkerReply}; then it has nothing left to do and exits.
 */
import { setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import { toRulesPayload, type RulesPayload } from './assemble-rules.js'
import { parseRules, RulesFileError, type RulesProblem } from './load-rules.js'
import type { RulesLimits } from './rules-limits.js'

/** The worker thread's nice value on Linux: a lower priority than the event loop's. */
const WORKER_NICE = 10

/** What the worker is started with (`workerData`). */
export interface RulesWorkerRequest {
  /** The file's content, as read by the watcher. */
  bytes: Uint8Array
  /** The file's name, for problems and `Rules.file`. */
  file: string
  limits: RulesLimits
}

/** The worker's one message: the rules to assemble, or every problem of the file. */
export type RulesWorkerReply =
  { ok: true; payload: RulesPayload } | { ok: false; problems: RulesProblem[] }

if (parentPort) {
  // Linux gives each thread its own nice value: this one yields the CPU to the gate's event
  // loop when CPUs are scarce (a container limited to one), and still gets about a tenth of
  // a busy CPU. Elsewhere setPriority would apply to the whole process, so it is left alone.
  try {
    if (process.platform === 'linux') setPriority(WORKER_NICE)
  } catch {
    // Not allowed here (a sandbox): the check runs at the normal priority.
  }
  const { bytes, file, limits } = workerData as RulesWorkerRequest
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
  let reply: RulesWorkerReply
  try {
    reply = { ok: true, payload: toRulesPayload(parseRules(text, file, limits)) }
  } catch (error) {
    // Anything else is a bug: it escapes, and the parent reports the worker's error.
    if (!(error instanceof RulesFileError)) throw error
    reply = { ok: false, problems: [...error.problems] }
  }
  parentPort.postMessage(reply)
}
