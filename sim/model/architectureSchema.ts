/**
 * JSON Schema of a model architecture file (`models/architectures/<id>.json`). The same object gives the
 * TypeScript type (json-schema-to-ts `FromSchema`) and the runtime check (ajv), so the two cannot drift.
 * Field names follow Hugging Face `config.json` so a file can be checked against its source line by line.
 */
import type { FromSchema } from 'json-schema-to-ts';

const positiveInteger = { type: 'integer', minimum: 1 } as const;

export const moeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['num_experts', 'num_experts_per_tok', 'num_shared_experts', 'moe_intermediate_size'],
  description: 'Mixture of experts: every layer routes each token to num_experts_per_tok of num_experts experts.',
  properties: {
    num_experts: positiveInteger,
    num_experts_per_tok: positiveInteger,
    num_shared_experts: { type: 'integer', minimum: 0, description: 'Experts every token goes through (0 if none).' },
    moe_intermediate_size: { ...positiveInteger, description: 'Intermediate size of one expert.' },
  },
} as const;

export const architectureSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id', 'name', 'hf_repo', 'source', 'num_hidden_layers', 'hidden_size', 'intermediate_size',
    'num_attention_heads', 'num_key_value_heads', 'head_dim', 'vocab_size', 'tie_word_embeddings',
    'max_position_embeddings', 'qkv_bias', 'mlp', 'norm', 'qk_norm',
  ],
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$' },
    name: { type: 'string', minLength: 1 },
    hf_repo: { type: 'string', pattern: '^[^/\\s]+/[^/\\s]+$', description: 'Hugging Face repository id.' },
    source: { type: 'string', minLength: 1, description: 'Where the numbers come from: the config.json URL.' },
    verification: { type: 'string', description: 'How the numbers were cross-checked.' },
    num_hidden_layers: positiveInteger,
    hidden_size: positiveInteger,
    intermediate_size: { ...positiveInteger, description: 'Dense MLP width (for OLMoE, HF stores the expert width here).' },
    num_attention_heads: positiveInteger,
    num_key_value_heads: positiveInteger,
    head_dim: positiveInteger,
    vocab_size: positiveInteger,
    tie_word_embeddings: { type: 'boolean', description: 'LM head shares the embedding matrix (no extra weights).' },
    max_position_embeddings: positiveInteger,
    qkv_bias: { type: 'boolean', description: 'Biases on the q, k, v projections (Qwen2 family).' },
    mlp: {
      enum: ['gated', 'plain'],
      description: 'gated: SwiGLU, 3 matrices (gate, up, down); plain: 2 matrices (up, down).',
    },
    norm: {
      enum: ['rmsnorm', 'layernorm_nonparametric'],
      description: 'rmsnorm: one weight vector per norm; layernorm_nonparametric: no parameters (OLMo v1).',
    },
    qk_norm: { type: 'boolean', description: 'RMSNorm over the q and k projections (OLMoE).' },
    moe: moeSchema,
    reported_total_params: {
      type: 'object',
      additionalProperties: false,
      required: ['value', 'source'],
      description: 'An exact published parameter count, to check the counting against.',
      properties: { value: positiveInteger, source: { type: 'string', minLength: 1 } },
    },
  },
} as const;

export type Architecture = FromSchema<typeof architectureSchema>;
export type MoeConfig = FromSchema<typeof moeSchema>;
