// Removes secrets from text that leaves a trust boundary (command output handed to callers, error messages).
// Pure. It keeps JSON output parseable: only string values are replaced, never structure.

const MARK = '[REDACTED]';

type Rule = [RegExp, (match: string, ...groups: string[]) => string];

/** Field names whose values are secrets: "accessToken": "…", client-key-data: …, password=… */
const SECRET_FIELD =
  /(["']?\b(?:access_?token|refresh_?token|id_?token|client[-_]?secret|client-key-data|password|passwd|secret|token|primary_?key|secondary_?key|account_?key|api_?key|sas_?token|connection_?string)["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;}{[\]"'][^\s,;}"']*)/gi;

const RULES: Rule[] = [
  // Bearer tokens in headers or messages.
  [/\b(Bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi, (_m, word) => `${word} ${MARK}`],
  // JSON Web Tokens wherever they appear (access tokens, id tokens, service account tokens).
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, () => MARK],
  // SAS signatures in URLs and connection strings.
  [/([?&;\s]sig=)[^&\s"';]+/gi, (_m, head) => `${head}${MARK}`],
  // Connection-string secrets: AccountKey=…, SharedAccessKey=…, Password=…, SharedAccessSignature=…
  [
    /\b(AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd|ClientSecret)=("[^"]*"|[^;"'\s]+)/gi,
    (_m, name) => `${name}=${MARK}`,
  ],
  [
    SECRET_FIELD,
    (match, prefix, value) => {
      const bare = value.replace(/^["']|["']$/g, '');
      if (bare === '' || bare === MARK) return match;
      const quote = value.startsWith("'") ? "'" : value.startsWith('"') || /["']\s*[:=]/.test(prefix) ? '"' : '';
      return `${prefix}${quote}${MARK}${quote}`;
    },
  ],
  // The exec token header, should it ever be echoed.
  [/(x-exec-token\s*[:=]\s*)\S+/gi, (_m, head) => `${head}${MARK}`],
];

export function redactSecrets(text: string): string {
  if (!text) return text;
  let out = text;
  for (const [pattern, replace] of RULES) out = out.replace(pattern, replace as (m: string, ...g: string[]) => string);
  return out;
}
