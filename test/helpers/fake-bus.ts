import type { InvalidationBus, Notice, NoticeKind } from '../../src/store/invalidation-bus.js'

/**
 * An in-process {@link InvalidationBus} between the replicas of one test: `publish` reaches
 * every other replica's handlers at once, `live` sets what `liveSince` answers.
 */
export interface FakeBus {
  /** The bus of one replica. */
  replica(): InvalidationBus & { published: Notice[] }
  /** Since when every replica's bus is live (ms), or undefined: down. */
  live(since: number | undefined): void
}

/** Creates a {@link FakeBus}, down until `live` is called. */
export function fakeBus(): FakeBus {
  let since: number | undefined
  const replicas: Map<NoticeKind, ((n: Notice) => void)[]>[] = []
  return {
    replica() {
      const handlers = new Map<NoticeKind, ((n: Notice) => void)[]>()
      replicas.push(handlers)
      const published: Notice[] = []
      return {
        published,
        publish(notice) {
          published.push(notice)
          for (const other of replicas)
            if (other !== handlers) for (const h of other.get(notice.kind) ?? []) h(notice)
        },
        on(kind, handler) {
          handlers.set(kind, [...(handlers.get(kind) ?? []), handler as (n: Notice) => void])
        },
        liveSince: () => since,
        close: async () => undefined,
      }
    },
    live(value) {
      since = value
    },
  }
}
