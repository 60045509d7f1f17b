/**
 * vibegate edge pass check for nginx njs (0.7.9 and later): lets nginx serve a media request
 * without asking the gate when the client holds a valid pass (docs/edge-pass.md, "What the
 * edge checks"). Anything this module cannot decide is a miss: nginx then asks the gate with
 * auth_request exactly as without a pass, so the pass can only save work, never widen access.
 *
 *   js_import vibegate from /etc/nginx/njs/vibegate-edge.js;
 *   js_var $vibegate_pass_miss;                 # why the pass did not do (for the log)
 *   js_set $vibegate_pass_ok vibegate.check;    # "1" = serve, anything else = ask the gate
 *
 * Configuration, from the environment of nginx (`env` directives in the main context):
 * - VIBEGATE_PASS_SECRET: the gate's pass secrets, comma-separated, each at least 32
 *   characters; every one verifies. Unset or empty: every request is a miss (`no_secret`).
 * - VIBEGATE_PASS_EPOCH_FILE: optional; the gate's revocation epoch file, read on every
 *   check. Configured but missing or malformed: every pass is refused.
 *
 * Synchronous only (js_set cannot wait), and no state between requests: njs runs every
 * request in a fresh VM, so the cost is one HMAC-SHA256 per secret, one JSON.parse of at most
 * 3 KB and one small file read, a few tens of microseconds.
 */
const crypto = require('crypto')
const fs = require('fs')

/** Longest lifetime of a pass, seconds (the gate never issues longer). */
const MAX_TTL = 300
/** Clock skew allowed between the gate and the edge for `i`, seconds. */
const SKEW = 5
/** Most `vibegate_pass` cookies tried per request (one per pass rule prefix). */
const MAX_COOKIES = 4
/** Longest request target read, characters; and most segments (as the gate). */
const MAX_TARGET = 8192
const MAX_SEGMENTS = 256
/** Most `**` in one pattern (as the gate: each multiplies the cost of matching). */
const MAX_GLOBSTARS = 3
/** Longest pass accepted, characters: 3,000 bytes of JSON in base64url, plus the rest. */
const MAX_PASS = 4200
/** Shortest secret accepted (as the gate). */
const MIN_SECRET = 32

