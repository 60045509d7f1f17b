/**
 * The simulator's test controls under `/__sim/` (contract section 7): call counts, faults
 * and holdings. Bodies are JSON; a malformed one is 400, an invalid one 422.
 */
import type { IncomingMessage } from 'node:http'
import type { CallCounter } from './create-call-counter.js'
import type { FaultInjector } from './create-fault-injector.js'
import type { Router } from './create-router.js'
import type { World } from './create-world.js'
import { parseFault } from './parse-fault.js'
import { readJsonObject } from './read-body.js'
import { errorReply, json, type Reply } from './reply.js'
import type { UpstreamRoute } from './routes.js'
import { setHolding } from './set-holding.js'

/** What the controls act on. */
export interface ControlDeps {
  router: Router<UpstreamRoute>
  calls: CallCounter
  faults: FaultInjector
  world: World
  /** Limit of a control body in bytes. */
  maxBodyBytes: number
}

const CONTROLS: Record<
  string,
  Record<string, (req: IncomingMessage, deps: ControlDeps) => Promise<Reply>>
> = {
  '/__sim/calls': { GET: async (_req, deps) => json(deps.calls.snapshot()) },
  '/__sim/calls/reset': {
    POST: async (req, deps) => {
      req.resume()
      deps.calls.reset()
      return json({ status: 'success', message: 'Call counts reset.' })
    },
  },
  '/__sim/faults': {
    GET: async (_req, deps) => json({ status: 'success', faults: deps.faults.list() }),
    POST: addFault,
    DELETE: async (req, deps) => {
      req.resume()
      deps.faults.clear()
      return json({ status: 'success', message: 'Faults cleared.' })
    },
  },
  '/__sim/holdings': {
    PUT: async (req, deps) => {
      const result = setHolding(deps.world, await readJsonObject(req, deps.maxBodyBytes))
      if (!result.ok) return errorReply(422, `Invalid holding: ${result.problems.join('; ')}`)
      return json({ status: 'success', holding: result.holding })
    },
  },
}

/** Answers a request to `/__sim/...`: 404 for an unknown control, 405 for a wrong method. */
export async function handleControl(
  req: IncomingMessage,
  path: string,
  deps: ControlDeps,
): Promise<Reply> {
  const methods = CONTROLS[path]
  if (!methods) return errorReply(404, `Unknown control ${path}.`)
  const handler = methods[req.method ?? '']
  if (!handler) {
    const allow = Object.keys(methods).join(', ')
    return errorReply(405, `Use ${allow} on ${path}.`, { allow })
  }
  return handler(req, deps)
}

async function addFault(req: IncomingMessage, deps: ControlDeps): Promise<Reply> {
  const result = parseFault(await readJsonObject(req, deps.maxBodyBytes), deps.router)
  if (!result.ok) return errorReply(422, result.message)
  deps.faults.set(result.fault)
  const { template, status, delayMs, body, times } = result.fault
  return json(
    { status: 'success', fault: { path: template, status, delay_ms: delayMs, body, times } },
    201,
  )
}
