import type { HostPattern } from './host-pattern.js'

/** What the index needs of a rule. */
export interface IndexedRule {
  index: number
  methods: ReadonlySet<string> | undefined
  hosts: readonly HostPattern[] | undefined
}

/**
 * The rules that end on one path-trie node, indexed by host so that thousands of
 * host-bound rules sharing a path (`/club/**` on a host per artist) cost a map lookup,
 * not a scan: rules for any host, rules per exact host, rules per `*.` suffix.
 */
export interface HostIndex<R> {
  /** Every rule, in file order. */
  readonly all: readonly R[]
  /** The first rule (lowest index below `limit`) that accepts the method and host. */
  first(method: string, host: string | undefined, limit: number): R | undefined
}

/** A {@link HostIndex} that grows: the rule matcher adds rules to it as they are compiled. */
export interface HostIndexBuilder<R> extends HostIndex<R> {
  /**
   * Adds a rule. Rules must come in ascending index order (a rule added twice in a row is
   * kept once), so that every list stays in file order without sorting.
   */
  add(rule: R): void
}

/** Builds a {@link HostIndex}; `rules` may be in any order and hold duplicates. */
export function createHostIndex<R extends IndexedRule>(
  rules: readonly R[] = [],
): HostIndexBuilder<R> {
  const all: R[] = []
  const anyHost: R[] = []
  const exact = new Map<string, R[]>()
  const suffix = new Map<string, R[]>()
  const append = (list: R[], rule: R): void => {
    if (list[list.length - 1] !== rule) list.push(rule)
  }
  const add = (rule: R): void => {
    const last = all[all.length - 1]
    if (last === rule) return
    if (last && last.index > rule.index) {
      throw new RangeError(`host index: rule ${rule.index} added after rule ${last.index}`)
    }
    all.push(rule)
    if (!rule.hosts) anyHost.push(rule)
    else {
      for (const h of rule.hosts) {
        const map = h.kind === 'exact' ? exact : suffix
        const key = h.kind === 'exact' ? h.host : h.suffix
        const list = map.get(key)
        if (list) append(list, rule)
        else map.set(key, [rule])
      }
    }
  }
  for (const rule of [...new Set(rules)].sort((a, b) => a.index - b.index)) add(rule)

  const firstIn = (
    list: readonly R[] | undefined,
    method: string,
    limit: number,
  ): R | undefined => {
    if (!list) return undefined
    for (const rule of list) {
      if (rule.index >= limit) return undefined
      if (!rule.methods || rule.methods.has(method)) return rule
    }
    return undefined
  }

  return {
    all,
    add,
    first(method, host, limit) {
      let best = firstIn(anyHost, method, limit)
      if (host === undefined || (exact.size === 0 && suffix.size === 0)) return best
      const better = (candidate: R | undefined): void => {
        if (candidate && (!best || candidate.index < best.index)) best = candidate
      }
      better(firstIn(exact.get(host), method, best?.index ?? limit))
      if (suffix.size > 0) {
        // Every proper suffix starting at a dot: a.b.example.com -> .b.example.com, .example.com, .com
        for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
          better(firstIn(suffix.get(host.slice(dot)), method, best?.index ?? limit))
        }
      }
      return best
    },
  }
}
