/**
 * The one canonical form of a request path, used by every entry point (the decision
 * endpoints, the Express middleware, `rules explain`) before any rule is matched.
 *
 * Most published bypasses of auth gateways came from the gate and the backend reading one
 * request target as two different paths (encoded slashes, dot segments, `;` parameters,
 * double encoding, trailing slashes). The policy is therefore: decode exactly once, accept
 * only what every backend reads the same way, and refuse everything else, so that an
 * ambiguous path is denied (`bad_request`) and never matched against a more permissive
 * rule. The policy, class by class (docs/canonical-paths.md has the table):
 *
 * - the target must be origin-form: start with `/`; at most 8192 characters, 256 segments;
 * - the query (from the first `?`) is split off and ignored for matching, but it must not
 *   contain raw control characters, spaces, non-ASCII bytes or `#`;
 * - raw characters allowed in the path: RFC 3986 `pchar` and `/`, minus `;`; a raw `\`,
 *   `#`, space, control character or non-ASCII byte is refused;
 * - percent-escapes are decoded once; an invalid escape (`%`, `%4`, `%zz`) is refused;
 *   the decoded bytes must be valid UTF-8 in Unicode NFC;
 * - after decoding, a segment must not contain `/`, `\`, `;`, `%` (double encoding),
 *   `?`, `#` or a control character (`%00` included);
 * - the decoded text must not change under NFKC (full-width `．．`, `ſ`, NBSP) and must not
 *   hold format characters (zero-width, BOM, bidi), end a segment in `.` or space, or
 *   hold `::` (Windows and NTFS read those as other paths);
 * - empty segments (`//`) and dot segments (`.`, `..`, also encoded) are refused;
 * - one trailing slash is removed (`/a/` is `/a`), so `/admin/` cannot dodge a rule for
 *   `/admin`, and flagged (`directory`): resolveRule also matches it as an entry below
 *   `/a` and refuses the request when the two readings meet different rules; the root
 *   stays `/`;
 * - case is preserved: matching is case-sensitive.
 */

/** A path in canonical form. */
export interface CanonicalPath {
  ok: true
  /** `/` followed by the decoded segments joined with `/`; `/` for the root. */
  path: string
  /** The decoded segments; empty for the root. */
  segments: readonly string[]
  /**
   * The target ended in `/` (the root aside): backends may read it as the path itself or
   * as a directory index below it, so callers match both readings.
   */
  directory: boolean
}

/** A request target that cannot be canonicalised unambiguously. */
export interface PathRejection {
  ok: false
  /** Why, for logs and `rules explain` (never shown to end users). */
  problem: string
}

/** Longest request target accepted, in characters. */
export const MAX_TARGET_LENGTH = 8192
/** Most path segments accepted. */
export const MAX_SEGMENTS = 256

