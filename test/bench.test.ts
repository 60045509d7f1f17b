import { describe, expect, test } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { callsBetween, nginxSiteFromExample } from '../bench/bench-kit.mjs'
import { loadArgs, parseAutocannon, parseWrk, parseWrkTime } from '../bench/load-generator.mjs'
import { combineSlices, evaluate, formatTable, judgeRss, type Figures } from '../bench/report.mjs'

/**
 * The logic of `npm run bench` that does not depend on timing: reading the load
 * generators' output, judging the goals, deriving nginx's configuration from the shipped
 * example. No figure here is measured: timing belongs in the benchmark, not in tests.
 */

// Captured from `wrk -t1 -c50 -d2s --latency` (wrk 4.1.0).
const WRK_OK = `Running 2s test @ http://127.0.0.1:23456/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.30ms    3.84ms  72.26ms   97.38%
    Req/Sec    66.21k    23.29k   85.65k    85.00%
  Latency Distribution
     50%  611.00us
     75%  846.00us
     90%    1.34ms
     99%   19.82ms
  131292 requests in 2.00s, 15.28MB read
Requests/sec:  65553.01
Transfer/sec:      7.63MB
`
// Captured too, from a server answering 403, with socket errors added as wrk prints them.
const WRK_ERRORS = `Running 2s test @ http://127.0.0.1:23456/bad
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   737.11us  472.74us  10.09ms   93.16%
    Req/Sec    71.84k    14.45k   83.85k    85.71%
  Latency Distribution
     50%  594.00us
     75%  740.00us
     90%    1.05ms
     99%    1.20s
  149807 requests in 2.10s, 18.43MB read
  Socket errors: connect 0, read 3, write 1, timeout 7
  Non-2xx or 3xx responses: 149807
Requests/sec:  71331.13
Transfer/sec:      8.78MB
`
// Abridged from `autocannon -j -c 50 -d 2` (autocannon 8).
const AUTOCANNON = JSON.stringify({
  url: 'http://127.0.0.1:23456/bad',
  connections: 50,
  duration: 2.02,
  errors: 2,
  timeouts: 1,
  non2xx: 129570,
  latency: { average: 0.18, p50: 0, p99: 2, p99_9: 6 },
  requests: { average: 64776, total: 129570 },
})

