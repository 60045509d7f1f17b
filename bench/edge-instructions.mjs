// What one request costs nginx with the edge pass, in CPU instructions: nginx runs under
// valgrind's callgrind (one process, `master_process off`), and the instructions of N1 and N2
// requests are differenced, so start-up and shutdown cancel out. Unlike req/s, the figure is
// the same run after run whatever else the machine does: it is how to tell whether a change to
// examples/nginx-edge/vibegate-edge.js made the hit path cheaper (docs/decisions.md, "The edge
// pass"). Counted in user space only: the kernel's share (TCP, sendfile) is not in it.
//
//   npm run build && node bench/edge-instructions.mjs [--script module.js] [--hit-only]
//                                                     [--cookie vibegate_pass=...]
//
// Rows: the example's nginx.conf with the check taken out (ungated), the same with a module
// whose check returns "1" at once (what njs itself costs per request: a VM copy and the
// module's top level run again), and the edge module serving on a valid pass. Needs valgrind,
// nginx and Debian's libnginx-mod-http-js; takes about a minute per row.
import { Buffer } from 'node:buffer'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { clearInterval, setInterval } from 'node:timers'
import { parseArgs } from 'node:util'
import {
  benchEdgePass,
  edgeConfigJson,
  freeLowPort,
  NGINX,
  nginxEdgeConfFromExample,
  root,
  sleep,
} from './bench-kit.mjs'

const { values: flags } = parseArgs({
  options: {
    script: { type: 'string', default: root('examples/nginx-edge/vibegate-edge.js') },
    // Only the hit row: enough to compare two versions of a module.
    'hit-only': { type: 'boolean', default: false },
    // Another Cookie header: to try a module that reads another pass format.
    cookie: { type: 'string' },
  },
})
const SECRET = 'bench-edge-pass-secret-0123456789abcdef'
const RULE = 'yellow-hd'
const PATH = '/videos/yellow/hd/segment-00042.ts'
/** Requests of the short and the long run; their difference is what is counted. */
const FEW = 200
const MANY = 1200

for (const need of ['/usr/bin/valgrind', NGINX, '/usr/lib/nginx/modules/ngx_http_js_module.so'])
  if (!existsSync(need)) {
    console.error(
      `edge-instructions: ${need} is missing (apt-get install valgrind nginx libnginx-mod-http-js)`,
    )
    process.exit(1)
  }

const tmp = await mkdtemp(join(tmpdir(), 'vibegate-edge-ir-'))
const www = join(tmp, 'www')
await mkdir(join(www, 'videos/yellow/hd'), { recursive: true })
await writeFile(join(www, PATH), Buffer.alloc(1024, 'x'))
const floor = join(tmp, 'floor.js')
await writeFile(floor, "function check(r) {\n  return '1'\n}\nexport default { check }\n")
const example = await readFile(root('examples/nginx-edge/nginx.conf'), 'utf8')
const edgeConfig = join(tmp, 'vibegate-edge.json')
await writeFile(edgeConfig, edgeConfigJson({ secrets: [SECRET] }))
const cookie = flags.cookie ?? `vibegate_pass=${await benchEdgePass(SECRET, RULE)}`

/** `n` keep-alive GETs of the file, one at a time; the count of answers other than 200. */
async function requests(port, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const get = () =>
    new Promise((resolve, reject) =>
      http
        .get({ host: '127.0.0.1', port, path: PATH, agent, headers: { cookie } }, (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode))
        })
        .on('error', reject),
    )
  let failed = 0
  try {
    for (let i = 0; i < n; i++) if ((await get()) !== 200) failed++
  } finally {
    agent.destroy()
  }
  return failed
}

/** The instructions nginx ran for `n` requests (and start-up and shutdown). */
async function instructions(label, script, ungated, n) {
  const dir = join(tmp, `${label}-${n}`)
  await mkdir(dir, { recursive: true })
  const port = await freeLowPort()
  const conf = nginxEdgeConfFromExample(example, {
    gatePort: 1,
    listenPort: port,
    www,
    dir,
    script,
    edgeConfig,
    workers: 1,
    accessLog: 'misses',
    ungated,
  })
  await writeFile(join(dir, 'nginx.conf'), `master_process off;\n${conf}`)
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${dir}/callgrind.out`,
      NGINX,
      '-p',
      dir,
      '-c',
      `${dir}/nginx.conf`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let report = ''
  child.stderr.on('data', (chunk) => (report += chunk))
  const closed = new Promise((resolve) => child.on('close', resolve))
  for (let tries = 0; ; tries++) {
    await sleep(200)
    try {
      await requests(port, 1)
      break
    } catch (error) {
      if (tries === 100)
        throw new Error(`${label}: nginx did not start\n${report}`, { cause: error })
    }
  }
  const failed = await requests(port, n)
  // Under valgrind a signal that arrives while nginx waits can be lost: send it until it exits.
  const again = setInterval(() => child.kill('SIGTERM'), 1000)
  child.kill('SIGTERM')
  await closed
  clearInterval(again)
  const collected = /Collected : (\d+)/.exec(report)
  if (!collected) throw new Error(`${label}: no instruction count from callgrind\n${report}`)
  if (failed > 0) throw new Error(`${label}: ${failed} of ${n} requests were not answered 200`)
  return Number(collected[1])
}

const rows = [
  ['nginx edge config, ungated', flags.script, true],
  ['+ njs check returning "1" (floor)', floor, false],
  ['+ edge pass check, hit', flags.script, false],
].slice(flags['hit-only'] ? 2 : 0)
console.log(`nginx ${PATH} (1 KiB), ${MANY - FEW} keep-alive requests counted, one at a time`)
console.log(`module: ${flags.script.replace(root(''), '')}\n`)
console.log(`${'row'.padEnd(36)} instructions/request   of ungated`)
let base
try {
  for (const [label, script, ungated] of rows) {
    const few = await instructions(label.replace(/\W+/g, '-'), script, ungated, FEW)
    const many = await instructions(label.replace(/\W+/g, '-'), script, ungated, MANY)
    const perRequest = Math.round((many - few) / (MANY - FEW))
    base ??= perRequest
    console.log(
      `${label.padEnd(36)} ${String(perRequest).padStart(20)}   ${((100 * perRequest) / base).toFixed(0).padStart(8)}%`,
    )
  }
} finally {
  await rm(tmp, { recursive: true, force: true })
}
