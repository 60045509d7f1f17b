import type { InvalidationBus, Notice, NoticeKind } from '../../src/store/invalidation-bus.js'

/**
 * An in-process {@link InvalidationBus} between the replicas of one test: `publish` reaches
 * every other replica's handlers at once; `live` sets the epoch every replica's bus is in
 * (undefined: down); `heardAt` fixes when a ping last came back (default: just now).
 */
export interface FakeBus {
  /** The bus of one replica; `published` lists what it sent. */
  replica(): InvalidationBus & { published: Notice[] }
  live(epoch: number | undefined): void
  heardAt(at: number | undefined): void
}

/** Creates a {@link FakeBus}, down until `live` is called; `now` is the test's clock. */
export function fakeBus(now: () => number): FakeBus {
  let epoch: number | undefined
  let heard: number | undefined
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
        liveEpoch: () => epoch,
        confirmedAt: () => heard ?? now(),
        close: async () => undefined,
      }
    },
    live(value) {
      epoch = value
    },
    heardAt(at) {
      heard = at
    },
  }
}
