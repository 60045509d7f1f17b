// The moving parts of `npm run bench`: free ports, the gate (`vibegate serve`) and the bare
// node:http server as child processes, alice's sign-in, nginx under a temporary prefix,
// and RSS readings from /proc.
import { Buffer } from 'node:buffer'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { join } from 'node:path'
import { clearTimeout, setTimeout } from 'node:timers'
import { fileURLToPath, URLSearchParams } from 'node:url'
import { parse as parseYaml } from 'yaml'

export const root = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url))

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A free TCP port below the ephemeral range (32768-60999 on Linux): nginx's subrequest
 * sockets and the load generator's own sockets take ports from that range, and a server
 * there could collide with them.
 */
export async function freeLowPort() {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    const probe = createServer()
    const free = await new Promise((resolve) => {
      probe.once('error', () => resolve(false))
      probe.listen(port, '127.0.0.1', () => resolve(true))
    })
    if (free) return new Promise((resolve) => probe.close(() => resolve(port)))
  }
}

/** A child process whose output is kept (the last 64 KiB), so that a failure can show it. */
function spawnKept(program, args, options) {
  const child = spawn(program, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  let kept = ''
  const keep = (chunk) => {
    kept = (kept + chunk.toString()).slice(-65_536)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  return { child, output: () => kept }
}

/** Resolves once `url` answers 2xx; throws when the child exits first or after 20 s. */
async function waitUntilUp(url, child, output) {
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `exited (${child.exitCode ?? child.signalCode}) before answering:\n${output()}`,
      )
    try {
      const response = await fetch(url)
      await response.arrayBuffer()
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await sleep(50)
  }
  throw new Error(`${url} did not answer within 20 s:\n${output()}`)
}

/** Stops a child this script started: SIGTERM to its pid, then SIGKILL after 10 s. */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

export const SESSION_SECRET = 'bench-session-secret-0123456789abcdef'
/** The public URL the gate is told: a redirect_uri registered in fixtures/demo.yaml. */
export const PUBLIC_URL = 'http://127.0.0.1:8080'

/**
 * `node dist/cli.js serve` on a free low port, with the demo rules and the simulator as
 * OurSong; `env` adds to (or overrides) its environment. Resolves once /healthz answers.
 */
export async function startGate({ simUrl, env = {} }) {
  const port = await freeLowPort()
  const { child, output } = spawnKept(process.execPath, [root('dist/cli.js'), 'serve'], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      VIBEGATE_PUBLIC_URL: PUBLIC_URL,
      VIBEGATE_RULES: root('rules/demo.yaml'),
      VIBEGATE_SESSION_SECRET: SESSION_SECRET,
      OURSONG_BASE_URL: simUrl,
      OURSONG_API_KEY: 'demo-key',
      OURSONG_API_SECRET: 'demo-secret',
      // serve's default: nothing on the allow path; sign-ins, denials, start and stop.
      LOG_LEVEL: 'info',
      ...env,
    },
  })
  const url = `http://127.0.0.1:${port}`
  await waitUntilUp(`${url}/healthz`, child, output).catch(async (err) => {
    await stopChild(child)
    throw err
  })
  return { child, pid: child.pid, port, url, output, stop: () => stopChild(child) }
}

/** The bare node:http handler (bench/bare-server.mjs) in its own process, on a free low port. */
export async function startBare() {
  const port = await freeLowPort()
  const { child, output } = spawnKept(process.execPath, [root('bench/bare-server.mjs')], {
    env: { PATH: process.env.PATH, PORT: String(port) },
  })
  const url = `http://127.0.0.1:${port}`
  await waitUntilUp(`${url}/`, child, output).catch(async (err) => {
    await stopChild(child)
    throw err
  })
  return { child, pid: child.pid, port, url, output, stop: () => stopChild(child) }
}

/** The value of cookie `name` in a response's Set-Cookie headers. */
function cookieOf(response, name) {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';')
    const eq = pair.indexOf('=')
    if (pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim()
  }
  throw new Error(`no ${name} cookie in ${response.status} ${response.url}`)
}

/**
 * Signs `username` in through the gate's OAuth flow against the simulator, as a browser
 * would: GET /auth/login, the simulator's POST /oauth/authorize form, then the gate's
 * callback. Resolves to the value of the `vibegate_session` cookie.
 */
