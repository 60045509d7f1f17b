import { ConfigError, loadOurSongConfigFromProcess } from '../config/load-config.js'
import { createOurSongClient } from '../oursong/oursong-client.js'
import { OurSongError } from '../oursong/oursong-error.js'
import { formatProblem, loadRulesFile, RulesFileError } from '../rules/load-rules.js'
import {
  explainRequest,
  parseOwns,
  type Explanation,
  type OwnsSpec,
} from '../rules/explain-request.js'
import { UsageError, type CliIo, type Command, type ExitCode } from './cli-io.js'
import { fetchOurSongHoldings, UnknownOurSongUserError } from '../ownership/oursong-holdings.js'
import { parseCommandArgs } from './parse-command-args.js'

const USAGE = `Usage: vibegate rules check FILE...
       vibegate rules explain FILE METHOD URL [--owns VIBE[:IDS]]... [--anonymous] [--json]
       vibegate rules explain FILE METHOD URL --user ID [--json]

check     validates rules files; exit 0 when valid (warnings allowed), 1 with one
          FILE:LINE:COL: message line per problem on stderr
explain   which rule matches METHOD URL and the decision for a user holding what --owns
          lists (no --owns: logged in, owns nothing)

Options of explain:
  --owns VIBE[:IDS]          a holding, e.g. --owns nxwyqqow:1,3-5 (repeatable)
  --issuer-vibes ID=V1,V2    the vibes an OurSong user created, for issuer requirements
  --user ID                  the holdings OurSong reports for that user (id or uuid);
                             needs OURSONG_API_KEY, OURSONG_API_SECRET (and OURSONG_BASE_URL)
  --wallet ADDR              not available: OurSong cannot look a user up by wallet
  --anonymous                not logged in
  --json                     machine-readable output
  -h, --help                 this text`

/** `vibegate rules check|explain`. */
export const rulesCommand: Command = {
  name: 'rules',
  summary: 'check rules files, or explain the decision for a request',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args
    if (sub === 'check') return check(rest, io)
    if (sub === 'explain') return explain(rest, io)
    throw new UsageError(
      `vibegate rules: expected "check" or "explain", got ${sub === undefined ? 'nothing' : `"${sub}"`}`,
    )
  },
}

async function check(args: string[], io: CliIo): Promise<ExitCode> {
  const { positionals } = parseCommandArgs('rules check', args, {}, true)
  if (positionals.length === 0) throw new UsageError('vibegate rules check: name at least one FILE')
  let failed = false
  for (const file of positionals) {
    try {
      const { rules, warnings } = await loadRulesFile(file)
      for (const w of warnings) io.stderr.write(`${formatProblem(w)}\n`)
      io.stdout.write(
        `${file}: ok, ${rules.rules.length} rule${rules.rules.length === 1 ? '' : 's'}, default ${rules.default}\n`,
      )
      for (const rule of rules.rules) {
        const { pass } = rule
        if (pass === undefined) continue
        io.stdout.write(
          `  rule "${rule.id}": edge pass ${pass.ttlSeconds}s, cookie Path=${pass.cookiePath}, p ${pass.patterns.join(' ')}, n ${pass.fits ? `${pass.earlier.length} earlier pattern${pass.earlier.length === 1 ? '' : 's'}` : 'too large (no pass issued)'}\n`,
        )
      }
    } catch (err) {
      failed = true
      if (err instanceof RulesFileError) {
        for (const p of err.problems) io.stderr.write(`${formatProblem(p)}\n`)
      } else {
        io.stderr.write(
          `${file}:1:1: cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`,
        )
      }
    }
  }
  return failed ? 1 : 0
}

async function explain(args: string[], io: CliIo): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(
    'rules explain',
    args,
    {
      owns: { type: 'string', multiple: true },
      'issuer-vibes': { type: 'string', multiple: true },
      user: { type: 'string' },
      wallet: { type: 'string' },
      anonymous: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    true,
  )
  const [file, method, url, ...extra] = positionals
  if (!file || !method || !url || extra.length > 0) {
    throw new UsageError('vibegate rules explain: expected FILE METHOD URL')
  }
  let owns: OwnsSpec[] | undefined
  const issuerVibes: Record<string, string[]> = {}
  try {
    owns = values.anonymous ? undefined : (values.owns ?? []).map(parseOwns)
    for (const spec of values['issuer-vibes'] ?? []) {
      const [issuer, vibes] = spec.split('=')
      if (!issuer || !vibes) throw new TypeError(`--issuer-vibes ${spec}: expected ID=VIBE,VIBE`)
      issuerVibes[issuer] = vibes.split(',')
    }
  } catch (err) {
    throw new UsageError(`vibegate rules explain: ${(err as Error).message}`)
  }
  if (values.anonymous && values.owns) {
    throw new UsageError('vibegate rules explain: --anonymous and --owns exclude each other')
  }
  const { user, wallet } = values
  if ((user !== undefined || wallet !== undefined) && (values.anonymous || values.owns)) {
    throw new UsageError(
      'vibegate rules explain: --user and --wallet take the holdings from OurSong; drop --owns and --anonymous',
    )
  }
  if (user !== undefined && wallet !== undefined) {
    throw new UsageError('vibegate rules explain: give --user or --wallet, not both')
  }
  if (wallet !== undefined) {
    // The Open API has no lookup by wallet: only wallet-login, which needs the wallet's own signature.
    io.stderr.write(
      `vibegate rules explain: --wallet ${wallet}: OurSong's Open API cannot find a user by wallet address (only wallet-login, which needs that wallet's signature); find the user's OurSong id (in /auth/me or the gate's decision log) and pass --user ID\n`,
    )
    return 1
  }
  let rules
  try {
    rules = (await loadRulesFile(file)).rules
  } catch (err) {
    if (err instanceof RulesFileError) io.stderr.write(`${err.message}\n`)
    else io.stderr.write(`${file}:1:1: cannot read the file: ${(err as Error).message}\n`)
    return 1
  }
  let source: { oursong: string; user: string } | undefined
  if (user !== undefined) {
    const fetched = await holdingsOf(user, rules, io)
    if (!fetched) return 1
    ;({ owns } = fetched)
    Object.assign(issuerVibes, fetched.issuerVibes)
    source = { oursong: fetched.baseUrl, user }
  }
  const explanation = explainRequest(rules, method, url, owns, issuerVibes)
  io.stdout.write(
    values.json
      ? `${JSON.stringify(source ? { ...explanation, holdings_from: source } : explanation, null, 2)}\n`
      : describe(explanation, file, owns, source),
  )
  return 0
}