// RFC 3986 pchar = unreserved / pct-encoded / sub-delims / ":" / "@", minus ";" (see above).
const RAW_PATH = /^[A-Za-z0-9\-._~!$&'()*+,=:@%/]*$/
// What a query may hold raw: visible ASCII but "#" (a fragment is never sent).
const RAW_QUERY = /^[\x21\x22\x24-\x7e]*$/
// Forbidden in a decoded segment.
// eslint-disable-next-line no-control-regex
const DECODED_FORBIDDEN = /[/\\;%?#\u0000-\u001f\u007f-\u009f]/
// Read differently by some backends: Unicode format characters (zero-width, BOM, bidi),
// Windows' trailing dots and spaces and NTFS streams (`::$DATA`).
const FOLDABLE = /\p{Cf}|[. ]$|::/u
// FOLDABLE for a segment of raw ASCII pchars (no space, no format characters there).
const ASCII_FOLDABLE = /\.$|::/
const ESCAPE = /%([0-9A-Fa-f]{2})/g
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Canonicalises a request target (path and optional query, exactly as the client sent it)
 * under the policy above. Never throws; total over all strings.
 */
export function canonicalPath(target: string): CanonicalPath | PathRejection {
  if (typeof target !== 'string' || target.length === 0) return reject('the path is empty')
  if (target.length > MAX_TARGET_LENGTH) {
    return reject(`the request target is longer than ${MAX_TARGET_LENGTH} characters`)
  }
  const q = target.indexOf('?')
  const rawPath = q === -1 ? target : target.slice(0, q)
  if (q !== -1 && !RAW_QUERY.test(target.slice(q + 1))) {
    return reject('the query holds a raw control character, space, non-ASCII byte or "#"')
  }
  if (rawPath[0] !== '/') return reject('the path does not start with "/"')
  const plain = plainPath(rawPath)
  if (plain) return plain
  if (!RAW_PATH.test(rawPath)) {
    return reject(
      'the path holds a character that must not appear raw (";", "\\", "#", space, control or non-ASCII)',
    )
  }
  if (rawPath === '/') return { ok: true, path: '/', segments: [], directory: false }
  return canonicalSegments(rawPath)
}

// Characters a plain segment may hold: RFC 3986 pchar minus "%" (nothing to decode), ";",
// "/" and ":" (checked apart, for "::").
const PLAIN = new Uint8Array(128)
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=@")
  PLAIN[c.charCodeAt(0)] = 1

/**
 * The common case in one pass, with no regular expression and no decoding: a path of at
 * most MAX_SEGMENTS plain segments (see PLAIN), none empty, none ending in "." (so no dot
 * segments), none holding "::", and no trailing slash (the root is not plain). Such a path is its own canonical form; the general
 * algorithm would accept it with the same segments. Anything else: undefined, and the
 * general algorithm decides.
 */
function plainPath(rawPath: string): CanonicalPath | undefined {
  const segments: string[] = []
  let start = 1
  for (let i = 1; i <= rawPath.length; i++) {
    const c = i < rawPath.length ? rawPath.charCodeAt(i) : 0x2f
    if (c === 0x2f) {
      if (i === start || rawPath.charCodeAt(i - 1) === 0x2e) return undefined
      if (segments.length === MAX_SEGMENTS) return undefined
      segments.push(rawPath.slice(start, i))
      start = i + 1
    } else if (c === 0x3a) {
      if (rawPath.charCodeAt(i - 1) === 0x3a) return undefined
    } else if (c >= 128 || PLAIN[c] === 0) return undefined
  }
  return { ok: true, path: rawPath, segments, directory: false }
}

/**
 * The general algorithm, segment by segment, for a raw path (no query) that passed the
 * raw-character check and is not the root. Exported for the test that holds the one-pass
 * case to it.
 */
export function canonicalSegments(rawPath: string): CanonicalPath | PathRejection {
  const raw = rawPath.endsWith('/') ? rawPath.slice(1, -1) : rawPath.slice(1)
  const parts = raw.split('/')
  if (parts.length > MAX_SEGMENTS) return reject(`the path has more than ${MAX_SEGMENTS} segments`)
  const segments: string[] = []
  for (const part of parts) {
    if (part === '') return reject('the path has an empty segment ("//")')
    if (!part.includes('%')) {
      // Nothing to decode: the raw check above leaves only ASCII pchars, which hold none
      // of the decoded-forbidden characters and which NFKC and format characters never
      // concern. What remains is the checks on dots, trailing dots and "::".
      if (part === '.' || part === '..') return reject('the path has a dot segment')
      if (ASCII_FOLDABLE.test(part)) return reject(foldable(part))
      segments.push(part)
      continue
    }
    const decoded = decodeSegment(part)
    if (decoded === undefined) {
      return reject(`the segment "${part}" has an invalid percent-escape or is not UTF-8 in NFC`)
    }
    if (decoded === '.' || decoded === '..') return reject('the path has a dot segment')
    if (DECODED_FORBIDDEN.test(decoded)) {
      return reject(
        `the segment "${part}" decodes to "/", "\\", ";", "%", "?", "#" or a control character`,
      )
    }
    if (FOLDABLE.test(decoded) || decoded.normalize('NFKC') !== decoded)
      return reject(foldable(part))
    segments.push(decoded)
  }
  return { ok: true, path: `/${segments.join('/')}`, segments, directory: rawPath.endsWith('/') }
}

/** Decodes the percent-escapes of one segment once; undefined when that is not clean. */
function decodeSegment(part: string): string | undefined {
  if (!part.includes('%')) return part
  // Every "%" must start a valid escape: "%", "%4" and "%zz" are refused.
  if (part.replace(ESCAPE, '').includes('%')) return undefined
  const bytes: number[] = []
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i)
    if (c === 0x25) {
      bytes.push(parseInt(part.slice(i + 1, i + 3), 16))
      i += 2
    } else {
      bytes.push(c)
    }
  }
  let text: string
  try {
    text = utf8.decode(Uint8Array.from(bytes))
  } catch {
    return undefined
  }
  return text.normalize('NFC') === text ? text : undefined
}

function foldable(part: string): string {
  return `the segment "${part}" has characters that backends may fold into others (compatibility forms, invisible characters, a trailing dot or space, "::")`
}

function reject(problem: string): PathRejection {
  return { ok: false, problem }
}