export async function signIn(gateUrl, simUrl, username = 'alice') {
  const login = await fetch(`${gateUrl}/auth/login`, { redirect: 'manual' })
  if (login.status !== 302) throw new Error(`GET /auth/login answered ${login.status}`)
  const state = cookieOf(login, 'vibegate_oauth')
  const authorize = new URL(login.headers.get('location'))
  if (`${authorize.origin}${authorize.pathname}` !== `${simUrl}/oauth/authorize`)
    throw new Error(`GET /auth/login sent the browser to ${authorize}`)
  const approved = await fetch(`${simUrl}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      username,
      password: `${username}-pass`,
      client_id: authorize.searchParams.get('client_id'),
      redirect_uri: authorize.searchParams.get('redirect_uri'),
      response_type: 'code',
      state: authorize.searchParams.get('state'),
      decision: 'approve',
    }),
  })
  if (approved.status !== 302) throw new Error(`POST /oauth/authorize answered ${approved.status}`)
  const callback = new URL(approved.headers.get('location'))
  const done = await fetch(`${gateUrl}/auth/callback${callback.search}`, {
    redirect: 'manual',
    headers: { cookie: `vibegate_oauth=${state}` },
  })
  if (done.status !== 302) throw new Error(`GET /auth/callback answered ${done.status}`)
  return cookieOf(done, 'vibegate_session')
}

/**
 * Asks the decision endpoint once with `headers` and checks the answer is an allow with the
 * gate's JWT for `rule`: 200, `Authorization: Bearer <JWT>` whose payload names the rule,
 * and `X-Vibegate-User`. Returns the JWT's claims.
 */
export async function expectAllowed(gateUrl, headers, rule) {
  const response = await fetch(`${gateUrl}/authz/auth-request`, { headers })
  await response.arrayBuffer()
  const jwt = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(
    response.headers.get('authorization') ?? '',
  )
  if (response.status !== 200 || !jwt || !response.headers.get('x-vibegate-user')) {
    throw new Error(
      `the warm-up decision was not an allow with a JWT: ${response.status} ${response.headers.get('x-vibegate-reason') ?? ''}`,
    )
  }
  const header = JSON.parse(Buffer.from(jwt[1], 'base64url').toString())
  const claims = JSON.parse(Buffer.from(jwt[2], 'base64url').toString())
  if (header.typ !== 'JWT' || claims.rule !== rule || !claims.sub)
    throw new Error(`unexpected JWT: ${JSON.stringify({ header, claims })}`)
  return claims
}

/** `GET /__sim/calls` of the simulator. */
export async function simCalls(simUrl) {
  return (await fetch(`${simUrl}/__sim/calls`)).json()
}

/** The calls made between two `simCalls` snapshots: `{ "<METHOD> <path>": n }`, non-zero only. */
export function callsBetween(before, after) {
  const made = {}
  for (const [key, n] of Object.entries(after)) {
    const delta = n - (before[key] ?? 0)
    if (delta !== 0) made[key] = delta
  }
  return made
}

/** The pids of a process's children (cluster workers), from /proc. */
export async function childrenOf(pid) {
  const pids = []
  try {
    for (const task of await readdir(`/proc/${pid}/task`)) {
      const list = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')
      pids.push(...list.split(/\s+/).filter(Boolean).map(Number))
    }
  } catch {
    // gone
  }
  return pids
}

/** VmRSS of a process in MiB, from /proc/<pid>/status. */
export async function rssMb(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024
}

/** The machine, for the report: cores, CPU model, RAM, node, and the tools' versions. */
export async function machine() {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '')
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '')
  const { availableParallelism } = await import('node:os')
  return {
    cores: availableParallelism(),
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown CPU',
    ramGiB: Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0) / 1024 / 1024,
    node: process.version,
    /** The 1-minute load average before the run: other work on the machine skews figures. */
    load: (await readFile('/proc/loadavg', 'utf8').catch(() => '?')).split(' ')[0],
  }
}

export const NGINX = process.env.NGINX ?? '/usr/sbin/nginx'

/** `nginx -v`, or undefined when nginx is not installed. */
export async function nginxVersion() {
  if (!existsSync(NGINX)) return undefined
  const { output, child } = spawnKept(NGINX, ['-v'], {})
  await new Promise((resolve) => child.once('exit', resolve))
  return output()
    .trim()
    .replace(/^nginx version: /, '')
}

/**
 * The site of examples/nginx/vibegate.conf as the benchmark runs it: its upstream `vibegate`
 * pointed at `authPort` (the gate, or the bare responder for the ceiling), listening on
 * `listenPort`, and `location /` serving the static files under `www` instead of proxying
 * to the content server. Everything else (auth_request, the subrequest location, its
 * headers, keep-alive) is the example's own, so tuning the example is what gets measured.
 */
export function nginxSiteFromExample(example, { authPort, listenPort, www }) {
  const edits = [
    ['server 127.0.0.1:8080;', `server 127.0.0.1:${authPort};`],
    ['listen 127.0.0.1:8081;', `listen 127.0.0.1:${listenPort};`],
    ['proxy_pass http://content;', `root ${www};`],
  ]
  let site = example
  for (const [from, to] of edits) {
    if (!site.includes(from))
      throw new Error(`examples/nginx/vibegate.conf no longer contains "${from}"`)
    site = site.replace(from, to)
  }
  return site
}

/**
 * The edge's preloaded configuration (examples/nginx-edge/README.md): its JSON text for the
 * pass `secrets` and the gate's `epochFile` (`epoch_file: false` without one), exactly as
 * `vibegate keys edge-config` writes it.
 */
export function edgeConfigJson({ secrets, epochFile }) {
  return `${JSON.stringify({ secrets, epoch_file: epochFile ?? false })}\n`
}

/**
 * examples/nginx-edge/nginx.conf (a complete nginx.conf) as the tests and the benchmark run
 * it: the gate at `gatePort`, listening on `listenPort`, the files under `www`, the njs
 * script `script`, the preloaded configuration `edgeConfig` (a file of
 * {@link edgeConfigJson}), and pid, logs and temp files under `dir`. Everything else (the pass
 * check, the fallback to auth_request, its headers, keep-alive) is the example's own.
 * `accessLog`: true (the default) logs every request; 'misses' only the misses, as the
 * example does, in 256 KiB blocks (the benchmark counts them at the end, against the
 * request total of `/_vibegate_status`, nginx's stub_status); false none. `ungated`: the
 * same configuration without the pass check (no request is gated): the edge row's reference.
 */
export function nginxEdgeConfFromExample(
  example,
  {
    gatePort,
    listenPort,
    www,
    dir,
    script,
    edgeConfig,
    workers = 'auto',
    accessLog = true,
    ungated = false,
  },
) {
  const user = process.getuid?.() === 0 ? 'user root;' : ''
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `${t}_temp_path ${dir}/${t};`)
    .join(' ')
  const edits = [
    ['user www-data;', user],
    ['worker_processes auto;', `worker_processes ${workers};`],
    ['pid /run/nginx.pid;', `pid ${dir}/nginx.pid;`],
    ['error_log /var/log/nginx/error.log warn;', `error_log ${dir}/error.log warn;`],
    ['sendfile on;', `sendfile on; ${temp}`],
    [
      'js_import vibegate from /etc/nginx/njs/vibegate-edge.js;',
      `js_import vibegate from ${script};`,
    ],
    [
      'js_preload_object vibegate_edge from /etc/nginx/vibegate-edge.json;',
      `js_preload_object vibegate_edge from ${edgeConfig};`,
    ],
    [
      'access_log /var/log/nginx/vibegate-pass-misses.log vibegate if=$vibegate_pass_miss;',
      accessLog === 'misses'
        ? `access_log ${dir}/access.log vibegate buffer=256k flush=5s if=$vibegate_pass_miss;`
        : accessLog
          ? `access_log ${dir}/access.log vibegate;`
          : 'access_log off;',
    ],
    // nginx's own count of the requests it handled, for the share of misses.
    [
      'location /auth/ {',
      'location = /_vibegate_status { stub_status; allow 127.0.0.1; deny all; }\n        location /auth/ {',
    ],
    ['server 127.0.0.1:8080;', `server 127.0.0.1:${gatePort};`],
    ['listen 127.0.0.1:8081;', `listen 127.0.0.1:${listenPort};`],
    ['root /var/www/media;', `root ${www};`],
  ]
  if (ungated)
    edits.push([
      'if ($vibegate_pass_ok != "1") {\n                return 418;\n            }',
      '# ungated: the same configuration serving every request',
    ])
  let conf = example
  for (const [from, to] of edits) {
    if (!conf.includes(from))
      throw new Error(`examples/nginx-edge/nginx.conf no longer contains "${from}"`)
    conf = conf.replace(from, to)
  }
  return `daemon off;\n${conf}`
}

/** The same nginx serving the static files ungated: the reference of the nginx rows. */
export function nginxStaticSite({ listenPort, www }) {
  return `server {\n    listen 127.0.0.1:${listenPort};\n    location / {\n        root ${www};\n    }\n}\n`
}

/**
 * nginx as a non-daemon child under the prefix `dir` (pid, logs and temp paths all there),
 * with `site` included in its http block. `workers` is its worker_processes. Or, with
 * `conf`, that complete nginx.conf instead (it must say `daemon off;` and put its files
 * under `dir`). `env` adds to nginx's environment (what its `env` directives pass on).
 */
export async function startNginx({ dir, site, conf, env, listenPort, workers = 'auto' }) {
  await mkdir(dir, { recursive: true })
  if (site !== undefined) await writeFile(join(dir, 'site.conf'), site)
  await writeFile(
    join(dir, 'nginx.conf'),
    conf ??
      [
        'daemon off;',
        ...(process.getuid?.() === 0 ? ['user root;'] : []),
        `worker_processes ${workers};`,
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log warn;`,
        'events {',
        '  worker_connections 4096;',
        '}',
        'http {',
        '  access_log off;',
        '  default_type application/octet-stream;',
        `  client_body_temp_path ${dir}/body;`,
        `  proxy_temp_path ${dir}/proxy;`,
        `  fastcgi_temp_path ${dir}/fastcgi;`,
        `  uwsgi_temp_path ${dir}/uwsgi;`,
        `  scgi_temp_path ${dir}/scgi;`,
        `  include ${dir}/site.conf;`,
        '}',
        '',
      ].join('\n'),
  )
  const { child, output } = spawnKept(
    NGINX,
    ['-c', join(dir, 'nginx.conf'), '-p', dir],
    env ? { env: { ...process.env, ...env } } : {},
  )
  const url = `http://127.0.0.1:${listenPort}`
  // A TCP connection, not a request: a request would leave a line in the error log.
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}:\n${output()}`)
    const up = await new Promise((resolve) => {
      const socket = connect(listenPort, '127.0.0.1', () => {
        socket.end()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (up) break
    if (i > 200) {
      await stopChild(child)
      throw new Error(`nginx did not listen on ${listenPort}:\n${output()}`)
    }
    await sleep(50)
  }
  return {
    child,
    url,
    output,
    errorLog: () => readFile(join(dir, 'error.log'), 'utf8').catch(() => ''),
    stop: () => stopChild(child),
  }
}

/** utime + stime + cutime + cstime of a process, in clock ticks (0 when it is gone). */
async function ticksOf(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // After the command: state is field 3, utime..cstime are fields 14-17.
  return fields.length > 14 ? fields.slice(11, 15).reduce((a, n) => a + Number(n), 0) : 0
}

/** CPU ticks of a process and all its descendants (reaped ones are in their parents' c*time). */
export async function treeTicksOf(pid) {
  return treeTicks(pid)
}

async function treeTicks(pid) {
  let sum = await ticksOf(pid)
  for (const child of await childrenOf(pid)) sum += await treeTicks(child)
  return sum
}

/**
 * A reading of the machine's CPU time (/proc/stat) and of this benchmark's own process
 * tree, so that {@link otherCpu} can tell how much CPU other processes took during a run.
 */
export async function cpuSnapshot() {
  const stat = await readFile('/proc/stat', 'utf8').catch(() => '')
  const [user, nice, system, , , irq, softirq, steal] = stat
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number)
  return {
    busy: user + nice + system + irq + softirq,
    steal: steal ?? 0,
    ours: await treeTicks(process.pid),
    at: Date.now(),
  }
}

/** Ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const HZ = 100

/**
 * Between two {@link cpuSnapshot}s: the CPU other processes on the machine used (busy time
 * less this benchmark's tree) and the time the hypervisor stole, both in cores.
 */
export function otherCpu(before, after) {
  const seconds = (after.at - before.at) / 1000
  const other = after.busy - before.busy - (after.ours - before.ours)
  return {
    otherCores: Math.max(0, other) / HZ / seconds,
    stealCores: (after.steal - before.steal) / HZ / seconds,
  }
}

/**
 * A pass per docs/edge-pass.md signed with `secret`, as the gate would issue it for alice on
 * 127.0.0.1 under rule `ruleId` of rules/demo.yaml given `pass: { ttl: 5m }` (`p` and `n` as
 * the gate compiles them), good for the longest ttl (300 s) from now. Needs `npm run build`.
 */
export async function benchEdgePass(secret, ruleId) {
  // Imported here: the tests import this kit without a built dist/.
  const { parseRules } = await import('../dist/rules/load-rules.js')
  const { createPassSigner } = await import('../dist/pass/pass-signer.js')
  const { parsePassSecrets } = await import('../dist/pass/pass-secrets.js')
  const file = parseYaml(readFileSync(root('rules/demo.yaml'), 'utf8'))
  for (const rule of file.rules) if (rule.id === ruleId) rule.pass = { ttl: '5m' }
  const { pass } = parseRules(JSON.stringify(file), 'rules/demo.yaml').rules.rules.find(
    (rule) => rule.id === ruleId,
  )
  const i = Math.floor(Date.now() / 1000)
  const signer = createPassSigner(parsePassSecrets([secret]))
  return signer.sign({ h: '127.0.0.1', u: 'alice', i, x: i + 300, e: 0 }, pass.scope)
}
