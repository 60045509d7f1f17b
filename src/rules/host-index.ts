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
  const index = new GrowingHostIndex<R>()
  for (const rule of [...new Set(rules)].sort((a, b) => a.index - b.index)) index.add(rule)
  return index
}

/**
 * One per trie node where a pattern ends, so thousands of them live as long as the rules:
 * a class (methods shared) whose per-host structures exist only once a host-bound rule
 * does. Until then `anyHost` is `all`.
 */
class GrowingHostIndex<R extends IndexedRule> implements HostIndexBuilder<R> {
  readonly all: R[] = []
  private anyHost: R[] = this.all
  private exact: Map<string, R[]> | undefined
  private suffix: Map<string, R[]> | undefined

  add(rule: R): void {
    const last = this.all[this.all.length - 1]
    if (last === rule) return
    if (last && last.index > rule.index) {
      throw new RangeError(`host index: rule ${rule.index} added after rule ${last.index}`)
    }
    this.all.push(rule)
    if (!rule.hosts) {
      if (this.anyHost !== this.all) this.anyHost.push(rule)
      return
    }
    // The first host-bound rule: the rules for any host become a list of their own.
    if (this.anyHost === this.all) this.anyHost = this.all.filter((r) => !r.hosts)
    for (const h of rule.hosts) {
      const map = h.kind === 'exact' ? (this.exact ??= new Map()) : (this.suffix ??= new Map())
      const key = h.kind === 'exact' ? h.host : h.suffix
      const list = map.get(key)
      if (!list) map.set(key, [rule])
      else if (list[list.length - 1] !== rule) list.push(rule)
    }
  }

  first(method: string, host: string | undefined, limit: number): R | undefined {
    let best = firstIn(this.anyHost, method, limit)
    if (host === undefined || (this.exact === undefined && this.suffix === undefined)) return best
    const better = (candidate: R | undefined): void => {
      if (candidate && (!best || candidate.index < best.index)) best = candidate
    }
    better(firstIn(this.exact?.get(host), method, best?.index ?? limit))
    if (this.suffix) {
      // Every proper suffix starting at a dot: a.b.example.com -> .b.example.com, .example.com, .com
      for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
        better(firstIn(this.suffix.get(host.slice(dot)), method, best?.index ?? limit))
      }
    }
    return best
  }
}

/** The first rule of `list` below `limit` that accepts `method`. */
function firstIn<R extends IndexedRule>(
  list: readonly R[] | undefined,
  method: string,
  limit: number,
): R | undefined {
  if (!list) return undefined
  for (const rule of list) {
    if (rule.index >= limit) return undefined
    if (!rule.methods || rule.methods.has(method)) return rule
  }
  return undefined
}