describe('load generator output', () => {
  test('wrk: req/s, p50 and p99 in ms, requests, and none bad', () => {
    expect(parseWrk(WRK_OK)).toEqual({
      rps: 65553.01,
      p50Ms: 0.611,
      p99Ms: 19.82,
      requests: 131292,
      non2xx: 0,
      errors: 0,
    })
  })

  test('wrk: statuses >= 400 and socket errors are counted, seconds converted', () => {
    expect(parseWrk(WRK_ERRORS)).toMatchObject({
      rps: 71331.13,
      p99Ms: 1200,
      non2xx: 149807,
      errors: 11,
    })
  })

  test('wrk: output without the latency distribution is refused', () => {
    expect(() => parseWrk(WRK_OK.replace(/Latency Distribution[\s\S]*?99%.*\n/, ''))).toThrow(
      /--latency/,
    )
  })

  test('wrk times: us, ms, s, m', () => {
    expect(parseWrkTime('611.00us')).toBeCloseTo(0.611)
    expect(parseWrkTime('19.82ms')).toBe(19.82)
    expect(parseWrkTime('1.02s')).toBe(1020)
    expect(parseWrkTime('1.50m')).toBe(90_000)
    expect(() => parseWrkTime('12')).toThrow()
  })

  test('autocannon: req/s over the run, latencies, non-2xx and errors with timeouts', () => {
    expect(parseAutocannon(AUTOCANNON)).toEqual({
      rps: 129570 / 2.02,
      p50Ms: 0,
      p99Ms: 2,
      requests: 129570,
      non2xx: 129570,
      errors: 3,
    })
    expect(() => parseAutocannon('{}')).toThrow()
  })

  test('both tools get the same connections, duration and headers', () => {
    const options = {
      url: 'http://127.0.0.1:1/x',
      headers: { Authorization: 'Bearer t', 'X-Original-URI': '/a' },
      seconds: 8,
      connections: 50,
    }
    expect(loadArgs({ name: 'wrk', path: '/usr/bin/wrk' }, options)).toEqual([
      '/usr/bin/wrk',
      [
        '-t1',
        '-c50',
        '-d8s',
        '--latency',
        '-H',
        'Authorization: Bearer t',
        '-H',
        'X-Original-URI: /a',
        'http://127.0.0.1:1/x',
      ],
    ])
    const [program, args] = loadArgs({ name: 'autocannon', path: '/ac.js' }, options)
    expect(program).toBe(process.execPath)
    expect(args).toEqual([
      '/ac.js',
      '-j',
      '-c',
      '50',
      '-d',
      '8',
      '-H',
      'Authorization=Bearer t',
      '-H',
      'X-Original-URI=/a',
      'http://127.0.0.1:1/x',
    ])
  })

  test('pipelining: wrk runs bench/pipeline.lua with the depth, autocannon gets -p', () => {
    const options = { url: 'http://127.0.0.1:1/x', seconds: 8, connections: 50, pipelining: 16 }
    const [, wrkArgs] = loadArgs({ name: 'wrk', path: '/usr/bin/wrk' }, options)
    const script = wrkArgs[wrkArgs.indexOf('-s') + 1] ?? ''
    expect(script).toMatch(/bench\/pipeline\.lua$/)
    expect(existsSync(script)).toBe(true)
    expect(wrkArgs.slice(-3)).toEqual(['http://127.0.0.1:1/x', '--', '16'])
    const [, acArgs] = loadArgs({ name: 'autocannon', path: '/ac.js' }, options)
    expect(acArgs[acArgs.indexOf('-p') + 1]).toBe('16')
    // Depth 1 is plain load: no script, no -p.
    const [, plain] = loadArgs({ name: 'wrk', path: '/usr/bin/wrk' }, { ...options, pipelining: 1 })
    expect(plain).not.toContain('-s')
    expect(plain.at(-1)).toBe('http://127.0.0.1:1/x')
  })
})

const fig = (rps: number, p99Ms: number, bad = 0): Figures => ({
  rps,
  p99Ms,
  non2xx: bad,
  errors: 0,
})

