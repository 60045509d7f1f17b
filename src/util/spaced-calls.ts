/**
 * Wraps `run` so that its runs start at least `gapMs` apart: a call within the gap is put
 * off to its end, and every call made meanwhile shares that one run. For work that notices
 * on the invalidation bus set off (re-reading a file, Redis): anyone who may publish on the
 * channel could otherwise make a gate do it as often as they like. The timer never keeps
 * the process alive; `cancel` drops a pending run.
 */
export function spacedCalls(
  run: () => void,
  gapMs: number,
  now: () => number = Date.now,
): { call(): void; cancel(): void } {
  let last = -Infinity
  let pending: NodeJS.Timeout | undefined
  const fire = (): void => {
    pending = undefined
    last = now()
    run()
  }
  return {
    call() {
      if (pending !== undefined) return
      const wait = last + gapMs - now()
      if (wait <= 0) return fire()
      pending = setTimeout(fire, wait)
      pending.unref()
    },
    cancel() {
      clearTimeout(pending)
      pending = undefined
    },
  }
}
