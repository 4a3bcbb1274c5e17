/**
 * One long-running `git cat-file --batch` process, for fast reads of many small objects.
 *
 * Requests are serialised (one in flight), addressed by object id (never by `<rev>:<path>`, so a
 * path with a newline cannot break the line protocol), and bounded: a reply larger than the
 * caller's limit kills the process (it is restarted on the next request) instead of buffering.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { GitError, killTree, spawnGit } from './run-git.js'

export interface CatFileObject {
  type: string
  content: Buffer
}

const ARGS = ['cat-file', '--batch']

export class CatFileBatch {
  private child: ChildProcessWithoutNullStreams | undefined
  private chunks: Buffer[] = []
  private buffered = 0
  private wake: (() => void) | undefined
  private failure: Error | undefined
  private queue: Promise<unknown> = Promise.resolve()
  private stderr = ''
  private closed = false

  constructor(
    private readonly repo: string,
    private readonly timeoutMs = 60_000
  ) {}

  /** Reads one object by id; null when it does not exist. Throws when it is larger than `maxBytes`. */
  read(oid: string, maxBytes: number): Promise<CatFileObject | null> {
    if (!/^[0-9a-f]{40,64}$/.test(oid)) return Promise.reject(new TypeError(`Not an object id: ${oid}`))
    const run = this.queue.then(() => this.request(oid, maxBytes))
    this.queue = run.catch(() => undefined)
    return run
  }

  /** Ends the process. Safe to call more than once. */
  close(): Promise<void> {
    this.closed = true
    const child = this.child
    this.child = undefined
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
    return new Promise<void>(resolve => {
      child.once('close', () => {
        resolve()
      })
      child.stdin.end()
      setTimeout(() => {
        killTree(child)
      }, 2000).unref()
    })
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.closed) throw new Error('cat-file batch reader is closed')
    if (this.child) return this.child
    this.chunks = []
    this.buffered = 0
    this.failure = undefined
    this.stderr = ''
    const child = spawnGit(ARGS, this.repo)
    child.stdout.on('data', (chunk: Buffer) => {
      if (this.child !== child) return // late output of a process we already killed
      this.chunks.push(chunk)
      this.buffered += chunk.length
      this.notify()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 8192) this.stderr += chunk.toString('utf8')
    })
    child.stdin.on('error', () => undefined)
    const onEnd = (error?: Error): void => {
      // A process that was already replaced (killed after a timeout) must not poison its successor.
      if (this.child !== child) return
      this.child = undefined
      this.failure ??=
        error && 'code' in error
          ? new GitError(ARGS, 'spawn', null, '', error.message)
          : new GitError(ARGS, 'exit', child.exitCode, this.stderr || 'cat-file exited unexpectedly')
      this.notify()
    }
    child.on('error', onEnd)
    child.on('close', () => {
      onEnd()
    })
    this.child = child
    return child
  }

  private notify(): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  private kill(child: ChildProcessWithoutNullStreams, error: Error): void {
    this.failure = error
    if (this.child === child) this.child = undefined
    this.chunks = []
    this.buffered = 0
    killTree(child)
    this.notify()
  }

  private async request(oid: string, maxBytes: number): Promise<CatFileObject | null> {
    const child = this.start()
    const timer = setTimeout(() => {
      this.kill(child, new GitError(ARGS, 'timeout', null, '', `${this.timeoutMs} ms`))
    }, this.timeoutMs)
    try {
      child.stdin.write(`${oid}\n`)
      const header = (await this.takeLine()).toString('latin1')
      if (header === `${oid} missing`) return null
      const m = /^([0-9a-f]{40,64}) (\w+) (\d+)$/.exec(header)
      if (!m || m[1] !== oid)
        throw new GitError(ARGS, 'exit', null, `unexpected reply: ${JSON.stringify(header.slice(0, 100))}`)
      const size = Number(m[3])
      if (size > maxBytes) {
        const error = new RangeError(`Object ${oid} is ${size} bytes, over the ${maxBytes}-byte limit`)
        this.kill(child, error)
        throw error
      }
      const body = await this.take(size + 1)
      return { type: m[2]!, content: body.subarray(0, size) }
    } finally {
      clearTimeout(timer)
    }
  }

  private throwIfFailed(): void {
    const failure = this.failure
    if (failure) throw failure
  }

  private async waitForData(): Promise<void> {
    this.throwIfFailed()
    await new Promise<void>(resolve => {
      this.wake = resolve
    })
  }

  private async takeLine(): Promise<Buffer> {
    for (;;) {
      let seen = 0
      for (const chunk of this.chunks) {
        const nl = chunk.indexOf(0x0a)
        if (nl >= 0) return this.consume(seen + nl + 1).subarray(0, seen + nl)
        seen += chunk.length
      }
      await this.waitForData()
    }
  }

  private async take(n: number): Promise<Buffer> {
    while (this.buffered < n) {
      await this.waitForData()
    }
    return this.consume(n)
  }

  private consume(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered)
    const out = Buffer.from(all.subarray(0, n))
    const rest = all.subarray(n)
    this.chunks = rest.length > 0 ? [rest] : []
    this.buffered = rest.length
    return out
  }
}
