/**
 * examples/kubernetes (issue 13): every manifest is validated against the Kubernetes API's
 * schemas (kubernetes-models: the official OpenAPI definitions compiled to validators), and,
 * because those validators accept unknown fields, type-checked against the same definitions'
 * TypeScript interfaces, whose excess-property check catches a misspelt field as the API
 * server's strict field validation would. Then what the example promises: probes, the
 * security context, a ConfigMap mounted so its updates arrive, only settings the gate reads,
 * and Service, PDB, HPA, NetworkPolicy and Ingress pointing at the Deployment.
 */
import { describe, expect, test } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { parseAllDocuments } from 'yaml'
import type { Model } from '@kubernetes-models/base'
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment'
import {
  HorizontalPodAutoscaler,
  type IHorizontalPodAutoscaler,
} from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import { Ingress, type IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress'
import {
  NetworkPolicy,
  type INetworkPolicy,
} from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import {
  PodDisruptionBudget,
  type IPodDisruptionBudget,
} from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { Namespace } from 'kubernetes-models/v1/Namespace'
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret'
import { Service, type IService } from 'kubernetes-models/v1/Service'
import { DRAIN_MS } from '../../src/cli/serve-gate.js'
import { loadConfig } from '../../src/config/load-config.js'
import { parseRules } from '../../src/rules/load-rules.js'
import { KeySetError, parseKeySet } from '../../src/tokens/key-set.js'
import {
  allManifests,
  findManifest,
  KUBERNETES_DIR,
  manifestFiles,
  readManifests,
  type Manifest,
  type ManifestDocument,
} from './kubernetes-manifests.js'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** The model class (runtime validator) and TypeScript interface of each kind the example uses. */
const KINDS: Record<string, { model: new (data: never) => Model<unknown>; types: string }> = {
  'v1/Namespace': { model: Namespace, types: 'kubernetes-models/v1/Namespace#INamespace' },
  'v1/ConfigMap': { model: ConfigMap, types: 'kubernetes-models/v1/ConfigMap#IConfigMap' },
  'v1/Secret': { model: Secret, types: 'kubernetes-models/v1/Secret#ISecret' },
  'v1/Service': { model: Service, types: 'kubernetes-models/v1/Service#IService' },
  'apps/v1/Deployment': {
    model: Deployment,
    types: 'kubernetes-models/apps/v1/Deployment#IDeployment',
  },
  'policy/v1/PodDisruptionBudget': {
    model: PodDisruptionBudget,
    types: 'kubernetes-models/policy/v1/PodDisruptionBudget#IPodDisruptionBudget',
  },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler,
    types: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler#IHorizontalPodAutoscaler',
  },
  'networking.k8s.io/v1/Ingress': {
    model: Ingress,
    types: 'kubernetes-models/networking.k8s.io/v1/Ingress#IIngress',
  },
  'networking.k8s.io/v1/NetworkPolicy': {
    model: NetworkPolicy,
    types: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy#INetworkPolicy',
  },
}

const kindOf = (object: Manifest): string => `${object.apiVersion}/${object.kind}`

/**
 * Type-checks every manifest as an object literal of its kind's interface (generated from the
 * Kubernetes OpenAPI definitions): TypeScript's excess-property check reports a field the API
 * does not have, at any depth. Returns the problems, each naming its manifest.
 */
