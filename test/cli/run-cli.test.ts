import { describe, expect, test } from '@jest/globals'
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCliCaptured } from '../helpers/run-cli.js'

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname

const run = runCliCaptured

describe('vibegate CLI', () => {
  test('--help lists the commands', async () => {
    const { code, stdout } = await run(['--help'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/Usage: vibegate <command>/)
    expect(stdout).toMatch(/simulator\s+run the OurSong Open API simulator/)
  })

  test('no command prints the usage and exits 2', async () => {
    expect((await run([])).code).toBe(2)
  })

  test('an unknown command exits 2 with a usage line', async () => {
    const { code, stderr } = await run(['frobnicate'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/unknown command "frobnicate"/)
    expect(stderr).toMatch(/Usage: vibegate/)
  })

  test('an unknown flag exits 2 with the command’s usage line', async () => {
    const { code, stderr } = await run(['simulator', '--prot', '1'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/--prot/)
    expect(stderr).toMatch(/Usage: vibegate simulator/)
  })

  test('a bad port exits 2', async () => {
    expect((await run(['simulator', '--port', 'http'])).code).toBe(2)
  })

  test('every command takes --help', async () => {
    const { code, stdout } = await run(['simulator', '--help'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/--strict-hello/)
  })

  test('a broken fixture exits 1 naming the file and the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vibegate-cli-'))
    const file = join(dir, 'bad.yaml')
    await writeFile(
      file,
      'apps: []\nusers: []\nvibes: []\nholdings:\n  - { user: ghost, vibe: nope, amount: 1 }\n',
    )
    const { code, stderr } = await run(['simulator', '--fixture', file, '--port', '0'])
    await rm(dir, { recursive: true, force: true })
    expect(code).toBe(1)
    expect(stderr).toContain(file)
    expect(stderr).toMatch(/holdings\[0\]\.user/)
  })

  test('the built bin serves the bundled demo fixture and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, 'simulator', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const url = await new Promise<string>((resolve, reject) => {
      let buffered = ''
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString()
        const match = /"url":"(http:\/\/[^"]+)"/.exec(buffered)
        if (match) resolve(match[1]!)
      })
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${buffered}`)))
    })
    const response = await fetch(`${url}/api/open-api/token-spec-list?api_key=demo-key`)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { status: string }).status).toBe('success')
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
