/**
 * Speculative decoding (docs/MECHANISMS.md): a draft model proposes gamma tokens per round, the target verifies
 * them, riding on static or vLLM-style continuous batching. The rounds span two models, so this policy prices them
 * itself (SpeculativeRoundCost) and sizes memory for both models' weights and KV caches.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { SpeculativeRoundCost } from '../../cost/speculativeRoundCost.js';
import { inputErrorAt, sourceLabel } from '../../inputSource.js';
import { loadArchitecture } from '../../model/architecture.js';
import { tensorParallelProblem } from '../../model/tensorParallel.js';
import { widenedMemoryBudget } from '../../serving/beamMemory.js';
import { AcceptanceSampler, type AcceptanceConfig, acceptanceRangeProblem, describeAcceptance, expectedTokensPerRound, meanAcceptance } from '../../serving/speculativeAcceptance.js';
import { SpeculativeContinuousScheduler } from '../../serving/speculativeContinuousScheduler.js';
import { speculativeMemoryBudget } from '../../serving/speculativeMemory.js';
import { SpeculativeStaticScheduler } from '../../serving/speculativeStaticScheduler.js';
import type { ContinuousConfig } from '../../serving/continuousScheduler.js';
import type { StaticConfig } from '../../serving/staticScheduler.js';
import { continuousConfigFor, continuousOptionsSchema, resolvedContinuous } from './continuousPolicy.js';
import type { ResolvedScheduler, SchedulerPolicyEntry, SpeculativeSettings } from './schedulerPolicy.js';
import { resolvedStatic, staticConfigFor, staticOptionsSchema } from './staticPolicy.js';

/** γ = 4 as in the seed paper; α = 0.7 when none is given (see docs/MECHANISMS.md for why). */
export const DEFAULT_GAMMA = 4;
export const DEFAULT_ACCEPTANCE: AcceptanceConfig = { kind: 'constant', rate: 0.7 };

const acceptanceRate = { type: 'number', minimum: 0, maximum: 1 } as const;

/** Speculative decoding: how often the target accepts a draft token. */
export const acceptanceSchema = {
  type: 'object',
  discriminator: { propertyName: 'kind' },
  required: ['kind'],
  examples: [{ kind: 'constant', rate: 0.7 }],
  description:
    'constant / per_token: every draft token is accepted with probability rate (independent draws; the two names are the same mechanism). per_request: each request draws its own rate once from the distribution, then its tokens draw against it.',
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['kind', 'rate'], properties: { kind: { const: 'constant' }, rate: acceptanceRate } },
    { type: 'object', additionalProperties: false, required: ['kind', 'rate'], properties: { kind: { const: 'per_token' }, rate: acceptanceRate } },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'distribution'],
      properties: {
        kind: { const: 'per_request' },
        distribution: {
          type: 'object',
          discriminator: { propertyName: 'kind' },
          required: ['kind'],
          examples: [{ kind: 'beta', a: 7, b: 3 }],
          oneOf: [
            {
              type: 'object',
              additionalProperties: false,
              required: ['kind', 'a', 'b'],
              properties: { kind: { const: 'beta' }, a: { type: 'number', exclusiveMinimum: 0 }, b: { type: 'number', exclusiveMinimum: 0 } },
            },
            { type: 'object', additionalProperties: false, required: ['kind', 'lo', 'hi'], properties: { kind: { const: 'uniform' }, lo: acceptanceRate, hi: acceptanceRate } },
          ],
        },
      },
    },
  ],
} as const;

export const speculativeOptionsSchema = {
  type: 'object',
  properties: {
    ...staticOptionsSchema.properties,
    ...continuousOptionsSchema.properties,
    speculative_base: {
      enum: ['static', 'continuous'],
      description: "Speculative only: the batching the rounds ride on (default: the stack's batching).",
    },
    draft_model: { type: 'string', description: 'Speculative only: the draft model id (models/architectures/), same vocabulary as the target.' },
    gamma: { type: 'integer', minimum: 1, maximum: 64, description: 'Speculative only: draft tokens per round (default 4, the seed paper’s; at most 64).' },
    acceptance: acceptanceSchema,
  },
} as const;
type SpeculativeOptions = FromSchema<typeof speculativeOptionsSchema>;

