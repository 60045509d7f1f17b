/** A fault on one path template, as set by `POST /__sim/faults`. */
export interface Fault {
  template: string
  /** The status to answer with; with `body` but no status, 500. */
  status?: number | undefined
  /** The raw body: a string is sent as-is (text/plain), anything else JSON-encoded. */
  body?: unknown
  /** Wait this long (milliseconds) before answering or handling; default 0. */
  delayMs?: number | undefined
  /** How many calls it affects; default: every call until cleared. */
  times?: number | undefined
}

/** What to do with one call to a faulted template. */
export interface FaultAction {
  delayMs: number
  /** The canned answer; absent for a delay-only fault (handle normally after the delay). */
  response?: { status: number; contentType: string; body: string }
}

/** The body of a fault given a status but no body. */
export const DEFAULT_FAULT_BODY = { status: 'error', message: 'simulated fault' }

/** Faults by template; setting one on a template replaces the previous one there. */
export interface FaultInjector {
  set(fault: Fault): void
  clear(): void
  /** The active faults with the calls each has left (null: unlimited). */
  list(): (Fault & { remaining: number | null })[]
  /** The action for a call to `template`, counting it against `times`. */
  take(template: string): FaultAction | undefined
}

/** Creates a {@link FaultInjector} with no faults. */
export function createFaultInjector(): FaultInjector {
  const faults = new Map<string, { fault: Fault; remaining: number }>()
  return {
    set(fault) {
      faults.set(fault.template, { fault, remaining: fault.times ?? Infinity })
    },
    clear: () => faults.clear(),
    list: () =>
      [...faults.values()].map(({ fault, remaining }) => ({
        ...fault,
        remaining: Number.isFinite(remaining) ? remaining : null,
      })),
    take(template) {
      const entry = faults.get(template)
      if (!entry) return undefined
      entry.remaining -= 1
      if (entry.remaining <= 0) faults.delete(template)
      const { fault } = entry
      const delayMs = fault.delayMs ?? 0
      if (fault.status === undefined && fault.body === undefined) return { delayMs }
      const body = fault.body ?? DEFAULT_FAULT_BODY
      const response =
        typeof body === 'string'
          ? { status: fault.status ?? 500, contentType: 'text/plain; charset=utf-8', body }
          : {
              status: fault.status ?? 500,
              contentType: 'application/json',
              body: JSON.stringify(body),
            }
      return { delayMs, response }
    },
  }
}
