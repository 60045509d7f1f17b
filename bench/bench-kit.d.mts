// Types of the functions of bench/bench-kit.mjs that the tests use.
import type { ChildProcess } from 'node:child_process'

export function nginxSiteFromExample(
  example: string,
  options: { authPort: number; listenPort: number; www: string },
): string
export function nginxStaticSite(options: { listenPort: number; www: string }): string
export function callsBetween(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number>
export function edgeConfigJson(options: {
  secrets: readonly string[]
  epochFile?: string | undefined
}): string
export function nginxEdgeConfFromExample(
  example: string,
  options: {
    gatePort: number
    listenPort: number
    www: string
    dir: string
    script: string
    edgeConfig: string
    workers?: string | number
    accessLog?: boolean | 'misses'
    ungated?: boolean
  },
): string
export function startNginx(options: {
  dir: string
  site?: string
  conf?: string
  env?: Record<string, string>
  listenPort: number
  workers?: string | number
}): Promise<{
  child: ChildProcess
  url: string
  output(): string
  errorLog(): Promise<string>
  stop(): Promise<void>
}>
