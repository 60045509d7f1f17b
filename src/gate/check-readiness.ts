import type { RulesStatus } from '../rules/watch-rules.js'

/**
 * The body of `/readyz`: `{ "ready": true }` (200) or `{ "ready": false, "problems": [...] }`
 * (503), each problem naming what is down and the setting behind it. `warnings` (on a 200)
 * tell of trouble that does not stop the gate, such as a broken rules file while the
 * previous rules stay in force.
 */
export interface Readiness {
  ready: boolean
  problems?: string[]
  warnings?: string[]
}

/**
 * Checks what the gate needs to answer: the shared store (when `REDIS_URL` is set) answers
 * PING within its deadline. The rules are always loaded once the gate exists (it does not
 * start without them); a file that broke since is a warning, not a problem, because the
 * previous rules are still enforced (CONTRACT section 4) and every instance reading the
 * same file would otherwise leave the load balancer at once.
 */
export async function checkReadiness(deps: {
  shared: { ping(): Promise<boolean> } | undefined
  rules: (() => RulesStatus) | undefined
}): Promise<Readiness> {
  const problems: string[] = []
  const warnings: string[] = []
  if (deps.shared && !(await deps.shared.ping())) {
    problems.push(
      'Redis (REDIS_URL) does not answer PING: sessions, sign-in nonces and the shared cache are unavailable',
    )
  }
  const status = deps.rules?.()
  if (status && !status.lastReloadOk) {
    warnings.push(
      `the rules file ${status.file} is broken (see the log or vibegate rules check); the rules loaded at ${new Date(status.loadedAt).toISOString()} stay in force`,
    )
  }
  if (problems.length > 0)
    return { ready: false, problems, ...(warnings.length ? { warnings } : {}) }
  return warnings.length ? { ready: true, warnings } : { ready: true }
}
