/**
 * Where the gate's Redis is: one server (`redis://`, `rediss://`), a primary found through
 * Redis Sentinel (`redis+sentinel://`), or a Redis Cluster (`redis-cluster://`,
 * VIBEGATE_REDIS_CLUSTER). Parsed once at start; the problems name the setting at fault.
 */

/** A host and port of a Sentinel or a cluster seed node. */
export interface RedisHostPort {
  host: string
  port: number
}

/** A parsed REDIS_URL / VIBEGATE_REDIS_CLUSTER. Passwords are never logged: see {@link describeRedisTarget}. */
export type RedisTarget =
  | {
      kind: 'standalone'
      /** The URL as given (`redis://` or `rediss://`; ioredis reads it). */
      url: string
    }
  | {
      kind: 'sentinel'
      sentinels: RedisHostPort[]
      /** The master name the Sentinels monitor. */
      name: string
      username: string | undefined
      /** The data nodes' password (AUTH), also given to the Sentinels unless `sentinelPassword`. */
      password: string | undefined
      sentinelPassword: string | undefined
      /** `rediss+sentinel://`: TLS to the Sentinels and to the data nodes. */
      tls: boolean
      db: number
    }
  | {
      kind: 'cluster'
      /** Seed nodes: any reachable one tells the client about the rest. */
      nodes: RedisHostPort[]
      username: string | undefined
      password: string | undefined
      /** `rediss-cluster://`: TLS to every node. */
      tls: boolean
    }

/** A REDIS_URL or VIBEGATE_REDIS_CLUSTER that cannot be used; the message says how to fix it. */
export class RedisTargetError extends Error {
  override name = 'RedisTargetError'
}

const FORMS =
  'redis://[user:password@]host:port[/db], rediss://..., redis+sentinel://[user:password@]host:port,host:port/mastername, or redis-cluster://[user:password@]host:port,host:port'
const MULTI =
  /^(rediss?)(\+sentinel|-cluster):\/\/(?:([^@/?#]*)@)?([^/?#]+)(?:\/([^?#]*))?(?:\?([^#]*))?$/

/**
 * Parses `text`, the value of `setting` (named in every problem). Forms: `redis://` and
 * `rediss://` (one server, as ioredis reads them); `redis+sentinel://` and
 * `rediss+sentinel://` with comma-separated Sentinels (port 26379 by default), the master name
 * as the path, and optional `?db=N&sentinel_password=...`; `redis-cluster://` and
 * `rediss-cluster://` with comma-separated seed nodes (port 6379 by default). User and
 * password are percent-decoded.
 */
export function parseRedisTarget(text: string, setting = 'REDIS_URL'): RedisTarget {
  const fail = (why: string): never => {
    throw new RedisTargetError(`${setting}: ${why}; the forms are ${FORMS}`)
  }
  if (/^rediss?:\/\//.test(text)) {
    try {
      new URL(text)
    } catch {
      fail('is not a URL')
    }
    return { kind: 'standalone', url: text }
  }
  const m = MULTI.exec(text)
  if (!m) return fail(`"${redactUserinfo(text)}" is not one of the forms`)
  const [, scheme, form, userinfo, hostList, path, query] = m
  const tls = scheme === 'rediss'
  const { username, password } = credentials(userinfo, fail)
  const defaultPort = form === '+sentinel' ? 26379 : 6379
  const hosts = hostList!.split(',').map((item) => hostPort(item.trim(), defaultPort, fail))
  const params = new URLSearchParams(query ?? '')
  if (form === '-cluster') {
    if (path) fail('a cluster URL has no path (there is no database number on a cluster)')
    for (const name of params.keys()) fail(`a cluster URL takes no parameter, got "${name}"`)
    return { kind: 'cluster', nodes: hosts, username, password, tls }
  }
  const name = decode(path ?? '', fail)
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
    fail('the path must be the master name the Sentinels monitor (e.g. /mymaster)')
  for (const key of params.keys())
    if (key !== 'db' && key !== 'sentinel_password')
      fail(`unknown parameter "${key}" (db, sentinel_password)`)
  const dbText = params.get('db') ?? '0'
  if (!/^\d{1,2}$/.test(dbText)) fail(`db must be a database number, got "${dbText}"`)
  return {
    kind: 'sentinel',
    sentinels: hosts,
    name,
    username,
    password,
    sentinelPassword: params.get('sentinel_password') ?? undefined,
    tls,
    db: Number(dbText),
  }
}

/**
 * VIBEGATE_REDIS_CLUSTER: `host:port,host:port` (seed nodes, no credentials) or a whole
 * `redis-cluster://` / `rediss-cluster://` URL.
 */
export function parseClusterSetting(text: string): RedisTarget {
  const url = /^rediss?-cluster:\/\//.test(text) ? text : `redis-cluster://${text}`
  const target = parseRedisTarget(url, 'VIBEGATE_REDIS_CLUSTER')
  if (target.kind !== 'cluster')
    throw new RedisTargetError(
      'VIBEGATE_REDIS_CLUSTER: give seed nodes (host:port,host:port) or a redis-cluster:// URL',
    )
  return target
}

/** The target for logs and messages: kind and hosts, never a password. */
export function describeRedisTarget(target: RedisTarget): string {
  const list = (hosts: RedisHostPort[]): string =>
    hosts.map((h) => `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`).join(',')
  switch (target.kind) {
    case 'standalone':
      return redactUserinfo(target.url)
    case 'sentinel':
      return `${target.tls ? 'rediss' : 'redis'}+sentinel://${list(target.sentinels)}/${target.name}`
    case 'cluster':
      return `${target.tls ? 'rediss' : 'redis'}-cluster://${list(target.nodes)}`
  }
}

function redactUserinfo(text: string): string {
  return text.replace(/^([a-z+-]+:\/\/)[^@/?#]*@/, '$1***@')
}

function decode(text: string, fail: (why: string) => never): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return fail('has a malformed %-escape')
  }
}

function credentials(
  userinfo: string | undefined,
  fail: (why: string) => never,
): { username: string | undefined; password: string | undefined } {
  if (userinfo === undefined) return { username: undefined, password: undefined }
  const colon = userinfo.indexOf(':')
  // `redis://:password@host` (no user) is the common form, as in redis-cli -u.
  const user = colon === -1 ? userinfo : userinfo.slice(0, colon)
  const pass = colon === -1 ? undefined : userinfo.slice(colon + 1)
  return {
    username: user === '' ? undefined : decode(user, fail),
    password: pass === undefined || pass === '' ? undefined : decode(pass, fail),
  }
}

function hostPort(item: string, defaultPort: number, fail: (why: string) => never): RedisHostPort {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(item)
  if (!m) return fail(`"${item}" is not host:port`)
  const port = m[3] === undefined ? defaultPort : Number(m[3])
  if (port < 1 || port > 65535) fail(`the port of "${item}" is not 1-65535`)
  return { host: m[1] ?? m[2]!, port }
}
