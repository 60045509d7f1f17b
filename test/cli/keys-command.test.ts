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
    ['an unknown subcommand', ['keys', 'rotate'], /expected "generate", got "rotate"/],
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