function unknownFieldProblems(documents: ManifestDocument[]): string[] {
  const imports = new Map<string, string>()
  const declarations: { label: string; text: string }[] = []
  documents.forEach(({ file, index, object }, i) => {
    const [module, name] = KINDS[kindOf(object)]!.types.split('#') as [string, string]
    imports.set(name, `import type { ${name} } from '${module}'`)
    declarations.push({
      label: `${file} (document ${index + 1}, ${object.kind} ${object.metadata.name})`,
      text: `export const m${i}: ${name} = ${JSON.stringify(object, null, 2)}\n`,
    })
  })
  const header = [...imports.values()].join('\n') + '\n'
  const source = header + declarations.map((d) => d.text).join('')
  // Where each declaration starts, to name the manifest of a problem.
  const starts: number[] = []
  let offset = header.length
  for (const { text } of declarations) {
    starts.push(offset)
    offset += text.length
  }
  // A file beside this test, so that node_modules and the package type resolve as here.
  const fileName = join(root, 'test', 'examples', '__kubernetes_manifests__.ts')
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  }
  const host = ts.createCompilerHost(options)
  const getSourceFile = host.getSourceFile.bind(host)
  const fileExists = host.fileExists.bind(host)
  const readFile = host.readFile.bind(host)
  host.getSourceFile = (name, version, ...rest) =>
    name === fileName
      ? ts.createSourceFile(name, source, version)
      : getSourceFile(name, version, ...rest)
  host.fileExists = (name) => name === fileName || fileExists(name)
  host.readFile = (name) => (name === fileName ? source : readFile(name))
  const program = ts.createProgram([fileName], options, host)
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(fileName)).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n')
    const at = d.start ?? 0
    const which = starts.findLastIndex((start) => start <= at)
    return `${which >= 0 ? declarations[which]!.label : '(imports)'}: ${message}`
  })
}

/** The environment variable names `vibegate serve` reads (loadConfig, as it runs). */
function namesTheGateReads(): Set<string> {
  const read = new Set<string>()
  // Only the required credentials are set, so that loadConfig runs to its end.
  const required: Record<string, string> = { OURSONG_API_KEY: 'k', OURSONG_API_SECRET: 's' }
  const env = new Proxy({} as NodeJS.ProcessEnv, {
    get(_target, name) {
      if (typeof name !== 'string') return undefined
      read.add(name)
      return required[name]
    },
  })
  loadConfig(env)
  return read
}

const deployment = (): IDeployment => findManifest<IDeployment>('Deployment', 'vibegate')
const container = () => {
  const containers = deployment().spec!.template.spec!.containers
  expect(containers).toHaveLength(1)
  return containers[0]!
}
const envConfigMap = (): IConfigMap => findManifest<IConfigMap>('ConfigMap', 'vibegate-config')
const rulesConfigMap = (): IConfigMap => findManifest<IConfigMap>('ConfigMap', 'vibegate-rules')
const service = (): IService => findManifest<IService>('Service', 'vibegate')
const exampleSecret = (name: string): ISecret => {
  const found = readManifests('secret.example.yaml').filter(
    ({ object }) => object.metadata.name === name,
  )
  expect(found).toHaveLength(1)
  return found[0]!.object as unknown as ISecret
}
const podLabels = (): Record<string, string> => deployment().spec!.template.metadata!.labels!
/** True when every label of `selector` is on the Deployment's pods. */
const selectsPods = (selector: Record<string, string> | undefined): boolean =>
  selector !== undefined &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([key, value]) => podLabels()[key] === value)

/** The Deployment's environment as `serve` would see it, with `secrets` for the Secret's keys. */
function deploymentEnv(secrets: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const from of container().envFrom ?? []) {
    expect(from.configMapRef?.name).toBe('vibegate-config')
    Object.assign(env, envConfigMap().data)
  }
  for (const entry of container().env ?? []) {
    if (entry.value !== undefined) env[entry.name] = entry.value
    else {
      const ref = entry.valueFrom?.secretKeyRef
      expect(ref).toBeDefined()
      env[entry.name] = secrets[ref!.key]!
    }
  }
  return env
}

