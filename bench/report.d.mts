// Types of bench/report.mjs, for the tests.
export interface Figures {
  rps: number
  p99Ms: number
  non2xx: number
  errors: number
  /** Cores other processes used during the row, and the hypervisor's steal. */
  otherCores?: number
  stealCores?: number
}
export interface BenchResults {
  bare: Figures
  bearer?: Figures
  session?: Figures
  nginx?: { static: Figures; ceiling: Figures; gate: Figures }
  workers?: {
    n: number
    processes: number
    one: Figures
    many: Figures
    /** Requests pipelined per connection in the judged rows; default 1. */
    pipelining?: number
    /** The same two rows with one request per round trip: shown, not judged. */
    unpipelined?: { one: Figures; many: Figures }
  }
}
export type TableLine =
  | { section: string }
  | {
      section?: undefined
      label: string
      figures: Figures
      share: string
      goal: string
      /** Print '-' for p99 (pipelined load: wrk times whole batches). */
      noP99?: boolean
    }
export const GOALS: {
  shareOfBare: number
  p99OfBare: number
  shareOfCeiling: number
  workerSpeedup: number
  rssBand: number
}
export interface Slice extends Figures {
  requests: number
  calls?: Record<string, number>
}
export function combineSlices(slices: Slice[]): Slice & { slices: number }
export const DISTURBED_CORES: number
export function disturbance(figures: Figures): number | undefined
export function evaluate(results: BenchResults): { lines: TableLine[]; failures: string[] }
export function formatTable(lines: TableLine[]): string
export function judgeRss(
  samples: number[],
  window?: number,
): {
  start: number
  end: number
  min: number
  max: number
  low: number
  high: number
  pass: boolean
}
