/** A path-template router: `/api/open-api/vibe/{vibe_id}/profile` and the like. */

/** A route: a method and path template, plus whatever the caller attaches. */
export interface RouteBase {
  method: string
  /** Literal segments and `{name}` placeholders, e.g. `/api/open-api/vibe/{vibe_id}/profile`. */
  template: string
}

/** A path matched to a template, with every route of that template by method. */
export interface RouteMatch<R extends RouteBase> {
  template: string
  /** Percent-decoded placeholder values. */
  pathParams: Record<string, string>
  byMethod: ReadonlyMap<string, R>
}

/** Finds the template of a path. */
export interface Router<R extends RouteBase> {
  /** The template `path` (no query) matches, or undefined (unknown paths, bad escapes). */
  match(path: string): RouteMatch<R> | undefined
  /** `value` if it is a template, else the template the concrete path `value` matches. */
  resolveTemplate(value: string): string | undefined
  /** Every template, in route order. */
  templates(): string[]
}

/** Builds a {@link Router}; literal segments are case-sensitive, placeholders match one segment. */
export function createRouter<R extends RouteBase>(routes: readonly R[]): Router<R> {
  const byTemplate = new Map<string, Map<string, R>>()
  for (const route of routes) {
    let methods = byTemplate.get(route.template)
    if (!methods) byTemplate.set(route.template, (methods = new Map()))
    methods.set(route.method, route)
  }
  const compiled = [...byTemplate].map(([template, methods]) => ({
    template,
    methods,
    segments: template.split('/'),
  }))

  function match(path: string): RouteMatch<R> | undefined {
    const parts = path.split('/')
    for (const { template, methods, segments } of compiled) {
      if (segments.length !== parts.length) continue
      const pathParams = matchSegments(segments, parts)
      if (pathParams) return { template, pathParams, byMethod: methods }
    }
    return undefined
  }

  return {
    match,
    resolveTemplate: (value) => (byTemplate.has(value) ? value : match(value)?.template),
    templates: () => [...byTemplate.keys()],
  }
}

function matchSegments(
  segments: readonly string[],
  parts: readonly string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = {}
  for (const [i, segment] of segments.entries()) {
    const part = parts[i] ?? ''
    if (segment.startsWith('{') && segment.endsWith('}')) {
      let value: string
      try {
        value = decodeURIComponent(part)
      } catch {
        return undefined
      }
      if (value === '') return undefined
      params[segment.slice(1, -1)] = value
    } else if (segment !== part) {
      return undefined
    }
  }
  return params
}
