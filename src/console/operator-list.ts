import type { SessionUser } from '../identity/session-store.js'

/**
 * The people allowed into `/console` (VIBEGATE_OPERATORS): OurSong user ids (`alice`),
 * OurSong uuids, and 0x wallet addresses. Ids compare exactly (OurSong ids are
 * case-sensitive in URLs); uuids and wallet addresses compare case-insensitively.
 */
export interface OperatorList {
  /** The entries as given, for display and logs. */
  readonly entries: readonly string[]
  /** True when the signed-in user's id, uuid or wallet is listed. */
  includes(user: Pick<SessionUser, 'id' | 'uuid' | 'wallet'>): boolean
}

const WALLET = /^0x[0-9a-fA-F]{40}$/
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

/**
 * Parses a comma-separated VIBEGATE_OPERATORS value. Returns the list, or the problems (one per
 * bad entry, each naming the variable and the entry), so the configuration reports them all.
 * An empty value (only commas and spaces) is a problem too: it would silently turn the console off.
 */
export function parseOperatorList(
  text: string,
  variable = 'VIBEGATE_OPERATORS',
): { list: OperatorList; problems: [] } | { list: undefined; problems: string[] } {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
  const problems: string[] = []
  for (const entry of entries) {
    if (/^0x/i.test(entry) && !WALLET.test(entry)) {
      problems.push(
        `${variable}: "${entry.slice(0, 80)}" is not a wallet address (0x and 40 hex digits)`,
      )
    } else if (!WALLET.test(entry) && !UUID.test(entry) && !USER_ID.test(entry)) {
      problems.push(
        `${variable}: "${entry.slice(0, 80)}" is neither an OurSong user id (letters, digits, _ and -), an OurSong uuid nor a 0x wallet address`,
      )
    }
  }
  if (entries.length === 0)
    problems.push(
      `${variable} is set but lists nobody; give OurSong user ids, uuids or 0x wallet addresses separated by commas, or unset it to turn the console off`,
    )
  if (problems.length > 0) return { list: undefined, problems }
  return { list: operatorList(entries), problems: [] }
}

/** An {@link OperatorList} of entries already checked by {@link parseOperatorList}. */
export function operatorList(entries: readonly string[]): OperatorList {
  const exact = new Set<string>()
  const folded = new Set<string>()
  for (const entry of entries) {
    if (WALLET.test(entry) || UUID.test(entry)) folded.add(entry.toLowerCase())
    else exact.add(entry)
  }
  return {
    entries: Object.freeze([...entries]),
    includes(user) {
      if (user.id && exact.has(user.id)) return true
      if (user.uuid && folded.has(user.uuid.toLowerCase())) return true
      return typeof user.wallet === 'string' && folded.has(user.wallet.toLowerCase())
    },
  }
}