describe('goals', () => {
  test('all met', () => {
    const { failures, lines } = evaluate({
      bare: fig(10_000, 2),
      bearer: fig(6_000, 4),
      session: fig(7_000, 3),
      nginx: { static: fig(30_000, 1), ceiling: fig(10_000, 3), gate: fig(8_500, 4) },
      workers: { n: 2, processes: 2, one: fig(5_000, 5), many: fig(8_000, 4) },
    })
    expect(failures).toEqual([])
    const table = formatTable(lines)
    expect(table).toMatch(/auth-request, Bearer \(warm\)\s+6000\s+4\.00 ms\s+60\.0%\s+pass/)
    expect(table).toMatch(
      /nginx auth_request -> vibegate \(Bearer\)\s+8500\s+4\.00 ms\s+85\.0%\s+pass/,
    )
    expect(table).toMatch(/VIBEGATE_WORKERS=2\s+8000\s+4\.00 ms\s+1\.60x\s+pass/)
    expect(table).not.toContain('FAIL')
  })

  test('each goal fails on its own, and says why', () => {
    const { failures, lines } = evaluate({
      bare: fig(10_000, 2),
      bearer: fig(5_999, 4),
      session: fig(9_000, 4.1),
      nginx: { static: fig(30_000, 1), ceiling: fig(10_000, 3), gate: fig(8_400, 4) },
      workers: { n: 2, processes: 2, one: fig(5_000, 5), many: fig(7_900, 4) },
    })
    expect(failures).toEqual([
      expect.stringMatching(/^auth-request, Bearer \(warm\): 60\.0% of bare/),
      expect.stringMatching(/^auth-request, session cookie \(warm\): p99 2\.05x bare's/),
      expect.stringMatching(/^nginx auth_request -> vibegate: 84\.0% of the bare-200 ceiling/),
      expect.stringMatching(/^VIBEGATE_WORKERS=2: 1\.58x one worker/),
    ])
    expect(formatTable(lines).match(/FAIL/g)).toHaveLength(4)
  })

  test('errors during a run fail it; a build without workers is named as such', () => {
    const { failures } = evaluate({
      bare: fig(10_000, 2),
      bearer: fig(9_000, 2, 5),
      workers: { n: 2, processes: 0, one: fig(5_000, 5), many: fig(9_000, 4) },
    })
    expect(failures).toEqual([
      'auth-request, Bearer (warm): 5 non-2xx answers and 0 socket errors during the run',
      expect.stringContaining('0 worker processes seen (the variable is not implemented'),
    ])
  })

  test('rows during which other processes took CPU are marked as disturbed', () => {
    const { lines } = evaluate({
      bare: { ...fig(10_000, 2), otherCores: 0.02, stealCores: 0 },
      bearer: { ...fig(6_000, 4), otherCores: 0.5, stealCores: 0.1 },
    })
    const table = formatTable(lines)
    expect(table).toMatch(/bare node:http.*\s0\.02\s/)
    expect(table).toMatch(/Bearer.*\s0\.60\*\s+pass/)
  })

  test('workers: the pipelined rows are judged, the unpipelined ones only shown', () => {
    const { failures, lines } = evaluate({
      bare: fig(10_000, 2),
      workers: {
        n: 2,
        processes: 2,
        one: fig(30_000, 5),
        many: fig(57_000, 4),
        pipelining: 16,
        unpipelined: { one: fig(20_000, 3), many: fig(23_000, 3) },
      },
    })
    expect(failures).toEqual([])
    const table = formatTable(lines)
    expect(table).toContain('16 requests pipelined per connection')
    expect(table).toMatch(/VIBEGATE_WORKERS=2\s+57000\s+-\s+1\.90x\s+pass/)
    expect(table).toMatch(/one request per round trip \(not judged/)
    expect(table).toMatch(/VIBEGATE_WORKERS=2\s+23000\s+3\.00 ms\s+1\.15x\s*$/m)
  })

  test('one core: no worker goal', () => {
    const { failures, lines } = evaluate({
      bare: fig(10_000, 2),
      workers: { n: 1, processes: 0, one: fig(5_000, 5), many: fig(5_000, 5) },
    })
    expect(failures).toEqual([])
    expect(formatTable(lines)).toContain('n/a (1 core)')
  })

  test('interleaved slices: mean req/s, median p99, mean CPU of others; counts of all', () => {
    const slice = (rps: number, p99Ms: number, otherCores: number, calls = {}) => ({
      rps,
      p99Ms,
      requests: rps * 3,
      non2xx: 1,
      errors: 0,
      otherCores,
      stealCores: 0,
      calls,
    })
    const combined = combineSlices([
      slice(9000, 10, 0),
      slice(12000, 90, 0.025, { 'GET /a': 1 }),
      slice(9000, 12, 0.05, { 'GET /a': 1, 'GET /b': 2 }),
    ])
    expect(combined).toMatchObject({
      rps: 10000,
      p99Ms: 12,
      requests: 90000,
      non2xx: 3,
      errors: 0,
      stealCores: 0,
      calls: { 'GET /a': 2, 'GET /b': 2 },
      slices: 3,
    })
    expect(combined.otherCores).toBeCloseTo(0.025)
    // A disturbed slice is left out of the figures while there are quiet ones...
    const mixed = combineSlices([slice(9000, 10, 0), slice(4000, 300, 0.9, { 'GET /a': 1 })])
    expect(mixed).toMatchObject({ rps: 9000, p99Ms: 10, otherCores: 0, slices: 1 })
    // ...but its requests and calls still count.
    expect(mixed).toMatchObject({ requests: 39000, non2xx: 2, calls: { 'GET /a': 1 } })
    // All disturbed: all used.
    expect(combineSlices([slice(4000, 30, 0.5), slice(6000, 20, 0.7)])).toMatchObject({
      rps: 5000,
      otherCores: 0.6,
      slices: 2,
    })
  })

  test('a goal met on disturbed rows is not trusted', () => {
    const { failures, lines } = evaluate({
      bare: { ...fig(10_000, 2), otherCores: 0.5 },
      bearer: fig(7_000, 3),
      session: fig(5_000, 3),
    })
    expect(failures).toEqual([
      'auth-request, Bearer (warm): met, but measured while other processes took CPU; measure again',
      expect.stringMatching(/^auth-request, session cookie \(warm\): 50\.0% of bare/),
    ])
    expect(formatTable(lines)).toMatch(/Bearer \(warm\).*pass\? \(/)
  })

  test('RSS: the median of the last window within 10% of the median of the first', () => {
    // A heap's sawtooth (up to 26% here) does not fail a flat run...
    expect(judgeRss([100, 125, 98, 120, 101, 124, 99, 126, 100], 3)).toMatchObject({
      start: 100,
      end: 100,
      min: 98,
      max: 126,
      pass: true,
    })
    // ...a steady climb does.
    expect(judgeRss([100, 104, 108, 112, 116, 120], 2).pass).toBe(false)
    expect(judgeRss([100, 89]).pass).toBe(false)
    expect(judgeRss([100, 109.9]).pass).toBe(true)
  })
})

describe('nginx configuration of the benchmark', () => {
  test('derives from the shipped example: upstream, listen and static root replaced', async () => {
    const example = await readFile(
      new URL('../examples/nginx/vibegate.conf', import.meta.url),
      'utf8',
    )
    const site = nginxSiteFromExample(example, {
      authPort: 21001,
      listenPort: 21002,
      www: '/tmp/www',
    })
    expect(site).toContain('server 127.0.0.1:21001;')
    expect(site).toContain('listen 127.0.0.1:21002;')
    expect(site).toContain('root /tmp/www;')
    expect(site).not.toContain('proxy_pass http://content;')
    // The subrequest location is the example's own.
    expect(site).toContain('auth_request /_vibegate;')
    expect(site).toContain('proxy_pass http://vibegate/authz/auth-request;')
  })

  test('refuses an example that no longer has what it replaces', () => {
    expect(() =>
      nginxSiteFromExample('server { listen 80; }', { authPort: 1, listenPort: 2, www: '/w' }),
    ).toThrow(/no longer contains/)
  })

  test('OurSong calls between two snapshots', () => {
    expect(
      callsBetween(
        { 'GET /a': 3, 'GET /b': 1 },
        { 'GET /a': 3, 'GET /b': 2, 'GET /api/open-api/auth-user': 1 },
      ),
    ).toEqual({ 'GET /b': 1, 'GET /api/open-api/auth-user': 1 })
  })
})

describe('bench:cpu (bench/handler-cpu.mjs)', () => {
  test('runs the three rows through node:http in memory and prints them', async () => {
    const { execFile } = await import('node:child_process')
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['bench/handler-cpu.mjs'],
        { env: { ...process.env, N: '300', ROUNDS: '1' }, timeout: 60_000 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    )
    // Figures only: every row answered 200 (the script throws on anything else).
    for (const row of ['bare (the same headers)', 'bare + createGateServer', 'gate, Bearer (warm)'])
      expect(out).toMatch(
        new RegExp(`${row.replace(/[()+]/g, '\\$&')}\\s+\\d+\\.\\d\\d\\s+\\d+\\.\\d\\d`),
      )
  }, 90_000)
})
