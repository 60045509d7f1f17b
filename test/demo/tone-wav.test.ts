import { describe, expect, test } from '@jest/globals'
import { toneWav } from '../../src/demo/tone-wav.js'

describe('toneWav', () => {
  test('writes a mono 8-bit PCM RIFF/WAVE whose data is one note length per note', () => {
    const wav = toneWav({ notes: [440, 0, 220], noteSeconds: 0.5, sampleRate: 8000 })
    expect(wav.toString('latin1', 0, 4)).toBe('RIFF')
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8)
    expect(wav.toString('latin1', 8, 16)).toBe('WAVEfmt ')
    expect(wav.readUInt16LE(20)).toBe(1) // PCM
    expect(wav.readUInt16LE(22)).toBe(1) // mono
    expect(wav.readUInt32LE(24)).toBe(8000)
    expect(wav.readUInt16LE(34)).toBe(8)
    expect(wav.toString('latin1', 36, 40)).toBe('data')
    expect(wav.readUInt32LE(40)).toBe(3 * 4000)
  })

  test('a rest is silence (the 8-bit midpoint)', () => {
    const wav = toneWav({ notes: [0], noteSeconds: 0.1, sampleRate: 1000 })
    expect([...wav.subarray(44)].every((s) => s === 128)).toBe(true)
  })
})
