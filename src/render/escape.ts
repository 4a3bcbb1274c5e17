/**
 * Escaping for attacker-controlled text (file names, registry values, PR text) before it is
 * rendered into Markdown or written to the log. Rendering is display only: truncation here
 * never changes a verdict, which is computed on the exact strings.
 */

/** Longest name shown in a table cell or log line; the verdict always uses the full path. */
export const MAX_DISPLAY_CHARS = 200

// C0/C1 controls, DEL, and the Unicode line/paragraph separators and bidi overrides that can
// reorder or hide text in a rendered page.
// Lone surrogates U+DC80..U+DCFF are how git paths carry non-UTF-8 bytes (src/core/raw-path.ts);
// they are shown as `\xNN`, the byte they stand for.
const INVISIBLE_OR_CONTROL =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|(?<![\ud800-\udbff])[\udc80-\udcff]/g

function visibleControl(char: string): string {
  const code = char.codePointAt(0) ?? 0
  if (char === '\n') return '\\n'
  if (char === '\r') return '\\r'
  if (char === '\t') return '\\t'
  if (code >= 0xdc80 && code <= 0xdcff) return `\\x${(code - 0xdc00).toString(16).toUpperCase()}`
  return `\\u${code.toString(16).padStart(4, '0')}`
}

/** Shortens long text in the middle so both the directory and the file name stay visible. */
export function truncateMiddle(text: string, max = MAX_DISPLAY_CHARS): string {
  const chars = Array.from(text)
  if (chars.length <= max) return text
  const keep = max - 1
  const head = Math.ceil(keep / 2)
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (keep - head)).join('')}`
}

/** Makes control characters visible (`\n`, `\u001b`) so one name can never become two lines. */
export function showControls(text: string): string {
  return text.replace(INVISIBLE_OR_CONTROL, visibleControl)
}

/**
 * Escapes text for a GitHub-flavoured Markdown paragraph or table cell: HTML is entity-encoded,
 * Markdown punctuation is backslash-escaped, `@` cannot form a mention, and `|` cannot split a
 * table cell.
 */
export function escapeMarkdown(text: string, max = MAX_DISPLAY_CHARS): string {
  // Punctuation first, entities second: the entities' own `#` and `;` must stay unescaped.
  return truncateMiddle(showControls(text), max)
    .replace(/[\\`*_{}[\]()#+\-.!|~:]/g, match => `\\${match}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/@/g, '&#64;')
}

/**
 * Renders attacker-controlled text as inline code. Backtick runs inside the text are handled
 * by choosing a longer fence, per the CommonMark code-span rules; HTML and mentions are inert
 * inside code spans. A `|` would still split a GFM table cell even inside a code span, and an
 * escape would show as a literal backslash outside tables, so it is shown as a look-alike (¦).
 */
export function inlineCode(text: string, max = MAX_DISPLAY_CHARS): string {
  const shown = truncateMiddle(showControls(text), max).replace(/\|/g, '¦')
  const longestRun = Math.max(0, ...Array.from(shown.matchAll(/`+/g), m => m[0].length))
  const fence = '`'.repeat(longestRun + 1)
  const pad = shown.startsWith('`') || shown.endsWith('`') || shown.trim() === '' ? ' ' : ''
  return `${fence}${pad}${shown}${pad}${fence}`
}

/** Text for one log line: controls made visible, so `\n::error::` cannot start a workflow command. */
export function forLog(text: string, max = 400): string {
  return truncateMiddle(showControls(text), max)
}
