import { describe, expect, test } from '@jest/globals'
import { execSync, spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')

interface Stage {
  name: string
  from: string
  steps: { op: string; args: string }[]
}

/** The Dockerfile as stages of instructions (continuation lines joined). */
function stages(): Stage[] {
  const result: Stage[] = []
  for (const line of dockerfile.replace(/\\\n/g, ' ').split('\n')) {
    const match = /^([A-Z]+)\s+(.*)$/.exec(line.trim())
    if (!match) continue
    const [, op, args] = match as unknown as [string, string, string]
    if (op === 'FROM') {
      const [from, , name] = args.split(/\s+/)
      result.push({ name: name ?? String(result.length), from: from!, steps: [] })
    } else result[result.length - 1]!.steps.push({ op, args })
  }
  return result
}

describe('Dockerfile', () => {
  test('is multi-stage on Node 22 LTS, production dependencies only, non-root, with a healthcheck', () => {
    const [build, runtime] = stages()
    expect(build!.from).toMatch(/^node:22/)
    expect(runtime!.from).toMatch(/^node:22/)
    const runtimeOps = runtime!.steps.map((s) => `${s.op} ${s.args}`)
    expect(runtimeOps).toContainEqual(expect.stringMatching(/^RUN npm ci --omit=dev/))
    expect(runtimeOps).toContainEqual('USER node')
    expect(runtimeOps).toContainEqual(expect.stringMatching(/^HEALTHCHECK .*\/healthz/))
    expect(runtimeOps).toContainEqual('CMD ["node", "dist/cli.js", "serve"]')
  })

  test('its steps, run outside Docker, build an image tree that serves and passes its healthcheck', async () => {
    const work = mkdtempSync(join(tmpdir(), 'vibegate-docker-'))
    try {
      const dirs = new Map<string, string>()
      let cmd: string[] = []
      let healthcheck: string[] = []
      for (const stage of stages()) {
        const dir = join(work, stage.name)
        dirs.set(stage.name, dir)
        let cwd = dir
        for (const { op, args } of stage.steps) {
          if (op === 'WORKDIR') cwd = join(dir, args)
          else if (op === 'COPY') {
            const parts = args.split(/\s+/)
            const from = parts[0]!.startsWith('--from=')
              ? parts.shift()!.slice('--from='.length)
              : undefined
            const dest = join(cwd, parts.pop()!)
            for (const source of parts) {
              const origin = from ? join(dirs.get(from)!, source) : join(root, source)
              const target =
                parts.length > 1 || dest.endsWith('/') ? join(dest, source.split('/').pop()!) : dest
              cpSync(origin, target, { recursive: true })
            }
          } else if (op === 'RUN') {
            execSync(args, {
              cwd,
              stdio: 'pipe',
              env: { ...process.env, npm_config_prefer_offline: 'true' },
            })
          } else if (op === 'CMD') cmd = JSON.parse(args) as string[]
          else if (op === 'HEALTHCHECK')
            healthcheck = JSON.parse(args.slice(args.indexOf('CMD ') + 4)) as string[]
        }
        if (stage.name === 'runtime') dirs.set('app', cwd)
      }
      const app = dirs.get('app')!
      expect(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).name).toBe('vibegate')
      expect(() =>
        execSync('node -e "require.resolve(\'typescript\')"', { cwd: app, stdio: 'pipe' }),
      ).toThrow()

      writeFileSync(
        join(app, 'rules', 'rules.yaml'),
        readFileSync(join(root, 'rules', 'demo.yaml')),
      )
      const port = await freePort()
      const env = {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: '127.0.0.1',
        OURSONG_API_KEY: 'k',
        OURSONG_API_SECRET: 's',
        NODE_ENV: 'production',
      }
      const server = spawn(cmd[0]!, cmd.slice(1), { cwd: app, env, stdio: 'ignore' })
      try {
        let healthy = false
        for (let i = 0; i < 100 && !healthy; i++) {
          await new Promise((r) => setTimeout(r, 100))
          healthy = spawnSyncOk(healthcheck, app, env)
        }
        expect(healthy).toBe(true)
      } finally {
        server.kill('SIGTERM')
      }
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  }, 300_000)
})

function spawnSyncOk(
  command: string[],
  cwd: string,
  env: Record<string, string | undefined>,
): boolean {
  try {
    execSync(command.map((c) => `'${c.replace(/'/g, `'\\''`)}'`).join(' '), {
      cwd,
      env,
      stdio: 'ignore',
    })
    return true
  } catch {
    return false
  }
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}
