// Types of bench/load-generator.mjs, for the tests.
export interface LoadTool {
  name: 'wrk' | 'autocannon'
  path: string
}
export interface LoadFigures {
  rps: number
  p50Ms: number
  p99Ms: number
  requests: number
  non2xx: number
  errors: number
}
export interface LoadOptions {
  url: string
  headers?: Record<string, string>
  seconds: number
  connections: number
  /** Requests each connection sends at once (HTTP/1.1 pipelining); default 1. */
  pipelining?: number
}
export function findWrk(env?: Record<string, string | undefined>): string | undefined
export function chooseTool(env?: Record<string, string | undefined>): LoadTool
export function parseWrkTime(text: string): number
export function parseWrk(text: string): LoadFigures
export function parseAutocannon(text: string): LoadFigures
export function loadArgs(tool: LoadTool, options: LoadOptions): [string, string[]]
export function runLoad(
  tool: LoadTool,
  options: LoadOptions,
): Promise<LoadFigures & { raw: string }>
export function toolVersion(tool: LoadTool): Promise<string>
