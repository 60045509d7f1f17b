import { afterEach, describe, expect, test } from '@jest/globals'
import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadKeySet, type PrivateKeySetFile } from '../../src/tokens/key-set.js'
import { runCliCaptured as run } from '../helpers/run-cli.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vibegate-keys-cli-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const modeOf = async (file: string): Promise<number> => (await stat(file)).mode & 0o777

describe('vibegate keys generate', () => {
  test.each([
    [[], 'EdDSA', 'OKP', 'Ed25519'],
    [['--alg', 'ES256'], 'ES256', 'EC', 'P-256'],
  ] as const)(
    '%j writes a 0600 private set and prints only its public JWKS',
    async (flags, alg, kty, crv) => {
      const out = join(await tempDir(), 'keys.json')
      const { code, stdout, stderr } = await run(['keys', 'generate', ...flags, '--out', out])
      expect(code).toBe(0)
      expect(stderr).toMatch(/wrote .*keys\.json \(mode 0600\)/)
      expect(await modeOf(out)).toBe(0o600)

      const file = JSON.parse(await readFile(out, 'utf8')) as PrivateKeySetFile
      const [key] = file.keys
      expect(key).toMatchObject({ kty, crv, alg, use: 'sig', d: expect.any(String) })

      const printed = JSON.parse(stdout) as { keys: Record<string, unknown>[] }
      const { d, ...publicParts } = key!
      expect(printed).toEqual({ keys: [publicParts] })
      expect(stdout).not.toContain(d)
      expect(stderr).not.toContain(d)
      // What the gate will publish from that file is what was printed.
      expect((await loadKeySet(out)).keySet.publicJwks).toEqual(printed)
    },
  )

  test('--kid sets the key id', async () => {
    const out = join(await tempDir(), 'keys.json')
    const { code, stdout } = await run(['keys', 'generate', '--kid', '2026-01', '--out', out])
    expect(code).toBe(0)
    expect(JSON.parse(stdout).keys[0].kid).toBe('2026-01')
  })

  test('refuses to overwrite an existing file, and --force replaces it with mode 0600', async () => {
    const dir = await tempDir()
    const out = join(dir, 'keys.json')
    await writeFile(out, 'precious', { mode: 0o644 })
    const refused = await run(['keys', 'generate', '--out', out])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/exists; not overwriting it \(use --force/)
    expect(refused.stdout).toBe('')
    expect(await readFile(out, 'utf8')).toBe('precious')

    const forced = await run(['keys', 'generate', '--out', out, '--force'])
    expect(forced.code).toBe(0)
    expect(await modeOf(out)).toBe(0o600)
    expect((await loadKeySet(out)).keySet.publicJwks).toEqual(JSON.parse(forced.stdout))
    expect(await readdir(dir)).toEqual(['keys.json']) // no temporary file left behind
  })

  test('does not follow a symlink planted at the target', async () => {
    const dir = await tempDir()
    const target = join(dir, 'elsewhere')
    const out = join(dir, 'keys.json')
    await symlink(target, out)
    const { code } = await run(['keys', 'generate', '--out', out])
    expect(code).toBe(1)
    await expect(stat(target)).rejects.toThrow(/ENOENT/)
  })

  test('a directory that does not exist exits 1', async () => {
    const out = join(await tempDir(), 'no', 'keys.json')
    const { code, stderr } = await run(['keys', 'generate', '--out', out])
    expect(code).toBe(1)
    expect(stderr).toMatch(/cannot write .*ENOENT/)
  })

  test.each([
    ['no --out', ['keys', 'generate'], /--out FILE is required/],
    ['an unknown flag', ['keys', 'generate', '--out', 'x', '--bits', '4096'], /--bits/],
    ['an unknown alg', ['keys', 'generate', '--alg', 'RS256', '--out', 'x'], /--alg must be/],
    ['a kid with a space', ['keys', 'generate', '--kid', 'a b', '--out', 'x'], /--kid/],
    ['no subcommand', ['keys'], /expected "generate"/],
    [
      'an unknown subcommand',
      ['keys', 'rotate'],
      /expected "generate" or "edge-config", got "rotate"/,
    ],
  ])('%s exits 2 with a usage line', async (_name, argv, message) => {
    const { code, stderr, stdout } = await run(argv)
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
    expect(stderr).toMatch(/Usage: vibegate keys generate/)
    expect(stdout).toBe('')
  })

  test('--help prints the usage and exits 0; vibegate --help lists keys', async () => {
    const help = await run(['keys', 'generate', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/--alg ALG/)
    expect(help.stdout).toMatch(/--force/)
    const main = await run(['--help'])
    expect(main.stdout).toMatch(/keys\s+generate the private JWK set/)
  })
})

describe('vibegate keys edge-config', () => {
  const SECRET = 'e'.repeat(40)
  const OLD = 'o'.repeat(40)
  /** Runs with only these pass variables set in the environment, then restores it. */
  async function withEnv(
    env: Record<string, string | undefined>,
    argv: string[],
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const saved = {
      VIBEGATE_PASS_SECRET: process.env.VIBEGATE_PASS_SECRET,
      VIBEGATE_PASS_EPOCH_FILE: process.env.VIBEGATE_PASS_EPOCH_FILE,
    }
    for (const [name, value] of Object.entries({ ...saved, ...env }))
      if (value === undefined) Reflect.deleteProperty(process.env, name)
      else process.env[name] = value
    try {
      return await run(argv)
    } finally {
      for (const [name, value] of Object.entries(saved))
        if (value === undefined) Reflect.deleteProperty(process.env, name)
        else process.env[name] = value
    }
  }

  test('writes the JSON nginx preloads (the shape the edge suites run), mode 0600, no secret printed', async () => {
    const { edgeConfigJson } = await import('../../bench/bench-kit.mjs')
    const dir = await tempDir()
    const out = join(dir, 'vibegate-edge.json')
    const result = await withEnv(
      {
        VIBEGATE_PASS_SECRET: ` ${SECRET} , ${OLD} `,
        VIBEGATE_PASS_EPOCH_FILE: '/run/vibegate/pass-epoch',
      },
      ['keys', 'edge-config', '--out', out],
    )
    expect(result).toMatchObject({ code: 0, stdout: '' })
    expect(result.stderr).toContain('2 pass secrets, epoch file /run/vibegate/pass-epoch')
    expect(result.stderr).not.toContain(SECRET)
    expect(await modeOf(out)).toBe(0o600)
    expect(await readFile(out, 'utf8')).toBe(
      edgeConfigJson({ secrets: [SECRET, OLD], epochFile: '/run/vibegate/pass-epoch' }),
    )
    const again = await withEnv({ VIBEGATE_PASS_SECRET: SECRET }, [
      'keys',
      'edge-config',
      '--out',
      out,
    ])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('exists; not overwriting it (use --force to replace it)')
    const forced = await withEnv({ VIBEGATE_PASS_SECRET: SECRET }, [
      'keys',
      'edge-config',
      '--out',
      out,
      '--force',
    ])
    expect(forced.code).toBe(0)
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual({
      secrets: [SECRET],
      epoch_file: false,
    })
  })

  test.each([
    [{}, 'VIBEGATE_PASS_SECRET is required'],
    [{ VIBEGATE_PASS_SECRET: 'short' }, 'secret 1 of 1 is 5 characters'],
  ])('refuses %j, naming the variable, and writes nothing', async (env, message) => {
    const out = join(await tempDir(), 'vibegate-edge.json')
    const { code, stderr } = await withEnv({ VIBEGATE_PASS_SECRET: undefined, ...env }, [
      'keys',
      'edge-config',
      '--out',
      out,
    ])
    expect(code).toBe(1)
    expect(stderr).toContain(message)
    await expect(stat(out)).rejects.toThrow()
  })

  test('--out is required', async () => {
    const { code, stderr } = await run(['keys', 'edge-config'])
    expect(code).toBe(2)
    expect(stderr).toContain('--out FILE is required')
  })
})
