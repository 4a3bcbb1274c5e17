/**
 * A stateful, in-process stand-in for the slice of the GitHub REST API that ModelGate uses.
 *
 * Why a real HTTP server rather than mocking Octokit: the end-to-end tests run the *built* Action
 * (`dist/index.js`) as a child process, so the only seam is the network. Pointing `GITHUB_API_URL`
 * at this server exercises the real client stack (auth header, pagination via `Link`, retries,
 * media types) exactly as it runs in production.
 *
 * Where GitHub has sharp edges that have bitten Actions before (the 3000-file PR listing cap,
 * the 300-file compare cap, 65536-character comment bodies, `GITHUB_TOKEN` being unable to call
 * `GET /user`, fork PRs with read-only tokens), the fake reproduces them on purpose so the tests
 * prove the Action copes. Everything else is deliberately minimal.
 */
import { createHash } from 'node:crypto'
import { createServer, STATUS_CODES } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: Record<string, string | string[] | undefined>
  body: unknown
}

export interface FakeComment {
  id: number
  body: string
  user: { login: string; id: number; type: 'User' | 'Bot' }
  created_at: string
  updated_at: string
}

export interface FakeFile {
  filename: string
  status: 'added' | 'modified' | 'removed' | 'renamed' | 'copied' | 'changed' | 'unchanged'
  previous_filename?: string
  sha?: string
}

/** A scripted reply that overrides the normal handler for matching requests, consumed `times` times (default: forever). */
export interface ScriptedReply {
  method?: string
  path: RegExp
  status: number
  headers?: Record<string, string>
  body?: unknown
  times?: number
  hang?: boolean /* never answer (until server close) */
}

type Viewer = { login: string; id: number; type: 'User' | 'Bot' }
type PullState = { changed_files: number; head_sha: string; base_sha: string; files: FakeFile[] }

export interface FakeGitHubOptions {
  owner?: string // default 'acme'
  repo?: string // default 'models'
  /** The only accepted token; anything else gets 401. Default 'test-token'. */
  token?: string
  /** What GET /user returns; 'integration' (default) => 403 like GITHUB_TOKEN. */
  viewer?: Viewer | 'integration'
  /** changed_files defaults to files.length; head/base shas default to deterministic fake shas. */
  pullRequests?: Record<number, Partial<PullState>>
  comments?: Record<number, FakeComment[]> // issue number -> existing comments
  /** Key `${owner}/${repo}/${path}@${ref}` (ref 'HEAD' when the request has none) -> file bytes. */
  contents?: Record<string, string | Buffer>
  /** 'forbidden' => POST/PATCH comments get 403, like a fork PR's read-only token. Default 'allow'. */
  commentWrite?: 'allow' | 'forbidden'
  maxPerPage?: number // default 100
  fileListingCap?: number // default 3000, GitHub's PR files listing cap
}

/** What a handler produces; `send` turns it into bytes plus the headers every GitHub response carries. */
type Reply = { status: number; body?: unknown; headers?: Record<string, string> }

const DOCS = 'https://docs.github.com/rest'
const MAX_COMMENT_CHARS = 65536
/** GitHub serves at most 300 files from the compare API, however many changed. */
const COMPARE_FILE_CAP = 300
/** Above 1 MiB the contents API returns metadata with `encoding: 'none'` and no content. */
const CONTENTS_INLINE_LIMIT = 1024 * 1024
const RAW_ACCEPT = /application\/vnd\.github(?:\.v3)?\.raw/

const notFound = (): Reply => ({ status: 404, body: { message: 'Not Found', documentation_url: DOCS } })
const forbiddenIntegration = (docs: string): Reply => ({
  status: 403,
  body: { message: 'Resource not accessible by integration', documentation_url: docs }
})

/** Git's blob id: realistic `sha` values let tests compare against `git hash-object` output. */
const gitBlobSha = (bytes: Buffer): string =>
  createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex')
