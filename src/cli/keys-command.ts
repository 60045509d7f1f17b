import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import {
  generateKeySet,
  isValidKid,
  KEY_ALGORITHMS,
  parseKeySet,
  type KeyAlgorithm,
} from '../tokens/key-set.js'
import { ConfigError, loadPassEdgeConfigFromProcess } from '../config/load-config.js'
import { UsageError, type CliIo, type Command, type ExitCode } from './cli-io.js'
import { parseCommandArgs } from './parse-command-args.js'

const USAGE = `Usage: vibegate keys generate [--alg EdDSA|ES256] [--kid ID] --out FILE [--force]
       vibegate keys edge-config --out FILE [--force]

generate     writes a new private JWK set (one signing key) to FILE with mode 0600, and
             prints its public JWKS (what /.well-known/jwks.json will serve) on stdout.
             Point VIBEGATE_KEYS at FILE. To rotate, put the new key first in the running
             gate's file and keep the old one after it until its tokens have expired.
edge-config  writes the nginx edge's pass configuration (examples/nginx-edge) to FILE with
             mode 0600: VIBEGATE_PASS_SECRET and VIBEGATE_PASS_EPOCH_FILE, read from the
             environment as vibegate serve reads them, as the JSON nginx preloads
             (js_preload_object). Write it again and run nginx -s reload after a change.

Options of generate (--out and --force also of edge-config):
  --alg ALG      EdDSA (Ed25519, the default) or ES256 (P-256)
  --kid ID       the key id (default: the key's RFC 7638 thumbprint)
  --out FILE     where to write the private key set; an existing file is not overwritten
  --force        replace FILE if it exists (atomically, by rename)
  -h, --help     this text`

/** `vibegate keys generate`: a new private JWK set for `VIBEGATE_KEYS` (contract section 1). */
export const keysCommand: Command = {
  name: 'keys',
  summary: "generate the private JWK set the gate signs tokens with; write the edge's pass config",
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args
    if (sub === 'generate') return generate(rest, io)
    if (sub === 'edge-config') return edgeConfig(rest, io)
    throw new UsageError(
      `vibegate keys: expected "generate" or "edge-config", got ${sub === undefined ? 'nothing' : `"${sub}"`}`,
    )
  },
}

async function generate(args: string[], io: CliIo): Promise<ExitCode> {
  const { values } = parseCommandArgs('keys generate', args, {
    alg: { type: 'string', default: 'EdDSA' },
    kid: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean', default: false },
  })
  const alg = values.alg as KeyAlgorithm
  if (!KEY_ALGORITHMS.includes(alg)) {
    throw new UsageError(
      `vibegate keys generate: --alg must be ${KEY_ALGORITHMS.join(' or ')}, got "${values.alg}"`,
    )
  }
  if (values.kid !== undefined && !isValidKid(values.kid)) {
    throw new UsageError(
      'vibegate keys generate: --kid must be 1-128 printable ASCII characters, no spaces',
    )
  }
  const out = values.out
  if (out === undefined || out === '') {
    throw new UsageError('vibegate keys generate: --out FILE is required')
  }

  const keyFile = await generateKeySet({
    alg,
    ...(values.kid === undefined ? {} : { kid: values.kid }),
  })
  const text = `${JSON.stringify(keyFile, null, 2)}\n`
  // What the gate will publish, computed the way the gate computes it.
  const { publicJwks } = parseKeySet(text, out)
  if (!(await writeSecretFile('generate', out, text, values.force === true, io))) return 1
  io.stdout.write(`${JSON.stringify(publicJwks, null, 2)}\n`)
  io.stderr.write(`wrote ${out} (mode 0600), kid ${keyFile.keys[0]?.kid ?? ''}\n`)
  return 0
}

async function edgeConfig(args: string[], io: CliIo): Promise<ExitCode> {
  const { values } = parseCommandArgs('keys edge-config', args, {
    out: { type: 'string' },
    force: { type: 'boolean', default: false },
  })
  const out = values.out
  if (out === undefined || out === '')
    throw new UsageError('vibegate keys edge-config: --out FILE is required')
  let config
  try {
    config = loadPassEdgeConfigFromProcess()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    io.stderr.write(`${error.message}\n`)
    return 1
  }
  // The shape vibegate-edge.js reads from its preloaded object `vibegate_edge`; `false` says
  // "no epoch file" explicitly (a missing or misspelt key refuses every pass there).
  const text = `${JSON.stringify({
    secrets: config.secrets,
    epoch_file: config.epochFile ?? false,
  })}\n`
  if (!(await writeSecretFile('edge-config', out, text, values.force === true, io))) return 1
  io.stderr.write(
    `wrote ${out} (mode 0600): ${config.secrets.length} pass secret${config.secrets.length === 1 ? '' : 's'}, ${config.epochFile === undefined ? 'no epoch file' : `epoch file ${config.epochFile}`}\n`,
  )
  return 0
}

/**
 * Writes `text` to `out` with mode 0600 (replacing it only with `force`); false, with the
 * reason on stderr naming `vibegate keys <sub>` and the file, when it cannot.
 */
async function writeSecretFile(
  sub: string,
  out: string,
  text: string,
  force: boolean,
  io: CliIo,
): Promise<boolean> {
  try {
    if (force) await replaceFile(out, text)
    else await createFile(out, text)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    io.stderr.write(
      code === 'EEXIST'
        ? `vibegate keys ${sub}: ${out} exists; not overwriting it (use --force to replace it)\n`
        : `vibegate keys ${sub}: cannot write ${out}: ${code ?? (error as Error).message}\n`,
    )
    return false
  }
}

// O_EXCL: never follows a planted symlink, never truncates an existing file.
async function createFile(file: string, text: string): Promise<void> {
  const handle = await open(file, 'wx', 0o600)
  try {
    // The umask may have taken bits away, never added any; chmod says exactly 0600.
    await handle.chmod(0o600)
    await handle.writeFile(text)
    await handle.sync()
  } catch (error) {
    await handle.close()
    await rm(file, { force: true })
    throw error
  }
  await handle.close()
}

// A temporary file next to the target, renamed over it: a watching gate sees the old file or
// the new one, never half of one.
async function replaceFile(file: string, text: string): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    await createFile(temp, text)
    await rename(temp, file)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}
