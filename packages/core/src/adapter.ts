/**
 * `@tollgate/core/adapter`: the plumbing framework adapters are built from (find the token, build
 * or share the verifier, check the adapter options). Applications import `@tollgate/core` or an
 * adapter package; this entry is for adapter authors and for plain `node:http` servers.
 * @packageDocumentation
 */
export { toVerifier, warmInBackground } from './verifier-source.js';
export type { VerifierSource } from './verifier-source.js';
export { resolveAdapterOptions, DEFAULT_REALM } from './adapter-options.js';
export type { AdapterOptions, ResolvedAdapterOptions, AdapterDescription } from './adapter-options.js';
export type { MisplacedOptions } from './unknown-options.js';
export { extractToken, readCredentials } from './bearer.js';
export type { Credentials, TokenRequestParts, TokenLocations } from './bearer.js';
export { createGate, openGate, createResponder } from './gate.js';
export type { Gate, Responder, RouteOptions, RespondContext, RequestAuth, TokenBinding } from './gate.js';
export { nodeRequestFacts, fetchRequestFacts, rawHeader } from './request-facts.js';
export type { RequestFacts, NodeRequestLike, FetchRequestLike } from './request-facts.js';
export type {
  ResourceMetadataEndpoint,
  ResourceMetadataAnswer,
  ResourceMetadataOptions,
} from './resource-metadata-endpoint.js';
