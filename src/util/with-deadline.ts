/**
 * `command`, or a rejection with `Error('no answer within <ms> ms')` once `ms` milliseconds
 * have passed, whichever comes first; the timer is cleared either way. Every Redis call of
 * the gate goes through it, so a Redis that stops answering fails a request, never hangs it.
 */
export async function withDeadline<T>(command: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      command,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}
