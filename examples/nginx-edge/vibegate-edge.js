/**
 * vibegate edge pass check for nginx njs (0.7.9 and later): lets nginx serve a media request
 * without asking the gate when the client holds a valid pass (docs/edge-pass.md, "What the
 * edge checks"). Anything this module cannot decide is a miss: nginx then asks the gate with
 * auth_request exactly as without a pass, so the pass can only save work, never widen access.
 *
 *   pcre_jit on;                                              # main context
 *   js_preload_object vibegate_edge from /etc/nginx/vibegate-edge.json;
 *   map $request_uri $vibegate_pass_path { "~^...$" ...; }   # the safe form: see nginx.conf
 *   js_import vibegate from /etc/nginx/njs/vibegate-edge.js;
 *   js_var $vibegate_pass_miss;                 # why the pass did not do (for the log)
 *   js_set $vibegate_pass_ok vibegate.check;    # "1" = serve, anything else = ask the gate
 *
 * Configuration: the preloaded object `vibegate_edge` (a JSON file nginx reads when it loads
 * its configuration; readable by root only):
 * - `secrets`: the gate's pass secrets (VIBEGATE_PASS_SECRET, as a list), each at least 32
 *   characters; every one verifies. None: every request is a miss (`no_secret`).
 * - `epoch_file`: the gate's revocation epoch file (VIBEGATE_PASS_EPOCH_FILE), read on every
 *   check, or `false` for none. Anything else (missing, misspelt, empty, another type) refuses
 *   every pass (`bad_config`): a typo must not switch revocation off. A file that is configured
 *   but missing or malformed refuses every pass too.
 *
 * The request path comes from `$vibegate_pass_path`, which nginx.conf's `map` sets to the path
 * of `$request_uri` only when the whole target is in the edge's narrow safe form (check 2 of
 * docs/edge-pass.md), and to "" otherwise. This module trusts that variable for the form and
 * treats an empty or missing one as a miss: never map it from `$uri` (nginx's decoded,
 * normalised path) or from anything else.
 *
 * Synchronous only (js_set cannot wait), and no state between requests: njs 0.7.9 runs every
 * request in a fresh copy of this module's VM and evaluates its top level again there. njs
 * interprets every operation, so the check is written for its cost model
 * (bench/edge-instructions.mjs counts it; docs/decisions.md, "The edge pass"): the top level
 * holds constants and few functions; the secrets are a preloaded object, not read from the
 * environment; the path's form is a native PCRE match in nginx; the pass is plain fields read
 * with one `split`; each string method call costs about 1,500 instructions, so there are few.
 */
// An import, not require(): resolved when the module is compiled, where require() would run
// again on every request (about 1,900 instructions).
import crypto from 'crypto'

/** Longest lifetime of a pass, seconds (the gate never issues longer). */
const MAX_TTL = 300
/** Clock skew allowed between the gate and the edge for `i`, milliseconds. */
const SKEW_MS = 5000
/**
 * A pass issued up to this long after its user's revocation is refused too, seconds: another
 * gate replica may still allow the user (and issue passes) until it next reads Redis.
 */
const REVOKE_MARGIN = 10
/** Longest pass accepted, characters: 3,000 before the signature, then `.` and 43. */
const MAX_PASS = 3044
/** Shortest secret accepted (as the gate). */
const MIN_SECRET = 32
/** Fields before `p`: `v2`, i, x, e, h, u and the count of `p`. */
const P = 7

/**
 * The js_set handler: "1" when the request may be served on its pass, "" otherwise. Sets
 * `$vibegate_pass_miss` (declared with js_var) to the reason of a miss, or "" on a hit.
 * Never throws: an exception would make nginx answer 500 instead of asking the gate.
 */
function check(r) {
  let miss
  try {
    miss = decide(r)
  } catch (e) {
    miss = 'error'
  }
  if (miss === '') return '1'
  // Only on a miss: a hit leaves $vibegate_pass_miss empty, and writing it costs.
  try {
    r.variables.vibegate_pass_miss = miss
  } catch (e) {
    // $vibegate_pass_miss not declared: the decision stands, only the log loses the reason.
  }
  return ''
}

