import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, inflateRaw, type InputType, type ZlibOptions } from 'node:zlib';

/** Why a response body could not be read as JSON. The fetcher prefixes the URL. */
export class BodyError extends Error {
  override readonly name = 'BodyError';
}

type Decoder = (input: InputType, options: ZlibOptions) => Promise<Buffer>;

const gunzipAsync = promisify(gunzip) as Decoder;
const inflateAsync = promisify(inflate) as Decoder;
const inflateRawAsync = promisify(inflateRaw) as Decoder;
const brotliAsync = promisify(brotliDecompress) as Decoder;

/** A zlib stream starts with CMF/FLG: deflate method 8, and the pair divisible by 31 (RFC 1950 2.2). */
function hasZlibHeader(data: Buffer): boolean {
  return data.length >= 2 && (data[0]! & 0x0f) === 8 && ((data[0]! << 8) | data[1]!) % 31 === 0;
}

/** `deflate` is zlib-wrapped per RFC 9110 8.4.1.2, but some servers send raw DEFLATE. */
const inflateEither: Decoder = (input, options) =>
  hasZlibHeader(input as Buffer) ? inflateAsync(input, options) : inflateRawAsync(input, options);

const DECODERS: Readonly<Record<string, Decoder>> = {
  gzip: gunzipAsync,
  'x-gzip': gunzipAsync,
  deflate: inflateEither,
  br: brotliAsync,
};

/**
 * Undoes `Content-Encoding` (gzip, deflate, br; codings applied in order are undone in reverse)
 * with every stage's output capped at `maxBytes`, so a small compressed answer cannot expand
 * into a large one (a compression bomb stops at the cap instead of filling memory).
 */
export async function decodeContent(
  raw: Buffer,
  contentEncoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  let data = raw;
  for (const coding of codings.reverse()) {
    const decode = DECODERS[coding];
    if (decode === undefined)
      throw new BodyError(
        `answered with an unsupported Content-Encoding ${JSON.stringify(coding.slice(0, 40))}; use gzip, deflate, br or none`,
      );
    try {
      data = await decode(data, { maxOutputLength: maxBytes });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
        throw new BodyError(`decodes to more than jwks.maxResponseBytes (${maxBytes})`);
      throw new BodyError(`sent a body that is not valid ${coding}`);
    }
  }
  return data;
}

// TextDecoder drops a leading byte order mark, which RFC 8259 8.1 lets a parser ignore.
const utf8 = new TextDecoder('utf-8');

/** Parses a decoded body as JSON, ignoring a leading UTF-8 byte order mark. */
export function parseJsonBody(data: Buffer): unknown {
  try {
    return JSON.parse(utf8.decode(data));
  } catch {
    throw new BodyError('did not answer valid JSON');
  }
}
