import type { OutStream } from './io.js'

/** Files smaller than this hash in well under a second; a bar would only flicker. */
export const PROGRESS_MIN_BYTES = 64 * 1024 * 1024
const REDRAW_MS = 100

function gib(bytes: number): string {
  return bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)} GiB`
    : `${(bytes / 1024 ** 2).toFixed(0)} MiB`
}

/**
 * One status line on a terminal (stderr) for the files being hashed: the caller creates it only
 * when stderr is a TTY outside CI, so logs never get carriage-return litter.
 */
export class HashProgress {
  private readonly active = new Map<string, { done: number; total: number }>()
  private lastDraw = 0
  private drawn = false

  constructor(
    private readonly stream: OutStream,
    private readonly now: () => number = Date.now
  ) {}

  update(path: string, done: number, total: number): void {
    if (total < PROGRESS_MIN_BYTES) return
    if (done >= total) this.active.delete(path)
    else this.active.set(path, { done, total })
    const t = this.now()
    if (this.active.size > 0 && t - this.lastDraw < REDRAW_MS) return
    this.lastDraw = t
    this.draw()
  }

  /** Erases the line (call before printing anything else, and when hashing ends). */
  clear(): void {
    if (this.drawn) this.stream.write('\r\u001b[2K')
    this.drawn = false
  }

  private draw(): void {
    if (this.active.size === 0) {
      this.clear()
      return
    }
    let done = 0
    let total = 0
    for (const entry of this.active.values()) {
      done += entry.done
      total += entry.total
    }
    const width = 24
    const filled = Math.min(width, Math.floor((done / total) * width))
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`
    const pct = Math.floor((done / total) * 100)
    const files = this.active.size === 1 ? '1 file' : `${this.active.size} files`
    this.stream.write(`\r\u001b[2Khashing ${files} [${bar}] ${pct}% ${gib(done)}/${gib(total)}`)
    this.drawn = true
  }
}