describe('examples/kubernetes: the manifests', () => {
  test('every document parses and is valid against the Kubernetes API schemas', () => {
    const documents = manifestFiles()
      .filter((file) => file !== 'kustomization.yaml')
      .flatMap(readManifests)
    expect(documents.length).toBeGreaterThanOrEqual(10)
    for (const { file, index, object } of documents) {
      const kind = KINDS[kindOf(object)]
      if (kind === undefined) throw new Error(`${file}: ${kindOf(object)} is not expected here`)
      try {
        new kind.model(object as never).validate()
      } catch (err) {
        throw new Error(`${file}, document ${index + 1}: ${(err as Error).message}`)
      }
      expect(object.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    }
  })

  test('the validators catch a broken manifest (they are really applied)', () => {
    const broken = structuredClone(deployment()) as unknown as {
      spec: { template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } }
    }
    broken.spec.template.spec.containers[0]!.ports[0]!.containerPort = 'http'
    expect(() => new Deployment(broken as never).validate()).toThrow(/containerPort/)
  })

  test('no manifest has a field the Kubernetes API does not know (typed against its definitions)', () => {
    expect(unknownFieldProblems(allManifests())).toEqual([])
    // A misspelt field, deep down, is found and named.
    const broken = structuredClone(deployment()) as unknown as Manifest & {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } }
    }
    const c = broken.spec.template.spec.containers[0]!
    c.readinesProbe = c.readinessProbe
    delete c.readinessProbe
    expect(unknownFieldProblems([{ file: 'deployment.yaml', index: 0, object: broken }])).toEqual([
      expect.stringMatching(
        /^deployment\.yaml \(document 1, Deployment vibegate\): .*readinesProbe.* does not exist in type 'IContainer'/s,
      ),
    ])
  }, 60_000)

  test('kustomization.yaml applies every manifest but the example Secret, in the namespace auth-url names', () => {
    const [kustomization] = readManifests('kustomization.yaml')
    const k = kustomization!.object as unknown as {
      apiVersion: string
      kind: string
      namespace: string
      resources: string[]
    }
    expect(k.apiVersion).toBe('kustomize.config.k8s.io/v1beta1')
    expect(k.kind).toBe('Kustomization')
    expect(k.namespace).toBe('vibegate')
    expect([...k.resources].sort()).toEqual(
      manifestFiles().filter((f) => f !== 'kustomization.yaml' && f !== 'secret.example.yaml'),
    )
    for (const file of k.resources) expect(existsSync(join(KUBERNETES_DIR, file))).toBe(true)
    expect(findManifest('Namespace', 'vibegate')).toBeDefined()
    // Namespaced objects leave the namespace to kustomize.
    for (const { object } of allManifests()) expect(object.metadata.namespace).toBeUndefined()
  })
})

