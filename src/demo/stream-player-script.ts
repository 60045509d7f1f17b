/** Where the demo site serves hls.js and the player script (public, under `/assets/**`). */
export const HLS_JS_PATH = '/assets/hls/hls.light.min.js'
export const STREAM_PLAYER_PATH = '/assets/stream-player.js'

/**
 * The stream page's player, a classic script loaded after hls.js (both `defer`), so the
 * page's CSP allows scripts from its own origin only. It plays `video[data-hls]` with
 * hls.js where Media Source Extensions exist (Chromium, Firefox), else with the browser's
 * own HLS (Safari on iOS), and says in `#player-status` why a stream cannot play: a refusal
 * of the gate (401, 403: the fan signed out or the access ended) asks to reload the page.
 * `data-engine` on the video names the way chosen, for tests.
 */
export const STREAM_PLAYER_SCRIPT = `'use strict'
;(() => {
  const video = document.querySelector('video[data-hls]')
  const status = document.getElementById('player-status')
  if (!video || !status) return
  const src = video.dataset.hls
  const fail = (why) => {
    status.textContent = why
    video.dataset.engine = 'failed'
  }
  const Hls = window.Hls
  if (Hls && Hls.isSupported()) {
    // No worker: the segments are fragmented MP4, appended as they are (no transmuxing),
    // and a worker made from a blob: URL would need the CSP to allow blob: workers.
    const hls = new Hls({ enableWorker: false })
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return
      const code = data.response && data.response.code
      if (code === 401 || code === 403)
        fail('Your access to this stream has ended. Reload the page to check your vibes again.')
      else fail('The stream could not be played (' + data.details + '). Reload the page to try again.')
      hls.destroy()
    })
    hls.loadSource(src)
    hls.attachMedia(video)
    video.dataset.engine = 'hls.js'
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.addEventListener('error', () => fail('The stream could not be played. Reload the page to try again.'))
    video.src = src
    video.dataset.engine = 'native'
  } else fail('This browser cannot play HLS video streams.')
})()
`