function withSpeculative(base: ResolvedScheduler, spec: SpeculativeSettings, round: SpeculativeRoundCost, rebuild: (b: ResolvedScheduler) => ResolvedScheduler): ResolvedScheduler {
  return {
    ...base,
    policy: 'speculative',
    speculative: spec,
    costNote: `${spec.description}; draft cost: ${spec.draftCost.provenance.kind}: ${spec.draftCost.provenance.description}`,
    summary: {
      ...base.summary,
      speculative: {
        draft_model: spec.draftModel,
        gamma: spec.gamma,
        acceptance: spec.acceptance,
        expected_tokens_per_round: spec.expectedTokensPerRound,
        draft_cost_model: { kind: spec.draftCost.provenance.kind, description: spec.draftCost.provenance.description },
      },
    },
    create: (onFinished, seed) => {
      const sampler = new AcceptanceSampler(spec.acceptance, spec.gamma, seed);
      return base.kind === 'static'
        ? new SpeculativeStaticScheduler(base.config as StaticConfig, round, sampler, onFinished)
        : new SpeculativeContinuousScheduler(base.config as ContinuousConfig, round, sampler, onFinished);
    },
    withBatchSize: (batch) => rebuild(base.withBatchSize(batch)),
  };
}

export const speculativePolicy = {
  name: 'speculative',
  description: 'speculative decoding: a draft model proposes gamma tokens per round and the target verifies them, on static or continuous batching (speculative_base)',
  optionsSchema: speculativeOptionsSchema,
  resolve: (ctx) => {
    const o = ctx.options as SpeculativeOptions;
    const fail = (pointer: string, detail: string) => inputErrorAt(ctx.file, ctx.flagPlaces, pointer, detail);
    if (o.draft_model === undefined) throw fail(`${ctx.place}/draft_model`, 'a speculative scheduler needs a draft_model');
    if (ctx.decoding.kind === 'beam') throw fail('/cluster/decoding', 'beam search does not combine with speculative decoding');
    const draftSource = sourceLabel(ctx.file, ctx.flagPlaces, `${ctx.place}/draft_model`);
    const draftArch = loadArchitecture(o.draft_model, draftSource);
    const draftTpProblem = tensorParallelProblem(draftArch, ctx.tp);
    if (draftTpProblem) throw fail(`${ctx.place}/draft_model`, `the draft model: ${draftTpProblem}`);
    const acceptanceProblem = acceptanceRangeProblem(o.acceptance as AcceptanceConfig | undefined);
    if (acceptanceProblem) throw fail(`${ctx.place}/acceptance`, acceptanceProblem);
    const draft = ctx.buildDraftCost(draftArch);
    const gamma = o.gamma ?? DEFAULT_GAMMA;
    const acceptance = (o.acceptance as AcceptanceConfig | undefined) ?? DEFAULT_ACCEPTANCE;
    const expected = expectedTokensPerRound(meanAcceptance(acceptance), gamma);
    const description = `speculative decoding: draft ${draftArch.id} proposes γ = ${gamma} tokens per round, ${describeAcceptance(acceptance)}; E[tokens per round] = ${expected.toFixed(3)} at the mean α`;
    const spec: SpeculativeSettings = { draftModel: draftArch.id, gamma, acceptance, draftCost: draft.params, expectedTokensPerRound: expected, description };
    const round = new SpeculativeRoundCost(ctx.cost.model, draft.model, gamma);
    const maxContextTokens = Math.min(ctx.cost.work.maxContextTokens, draft.work.maxContextTokens);
    let budget = speculativeMemoryBudget(ctx.gpu, ctx.stack, ctx.arch, draftArch, ctx.tp, draftSource, ctx.precision);
    if (ctx.cost.beamWidth > 1) budget = widenedMemoryBudget(budget, ctx.cost.beamWidth, ctx.cost.prefillWidth);
    const sized = { ...ctx, budget };
    const baseKind = o.speculative_base ?? ctx.stack.batching;
    const base = baseKind === 'static' ? resolvedStatic(staticConfigFor(sized, maxContextTokens)) : resolvedContinuous(continuousConfigFor(sized, maxContextTokens, true));
    const rebuild = (b: ResolvedScheduler): ResolvedScheduler => withSpeculative(b, spec, round, rebuild);
    return rebuild(base);
  },
} as const satisfies SchedulerPolicyEntry<'speculative'>;