const copyComment = (c: FakeComment): FakeComment => ({ ...c, user: { ...c.user } })
const fakeSha = (seed: string): string => createHash('sha1').update(seed).digest('hex')
/** GitHub timestamps are ISO 8601 in UTC without milliseconds. */
const timestamp = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')

export class FakeGitHub {
  /** The id GitHub's Actions bot has; comments created with an integration token are authored by it. */
  static readonly ACTIONS_BOT = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' } as const

  readonly requests: RecordedRequest[] = []

  private readonly owner: string
  private readonly repo: string
  private readonly token: string
  private readonly viewer: Viewer | 'integration'
  private readonly commentWrite: 'allow' | 'forbidden'
  private readonly maxPerPage: number
  private readonly fileListingCap: number
  private readonly contents: Map<string, Buffer>
  private readonly pulls = new Map<number, PullState>()
  private readonly issueComments = new Map<number, FakeComment[]>()
  private readonly scripts: ScriptedReply[] = []
  private nextCommentId = 1
  private requestCounter = 0
  private server: Server | undefined
  private baseUrl = ''

  constructor(options: FakeGitHubOptions = {}) {
    this.owner = options.owner ?? 'acme'
    this.repo = options.repo ?? 'models'
    this.token = options.token ?? 'test-token'
    this.viewer = options.viewer ?? 'integration'
    this.commentWrite = options.commentWrite ?? 'allow'
    this.maxPerPage = options.maxPerPage ?? 100
    this.fileListingCap = options.fileListingCap ?? 3000
    this.contents = new Map(
      Object.entries(options.contents ?? {}).map(([key, value]) => [key, Buffer.from(value)])
    )
    for (const [n, pr] of Object.entries(options.pullRequests ?? {})) {
      const files = (pr.files ?? []).map(f => ({ ...f }))
      this.pulls.set(Number(n), {
        files,
        // Untruncated count: comparing it with the listing length is how clients detect the cap.
        changed_files: pr.changed_files ?? files.length,
        head_sha: pr.head_sha ?? fakeSha(`head-${n}`),
        base_sha: pr.base_sha ?? fakeSha(`base-${n}`)
      })
    }
    for (const [n, list] of Object.entries(options.comments ?? {})) {
      // GitHub lists issue comments oldest first; ids are monotonic, so id order is that order.
      this.issueComments.set(
        Number(n),
        list.map(copyComment).sort((a, b) => a.id - b.id)
      )
      for (const c of list) this.nextCommentId = Math.max(this.nextCommentId, c.id + 1)
    }
    // A PR is also an issue, so it can always take comments.
    for (const n of this.pulls.keys()) if (!this.issueComments.has(n)) this.issueComments.set(n, [])
  }

