import { describe, expect, test } from '@jest/globals'
import express from 'express'
import request from 'supertest'
import { sendBytes } from '../../src/demo/send-bytes.js'

const bytes = Buffer.from('0123456789')
const app = express()
app.get('/f', (req, res) => sendBytes(req, res, bytes, 'audio/wav'))

describe('sendBytes', () => {
  test('sends the whole file with Accept-Ranges and private caching', async () => {
    const res = await request(app).get('/f').buffer(true)
    expect(res.status).toBe(200)
    expect(res.headers['accept-ranges']).toBe('bytes')
    expect(res.headers['content-type']).toBe('audio/wav')
    expect(res.headers['cache-control']).toBe('private, max-age=60')
    expect(Buffer.from(res.body).toString()).toBe('0123456789')
  })

  test.each([
    ['bytes=2-4', '234', 'bytes 2-4/10'],
    ['bytes=7-', '789', 'bytes 7-9/10'],
    ['bytes=-2', '89', 'bytes 8-9/10'],
    ['bytes=8-100', '89', 'bytes 8-9/10'],
  ])('answers %s with 206 and %s', async (range, body, contentRange) => {
    const res = await request(app).get('/f').set('Range', range).buffer(true)
    expect(res.status).toBe(206)
    expect(res.headers['content-range']).toBe(contentRange)
    expect(Buffer.from(res.body).toString()).toBe(body)
  })

  test('answers a range past the end with 416', async () => {
    const res = await request(app).get('/f').set('Range', 'bytes=10-')
    expect(res.status).toBe(416)
    expect(res.headers['content-range']).toBe('bytes */10')
  })

  test('ignores a range it does not understand', async () => {
    const res = await request(app).get('/f').set('Range', 'bytes=1-2,4-5')
    expect(res.status).toBe(200)
  })
})
