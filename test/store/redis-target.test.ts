import { describe, expect, test } from '@jest/globals'
import {
  describeRedisTarget,
  parseClusterSetting,
  parseRedisTarget,
} from '../../src/store/redis-target.js'

describe('REDIS_URL forms', () => {
  test('one server: redis:// and rediss:// as given', () => {
    expect(parseRedisTarget('redis://127.0.0.1:6379/2')).toEqual({
      kind: 'standalone',
      url: 'redis://127.0.0.1:6379/2',
    })
    expect(parseRedisTarget('rediss://:pw@redis.example.com:6380').kind).toBe('standalone')
  })

  test('Sentinel: hosts (26379 by default), master name, credentials, db, TLS', () => {
    expect(
      parseRedisTarget(
        'rediss+sentinel://app:p%40ss@10.0.0.1:26380,sentinel-2,[::1]:26381/mymaster?db=3&sentinel_password=s',
      ),
    ).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26380 },
        { host: 'sentinel-2', port: 26379 },
        { host: '::1', port: 26381 },
      ],
      name: 'mymaster',
      username: 'app',
      password: 'p@ss',
      sentinelPassword: 's',
      tls: true,
      db: 3,
    })
    expect(parseRedisTarget('redis+sentinel://:pw@h:1/m')).toMatchObject({
      username: undefined,
      password: 'pw',
      tls: false,
      db: 0,
    })
  })

  test('Cluster: seed nodes (6379 by default), credentials, TLS', () => {
    expect(parseRedisTarget('rediss-cluster://:pw@a:7000,b')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 6379 },
      ],
      username: undefined,
      password: 'pw',
      tls: true,
    })
    expect(parseClusterSetting('10.0.0.1:7000,10.0.0.2:7000')).toMatchObject({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7000 },
      ],
      password: undefined,
    })
  })

  test.each([
    ['http://h:1', 'is not one of the forms'],
    ['redis+sentinel://h:1', 'the path must be the master name'],
    ['redis+sentinel://h:1/m?dbx=1', 'unknown parameter "dbx"'],
    ['redis+sentinel://h:1/m?db=x', 'db must be a database number'],
    ['redis-cluster://h:1/0', 'a cluster URL has no path'],
    ['redis-cluster://h:1?x=1', 'a cluster URL takes no parameter'],
    ['redis-cluster://h:99999', 'the port of "h:99999" is not 1-65535'],
    ['redis-cluster://h:1,,h:2', '"" is not host:port'],
    ['redis-cluster://:%zz@h:1', 'malformed %-escape'],
  ])('refuses %j, naming the setting and the forms', (text, why) => {
    expect(() => parseRedisTarget(text)).toThrow(why)
    expect(() => parseRedisTarget(text)).toThrow(/^REDIS_URL: .*the forms are redis:\/\//)
  })

  test('a refusal never repeats the password', () => {
    expect(() => parseRedisTarget('redis-sentinel://:hunter2@h:1/m')).toThrow(
      '"redis-sentinel://***@h:1/m" is not one of the forms',
    )
  })

  test('described for logs without passwords', () => {
    expect(describeRedisTarget(parseRedisTarget('redis://:hunter2@h:1'))).toBe('redis://***@h:1')
    expect(
      describeRedisTarget(parseRedisTarget('rediss+sentinel://:hunter2@a:1,[::1]:2/mymaster')),
    ).toBe('rediss+sentinel://a:1,[::1]:2/mymaster')
    expect(describeRedisTarget(parseRedisTarget('redis-cluster://:hunter2@a:1'))).toBe(
      'redis-cluster://a:1',
    )
  })
})
