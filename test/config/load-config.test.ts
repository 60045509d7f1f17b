import { describe, expect, test } from '@jest/globals'
import { availableParallelism } from 'node:os'
import { ConfigError, loadConfig, loadOurSongConfig } from '../../src/config/load-config.js'

const minimal = { OURSONG_API_KEY: 'k', OURSONG_API_SECRET: 's' }

describe('loadConfig', () => {
  test('applies the contract’s defaults', () => {
    const config = loadConfig(minimal)
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      rulesFile: 'rules/rules.yaml',
      keysFile: undefined,
      trustedProxies: '127.0.0.1/8,::1/128',
      allowedRedirectHosts: ['localhost:8080'],
      redisUrl: undefined,
      oursong: { baseUrl: 'https://www.oursong.com', apiKey: 'k', apiSecret: 's' },
      logLevel: 'info',
    })
    expect(config.publicUrl.href).toBe('http://localhost:8080/')
    expect(config.sessionSecret.length).toBeGreaterThanOrEqual(32)
    expect(config.warnings.join('\n')).toMatch(
      /VIBEGATE_SESSION_SECRET is unset[\s\S]*REDIS_URL is unset[\s\S]*VIBEGATE_KEYS is unset/,
    )
  })

  test('VIBEGATE_DECISION_LOG: off by default, 1 or true turns it on, anything else is a problem', () => {
    expect(loadConfig(minimal).decisionLog).toBe(false)
    expect(loadConfig({ ...minimal, VIBEGATE_DECISION_LOG: '0' }).decisionLog).toBe(false)
    expect(loadConfig({ ...minimal, VIBEGATE_DECISION_LOG: '1' }).decisionLog).toBe(true)
    expect(loadConfig({ ...minimal, VIBEGATE_DECISION_LOG: 'true' }).decisionLog).toBe(true)
    expect(() => loadConfig({ ...minimal, VIBEGATE_DECISION_LOG: 'yes' })).toThrow(
      /VIBEGATE_DECISION_LOG must be 1 \(one JSON log line per decision\) or 0, got "yes"/,
    )
    expect(
      loadConfig({ ...minimal, VIBEGATE_DECISION_LOG: '1', LOG_LEVEL: 'warn' }).warnings.join('\n'),
    ).toMatch(/VIBEGATE_DECISION_LOG=1 logs at level info, which LOG_LEVEL=warn hides/)
  })

  test('loadOurSongConfig reads only OURSONG_*, naming each missing variable', () => {
    expect(loadOurSongConfig({ ...minimal, OURSONG_BASE_URL: 'http://127.0.0.1:4010/' })).toEqual({
      baseUrl: 'http://127.0.0.1:4010',
      apiKey: 'k',
      apiSecret: 's',
    })
    expect(() => loadOurSongConfig({})).toThrow(
      /OURSONG_API_KEY is required[\s\S]*OURSONG_API_SECRET is required/,
    )
  })

  test('the public URL follows PORT by default, and sets the redirect allowlist', () => {
    expect(loadConfig({ ...minimal, PORT: '9000' }).publicUrl.href).toBe('http://localhost:9000/')
    const config = loadConfig({ ...minimal, VIBEGATE_PUBLIC_URL: 'https://gate.example.com' })
    expect(config.allowedRedirectHosts).toEqual(['gate.example.com'])
  })

  test('every problem is reported at once, naming the variable', () => {
    let error: unknown
    try {
      loadConfig({
        PORT: '70000',
        VIBEGATE_PUBLIC_URL: 'https://gate.example.com/base',
        VIBEGATE_SESSION_SECRET: 'too-short',
        VIBEGATE_TRUSTED_PROXIES: '10.0.0.0/99,nonsense',
        VIBEGATE_ALLOWED_REDIRECT_HOSTS: 'ok.example.com,https://bad',
        REDIS_URL: 'http://redis',
        OURSONG_BASE_URL: 'www.oursong.com',
        LOG_LEVEL: 'loud',
      })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    const problems = (error as ConfigError).problems.join('\n')
    for (const name of [
      'PORT',
      'VIBEGATE_PUBLIC_URL',
      'VIBEGATE_SESSION_SECRET',
      'VIBEGATE_TRUSTED_PROXIES',
      'VIBEGATE_ALLOWED_REDIRECT_HOSTS',
      'REDIS_URL',
      'OURSONG_BASE_URL',
      'OURSONG_API_KEY',
      'OURSONG_API_SECRET',
      'LOG_LEVEL',
    ]) {
      expect(problems).toContain(name)
    }
    expect((error as ConfigError).problems).toHaveLength(10)
  })

  test('secrets never appear in problems', () => {
    let error: ConfigError | undefined
    try {
      loadConfig({ VIBEGATE_SESSION_SECRET: 'short-secret-value' })
    } catch (err) {
      error = err as ConfigError
    }
    expect(error!.message).not.toContain('short-secret-value')
  })

  test('hardening settings: operator token length, metrics port, connection cap, auth-request host', () => {
    const config = loadConfig({
      ...minimal,
      VIBEGATE_ADMIN_TOKEN: 'o'.repeat(32),
      VIBEGATE_METRICS_PORT: '9100',
      VIBEGATE_MAX_CONNECTIONS: '5000',
      VIBEGATE_AUTH_REQUEST_HOST: 'host',
      VIBEGATE_SESSION_REVALIDATE: '90s',
    })
    expect(config).toMatchObject({
      sessionRevalidateMs: 90_000,
      adminToken: 'o'.repeat(32),
      metricsPort: 9100,
      maxConnections: 5000,
      authRequestHost: 'host',
    })
    expect(loadConfig(minimal)).toMatchObject({
      metricsPort: undefined,
      maxConnections: undefined,
      authRequestHost: 'x-forwarded-host',
      sessionRevalidateMs: 300_000,
    })
    expect(loadConfig({ ...minimal, VIBEGATE_SESSION_REVALIDATE: '0' }).sessionRevalidateMs).toBe(0)
    expect(loadConfig({ ...minimal, VIBEGATE_SESSION_REVALIDATE: '120' }).sessionRevalidateMs).toBe(
      120_000,
    )
    let error: unknown
    try {
      loadConfig({
        ...minimal,
        VIBEGATE_ADMIN_TOKEN: 'short-admin-token',
        VIBEGATE_METRICS_PORT: '8080',
        VIBEGATE_MAX_CONNECTIONS: 'lots',
        VIBEGATE_AUTH_REQUEST_HOST: 'forwarded',
        VIBEGATE_SESSION_REVALIDATE: 'often',
      })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as ConfigError).message
    expect(message).toContain('VIBEGATE_ADMIN_TOKEN must be at least 32 characters')
    expect(message).toContain('VIBEGATE_METRICS_PORT must differ from PORT')
    expect(message).toContain('VIBEGATE_MAX_CONNECTIONS')
    expect(message).toContain('VIBEGATE_AUTH_REQUEST_HOST must be x-forwarded-host')
    expect(message).toContain('VIBEGATE_SESSION_REVALIDATE must be a duration')
    expect((error as ConfigError).problems).toHaveLength(5)
  })

  test('VIBEGATE_WORKERS: default 1, a number up to 64 or auto, more than 1 only with Redis', () => {
    const redis = { ...minimal, REDIS_URL: 'redis://127.0.0.1:6379' }
    expect(loadConfig(minimal)).toMatchObject({ workers: 1, clusterWorker: false })
    expect(loadConfig({ ...redis, VIBEGATE_WORKERS: '4' }).workers).toBe(4)
    expect(loadConfig({ ...redis, VIBEGATE_WORKERS: '64' }).workers).toBe(64)
    expect(loadConfig({ ...redis, VIBEGATE_WORKERS: 'AUTO' }).workers).toBe(
      Math.min(64, availableParallelism()),
    )
    // One worker is what runs without a cluster: it needs no Redis.
    expect(loadConfig({ ...minimal, VIBEGATE_WORKERS: '1' }).workers).toBe(1)
    expect(loadConfig({ ...redis, VIBEGATE_CLUSTER_WORKER: '1' }).clusterWorker).toBe(true)
    for (const bad of ['0', '65', '-1', '2.5', 'many', '0x2']) {
      expect(() => loadConfig({ ...redis, VIBEGATE_WORKERS: bad })).toThrow(
        `VIBEGATE_WORKERS must be a whole number from 1 to 64, or auto (one per CPU core), got "${bad}"`,
      )
    }
    expect(() => loadConfig({ ...minimal, VIBEGATE_WORKERS: '2' })).toThrow(
      /VIBEGATE_WORKERS=2 needs REDIS_URL: .*Set REDIS_URL=redis:\/\/host:6379, or VIBEGATE_WORKERS=1/,
    )
    expect(loadConfig(minimal).warnings.join('\n')).toContain('REDIS_URL is unset')
  })

  test('REDIS_URL takes the Sentinel and Cluster forms; VIBEGATE_REDIS_CLUSTER the seed nodes', () => {
    const sentinel = 'redis+sentinel://:pw@10.0.0.1:26379,10.0.0.2:26379/mymaster'
    expect(loadConfig({ ...minimal, REDIS_URL: sentinel }).redisUrl).toBe(sentinel)
    expect(
      loadConfig({ ...minimal, REDIS_URL: 'rediss-cluster://a:7000,b:7000', VIBEGATE_WORKERS: '2' })
        .workers,
    ).toBe(2)
    expect(
      loadConfig({ ...minimal, VIBEGATE_REDIS_CLUSTER: '10.0.0.1:7000,10.0.0.2:7000' }).redisUrl,
    ).toBe('redis-cluster://10.0.0.1:7000,10.0.0.2:7000')
    expect(
      loadConfig({ ...minimal, VIBEGATE_REDIS_CLUSTER: 'rediss-cluster://:pw@a:7000' }).redisUrl,
    ).toBe('rediss-cluster://:pw@a:7000')
    expect(() =>
      loadConfig({ ...minimal, REDIS_URL: 'redis://a', VIBEGATE_REDIS_CLUSTER: 'b:7000' }),
    ).toThrow('REDIS_URL and VIBEGATE_REDIS_CLUSTER are both set: set one')
    expect(() => loadConfig({ ...minimal, REDIS_URL: 'redis+sentinel://:secret@a:1' })).toThrow(
      'REDIS_URL: the path must be the master name',
    )
    expect(() => loadConfig({ ...minimal, VIBEGATE_REDIS_CLUSTER: 'a:7000/0' })).toThrow(
      'VIBEGATE_REDIS_CLUSTER: a cluster URL has no path',
    )
  })
})