describe('examples/kubernetes: the Deployment', () => {
  test('runs the image of the Dockerfile as its non-root user, with a read-only root filesystem', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')
    // The node images' user `node` is uid 1000.
    expect(dockerfile).toMatch(/^USER node$/m)
    expect(container().image).toMatch(/^vibegate:/)
    const pod = deployment().spec!.template.spec!
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    })
    expect(container().securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    })
    expect(pod.automountServiceAccountToken).toBe(false)
    // Service links would put VIBEGATE_*_PORT variables (tcp://...) in the gate's environment.
    expect(pod.enableServiceLinks).toBe(false)
    // Every writable mount is an emptyDir.
    const volumes = new Map(pod.volumes!.map((v) => [v.name, v]))
    for (const mount of container().volumeMounts!) {
      if (!mount.readOnly) expect(volumes.get(mount.name)?.emptyDir).toBeDefined()
    }
  })

  test('probes: startup and liveness on /healthz, readiness on /readyz, on the gate port', () => {
    const c = container()
    const http = c.ports!.find((p) => p.name === 'http')!
    expect(http.containerPort).toBe(8080)
    expect(c.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' })
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' })
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' })
    // The startup probe gives a large rules file time to load before liveness counts.
    const startup = c.startupProbe!
    expect(startup.periodSeconds! * startup.failureThreshold!).toBeGreaterThanOrEqual(60)
  })

  test('requests and limits CPU and memory; the HPA scales it, so it sets no replica count', () => {
    const { resources } = container()
    expect(Object.keys(resources!.requests!).sort()).toEqual(['cpu', 'memory'])
    expect(Object.keys(resources!.limits!).sort()).toEqual(['cpu', 'memory'])
    expect(deployment().spec!.replicas).toBeUndefined()
    expect(deployment().spec!.strategy?.rollingUpdate?.maxUnavailable).toBe(0)
  })

  test("its grace period covers the preStop sleep and the gate's drain", () => {
    const pod = deployment().spec!.template.spec!
    const command = container().lifecycle!.preStop!.exec!.command!
    expect(command.slice(0, 1)).toEqual(['sleep'])
    const sleep = Number(command[1])
    expect(sleep).toBeGreaterThan(0)
    // serve-cluster.ts waits 5 s more than DRAIN_MS for workers, with VIBEGATE_WORKERS > 1.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(sleep + DRAIN_MS / 1000 + 5)
  })

  test('spreads its pods over zones and nodes', () => {
    const constraints = deployment().spec!.template.spec!.topologySpreadConstraints!
    expect(constraints.map((c) => c.topologyKey).sort()).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ])
    for (const c of constraints) expect(selectsPods(c.labelSelector?.matchLabels)).toBe(true)
    expect(selectsPods(deployment().spec!.selector.matchLabels)).toBe(true)
  })

  test('mounts the rules ConfigMap and the keys Secret as directories (no subPath), and points the gate into them', () => {
    const pod = deployment().spec!.template.spec!
    for (const mount of container().volumeMounts!) {
      expect(mount.subPath).toBeUndefined()
      expect(mount.subPathExpr).toBeUndefined()
    }
    const mountOf = (volume: string): string =>
      container().volumeMounts!.find((m) => m.name === volume)!.mountPath
    const env = new Map(container().env!.map((e) => [e.name, e.value]))

    const rules = pod.volumes!.find((v) => v.configMap?.name === 'vibegate-rules')!
    expect(rules.configMap!.items).toBeUndefined()
    const rulesFile = env.get('VIBEGATE_RULES')!
    expect(posix.dirname(rulesFile)).toBe(mountOf(rules.name))
    expect(Object.keys(rulesConfigMap().data!)).toContain(posix.basename(rulesFile))

    const keys = pod.volumes!.find((v) => v.secret?.secretName === 'vibegate-keys')!
    const keysFile = env.get('VIBEGATE_KEYS')!
    expect(posix.dirname(keysFile)).toBe(mountOf(keys.name))
    expect(Object.keys(exampleSecret('vibegate-keys').stringData!)).toEqual([
      posix.basename(keysFile),
    ])
    // Private keys: not world-readable; the group is the pod's fsGroup.
    expect(keys.secret!.defaultMode).toBe(0o440)
    expect(pod.securityContext!.fsGroup).toBe(1000)
  })

  test('every environment variable it sets is one the gate reads', () => {
    const known = namesTheGateReads()
    expect(known.has('VIBEGATE_TRUSTED_PROXIES')).toBe(true)
    const names = [
      ...container().env!.map((e) => e.name),
      ...Object.keys(envConfigMap().data!),
      ...Object.keys(exampleSecret('vibegate-secrets').stringData!),
    ]
    expect(names.filter((name) => !known.has(name))).toEqual([])
    // No name twice (a later entry would silently win).
    expect(new Set(container().env!.map((e) => e.name)).size).toBe(container().env!.length)
    const fromConfigMap = Object.keys(envConfigMap().data!)
    expect(container().env!.filter((e) => fromConfigMap.includes(e.name))).toEqual([])
  })

  test('its Secret references exist in the documented Secret', () => {
    for (const entry of container().env!) {
      const ref = entry.valueFrom?.secretKeyRef
      if (ref === undefined) continue
      expect(ref.optional).toBeUndefined()
      expect(Object.keys(exampleSecret(ref.name!).stringData!)).toContain(ref.key)
      expect(ref.key).toBe(entry.name)
    }
  })

  test('the gate accepts its configuration as is, with the Secret filled in', () => {
    const env = deploymentEnv({
      OURSONG_API_KEY: 'k',
      OURSONG_API_SECRET: 's',
      VIBEGATE_SESSION_SECRET: 'x'.repeat(64),
    })
    const config = loadConfig(env)
    expect(config.warnings).toEqual([])
    expect(config.port).toBe(container().ports!.find((p) => p.name === 'http')!.containerPort)
    expect(config.metricsPort).toBe(
      container().ports!.find((p) => p.name === 'metrics')!.containerPort,
    )
    expect(config.workers).toBe(1)
    expect(config.redisUrl).toMatch(/^redis(s)?(\+sentinel|-cluster)?:\/\//)
    expect(config.publicUrl.protocol).toBe('https:')
    // Someone else's forwarding headers are never believed from everywhere.
    expect(config.trustedProxies).not.toMatch(/(^|,)\s*(0\.0\.0\.0\/0|::\/0)/)
    expect(config.trustedProxies).not.toBe('none')
  })

  test('the example Secret holds placeholders the gate refuses to start with', () => {
    const secrets = exampleSecret('vibegate-secrets').stringData!
    const keys = exampleSecret('vibegate-keys').stringData!
    for (const value of [...Object.values(secrets), ...Object.values(keys)])
      expect(value).toMatch(/^<[^<>]+>$/)
    expect(() => loadConfig(deploymentEnv(secrets))).toThrow(/VIBEGATE_SESSION_SECRET/)
    expect(() => parseKeySet(keys['keys.json']!, 'keys.json')).toThrow(KeySetError)
  })

  test('the rules ConfigMap holds a valid rules file, without warnings (what `vibegate rules check` says)', () => {
    const data = rulesConfigMap().data!
    expect(Object.keys(data)).toEqual(['rules.yaml'])
    const parsed = parseRules(data['rules.yaml']!, 'rules.yaml')
    expect(parsed.warnings).toEqual([])
    expect(parsed.rules.rules.length).toBeGreaterThan(0)
  })
})

