import { z } from 'zod'
import { formatPath } from './check-fixture-references.js'
import type { Fault } from './create-fault-injector.js'
import type { RouteBase, Router } from './create-router.js'

/**
 * A fault as `POST /__sim/faults` takes it: `path` is a template or a concrete path matching
 * one; `status` 200..599; `delay_ms` 0..600000 ms; `body` a string (sent as-is) or any JSON
 * value (encoded); `times` >= 1 (default: until cleared). At least one of status, body,
 * delay_ms.
 */
export const faultInputSchema = z.strictObject({
  path: z.string().min(1),
  status: z.number().int().min(200).max(599).optional(),
  delay_ms: z.number().int().min(0).max(600_000).optional(),
  body: z.unknown().optional(),
  times: z.number().int().min(1).optional(),
})
/** A fault as sent to `POST /__sim/faults`. */
export type FaultInput = z.input<typeof faultInputSchema>

/** Validates a fault request and resolves its path to a template; else says what is wrong. */
export function parseFault(
  input: unknown,
  router: Router<RouteBase>,
): { ok: true; fault: Fault } | { ok: false; message: string } {
  const parsed = faultInputSchema.safeParse(input)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`)
    return { ok: false, message: `Invalid fault: ${problems.join('; ')}` }
  }
  const { path, status, delay_ms: delayMs, body, times } = parsed.data
  const template = router.resolveTemplate(path.split('?')[0] ?? path)
  if (template === undefined) {
    return {
      ok: false,
      message: `Invalid fault: path '${path}' is neither an upstream path template nor a path matching one; templates: ${router.templates().join(', ')}`,
    }
  }
  if (status === undefined && body === undefined && delayMs === undefined) {
    return { ok: false, message: 'Invalid fault: give status, body or delay_ms.' }
  }
  return { ok: true, fault: { template, status, body, delayMs, times } }
}
