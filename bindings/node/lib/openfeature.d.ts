// Type declarations of hotstate/openfeature (see docs/node.md, "OpenFeature").
import type {
  EvaluationContext,
  JsonValue,
  Logger,
  OpenFeatureEventEmitter,
  Provider,
  ResolutionDetails,
} from '@openfeature/server-sdk';
import type { Client, ClientOptions } from './index';

export interface HotstateProviderOptions extends ClientOptions {
  /** The flag collection the provider evaluates. Default 'flags'. */
  collection?: string;
  /** A client of yours (with `collection` among its flagCollections) instead of url/urls and the other client options. */
  client?: Client;
  /** How long initialize() waits for the replica to be live. Default 10000. */
  readyTimeoutMs?: number;
}

/**
 * An OpenFeature provider evaluating flags locally with a hotstate Client. Events: READY
 * when the replica is live, STALE when the link goes stale or offline (READY again when it
 * is back), CONFIGURATION_CHANGED with flagsChanged when flag records change; initialize()
 * rejects (the SDK emits ERROR) when the replica did not load within readyTimeoutMs.
 */
export declare class HotstateProvider implements Provider {
  constructor(options?: HotstateProviderOptions);
  readonly metadata: { readonly name: 'hotstate' };
  readonly runsOn: 'server';
  readonly events: OpenFeatureEventEmitter;
  /** The hotstate Client behind the provider. */
  readonly client: Client;
  initialize(context?: EvaluationContext): Promise<void>;
  /** Closes the client if the provider made it. */
  onClose(): Promise<void>;
  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext, logger?: Logger): Promise<ResolutionDetails<boolean>>;
  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext, logger?: Logger): Promise<ResolutionDetails<string>>;
  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext, logger?: Logger): Promise<ResolutionDetails<number>>;
  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext, logger?: Logger): Promise<ResolutionDetails<T>>;
}
