const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const

/**
 * A rules-file duration in milliseconds: a number is seconds; a string has a unit
 * (`ms`, `s`, `m`, `h`), e.g. `"90s"`, `"2m"`. The shape is checked by the schema first.
 */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') return value * 1000
  const match = /^(\d+)(ms|s|m|h)$/.exec(value)
  if (!match) throw new TypeError(`not a duration: ${value}`)
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]
}