// One path segment in the edge's narrow safe form: for a path made of these, the gate's
// canonical path is the raw path itself (docs/canonical-paths.md), so both read one path.
// No `%` at all, no `;` (path parameters), nothing a backend could decode or fold.
const SAFE_SEGMENT = /^[A-Za-z0-9._~!$&'()*+,=:@-]+$/
// The query may also hold `/`, `?` and well-formed escapes; it is not matched on, only
// kept within what the gate accepts too.
const SAFE_QUERY = /^(?:[A-Za-z0-9._~!$&'()*+,=:@/?-]|%[0-9A-Fa-f]{2})*$/
const BASE64URL = /^[A-Za-z0-9_-]+$/
const KEY_ID = /^[0-9a-f]{8}$/

/**
 * The js_set handler: "1" when the request may be served on its pass, "" otherwise. Sets
 * `$vibegate_pass_miss` (declared with js_var) to the reason of a miss, or "" on a hit.
 * Never throws: an exception would make nginx answer 500 instead of asking the gate.
 */
function check(r) {
  let miss
  try {
    miss = decide(r, Date.now())
  } catch (e) {
    miss = 'error'
  }
  setMiss(r, miss)
  return miss === '' ? '1' : ''
}

function setMiss(r, miss) {
  try {
    r.variables.vibegate_pass_miss = miss
  } catch (e) {
    // $vibegate_pass_miss not declared: the decision stands, only the log loses the reason.
  }
}

/** "" when the request may be served on its pass, else the reason it may not. */
function decide(r, nowMs) {
  if (r.method !== 'GET' && r.method !== 'HEAD') return 'method'
  const path = safePath(r.variables.request_uri)
  if (path === null) return 'bad_path'
  const passes = cookies(r.variables.http_cookie, 'vibegate_pass')
  if (passes.length === 0) return 'no_cookie'
  const secrets = configuredSecrets()
  if (secrets.length === 0) return 'no_secret'
  const host = r.variables.host
  const epoch = { path: process.env.VIBEGATE_PASS_EPOCH_FILE || '', read: null }
  let first = ''
  for (let i = 0; i < passes.length; i++) {
    const miss = checkPass(passes[i], secrets, host, path, nowMs, epoch)
    if (miss === '') return ''
    // The browser sends the cookie with the longest Path first: its reason is the telling one.
    if (first === '') first = miss
  }
  return first
}

/**
 * The path segments of a request target in the edge's safe form (docs/edge-pass.md, check 2),
 * or null for anything else ([] for the root).
 */
function safePath(target) {
  if (typeof target !== 'string' || target.length === 0 || target.length > MAX_TARGET) return null
  const q = target.indexOf('?')
  const path = q === -1 ? target : target.slice(0, q)
  if (q !== -1 && !SAFE_QUERY.test(target.slice(q + 1))) return null
  if (path === '/') return []
  if (path.charAt(0) !== '/' || path.charAt(path.length - 1) === '/') return null
  const segments = path.slice(1).split('/')
  if (segments.length > MAX_SEGMENTS) return null
  for (let i = 0; i < segments.length; i++) if (!safeSegment(segments[i])) return null
  return segments
}

function safeSegment(s) {
  return (
    SAFE_SEGMENT.test(s) &&
    s !== '.' &&
    s !== '..' &&
    s.charAt(s.length - 1) !== '.' &&
    s.indexOf('::') === -1
  )
}

/** The values of the cookies named `name` in a Cookie header, at most MAX_COOKIES. */
function cookies(header, name) {
  const found = []
  if (typeof header !== 'string' || header === '') return found
  const pairs = header.split(';')
  for (let i = 0; i < pairs.length && found.length < MAX_COOKIES; i++) {
    const pair = pairs[i].trim()
    const eq = pair.indexOf('=')
    if (eq !== -1 && pair.slice(0, eq).trim() === name) found.push(pair.slice(eq + 1).trim())
  }
  return found
}

/** The configured secrets with their key ids; secrets shorter than MIN_SECRET are ignored. */
function configuredSecrets() {
  const list = (process.env.VIBEGATE_PASS_SECRET || '').split(',')
  const secrets = []
  for (let i = 0; i < list.length; i++) {
    const secret = list[i].trim()
    if (secret.length >= MIN_SECRET)
      secrets.push({
        secret: secret,
        kid: crypto.createHash('sha256').update(secret).digest('hex').slice(0, 8),
      })
  }
  return secrets
}

/** "" when `pass` allows this request, else why not (docs/edge-pass.md, checks 3 to 6). */
function checkPass(pass, secrets, host, path, nowMs, epoch) {
  if (pass.length > MAX_PASS) return 'malformed'
  const parts = pass.split('.')
  if (parts.length !== 3 || parts[0] !== 'v1') return 'malformed'
  if (!BASE64URL.test(parts[1]) || !BASE64URL.test(parts[2])) return 'malformed'
  // The signature is checked before the payload is parsed: nothing an attacker wrote is
  // read until the gate's key vouches for it. Every secret is tried, so the cost does not
  // tell which one signed.
  const signed = 'v1.' + parts[1]
  let signer = null
  for (let i = 0; i < secrets.length; i++) {
    const expected = crypto
      .createHmac('sha256', secrets[i].secret)
      .update(signed)
      .digest('base64url')
    if (equalConstantTime(expected, parts[2]) && signer === null) signer = secrets[i]
  }
  if (signer === null) return 'bad_signature'
  const claims = parseClaims(parts[1])
  if (claims === null) return 'malformed'
  if (claims.k !== signer.kid) return 'unknown_kid'
  if (claims.x * 1000 <= nowMs) return 'expired'
  if (claims.i * 1000 > nowMs + SKEW * 1000) return 'not_yet_valid'
  if (claims.x - claims.i > MAX_TTL || claims.x <= claims.i) return 'bad_lifetime'
  if (claims.h !== host) return 'wrong_host'
  if (!anyMatches(claims.p, path, false)) return 'other_path'
  if (anyMatches(claims.n, path, true)) return 'earlier_rule'
  if (epoch.path !== '') {
    if (epoch.read === null) epoch.read = readEpochFile(epoch.path)
    if (epoch.read.error) return epoch.read.error
    if (claims.e !== epoch.read.epoch) return 'epoch_changed'
    const revokedAt = epoch.read.revoked[claims.u]
    if (revokedAt !== undefined && revokedAt >= claims.i) return 'revoked'
  }
  return ''
}

/**
 * True when `a` and `b` are equal; for strings of one length the time taken does not depend
 * on where they differ. (The length of a base64url HMAC-SHA256 is public: 43.)
 */
function equalConstantTime(a, b) {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

/** The payload's claims when every one has the type the format gives it, else null. */
function parseClaims(payload) {
  let c
  try {
    c = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  } catch (e) {
    return null
  }
  if (c === null || typeof c !== 'object' || Array.isArray(c)) return null
  if (typeof c.k !== 'string' || !KEY_ID.test(c.k)) return null
  if (typeof c.h !== 'string' || typeof c.u !== 'string' || typeof c.r !== 'string') return null
  if (!Number.isInteger(c.i) || !Number.isInteger(c.x) || !Number.isInteger(c.e)) return null
  if (!stringArray(c.p) || !stringArray(c.n)) return null
  return c
}

function stringArray(a) {
  if (!Array.isArray(a)) return false
  for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'string') return false
  return true
}

/**
 * True when one of `patterns` matches the path's segments, with the gate's semantics
 * (src/rules/path-pattern.ts): literal segments compared exactly, `*` one segment, `**` zero
 * or more whole segments. Where the edge cannot read a pattern the way the gate does, it
 * errs on the side of asking the gate: for `p` (`widen` false) such a pattern or literal
 * matches nothing; for `n` (`widen` true) an unreadable pattern matches every path and a
 * literal outside the safe form (`%`, non-ASCII) matches any one segment.
 */
function anyMatches(patterns, path, widen) {
  for (let i = 0; i < patterns.length; i++) {
    const segments = parsePattern(patterns[i], widen)
    if (segments === null) {
      if (widen) return true
      continue
    }
    if (matchFrom(segments, 0, path, 0)) return true
  }
  return false
}

/** A pattern's segments ('**', '*' or { literal }), or null when the edge cannot read it. */
function parsePattern(source, widen) {
  if (source.charAt(0) !== '/' || source.indexOf('?') !== -1) return null
  if (source === '/') return []
  // One trailing slash means the same pattern, as in the gate.
  const body = source.charAt(source.length - 1) === '/' ? source.slice(1, -1) : source.slice(1)
  const parts = body.split('/')
  if (parts.length > MAX_SEGMENTS) return null
  const segments = []
  let globstars = 0
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]
    if (part === '**') {
      if (++globstars > MAX_GLOBSTARS) return null
      if (segments[segments.length - 1] !== '**') segments.push('**')
    } else if (part === '*') segments.push('*')
    else if (part === '' || part.indexOf('*') !== -1) return null
    else if (safeSegment(part)) segments.push({ literal: part })
    else if (widen) segments.push('*')
    else return null
  }
  return segments
}

function matchFrom(p, i, path, j) {
  if (i === p.length) return j === path.length
  const seg = p[i]
  if (seg === '**') {
    for (let k = j; k <= path.length; k++) if (matchFrom(p, i + 1, path, k)) return true
    return false
  }
  if (j === path.length) return false
  if (seg !== '*' && seg.literal !== path[j]) return false
  return matchFrom(p, i + 1, path, j + 1)
}

/**
 * The epoch file: `<epoch>\n` then `<uuid> <revoked-at>\n` lines. Any line that does not
 * read as the format says makes the whole file unusable (every pass is refused).
 */
function readEpochFile(file) {
  let text
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (e) {
    return { error: 'epoch_unreadable' }
  }
  const lines = (text.charAt(text.length - 1) === '\n' ? text.slice(0, -1) : text).split('\n')
  if (!/^\d{1,15}$/.test(lines[0])) return { error: 'epoch_unreadable' }
  // No prototype: a uuid such as "constructor" must not find anything but its own line.
  const revoked = Object.create(null)
  for (let i = 1; i < lines.length; i++) {
    const m = /^(\S+) (\d{1,15})$/.exec(lines[i])
    if (m === null) return { error: 'epoch_unreadable' }
    const at = Number(m[2])
    if (revoked[m[1]] === undefined || revoked[m[1]] < at) revoked[m[1]] = at
  }
  return { epoch: Number(lines[0]), revoked: revoked }
}

export default { check }
