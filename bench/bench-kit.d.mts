// Types of the pure functions of bench/bench-kit.mjs that the tests use.
export function nginxSiteFromExample(
  example: string,
  options: { authPort: number; listenPort: number; www: string },
): string
export function nginxStaticSite(options: { listenPort: number; www: string }): string
export function callsBetween(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number>
