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
 * Synchronous only (js_set cannot wait), and no state between requests: njs 0.7.9 runs every
 * request in a fresh copy of this module's VM and evaluates its top level again there (a loop
 * at the top level shows up in every request's instruction count). njs interprets every
 * operation, so the check is written for its cost model: the top level holds constants only
 * (no hashing, no regular expression, `fs` required only when an epoch file is configured);
 * few calls (each string method call costs about 1,500 instructions, so one regular expression
 * beats several indexOf), no loops over characters, `n` checked only when the gate put
 * patterns in it. bench/edge-instructions.mjs counts what a hit costs (docs/decisions.md,
 * "The edge pass").
 */
const crypto = require('crypto')

/** Longest lifetime of a pass, seconds (the gate never issues longer). */
const MAX_TTL = 300
/** Clock skew allowed between the gate and the edge for `i`, seconds. */
const SKEW = 5
/**
 * A pass issued up to this long after its user's revocation is refused too, seconds: another
 * gate replica may still allow the user (and issue passes) until it next reads Redis.
 */
const REVOKE_MARGIN = 10
/** Longest request target read, characters; and most segments (as the gate). */
const MAX_TARGET = 8192
const MAX_SEGMENTS = 256
/** Most `**` in one pattern (as the gate: each multiplies the cost of matching). */
const MAX_GLOBSTARS = 3
/** Longest pass accepted, characters: 3,000 bytes of JSON in base64url, plus the rest. */
const MAX_PASS = 4200
/** Shortest secret accepted (as the gate). */
const MIN_SECRET = 32

// nginx passes only the variables its `env` directives name, so this reads a handful.
const SECRETS = configuredSecrets(process.env.VIBEGATE_PASS_SECRET)
const EPOCH_FILE = process.env.VIBEGATE_PASS_EPOCH_FILE || ''

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
  if (miss === '') return '1'
  // Only on a miss: a hit leaves $vibegate_pass_miss empty, and writing it costs.
  setMiss(r, miss)
  return ''
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
  // nginx parses the Cookie header: the first `vibegate_pass` is the one with the longest
  // Path (browsers send those first), the most specific rule's pass for this request.
  const pass = r.variables.cookie_vibegate_pass
  if (!pass) return 'no_cookie'
  if (SECRETS.length === 0) return 'no_secret'
  const path = safePath(r.variables.request_uri)
  if (path === null) return 'bad_path'
  return checkPass(pass, r.variables.host, path, nowMs)
}

/**
 * The path of a request target when it is in the edge's narrow safe form (docs/edge-pass.md,
 * check 2), else null. For such a path the gate's canonical path is the raw path itself.
 * Built from few native calls: in njs a loop over the characters costs more than the rest of
 * the check.
 */
