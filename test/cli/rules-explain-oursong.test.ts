import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCliCaptured as run } from '../helpers/run-cli.js'
import { startTestSimulator, type SimulatorHarness } from '../helpers/simulator-harness.js'
import { TEST_API_KEY, TEST_API_SECRET } from '../helpers/test-fixture.js'

const RULES = `version: 1
default: deny
rules:
  - id: yellow-hd
    match: { paths: [/yellow/**] }
    require: { vibe: nxwyqqow, token_ids: ["2-3"] }
  - id: queen-audio
    match: { paths: [/queen/audio/**] }
    require: { vibe: xdrbpvjr, min_amount: 3 }
  - id: queen-fans
    match: { paths: [/queen/**] }
    require: { issuer: queen }
`

let sim: SimulatorHarness
let dir: string
let file: string
const saved = { ...process.env }

beforeAll(async () => {
  sim = await startTestSimulator()
  dir = await mkdtemp(join(tmpdir(), 'vibegate-explain-user-'))
  file = join(dir, 'rules.yaml')
  await writeFile(file, RULES)
})
afterAll(async () => {
  await sim.close()
  await rm(dir, { recursive: true, force: true })
})
afterEach(() => {
  const { OURSONG_BASE_URL, OURSONG_API_KEY, OURSONG_API_SECRET } = saved
  Object.assign(process.env, { OURSONG_BASE_URL, OURSONG_API_KEY, OURSONG_API_SECRET })
  if (OURSONG_BASE_URL === undefined) delete process.env.OURSONG_BASE_URL
  if (OURSONG_API_KEY === undefined) delete process.env.OURSONG_API_KEY
  if (OURSONG_API_SECRET === undefined) delete process.env.OURSONG_API_SECRET
})

function configure(baseUrl = sim.url): void {
  process.env.OURSONG_BASE_URL = baseUrl
  process.env.OURSONG_API_KEY = TEST_API_KEY
  process.env.OURSONG_API_SECRET = TEST_API_SECRET
}

describe('vibegate rules explain --user', () => {
  test('explains with the token ids OurSong reports for the user', async () => {
    configure()
    const { code, stdout, stderr } = await run([
      'rules',
      'explain',
      file,
      'GET',
      '/yellow/a',
      '--user',
      'alice',
    ])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toContain(
      `identity:  user alice, owns nxwyqqow:1,2 (as OurSong at ${sim.url} reports)`,
    )
    expect(stdout).toContain('decision:  allow (200)')
    expect(stdout).toContain('met by:    nxwyqqow token ids 2')
  })

  test('amounts (1155-like) and issuer requirements come from OurSong too', async () => {
    configure()
    const audio = await run([
      'rules',
      'explain',
      file,
      'GET',
      '/queen/audio/x',
      '--user',
      'bob',
      '--json',
    ])
    expect(audio.code).toBe(0)
    const explanation = JSON.parse(audio.stdout) as Record<string, unknown>
    expect(explanation).toMatchObject({
      decision: 'allow',
      satisfied_by: [{ id: 'xdrbpvjr', owned_amount: 3 }],
      holdings_from: { oursong: sim.url, user: 'bob' },
    })
    const fans = await run(['rules', 'explain', file, 'GET', '/queen/x', '--user', 'bob'])
    expect(fans.stdout).toContain('decision:  allow (200)')
    const alice = await run(['rules', 'explain', file, 'GET', '/queen/x', '--user', 'alice'])
    expect(alice.stdout).toContain('decision:  deny (403 not_owned)')
    expect(alice.stdout).toContain('unlock by: any vibe created by queen')
  })

  test('a user OurSong does not know: exit 1 naming the user', async () => {
    configure()
    const { code, stderr } = await run([
      'rules',
      'explain',
      file,
      'GET',
      '/yellow/a',
      '--user',
      'nobody',
    ])
    expect(code).toBe(1)
    expect(stderr).toMatch(/--user nobody: OurSong has no user "nobody"/)
    expect(stderr).toContain(sim.url)
  })

  test('OurSong not configured: exit 1 naming the variables to set', async () => {
    delete process.env.OURSONG_API_KEY
    delete process.env.OURSONG_API_SECRET
    const { code, stderr } = await run([
      'rules',
      'explain',
      file,
      'GET',
      '/yellow/a',
      '--user',
      'alice',
    ])
    expect(code).toBe(1)
    expect(stderr).toMatch(/--user asks OurSong, which is not configured/)
    expect(stderr).toMatch(/OURSONG_API_KEY is required/)
    expect(stderr).toMatch(/OURSONG_API_SECRET is required/)
  })

  test('OurSong unreachable: exit 1 naming OURSONG_BASE_URL', async () => {
    configure('http://127.0.0.1:9')
    const { code, stderr } = await run([
      'rules',
      'explain',
      file,
      'GET',
      '/yellow/a',
      '--user',
      'alice',
    ])
    expect(code).toBe(1)
    expect(stderr).toMatch(
      /cannot ask OurSong at http:\/\/127\.0\.0\.1:9 \(OURSONG_BASE_URL\): oursong_unavailable/,
    )
  })

  test('--user with --owns is a usage error', async () => {
    configure()
    const { code, stderr } = await run([
      'rules',
      'explain',
      file,
      'GET',
      '/yellow/a',
      '--user',
      'alice',
      '--owns',
      'x',
    ])
    expect(code).toBe(2)
    expect(stderr).toMatch(/drop --owns and --anonymous/)
  })

  test('--wallet: exit 1 explaining that OurSong cannot look a wallet up, and what to do', async () => {
    configure()
    const { code, stderr } = await run([
      'rules',
      'explain',
      file,
      'GET',
      '/yellow/a',
      '--wallet',
      '0xabc',
    ])
    expect(code).toBe(1)
    expect(stderr).toMatch(/--wallet 0xabc: .*cannot find a user by wallet address.*pass --user ID/)
  })
})