async function holdingsOf(
  user: string,
  rules: Parameters<typeof fetchOurSongHoldings>[1],
  io: CliIo,
): Promise<(Awaited<ReturnType<typeof fetchOurSongHoldings>> & { baseUrl: string }) | undefined> {
  let config
  try {
    config = loadOurSongConfigFromProcess()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    io.stderr.write(
      `vibegate rules explain --user asks OurSong, which is not configured:\n${err.problems.map((p) => `  - ${p}`).join('\n')}\n`,
    )
    return undefined
  }
  const client = createOurSongClient({ ...config, retries: 1 })
  try {
    return { ...(await fetchOurSongHoldings(client, rules, user)), baseUrl: config.baseUrl }
  } catch (err) {
    if (err instanceof UnknownOurSongUserError) {
      io.stderr.write(
        `vibegate rules explain: --user ${user}: ${err.detail}: give --user an OurSong user id or uuid (asked ${config.baseUrl}, OURSONG_BASE_URL)\n`,
      )
      return undefined
    }
    if (err instanceof OurSongError) {
      io.stderr.write(
        `vibegate rules explain: cannot ask OurSong at ${config.baseUrl} (OURSONG_BASE_URL): ${err.code}: ${err.detail ?? err.message}\n`,
      )
      return undefined
    }
    throw err
  }
}

function describe(
  e: Explanation,
  file: string,
  owns: OwnsSpec[] | undefined,
  source?: { oursong: string; user: string },
): string {
  const lines = [
    `${e.request.method} ${e.request.host ? `//${e.request.host}` : ''}${e.request.target}`,
  ]
  lines.push(
    `  path:      ${e.request.path ?? '(refused)'}${e.request.host ? `  host ${e.request.host}` : ''}`,
  )
  const holdings = (owns ?? []).map((o) =>
    o.tokenIds ? `${o.vibe}:${o.tokenIds.join(',')}` : o.amount ? `${o.vibe} x${o.amount}` : o.vibe,
  )
  lines.push(
    `  identity:  ${source ? `user ${source.user}` : e.identity}${owns ? `, owns ${holdings.length ? holdings.join(' ') : 'nothing'}` : ''}${source ? ` (as OurSong at ${source.oursong} reports)` : ''}`,
  )
  if (e.match.kind === 'rule') {
    lines.push(
      `  rule:      ${e.match.id} (${file} line ${e.match.line})${e.match.description ? `: ${e.match.description}` : ''}`,
    )
  } else if (e.match.kind === 'default') {
    lines.push(`  rule:      none matches; default: ${e.match.access}`)
  } else {
    lines.push(`  rule:      none: the request is refused: ${e.match.problem}`)
  }
  if (e.decision === 'allow') {
    lines.push(
      `  decision:  allow (200)${e.token ? `; JWT aud=${e.token.audience} ttl=${e.token.ttl_seconds}s` : ''}`,
    )
    for (const h of e.satisfied_by) {
      lines.push(
        `  met by:    ${h.id}${h.token_ids.length ? ` token ids ${h.token_ids.join(', ')}` : ` amount ${h.owned_amount}`}`,
      )
    }
  } else {
    lines.push(`  decision:  deny (${e.status} ${e.reason})`)
    for (const m of e.missing as Record<string, unknown>[]) {
      const what =
        'issuer' in m ? `any vibe created by ${String(m.issuer)}` : `vibe ${String(m.vibe)}`
      const ids = Array.isArray(m.token_ids) ? ` with token ids ${m.token_ids.join(', ')}` : ''
      const amount = m.min_amount ? ` (at least ${String(m.min_amount)})` : ''
      lines.push(`  unlock by: ${what}${ids}${amount}`)
    }
  }
  return `${lines.join('\n')}\n`
}