function safePath(target) {
  if (typeof target !== 'string' || target.length > MAX_TARGET) return null
  const q = target.indexOf('?')
  const path = q === -1 ? target : target.slice(0, q)
  if (q !== -1) {
    const query = target.slice(q + 1)
    // encodeURI leaves exactly RFC 3986's unreserved and reserved characters (and `#`) alone;
    // it escapes `%`, so a query with escapes takes the (rarer, dearer) regular expression.
    if (query.indexOf('#') !== -1) return null
    // Characters a path may hold plus `/`, `?` and well-formed escapes: the query is not
    // matched on, only kept within what the gate accepts too. Compiled only here: a literal
    // at the top level would be compiled on every request.
    if (
      encodeURI(query) !== query &&
      !/^(?:[A-Za-z0-9._~!$&'()*+,=:@/?-]|%[0-9A-Fa-f]{2})*$/.test(query)
    )
      return null
  }
  // Never the root: nginx's index module would serve `/index.html` for it, a path the pass
  // was not checked against.
  if (path === '/') return null
  // Only unreserved, sub-delims, `:`, `@` and `/`: encodeURI escapes everything else,
  // `%` included; `;`, `#`, `?`, `[`, `]` are left to refuse by name.
  if (path.charAt(0) !== '/' || encodeURI(path) !== path) return null
  // Those by name; `//` and `::`; a segment ending in `.` (`.`, `..`, `hd.`); a trailing
  // slash. One regular expression: in njs each string method call costs about as much as the
  // whole test (bench/edge-instructions.mjs: 8,700 instructions against 16,300 for the nine
  // indexOf and charAt calls it replaces).
  if (/[;#[\]]|\/\/|::|\.\/|[./]$/.test(path)) return null
  // 256 segments need at least 512 characters; count them only then.
  if (path.length >= 2 * MAX_SEGMENTS && path.split('/').length - 1 > MAX_SEGMENTS) return null
  return path
}

/**
 * The configured secrets; secrets shorter than MIN_SECRET are ignored. Their key ids are not
 * computed: the signature already says which secret signed (every one is tried), and a
 * SHA-256 here would be paid on every request.
 */
function configuredSecrets(value) {
  const list = (value || '').split(',')
  const secrets = []
  for (let i = 0; i < list.length; i++) {
    const secret = list[i].trim()
    if (secret.length >= MIN_SECRET) secrets.push(secret)
  }
  return secrets
}

/** "" when `pass` allows this request, else why not (docs/edge-pass.md, checks 3 to 6). */
function checkPass(pass, host, path, nowMs) {
  if (pass.length > MAX_PASS || pass.slice(0, 3) !== 'v1.') return 'malformed'
  const dot = pass.lastIndexOf('.')
  // An HMAC-SHA256 in base64url is 43 characters.
  if (dot < 4 || pass.length - dot - 1 !== 43) return 'malformed'
  const signed = pass.slice(0, dot)
  const signature = pass.slice(dot + 1)
  // The signature is checked before the payload is read: nothing an attacker wrote is parsed
  // until the gate's key vouches for it. Every secret is tried, so the time taken does not
  // tell which one signed.
  let verified = false
  for (let i = 0; i < SECRETS.length; i++) {
    const expected = crypto.createHmac('sha256', SECRETS[i]).update(signed).digest('base64url')
    if (sameSignature(expected, signature)) verified = true
  }
  if (!verified) return 'bad_signature'
  let c
  try {
    // Standard base64 of ASCII-only JSON: atob is exact, and much cheaper than Buffer in njs.
    c = JSON.parse(atob(signed.slice(3)))
  } catch (e) {
    return 'malformed'
  }
  // Signed by the gate, so well formed unless its key leaked; still, nothing below may read
  // a value of another type as a pass.
  if (c === null || typeof c !== 'object' || !Array.isArray(c.p) || !Array.isArray(c.n))
    return 'malformed'
  if (typeof c.i !== 'number' || typeof c.x !== 'number' || typeof c.e !== 'number')
    return 'malformed'
  if (c.x * 1000 <= nowMs) return 'expired'
  if (c.i * 1000 > nowMs + SKEW * 1000) return 'not_yet_valid'
  if (c.x - c.i > MAX_TTL || c.x <= c.i) return 'bad_lifetime'
  if (c.h !== host) return 'wrong_host'
  if (!anyMatches(c.p, path, false)) return 'other_path'
  if (anyMatches(c.n, path, true)) return 'earlier_rule'
  return EPOCH_FILE === '' ? '' : checkEpoch(c)
}

/**
 * True when the signature sent is the expected one. Both are hashed first and the hashes
 * compared: how long `===` takes then says how much of two SHA-1 digests agree, which tells
 * an attacker nothing about the expected signature (a loop over the characters would cost
 * more than everything else here in njs).
 */
function sameSignature(expected, sent) {
  return (
    sent.length === expected.length &&
    crypto.createHash('sha1').update(expected).digest('base64') ===
      crypto.createHash('sha1').update(sent).digest('base64')
  )
}

/**
 * True when one of `patterns` matches the path, with the gate's semantics
 * (src/rules/path-pattern.ts): literal segments compared exactly, `*` one segment, `**` zero
 * or more whole segments. The shapes rules almost always have (`/a/b`, `/a/b/**`) are
 * compared as strings; the rest segment by segment. For a path in the safe form the raw path
 * is the canonical one, so comparing it with the canonical patterns is exact. Where the edge
 * cannot read a pattern, it errs towards asking the gate: in `p` (`widen` false) it matches
 * nothing; in `n` (`widen` true) it matches every path.
 */
function anyMatches(patterns, path, widen) {
  let segments = null
  for (let i = 0; i < patterns.length; i++) {
    let pattern = patterns[i]
    if (typeof pattern !== 'string' || pattern.charAt(0) !== '/') {
      if (widen) return true
      continue
    }
    // One trailing slash means the same pattern, as in the gate.
    if (pattern.length > 1 && pattern.charAt(pattern.length - 1) === '/')
      pattern = pattern.slice(0, -1)
    const star = pattern.indexOf('*')
    if (star === -1) {
      if (pattern === path) return true
      continue
    }
    if (star === pattern.length - 2 && pattern.slice(-3) === '/**') {
      const base = pattern.slice(0, -3)
      if (base === '' || path === base || path.slice(0, base.length + 1) === base + '/') return true
      continue
    }
    const parsed = parsePattern(pattern, widen)
    if (parsed === null) {
      if (widen) return true
      continue
    }
    if (segments === null) segments = path === '/' ? [] : path.slice(1).split('/')
    if (matchFrom(parsed, 0, segments, 0)) return true
  }
  return false
}

/** A pattern's segments ('**', '*' or { literal }), or null when the edge cannot read it. */
function parsePattern(source, widen) {
  if (source.indexOf('?') !== -1) return null
  if (source === '/') return []
  const parts = source.slice(1).split('/')
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
    else if (safePath('/' + part) !== null) segments.push({ literal: part })
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
 * The epoch file check: the file is `<epoch>\n` then `<uuid> <revoked-at>\n` lines, written
 * whole by the gate (temp file and rename). "" when the pass's epoch is the file's and its
 * user was not revoked at or after it was issued; a file that cannot be read or whose first
 * line is not a number refuses every pass.
 */
function checkEpoch(c) {
  let text
  try {
    // Required here, not at the top level: only sites with an epoch file pay for it.
    text = require('fs').readFileSync(EPOCH_FILE, 'utf8')
  } catch (e) {
    return 'epoch_unreadable'
  }
  const nl = text.indexOf('\n')
  const first = nl === -1 ? text : text.slice(0, nl)
  if (first === '' || first.length > 15 || String(Number(first)) !== first)
    return 'epoch_unreadable'
  if (c.e !== Number(first)) return 'epoch_changed'
  if (nl === -1 || nl === text.length - 1) return ''
  // A revocation line of this user (the gate writes one per user; every one is honoured).
  const key = '\n' + c.u + ' '
  for (let at = text.indexOf(key); at !== -1; at = text.indexOf(key, at + 1)) {
    const from = at + key.length
    const end = text.indexOf('\n', from)
    const value = end === -1 ? text.slice(from) : text.slice(from, end)
    const revokedAt = Number(value)
    if (value === '' || String(revokedAt) !== value) return 'epoch_unreadable'
    if (revokedAt + REVOKE_MARGIN >= c.i) return 'revoked'
  }
  return ''
}

export default { check }
