/**
 * Thrown for invalid issuer options, tenant files, key files and CLI flags.
 * `field` names the offending option or file field so the message can be acted on.
 *
 * @example
 * ```ts
 * try { await createIssuer({ port: -1 }); }
 * catch (err) { if (err instanceof IssuerConfigError) console.error(err.field, err.message); }
 * ```
 */
export class IssuerConfigError extends Error {
  readonly code = 'ERR_ISSUER_CONFIG';
  override readonly name = 'IssuerConfigError';
  /** The option or file field at fault, e.g. `port` or `spec.jwt_algorithm`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}
