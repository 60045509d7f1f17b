// The load generator of the benchmarks, always in a process of its own: wrk when it is
// installed (a C program: it does not compete with the servers for as much CPU as a Node
// client would), else autocannon (a devDependency). One run of a benchmark uses one tool
// for every row, so the ratios compare like with like.
import { execFile } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const AUTOCANNON = fileURLToPath(
  new URL('../node_modules/autocannon/autocannon.js', import.meta.url),
)

/** The path of an executable `wrk` (WRK env, /usr/bin/wrk or on PATH), or undefined. */
export function findWrk(env = process.env) {
  const candidates = [
    env.WRK,
    '/usr/bin/wrk',
    ...(env.PATH ?? '').split(delimiter).map((d) => d && join(d, 'wrk')),
  ]
  for (const path of candidates) {
    if (!path) continue
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // not there
    }
  }
  return undefined
}

/**
 * The tool to use: `{ name: 'wrk', path }` when wrk is installed and BENCH_TOOL is not
 * `autocannon`, else `{ name: 'autocannon', path }`.
 */
export function chooseTool(env = process.env) {
  const wrk = env.BENCH_TOOL === 'autocannon' ? undefined : findWrk(env)
  if (env.BENCH_TOOL === 'wrk' && !wrk) throw new Error('BENCH_TOOL=wrk but wrk is not installed')
  return wrk ? { name: 'wrk', path: wrk } : { name: 'autocannon', path: AUTOCANNON }
}

const TIME_UNITS = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Milliseconds of a wrk time such as `611.00us`, `19.82ms`, `1.02s`, `1.50m`. */
export function parseWrkTime(text) {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim())
  if (!match) throw new Error(`not a wrk time: ${JSON.stringify(text)}`)
  return Number(match[1]) * TIME_UNITS[match[2]]
}

/**
 * The figures of `wrk --latency` output: requests per second, p50/p99 latency in ms, the
 * number of requests, of responses with a status >= 400 and of socket errors.
 */
export function parseWrk(text) {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text)
  const p99 = /^\s+99%\s+(\S+)/m.exec(text)
  const p50 = /^\s+50%\s+(\S+)/m.exec(text)
  const total = /^\s+(\d+) requests in ([\d.]+)(us|ms|s|m)/m.exec(text)
  if (!rps || !p99 || !p50 || !total)
    throw new Error(`cannot read wrk's output (was --latency given?):\n${text}`)
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  return {
    rps: Number(rps[1]),
    p50Ms: parseWrkTime(p50[1]),
    p99Ms: parseWrkTime(p99[1]),
    requests: Number(total[1]),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    errors: socket ? socket.slice(1).reduce((a, n) => a + Number(n), 0) : 0,
  }
}

/** The same figures from `autocannon -j` output (its latencies are whole milliseconds). */
export function parseAutocannon(text) {
  const result = JSON.parse(text)
  if (typeof result?.requests?.average !== 'number' || typeof result?.latency?.p99 !== 'number')
    throw new Error(`cannot read autocannon's output:\n${text.slice(0, 500)}`)
  return {
    rps: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }
}

const PIPELINE_SCRIPT = fileURLToPath(new URL('./pipeline.lua', import.meta.url))

/**
 * The command line of one run: `[program, args]`. `pipelining` (default 1) is how many
 * requests each connection sends at once (HTTP/1.1 pipelining: bench/pipeline.lua for wrk,
 * `-p` for autocannon).
 */
export function loadArgs(tool, { url, headers = {}, seconds, connections, pipelining = 1 }) {
  if (tool.name === 'wrk') {
    const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency']
    for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`)
    if (pipelining > 1) args.push('-s', PIPELINE_SCRIPT)
    return [tool.path, [...args, url, ...(pipelining > 1 ? ['--', String(pipelining)] : [])]]
  }
  const args = [tool.path, '-j', '-c', String(connections), '-d', String(seconds)]
  if (pipelining > 1) args.push('-p', String(pipelining))
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`)
  return [process.execPath, [...args, url]]
}

/**
 * Drives `url` for `seconds` with `connections` keep-alive connections from a separate
 * process; resolves to the parsed figures plus the tool's raw output.
 */
export function runLoad(tool, options) {
  const [program, args] = loadArgs(tool, options)
  return new Promise((resolve, reject) => {
    execFile(
      program,
      args,
      { maxBuffer: 16 * 1024 * 1024, timeout: (options.seconds + 60) * 1000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${tool.name} failed: ${err.message}\n${stderr}`))
        try {
          const figures = tool.name === 'wrk' ? parseWrk(stdout) : parseAutocannon(stdout)
          resolve({ ...figures, raw: stdout })
        } catch (parseError) {
          reject(parseError)
        }
      },
    )
  })
}

/** The version line of the tool, for the report. */
export function toolVersion(tool) {
  return new Promise((resolve) => {
    if (tool.name === 'wrk') {
      execFile(tool.path, ['-v'], (_err, stdout, stderr) =>
        resolve(`${stdout}${stderr}`.split('\n')[0].trim()),
      )
    } else {
      execFile(process.execPath, [tool.path, '--version'], (_err, stdout) =>
        resolve(stdout.split('\n')[0].trim()),
      )
    }
  })
}
