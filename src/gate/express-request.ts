import type { GateRequestContext } from './gate-middleware.js'

/**
 * Declaration merging for Express: `req.vibegate` is typed in every handler of a program
 * that imports `vibegate`, so handlers after `gate.protect()` or `gate.require()` read it
 * without a cast. It is optional because TypeScript cannot know which middleware ran; after
 * the gate it is always set (`user`, `token` undefined for public access).
 *
 * @example
 * import { createGate } from 'vibegate'
 * app.get('/vip', gate.require({ vibe: 'nxwyqqow' }), (req, res) => {
 *   res.send(`hello ${req.vibegate?.user?.name}`)
 * })
 */
export type VibegateRequestContext = GateRequestContext

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express declares its Request in this global namespace; merging is its documented extension point.
  namespace Express {
    interface Request {
      /** What `gate.protect()` / `gate.require()` decided; undefined before the gate ran. */
      vibegate?: VibegateRequestContext
    }
  }
}