describe('examples/kubernetes: what points at the Deployment', () => {
  test('the Service selects its pods and targets its named ports', () => {
    const spec = service().spec!
    expect(selectsPods(spec.selector)).toBe(true)
    const named = new Map(container().ports!.map((p) => [p.name, p.containerPort]))
    for (const port of spec.ports!) expect(named.has(String(port.targetPort))).toBe(true)
    expect(spec.ports!.find((p) => p.name === 'http')!.port).toBe(8080)
  })

  test('the PodDisruptionBudget selects its pods and leaves the HPA minimum room', () => {
    const pdb = findManifest<IPodDisruptionBudget>('PodDisruptionBudget', 'vibegate')
    expect(pdb.spec!.selector!.matchLabels).toEqual(deployment().spec!.selector.matchLabels)
    const hpa = findManifest<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler', 'vibegate')
    expect(Number(pdb.spec!.minAvailable)).toBeLessThan(hpa.spec!.minReplicas!)
  })

  test('the HPA (autoscaling/v2) scales it on CPU, which it requests', () => {
    const hpa = findManifest<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler', 'vibegate')
    expect(hpa.apiVersion).toBe('autoscaling/v2')
    expect(hpa.spec!.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'vibegate',
    })
    expect(hpa.spec!.minReplicas).toBeGreaterThanOrEqual(2)
    expect(hpa.spec!.maxReplicas).toBeGreaterThan(hpa.spec!.minReplicas!)
    expect(hpa.spec!.metrics).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
    ])
    expect(container().resources!.requests!.cpu).toBeDefined()
  })

  test('the NetworkPolicy lets only ingress-nginx reach the gate port', () => {
    const policy = findManifest<INetworkPolicy>('NetworkPolicy', 'vibegate')
    expect(selectsPods(policy.spec!.podSelector.matchLabels)).toBe(true)
    const rules = policy.spec!.ingress!
    const forHttp = rules.filter((r) => r.ports!.some((p) => p.port === 'http'))
    expect(forHttp).toHaveLength(1)
    expect(forHttp[0]!.from).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
      },
    ])
    const named = new Set(container().ports!.map((p) => p.name))
    for (const rule of rules)
      for (const p of rule.ports!) expect(named.has(String(p.port))).toBe(true)
  })

  test("the Ingress asks the Service's /authz/auth-request and sets the headers the gate reads", () => {
    const ingress = findManifest<IIngress>('Ingress', 'fans-content')
    const annotations = ingress.metadata!.annotations!
    const authUrl = new URL(annotations['nginx.ingress.kubernetes.io/auth-url']!)
    const namespace = (readManifests('kustomization.yaml')[0]!.object as { namespace?: string })
      .namespace
    expect(authUrl.protocol).toBe('http:')
    expect(authUrl.hostname).toBe(`${service().metadata!.name}.${namespace}.svc.cluster.local`)
    expect(Number(authUrl.port)).toBe(service().spec!.ports!.find((p) => p.name === 'http')!.port)
    expect(authUrl.pathname).toBe('/authz/auth-request')

    // ingress-nginx sends X-Original-Method itself; X-Original-URI only with auth-method, and
    // X-Forwarded-Host never: they come from this ConfigMap, replacing whatever the client sent.
    const headers = findManifest<IConfigMap>(
      'ConfigMap',
      annotations['nginx.ingress.kubernetes.io/auth-proxy-set-headers']!,
    )
    expect(headers.data).toMatchObject({
      'X-Original-URI': '$request_uri',
      'X-Forwarded-Host': '$host',
    })
    // Snippet annotations are off by default in ingress-nginx: the example needs none.
    expect(Object.keys(annotations).filter((a) => a.endsWith('-snippet'))).toEqual([])

    const publicUrl = new URL(envConfigMap().data!.VIBEGATE_PUBLIC_URL!)
    expect(annotations['nginx.ingress.kubernetes.io/auth-signin']).toBe(
      `${publicUrl.origin}/auth/login`,
    )
    expect(annotations['nginx.ingress.kubernetes.io/auth-signin-redirect-param']).toBe('return_to')
    expect(annotations['nginx.ingress.kubernetes.io/auth-response-headers']).toMatch(
      /^Authorization, X-Vibegate-User, X-Vibegate-Rule$/,
    )
    expect(ingress.spec!.rules!.map((r) => r.host)).toEqual([publicUrl.hostname])
  })

  test("the gate's own Ingress serves /auth/ and the JWKS on the public host, from the Service", () => {
    const ingress = findManifest<IIngress>('Ingress', 'fans-gate')
    const publicUrl = new URL(envConfigMap().data!.VIBEGATE_PUBLIC_URL!)
    const [rule] = ingress.spec!.rules!
    expect(rule!.host).toBe(publicUrl.hostname)
    expect(rule!.http!.paths.map((p) => [p.path, p.pathType])).toEqual([
      ['/auth/', 'Prefix'],
      ['/.well-known/jwks.json', 'Exact'],
    ])
    for (const path of rule!.http!.paths)
      expect(path.backend.service).toEqual({
        name: service().metadata!.name,
        port: { name: 'http' },
      })
  })

  test('the README documents the Secrets and the subPath pitfall', () => {
    const readme = readFileSync(join(KUBERNETES_DIR, 'README.md'), 'utf8')
    expect(readme).toContain('vibegate keys generate')
    expect(readme).toContain('openssl rand -base64 48')
    expect(readme).toMatch(/subPath/)
    expect(readme).toContain('VIBEGATE_TRUSTED_PROXIES')
  })
})

