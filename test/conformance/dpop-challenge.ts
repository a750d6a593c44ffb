// A strict reader of `WWW-Authenticate` values (RFC 9110 11.6.1), written here rather than taken from
// the core, so the conformance rows check the challenges the gate writes against the grammar.

export interface ParsedChallenge {
  readonly scheme: string;
  /** auth-params, names lower-cased, quoted-strings unescaped. */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/**
 * Parses `scheme [auth-param *( OWS "," OWS auth-param )] *( OWS "," OWS challenge )`. Returns
 * undefined for anything outside the grammar (a stray quote, a bare token after a scheme, a
 * repeated parameter), so a value that only looks right still fails.
 */
export function parseChallenges(header: string): ParsedChallenge[] | undefined {
  const out: { scheme: string; params: Record<string, string> }[] = [];
  let i = 0;
  const skipSpaces = () => {
    while (header[i] === ' ' || header[i] === '\t') i++;
  };
  while (i < header.length) {
    skipSpaces();
    const name = TOKEN.exec(header.slice(i))?.[0];
    if (name === undefined) return undefined;
    i += name.length;
    const afterName = i;
    skipSpaces();
    if (header[i] === '=') {
      const current = out.at(-1);
      if (current === undefined) return undefined;
      i++;
      skipSpaces();
      let value = '';
      if (header[i] === '"') {
        i++;
        for (;;) {
          const c = header[i];
          if (c === undefined) return undefined;
          i++;
          if (c === '"') break;
          if (c === '\\') {
            const escaped = header[i];
            if (escaped === undefined) return undefined;
            value += escaped;
            i++;
          } else {
            value += c;
          }
        }
      } else {
        const token = TOKEN.exec(header.slice(i))?.[0];
        if (token === undefined) return undefined;
        value = token;
        i += token.length;
      }
      const key = name.toLowerCase();
      if (Object.hasOwn(current.params, key)) return undefined;
      current.params[key] = value;
    } else {
      // A new challenge: a scheme, then a space before its first parameter or a comma/end.
      i = afterName;
      out.push({ scheme: name, params: {} });
      if (header[i] === ' ') {
        skipSpaces();
        continue;
      }
    }
    skipSpaces();
    if (i < header.length) {
      if (header[i] !== ',') return undefined;
      i++;
    }
  }
  return out;
}
