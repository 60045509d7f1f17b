/** What {@link toneWav} plays. */
export interface ToneOptions {
  /** Note frequencies in hertz, played one after another; 0 is a rest. */
  notes: readonly number[]
  /** Length of each note, seconds; default 0.25. */
  noteSeconds?: number
  /** Samples per second; default 11025. */
  sampleRate?: number
}

/**
 * A short mono 8-bit PCM WAV of plucked notes, made in memory so the demo's audio needs
 * no download and no committed binary (about 11 kB per second at the default rate).
 */
export function toneWav(options: ToneOptions): Buffer {
  const rate = options.sampleRate ?? 11025
  const perNote = Math.round(rate * (options.noteSeconds ?? 0.25))
  const data = Buffer.alloc(perNote * options.notes.length)
  options.notes.forEach((hz, n) => {
    for (let i = 0; i < perNote; i++) {
      const t = i / rate
      // A fast attack and an exponential decay sound plucked rather than like a test tone.
      const envelope = Math.min(1, i / 40) * Math.exp(-4 * (i / perNote))
      const wave = Math.sin(2 * Math.PI * hz * t) + 0.3 * Math.sin(4 * Math.PI * hz * t)
      data[n * perNote + i] = Math.round(128 + 90 * envelope * (wave / 1.3))
    }
  })
  const header = Buffer.alloc(44)
  header.write('RIFF', 0, 'latin1')
  header.writeUInt32LE(36 + data.length, 4)
  header.write('WAVEfmt ', 8, 'latin1')
  header.writeUInt32LE(16, 16) // fmt chunk size
  header.writeUInt16LE(1, 20) // PCM
  header.writeUInt16LE(1, 22) // mono
  header.writeUInt32LE(rate, 24)
  header.writeUInt32LE(rate, 28) // bytes per second
  header.writeUInt16LE(1, 32) // block align
  header.writeUInt16LE(8, 34) // bits per sample
  header.write('data', 36, 'latin1')
  header.writeUInt32LE(data.length, 40)
  return Buffer.concat([header, data])
}