describe('examples/ingress-nginx', () => {
  test('sets X-Original-URI and X-Forwarded-Host itself: a client cannot name the path it is decided for', () => {
    const file = fileURLToPath(
      new URL('../../examples/ingress-nginx/ingress.yaml', import.meta.url),
    )
    const docs = parseAllDocuments(readFileSync(file, 'utf8'), { strict: true }).map(
      (d) =>
        d.toJS() as { kind: string; metadata: { name: string }; data?: Record<string, string> },
    )
    const ingress = docs.find((d) => d.kind === 'Ingress' && d.metadata.name === 'fans-content') as
      IIngress | undefined
    const annotations = ingress!.metadata!.annotations!
    const headers = docs.find(
      (d) =>
        d.kind === 'ConfigMap' &&
        d.metadata.name === annotations['nginx.ingress.kubernetes.io/auth-proxy-set-headers'],
    )
    expect(headers?.data).toMatchObject({
      'X-Original-URI': '$request_uri',
      'X-Forwarded-Host': '$host',
    })
    expect(annotations['nginx.ingress.kubernetes.io/auth-url']).toMatch(/\/authz\/auth-request$/)
    // auth-method would make ingress-nginx add a second X-Original-URI (the gate refuses both).
    expect(annotations['nginx.ingress.kubernetes.io/auth-method']).toBeUndefined()
  })
})