  start(): Promise<string> {
    if (this.server) return Promise.reject(new Error('FakeGitHub already started'))
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // A bug in the fake must fail loudly in the test, not hang it.
        this.send(res, { status: 500, body: { message: `FakeGitHub internal error: ${String(error)}` } })
      })
    })
    this.server = server
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo
        this.baseUrl = `http://127.0.0.1:${port}`
        resolve(this.baseUrl)
      })
    })
  }

  stop(): Promise<void> {
    const server = this.server
    if (!server) return Promise.resolve()
    this.server = undefined
    return new Promise((resolve, reject) => {
      server.close(error => {
        if (error) reject(error)
        else resolve()
      })
      // close() only stops accepting; keep-alive sockets and `hang` replies would keep jest alive.
      server.closeAllConnections()
    })
  }

  /** Current comments on an issue/PR, id ascending (copies: mutate state through the API only). */
  comments(issue: number): FakeComment[] {
    return (this.issueComments.get(issue) ?? []).map(copyComment)
  }

  script(reply: ScriptedReply): void {
    this.scripts.push({ ...reply })
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid')
    const method = (req.method ?? 'GET').toUpperCase()
    const text = await readBody(req)
    let body: unknown = undefined
    let malformed = false
    if (text.length > 0) {
      try {
        body = JSON.parse(text) as unknown
      } catch {
        body = text
        malformed = true
      }
    }
    // Logged before auth so tests can assert a token never went somewhere it shouldn't.
    const recorded: RecordedRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: { ...req.headers },
      body
    }
    this.requests.push(recorded)

    const reply = this.respond(recorded, url, malformed)
    // `undefined` means a scripted hang: the socket stays open until stop() destroys it.
    if (reply) this.send(res, reply)
  }

  private respond(request: RecordedRequest, url: URL, malformed: boolean): Reply | undefined {
    // Auth is checked before scripts: a wrong token must never be rewarded with a scripted success.
    const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(String(request.headers.authorization ?? ''))
    if (auth?.[1] !== this.token) {
      return { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS } }
    }
    const scripted = this.takeScript(request.method, url.pathname)
    if (scripted) return scripted.hang ? undefined : scripted
    if (malformed) return { status: 400, body: { message: 'Problems parsing JSON', documentation_url: DOCS } }
    if (request.method === 'GET' && url.pathname.includes('/contents/')) {
      return this.getContents(url, RAW_ACCEPT.exec(String(request.headers.accept ?? ''))?.[0])
    }
    return this.route(request.method, url, request)
  }

  private takeScript(method: string, path: string): ScriptedReply | undefined {
    const index = this.scripts.findIndex(s => {
      s.path.lastIndex = 0 // a /g regex would otherwise alternate between matching and not
      return (s.method === undefined || s.method.toUpperCase() === method) && s.path.test(path)
    })
    const reply = this.scripts[index]
    if (!reply) return undefined
    if (reply.times !== undefined && --reply.times <= 0) this.scripts.splice(index, 1)
    return reply
  }

  private route(method: string, url: URL, request: RecordedRequest): Reply {
    const path = url.pathname.replace(/\/+$/, '')
    if (path === '/user' && method === 'GET') return this.getUser()

    const repoMatch = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(path)
    if (!repoMatch) return notFound()
    const [, owner = '', repo = '', rest = ''] = repoMatch
    // GitHub treats owner/repo case-insensitively.
    const sameName = (a: string, b: string): boolean =>
      decodeURIComponent(a).toLowerCase() === b.toLowerCase()
    if (!sameName(owner, this.owner) || !sameName(repo, this.repo)) return notFound()

    let m: RegExpExecArray | null
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const issue = Number(m[1])
      if (method === 'GET') return this.listComments(issue, url)
      if (method === 'POST') return this.createComment(issue, request.body)
    } else if ((m = /^\/issues\/comments\/(\d+)$/.exec(rest)) && method === 'PATCH') {
      return this.updateComment(Number(m[1]), request.body)
    } else if ((m = /^\/pulls\/(\d+)$/.exec(rest)) && method === 'GET') {
      return this.getPull(Number(m[1]))
    } else if ((m = /^\/pulls\/(\d+)\/files$/.exec(rest)) && method === 'GET') {
      return this.listPullFiles(Number(m[1]), url)
    } else if ((m = /^\/compare\/(.+)$/.exec(rest)) && method === 'GET') {
      return this.compare(decodeURIComponent(m[1] ?? ''))
    }
    return notFound()
  }

  private getUser(): Reply {
    // GITHUB_TOKEN is an installation token: it cannot read /user, which is why the Action must
    // fall back to assuming it posts as github-actions[bot].
    if (this.viewer === 'integration')
      return forbiddenIntegration(`${DOCS}/users/users#get-the-authenticated-user`)
    return { status: 200, body: { ...this.viewer, node_id: `U_${this.viewer.id}` } }
  }

  private listComments(issue: number, url: URL): Reply {
    const list = this.issueComments.get(issue)
    if (!list) return notFound()
    return this.paginate(
      url,
      list.map(c => this.renderComment(issue, c))
    )
  }

  private createComment(issue: number, body: unknown): Reply {
    const list = this.issueComments.get(issue)
    if (!list) return notFound()
    if (this.commentWrite === 'forbidden') {
      return forbiddenIntegration(`${DOCS}/issues/comments#create-an-issue-comment`)
    }
    const invalid = validateCommentBody(body)
    if (invalid) return invalid
    const now = timestamp()
    const author = this.viewer === 'integration' ? FakeGitHub.ACTIONS_BOT : this.viewer
    const text = (body as { body: string }).body
    const comment: FakeComment = {
      id: this.nextCommentId++,
      body: text,
      user: { ...author },
      created_at: now,
      updated_at: now
    }
    list.push(comment)
    return { status: 201, body: this.renderComment(issue, comment) }
  }

  private updateComment(id: number, body: unknown): Reply {
    for (const [issue, list] of this.issueComments) {
      const comment = list.find(c => c.id === id)
      if (!comment) continue
      if (this.commentWrite === 'forbidden') {
        return forbiddenIntegration(`${DOCS}/issues/comments#update-an-issue-comment`)
      }
      const invalid = validateCommentBody(body)
      if (invalid) return invalid
      comment.body = (body as { body: string }).body
      comment.updated_at = timestamp()
      return { status: 200, body: this.renderComment(issue, comment) }
    }
    return notFound()
  }

  private renderComment(issue: number, c: FakeComment): Record<string, unknown> {
    const repoPath = `${this.owner}/${this.repo}`
    return {
      ...c,
      user: { ...c.user },
      node_id: `IC_${c.id}`,
      url: `${this.baseUrl}/repos/${repoPath}/issues/comments/${c.id}`,
      html_url: `https://github.com/${repoPath}/pull/${issue}#issuecomment-${c.id}`,
      issue_url: `${this.baseUrl}/repos/${repoPath}/issues/${issue}`,
      author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER'
    }
  }

  private getPull(n: number): Reply {
    const pr = this.pulls.get(n)
    if (!pr) return notFound()
    const { changed_files, head_sha, base_sha } = pr
    const body = { number: n, state: 'open', changed_files, head: { sha: head_sha }, base: { sha: base_sha } }
    return { status: 200, body }
  }

  private listPullFiles(n: number, url: URL): Reply {
    const pr = this.pulls.get(n)
    if (!pr) return notFound()
    // GitHub silently stops listing after 3000 files: no error, no marker, just fewer pages.
    return this.paginate(url, pr.files.slice(0, this.fileListingCap).map(renderFile))
  }

  private compare(basehead: string): Reply {
    const [base, head] = basehead.split('...')
    const pr = [...this.pulls.values()].find(p => p.base_sha === base && p.head_sha === head)
    if (!pr) return notFound()
    const files = pr.files.slice(0, COMPARE_FILE_CAP).map(renderFile)
    return {
      status: 200,
      body: { status: 'ahead', ahead_by: 1, behind_by: 0, total_commits: 1, commits: [], files }
    }
  }

  private getContents(url: URL, rawType: string | undefined): Reply {
    const m = /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+?)\/*$/.exec(url.pathname)
    if (!m) return notFound()
    // Clients encode path segments (Octokit even encodes '/' as %2F); keys use the decoded form.
    const [owner, repo, path] = [m[1], m[2], m[3]].map(s => decodeURIComponent(s ?? ''))
    const ref = url.searchParams.get('ref') ?? 'HEAD' // no ref = default branch; tests key it as @HEAD
    const bytes = this.contents.get(`${owner}/${repo}/${path}@${ref}`)
    if (!bytes || !path) return notFound()
    if (rawType) {
      // GitHub labels raw bodies `<raw type>; charset=utf-8` even for binary blobs, which makes
      // Octokit decode them as text; mirroring that catches clients that would corrupt model files.
      return { status: 200, body: bytes, headers: { 'content-type': `${rawType}; charset=utf-8` } }
    }
    const inline = bytes.length <= CONTENTS_INLINE_LIMIT
    return {
      status: 200,
      body: {
        type: 'file',
        encoding: inline ? 'base64' : 'none',
        // GitHub wraps base64 at 60 columns; clients must not assume a single line.
        content: inline ? (bytes.toString('base64').match(/.{1,60}/g) ?? []).join('\n') : '',
        size: bytes.length,
        name: path.split('/').pop(),
        path,
        sha: gitBlobSha(bytes)
      }
    }
  }

  /** Slices `items` per `per_page`/`page` and emits GitHub's RFC 8288 `Link` header. */
  private paginate(url: URL, items: unknown[]): Reply {
    const requested = Number.parseInt(url.searchParams.get('per_page') ?? '', 10)
    const perPage = Math.min(Number.isFinite(requested) && requested > 0 ? requested : 30, this.maxPerPage)
    const requestedPage = Number.parseInt(url.searchParams.get('page') ?? '', 10)
    const page = Number.isFinite(requestedPage) && requestedPage > 0 ? requestedPage : 1
    const lastPage = Math.max(1, Math.ceil(items.length / perPage))
    const link = (p: number, rel: string): string => {
      const target = new URL(url.pathname, this.baseUrl)
      target.search = url.search
      target.searchParams.set('per_page', String(perPage))
      target.searchParams.set('page', String(p))
      return `<${target.toString()}>; rel="${rel}"`
    }
    const links: string[] = []
    if (page > 1) links.push(link(Math.min(page - 1, lastPage), 'prev'))
    if (page < lastPage) links.push(link(page + 1, 'next'), link(lastPage, 'last'))
    if (page > 1) links.push(link(1, 'first'))
    return {
      status: 200,
      body: items.slice((page - 1) * perPage, page * perPage),
      headers: links.length > 0 ? { link: links.join(', ') } : {}
    }
  }

  private send(res: ServerResponse, reply: Reply): void {
    if (res.headersSent) return
    const isBytes = Buffer.isBuffer(reply.body) || typeof reply.body === 'string'
    const payload =
      reply.body === undefined ? '' : isBytes ? (reply.body as Buffer | string) : JSON.stringify(reply.body)
    const id = (++this.requestCounter).toString(16).toUpperCase().padStart(4, '0')
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'x-github-request-id': `FA6E:${id}:0:0:0`,
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      ...lowercaseKeys(reply.headers ?? {})
    }
    res.writeHead(reply.status, STATUS_CODES[reply.status] ?? '', headers)
    res.end(payload)
  }
}

function renderFile(f: FakeFile): Record<string, unknown> {
  const blobSha = f.sha ?? fakeSha(f.filename)
  // `previous_filename` is only present on renames, as on GitHub; spreading `f` keeps it that way.
  return {
    ...f,
    sha: blobSha,
    additions: 0,
    deletions: 0,
    changes: 0,
    raw_url: `https://github.com/raw/${blobSha}/${f.filename}`
  }
}

/** GitHub's 422 shape for a missing or oversized comment body (length counted in characters). */
function validateCommentBody(body: unknown): Reply | undefined {
  const text = (body as { body?: unknown } | undefined)?.body
  let problem: Record<string, string>
  if (typeof text !== 'string') problem = { resource: 'IssueComment', code: 'missing_field', field: 'body' }
  // Counted in code points (GitHub is Ruby), so an emoji is one character, not two UTF-16 units.
  else if (Array.from(text).length > MAX_COMMENT_CHARS) {
    const message = `Body is too long (maximum is ${MAX_COMMENT_CHARS} characters)`
    problem = { resource: 'IssueComment', code: 'unprocessable', field: 'data', message }
  } else return undefined
  return { status: 422, body: { message: 'Validation Failed', errors: [problem], documentation_url: DOCS } }
}

function lowercaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
