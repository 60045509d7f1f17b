import { BlockList, isIP } from 'node:net'

/** Which peers' forwarding headers are believed (VIBEGATE_TRUSTED_PROXIES). */
export interface TrustedProxies {
  /** True when `address` (as the socket reports it) is a trusted proxy. */
  trusts(address: string | undefined): boolean
  /** The configured list, for logs. */
  readonly description: string
}

/**
 * Parses a comma-separated CIDR list (`127.0.0.1/8,::1/128`, a bare address meaning a
 * single host) or `none`. IPv4-mapped IPv6 peers (`::ffff:10.0.0.1`) are matched as IPv4.
 * Throws a TypeError naming each bad entry.
 */
export function parseTrustedProxies(spec: string): TrustedProxies {
  const list = new BlockList()
  const trimmed = spec.trim()
  if (trimmed === 'none') return { trusts: () => false, description: 'none' }
  const problems: string[] = []
  for (const entry of trimmed
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [address, bits] = entry.split('/')
    const family = isIP(address ?? '')
    const max = family === 4 ? 32 : 128
    const prefix = bits === undefined ? max : Number(bits)
    if (
      family === 0 ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > max ||
      (bits !== undefined && !/^\d+$/.test(bits))
    ) {
      problems.push(`"${entry}" is not an IP address or CIDR such as 10.0.0.0/8 or ::1/128`)
      continue
    }
    list.addSubnet(address!, prefix, family === 4 ? 'ipv4' : 'ipv6')
  }
  if (problems.length > 0) throw new TypeError(problems.join('; '))
  const check = (address: string): boolean => {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
    const plain = mapped ? mapped[1]! : address
    const family = isIP(plain)
    return family !== 0 && list.check(plain, family === 4 ? 'ipv4' : 'ipv6')
  }
  // Every decision asks about its peer, nearly always one of a few proxies: BlockList.check
  // allocates a SocketAddress each time, a Map lookup does not. The list never changes,
  // so answers stay true; the map is emptied when full, so a scan of addresses is bounded.
  const known = new Map<string, boolean>()
  return {
    trusts(address) {
      if (!address) return false
      let trusted = known.get(address)
      if (trusted === undefined) {
        trusted = check(address)
        if (known.size >= MAX_REMEMBERED) known.clear()
        known.set(address, trusted)
      }
      return trusted
    },
    description: trimmed,
  }
}

/** Peer addresses whose answer is remembered (about 100 bytes each). */
const MAX_REMEMBERED = 4096
