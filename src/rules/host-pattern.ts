/** A host pattern: an exact host, or `*.example.com` (any subdomain, on a dot boundary). */
export type HostPattern = { kind: 'exact'; host: string } | { kind: 'suffix'; suffix: string }

const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/
const IPV6 = /^\[[0-9a-f:.]+\]$/

/**
 * A request's host in the form rules compare: lower-cased, port and one trailing dot
 * removed. Undefined for anything that is not a plain DNS name, IPv4 or bracketed IPv6
 * address (userinfo, spaces, a second port, ...): such a request cannot be decided safely.
 */
export function normalizeHost(raw: string): string | undefined {
  return plainHost(raw) ?? generalHost(raw)
}

/**
 * The common case in one pass, with no regular expression: lower-case labels of letters,
 * digits and inner hyphens (1 to 63 each, at most 253 in all, no trailing dot), and an
 * optional port of 1 to 5 digits. Such a host is its own normal form, as {@link generalHost}
 * would find; anything else: undefined, and the general rules decide.
 */
function plainHost(raw: string): string | undefined {
  if (typeof raw !== 'string') return undefined
  let label = 0
  let end = raw.length
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i)
    const alnum = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)
    if (alnum) label++
    else if (c === 0x2d) {
      if (label === 0) return undefined
      label++
    } else if (c === 0x2e || c === 0x3a) {
      // A label ends: it must not be empty, end in "-", or be longer than 63.
      if (label === 0 || label > 63 || raw.charCodeAt(i - 1) === 0x2d) return undefined
      label = 0
      if (c === 0x3a) {
        end = i
        break
      }
    } else return undefined
  }
  if (end === raw.length && (label === 0 || label > 63 || raw.charCodeAt(end - 1) === 0x2d))
    return undefined
  if (end > 253) return undefined
  if (end < raw.length) {
    const port = raw.length - end - 1
    if (port < 1 || port > 5) return undefined
    for (let i = end + 1; i < raw.length; i++) {
      const c = raw.charCodeAt(i)
      if (c < 0x30 || c > 0x39) return undefined
    }
    return raw.slice(0, end)
  }
  return raw
}

/** The general rules of {@link normalizeHost}; exported for the test that holds plainHost to them. */
export function generalHost(raw: string): string | undefined {
  // Before lower-casing: some non-ASCII letters lower-case to ASCII ones (Kelvin sign -> k).
  if (typeof raw !== 'string' || !/^[\x21-\x7e]*$/.test(raw.trim())) return undefined
  let host = raw.trim().toLowerCase()
  if (host !== raw.toLowerCase() || host === '') return undefined
  if (host.startsWith('[')) {
    const end = host.indexOf(']')
    if (end === -1) return undefined
    const rest = host.slice(end + 1)
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined
    host = host.slice(0, end + 1)
    return IPV6.test(host) ? host : undefined
  }
  const colon = host.indexOf(':')
  if (colon !== -1) {
    if (!/^\d{1,5}$/.test(host.slice(colon + 1))) return undefined
    host = host.slice(0, colon)
  }
  if (host.endsWith('.')) host = host.slice(0, -1)
  return HOSTNAME.test(host) ? host : undefined
}

/** Parses a rules-file host pattern; an error names what is wrong. */
export function parseHostPattern(source: string): HostPattern | { error: string } {
  const wildcard = source.startsWith('*.')
  const name = wildcard ? source.slice(2) : source
  if (name.includes('*')) {
    return { error: `"${source}": only a leading "*." is allowed, as in *.example.com` }
  }
  const host = /[/@\s]|:\d|^\w+:/.test(name) ? undefined : normalizeHost(name)
  if (host === undefined || (wildcard && host.startsWith('['))) {
    return {
      error: `"${source}" is not a host name; write fans.example.com or *.example.com (no scheme, port or path)`,
    }
  }
  return wildcard ? { kind: 'suffix', suffix: `.${host}` } : { kind: 'exact', host }
}

/** True when a normalized host matches the pattern. */
export function hostMatches(pattern: HostPattern, host: string): boolean {
  return pattern.kind === 'exact' ? host === pattern.host : host.endsWith(pattern.suffix)
}
