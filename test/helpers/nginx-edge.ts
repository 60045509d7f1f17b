import { describe } from '@jest/globals'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { edgeConfigJson, nginxEdgeConfFromExample, startNginx } from '../../bench/bench-kit.mjs'

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

/** A running nginx, as bench/bench-kit.mjs's startNginx returns it. */
export type RunningNginx = Awaited<ReturnType<typeof startNginx>>

/**
 * examples/nginx-edge as shipped (nginx.conf and vibegate-edge.js), listening on
 * 127.0.0.1:`port` with its files under `dir`, asking the gate on `gatePort`, and serving
 * `files` (paths under `dir`/www, each holding `body`). `secrets` and `epochFile` go into
 * the edge's preloaded configuration (`dir`/vibegate-edge.json), or `edgeConfigText` is that
 * file's text as it is; `workers` is nginx's worker_processes.
 */
export async function startEdgeNginx(options: {
  dir: string
  port: number
  gatePort: number
  files: readonly string[]
  body: string
  secrets: readonly string[]
  epochFile?: string
  edgeConfigText?: string
  workers?: number
}): Promise<RunningNginx> {
  const www = join(options.dir, 'www')
  for (const file of options.files) {
    await mkdir(join(www, file, '..'), { recursive: true })
    await writeFile(join(www, file), options.body)
  }
  const example = await readFile(
    new URL('../../examples/nginx-edge/nginx.conf', import.meta.url),
    'utf8',
  )
  const nginxDir = join(options.dir, 'nginx')
  const edgeConfig = join(options.dir, 'vibegate-edge.json')
  await writeFile(
    edgeConfig,
    options.edgeConfigText ??
      edgeConfigJson({ secrets: options.secrets, epochFile: options.epochFile }),
  )
  return startNginx({
    dir: nginxDir,
    listenPort: options.port,
    workers: options.workers,
    conf: nginxEdgeConfFromExample(example, {
      gatePort: options.gatePort,
      listenPort: options.port,
      www,
      dir: nginxDir,
      script: fileURLToPath(new URL('../../examples/nginx-edge/vibegate-edge.js', import.meta.url)),
      edgeConfig,
    }).replace(
      'sendfile on;',
      // Larger request lines than nginx's default 8 KiB, so that targets past the edge's own
      // 8192-character bound reach its check instead of nginx's 414.
      'sendfile on; large_client_header_buffers 4 32k;',
    ),
  })
}