/** "" when the request may be served on its pass, else the reason it may not. */
function decide(r) {
  if (r.method !== 'GET' && r.method !== 'HEAD') return 'method'
  const v = r.variables
  // nginx parses the Cookie header: the first `vibegate_pass` is the one with the longest
  // Path (browsers send those first), the most specific rule's pass for this request.
  const pass = v.cookie_vibegate_pass
  if (!pass) return 'no_cookie'
  // A preloaded object is a global of every request's VM, shared and read-only.
  if (typeof vibegate_edge !== 'object' || vibegate_edge === null) return 'no_secret'
  const secrets = vibegate_edge.secrets
  if (!secrets || !(secrets.length > 0)) return 'no_secret'
  const epochFile = vibegate_edge.epoch_file
  if (epochFile !== false && (typeof epochFile !== 'string' || epochFile === ''))
    return 'bad_config'
  // In the safe form, so the raw path is the canonical one (no escapes to decode).
  const path = v.vibegate_pass_path
  if (typeof path !== 'string' || path === '') return 'bad_path'
  // An HMAC-SHA256 in base64url is 43 characters, after the last `.`.
  const dot = pass.length - 44
  if (pass.length > MAX_PASS || dot < 3 || pass[dot] !== '.') return 'malformed'
  const signed = pass.slice(0, dot)
  // The signature is checked before a field is read: nothing an attacker wrote is looked at
  // until the gate's key vouches for it. Both signatures are hashed and the hashes compared:
  // how long `===` takes then says how much of two SHA-1 digests agree, which tells an
  // attacker nothing about the expected signature (a loop over the characters would cost
  // more than the rest of the check). Every secret is tried, so the time taken does not
  // tell which one signed.
  const sent = crypto
    .createHash('sha1')
    .update(pass.slice(dot + 1))
    .digest('base64')
  let verified = false
  for (let k = 0; k < secrets.length; k++) {
    const secret = secrets[k]
    if (typeof secret !== 'string' || secret.length < MIN_SECRET) continue
    const expected = crypto.createHmac('sha256', secret).update(signed).digest('base64url')
    if (crypto.createHash('sha1').update(expected).digest('base64') === sent) verified = true
  }
  if (!verified) return 'bad_signature'
  // v2|i|x|e|h|u|<count of p>|<p>...|<n>...: no field holds `|` (the gate writes none).
  const f = signed.split('|')
  const count = +f[P - 1]
  if (f[0] !== 'v2' || !(count >= 1 && P + count <= f.length)) return 'malformed'
  // Signed by the gate, so well formed unless its key leaked; still, every comparison below
  // is false for NaN, so a field that is not a number refuses.
  const i = +f[1]
  const x = +f[2]
  const now = Date.now()
  if (!(x * 1000 > now)) return 'expired'
  if (!(i * 1000 <= now + SKEW_MS)) return 'not_yet_valid'
  if (!(x - i <= MAX_TTL && x > i)) return 'bad_lifetime'
  if (f[4] !== v.host) return 'wrong_host'
  if (!anyMatches(f, P, P + count, path, false)) return 'other_path'
  if (P + count < f.length && anyMatches(f, P + count, f.length, path, true)) return 'earlier_rule'
  return epochFile === false ? '' : checkEpoch(epochFile, +f[3], f[5], i)
}

/**
 * True when one of the patterns `f[from]` to `f[to - 1]` matches the path, with the gate's
 * semantics (src/rules/path-pattern.ts): literal segments compared exactly, `*` one segment,
 * `**` zero or more whole segments. The gate writes `/a/b/**` as `/a/b/` (the pattern and
 * everything under it), so the shapes rules almost always have are string comparisons; the
 * rest go segment by segment. For a path in the safe form the raw path is the canonical one,
 * so comparing it with the canonical patterns is exact. Where the edge cannot read a pattern,
 * it errs towards asking the gate: in `p` (`widen` false) it matches nothing; in `n` (`widen`
 * true) it matches every path.
 */
function anyMatches(f, from, to, path, widen) {
  for (let k = from; k < to; k++) {
    const pattern = f[k]
    if (pattern === path) return true
    // Safe paths never end in `/`: a pattern that does is a prefix.
    if (pattern[pattern.length - 1] === '/') {
      if (path.startsWith(pattern) || path + '/' === pattern) return true
      continue
    }
    if (pattern.indexOf('*') !== -1 && globMatches(pattern, path, widen)) return true
  }
  return false
}

/** True when a pattern with `*` or `**` matches the path (see anyMatches). */
function globMatches(source, path, widen) {
  // Declared in here: njs creates a module's functions for every request, and these run
  // only for the rare rules with a wildcard that is not a trailing `/**`.
  const MAX_SEGMENTS = 256
  const MAX_GLOBSTARS = 3
  function parse() {
    if (source[0] !== '/') return null
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
      else segments.push({ literal: part })
    }
    return segments
  }
  // Memoised on (pattern segment, path segment), as the gate's matcher: without it three `**`
  // against 256 segments take a worker most of a second.
  const seen = []
  function matchFrom(p, i, segs, j) {
    if (i === p.length) return j === segs.length
    const key = i * (segs.length + 1) + j
    if (seen[key]) return false
    seen[key] = true
    const seg = p[i]
    if (seg === '**') {
      for (let k = j; k <= segs.length; k++) if (matchFrom(p, i + 1, segs, k)) return true
      return false
    }
    if (j === segs.length) return false
    if (seg !== '*' && seg.literal !== segs[j]) return false
    return matchFrom(p, i + 1, segs, j + 1)
  }
  const parsed = parse()
  if (parsed === null) return widen
  return matchFrom(parsed, 0, path.slice(1).split('/'), 0)
}

/**
 * The epoch file check: the file is `<epoch>\n` then `<uuid> <revoked-at>\n` lines, written
 * whole by the gate (temp file and rename). "" when the pass's epoch `e` is the file's and
 * its user `u` was not revoked at or after it was issued (`i`); a file that cannot be read or
 * whose first line is not a number refuses every pass.
 */
function checkEpoch(file, e, u, i) {
  let text
  try {
    // Required here, not at the top level: only sites with an epoch file pay for it.
    text = require('fs').readFileSync(file, 'utf8')
  } catch (err) {
    return 'epoch_unreadable'
  }
  const nl = text.indexOf('\n')
  const first = nl === -1 ? text : text.slice(0, nl)
  if (first === '' || first.length > 15 || String(Number(first)) !== first)
    return 'epoch_unreadable'
  if (e !== Number(first)) return 'epoch_changed'
  if (nl === -1 || nl === text.length - 1) return ''
  // A revocation line of this user (the gate writes one per user; every one is honoured).
  const key = '\n' + u + ' '
  for (let at = text.indexOf(key); at !== -1; at = text.indexOf(key, at + 1)) {
    const from = at + key.length
    const end = text.indexOf('\n', from)
    const value = end === -1 ? text.slice(from) : text.slice(from, end)
    const revokedAt = Number(value)
    if (value === '' || String(revokedAt) !== value) return 'epoch_unreadable'
    if (revokedAt + REVOKE_MARGIN >= i) return 'revoked'
  }
  return ''
}

export default { check }
