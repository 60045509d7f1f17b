import { describe } from '@jest/globals'
import { existsSync } from 'node:fs'

/** What the edge pass suites need: nginx and Debian's njs module. */
const NEEDED = ['/usr/sbin/nginx', '/usr/lib/nginx/modules/ngx_http_js_module.so']

/**
 * `describe` when nginx and its njs module are installed, else `describe.skip` with a warning
 * naming `what`. In CI (CI=true) a missing one fails the suite instead.
 */
export function describeWithNginxEdge(what: string): typeof describe | typeof describe.skip {
  const missing = NEEDED.filter((file) => !existsSync(file))
  if (missing.length === 0) return describe
  if (process.env.CI === 'true')
    throw new Error(
      `${missing.join(' and ')} required in CI (apt-get install -y nginx libnginx-mod-http-js)`,
    )
  console.warn(`${missing.join(' and ')} not installed: ${what} is skipped`)
  return describe.skip
}
