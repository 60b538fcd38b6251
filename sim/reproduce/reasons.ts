/**
 * Why joulesim and the paper disagree, per metric id (findings.ts). Each text names the mechanism, not joulesim's
 * number: it is shown only when a run's numbers disagree with the paper's, and must stay true whatever the
 * calibration. Numbers quoted here are the paper's own, or arithmetic on them.
 */

const T4_IDEAL =
  'The idealized estimate uses FLOPS_HW = 309.7 TFLOPS, the A6000’s sparse bf16 figure (as the paper did), which is twice its 154.8 TFLOPS dense peak: a dense model running at the dense peak at TDP is already 100% above it. The paper’s vLLM rows (26.59-64.22% above) imply 1.27-1.64 × 300 W / 309.7 TFLOPS = 1.23-1.59 J per TFLOP, i.e. 189-245 TFLOP/s sustained at 300 W — above the card’s dense peak. So either the paper’s FLOPs(I*, O*) (DeepSpeed’s profiler over HF modules) count more than the forward passes’ matmul and attention FLOPs, or its batches drew well under 300 W. joulesim counts FLOPs analytically (sim/estimate/requestFlops.ts; the pct_above_dense_flops_ideal extra gives the same comparison against the dense peak) and its vLLM costs come from the H100 vLLM profile carried to the A6000 datasheet, which reaches the power cap in compute-bound batches.';

const T4_PYTORCH =
  'joulesim’s PyTorch (hf-eager) numbers on the A6000 come from the stack’s datasheet priors, or from an H100 hf-eager calibration carried to the A6000 once one exists (the cost column says which); neither has been checked against an A6000. The paper’s three PyTorch rows are hard to reconcile with each other: 506.52% and 490.23% above the ideal imply ~50 TFLOP/s at 300 W, but Azure Code’s 102.79% implies 2.03 × 300 / 309.7 = 1.96 J per TFLOP, i.e. 153 TFLOP/s at 300 W — 99% of the dense peak for eager PyTorch. Unless the paper counted more FLOPs per long prompt than the architecture does, no single cost model gives all three.';

const SAVINGS =
  'In joulesim the saving of vLLM over PyTorch at the largest batch that fits comes from three modelled differences only: the paged KV cache fits larger batches than the contiguous one, vLLM’s per-step overhead is smaller, and the stacks’ compute / bandwidth efficiency priors differ a little. At those large batches both stacks run near the power cap, so energy per FLOP differs by about the ratio of achieved throughput. The paper’s Table 4 implies PyTorch needed 3.7× (BurstGPT), 1.6× (Azure Code) and 3.6× (Conversation) the energy of vLLM: a far less efficient baseline than joulesim’s hf-eager prior. Likely causes outside the model: HF’s real batches smaller than the memory model allows (allocator fragmentation, a dynamic cache grown by concatenation), slower eager attention over padding masks, and per-token Python work that grows with batch size. The row compares both stacks on the same cost source (see note); extra.best_sources_saving_pct uses each stack’s best source.';

export const REASONS: Readonly<Record<string, string>> = {
  '1.prefill-flat':
    'joulesim charges dynamic energy per FLOP and per byte even when a step’s time is set by the weight reads, so a short prefill’s energy grows a little with its tokens although its time does not; a real GPU at such low utilisation barely changes its power.',
  '1.prefill-parallel':
    'At long inputs joulesim’s prefill cost includes the quadratic attention term and steps stretched by the power cap, which bend the curves differently per batch size; points whose batch does not fit in memory are missing, so large batches have few long-input points.',
  '1.decode-linear':
    'joulesim’s decode steps read the KV cache and compute attention over the whole context, both growing with the tokens generated so far, so at long outputs and large batches decode energy grows faster than linearly; the paper’s measured curves stay linear.',
  '1.decode-dominates':
    'joulesim splits a mixed step’s energy between prefill and decode by tokens processed (chunked prefill in vLLM), and long prompts in a batch can make prefill outweigh 64 decode steps.',
  '2.small-batch-saving':
    'Speculative decoding’s energy depends on the acceptance rate (joulesim’s default, a constant 0.7 per draft token: the paper reports none) and on the draft model’s cost, priced here from transferred or datasheet numbers, not measured.',
  '2.batch128-increase':
    'Speculative decoding’s energy depends on the acceptance rate (joulesim’s default, a constant 0.7 per draft token: the paper reports none) and on the draft model’s cost, priced here from transferred or datasheet numbers, not measured; at batch 128 the target’s verification of γ + 1 tokens per sequence is compute-bound, so every rejected token is paid in full.',
  '3.moe-vs-dense-1b':
    'joulesim prices an MoE step as reading every distinct expert its tokens route to, assuming uniform routing — an upper bound (at batch 8 about 42 of OLMoE’s 64 experts per layer; real routers are skewed and touch fewer) — and stretches the expert time by the fused-kernel slowdown the paper itself measured (models/moe/, when present). At small and medium batches this makes an OLMoE decode step read several times OLMo-1B’s bytes, a larger gap than the paper measured. Neither OLMo model has a profile: both are priced from datasheet priors.',
  '3.moe-vs-dense-7b':
    'Both models are priced from datasheet priors with joulesim’s upper-bound expert reads (uniform routing), which overstate OLMoE’s bytes per step.',
  '3.moe-gap-grows':
    'In joulesim the MoE penalty peaks at medium batch, where the number of distinct experts a decode step reads grows fastest, and shrinks at large batch, where steps become compute-bound and every expert is read anyway; the paper measured the gap growing with batch.',
  '4.vllm-energy':
    'Compared on the same cost source, PyTorch and vLLM differ in joulesim only by step overhead, efficiency priors and batching; where they are close the stack priors decide the sign.',
  '4.vllm-throughput':
    'Compared on the same cost source, PyTorch and vLLM differ in joulesim only by step overhead, efficiency priors and batching; where they are close the stack priors decide the sign.',
  '4.vllm-batch-fits': 'The memory model (sim/serving/memoryBudget.ts) decides which batches fit; its activation and reserve figures are estimates.',
  '4.nlp-tasks':
    'Classification (one output token) is pure prefill, where PyTorch’s padded static batches and vLLM’s chunked prefill cost nearly the same per FLOP in joulesim.',
  '5.compile-throughput':
    'joulesim models torch.compile and CUDA graphs as a lower per-step CPU / launch overhead (plus slightly better efficiency priors), a fixed saving per step that matters most where steps are short (small batch).',
  '5.compile-energy':
    'A shorter step draws the busy floor for less time, so joulesim’s compiled stacks save energy; they can only cost more where their efficiency priors are worse.',
  '5.cuda-graphs-throughput':
    'joulesim models CUDA graphs as a lower per-step overhead (vllm vs vllm-eager priors); its gain vanishes at large batch where steps are long.',
  '5.cuda-graphs-energy':
    'A shorter step draws the busy floor for less time, so joulesim’s CUDA-graph stack saves energy at small batch and breaks even at large batch.',
  '6.continuous-vs-static':
    'joulesim’s static batches pad every prompt to the batch’s longest and keep decoding until the longest output ends, so with high length variance they waste most of their work.',
  '6.online-vs-offline-large':
    'In joulesim, offline (one generate() call per batch) and online serving differ only through stragglers: an offline batch waits for its longest request while online serving refills the freed slots. With outputs fixed at 64 only prompt lengths vary, so the difference is small; joulesim has no model of the other optimizations of vLLM’s online server to which the paper attributes its saving. With high output variance (the Azure-Conversation-like workload, in extra) joulesim’s saving is far larger than 5%.',
  '6.online-vs-offline-small':
    'joulesim gives online and offline serving the same per-step cost (same vLLM stack), and at batch 1 the two schedules are identical, so it finds no difference. It has no model of the online server’s extra scheduling and API overhead, which the paper measured outweighing the benefit at small batch.',
  '7.latency-tp2':
    'joulesim adds two all-reduces per layer to every tensor-parallel step (64 per Llama-3.1-8B step); over PCIe it prices each at an estimated 50 µs latency (no measured all-reduce table exists for PCIe A100s), which eats much of the halved weight-read time of a batch-1 decode step. The paper’s cards may have had faster links or collectives; it also does not name Figure 4’s GPU (A100 PCIe assumed).',
  '7.latency-tp4':
    'joulesim adds two all-reduces per layer to every tensor-parallel step; over PCIe it prices each at an estimated 50 µs latency (no measured table for PCIe A100s), which limits the speed-up of a batch-1 decode step.',
  '7.energy-tp2':
    'Energy grows with GPUs × time × power per GPU. joulesim prices a GPU waiting on a collective at the cost source’s busy floor (the H100 vLLM profile fixes it at idle power), lower than real cards spinning in NCCL kernels, and its latency gain differs from the paper’s (latency rows), so the size of the increase differs.',
  '7.energy-tp4':
    'Energy grows with GPUs × time × power per GPU. joulesim prices a GPU waiting on a collective at the cost source’s busy floor (the H100 vLLM profile fixes it at idle power), lower than real cards spinning in NCCL kernels, and its latency gain differs from the paper’s (latency rows), so the size of the increase differs.',
  '7.power-per-gpu': 'Per-GPU power in joulesim is the busy floor plus work-proportional energy divided by the (shorter) step time.',
  '8.compile-a100-pcie':
    'The hf-compile prior was derived from this very number, so a mismatch means the A100 step time of the hf-eager prior has moved since.',
  '8.compile-rtx6000-ada':
    'joulesim models torch.compile as a fixed cut of per-step CPU / launch overhead, the same on every GPU (the hf-compile prior, itself derived from the paper’s A100 figure), plus a small efficiency gain. On a slower GPU the cut is a smaller share of a longer step, which gives the paper’s order (A100 > Ada > A6000) but not its small Ada and near-zero A6000 gains: the paper’s slower cards were evidently bound by GPU time, not by host overhead, which joulesim does not distinguish by GPU.',
  '8.compile-a6000':
    'joulesim models torch.compile as a fixed cut of per-step CPU / launch overhead, the same on every GPU (the hf-compile prior, itself derived from the paper’s A100 figure), plus a small efficiency gain. On the slower A6000 the cut is a smaller share of a longer step, but still far above the paper’s 1.96%: the paper’s A6000 runs were evidently bound by GPU time, not host overhead, which joulesim does not distinguish by GPU.',
  '8.compile-order':
    'joulesim’s compile gain is a fixed overhead cut, so its size follows each GPU’s step time; the order follows the datasheet speeds.',
  '8.cuda-graphs-a100-pcie':
    'The vllm-eager prior was derived from this very number, so a mismatch means the vllm prior’s A100 step time has moved since.',
  '8.cuda-graphs-a6000':
    'joulesim models CUDA graphs as a fixed cut of per-step launch overhead (vllm vs vllm-eager priors, the latter derived from the paper’s A100 figure), the same on every GPU; on the slower A6000 it is a smaller share of a longer step, but still larger than the paper’s 2.97%, which suggests the paper’s A6000 host launched kernels faster than its A100 host or its A6000 steps were GPU-bound.',
  '8.cuda-graphs-order': 'joulesim’s CUDA-graph gain is a fixed overhead cut, so its size follows each GPU’s step time.',
  '9.burstgpt': SAVINGS,
  '9.azure-code': SAVINGS,
  '9.azure-conv': SAVINGS,
  '9.code-saves-least':
    'In joulesim the saving comes from batch size, step overhead and efficiency priors that apply alike to all three workloads, so the three savings come out close together and their order is not meaningful. The paper’s PyTorch baseline did comparatively well on Azure Code (long prompts, short outputs: prefill-bound work, where HF’s GEMMs are nearly as efficient as vLLM’s), a difference joulesim’s priors do not carry.',
  'T4.burstgpt-hf-eager': T4_PYTORCH,
  'T4.azure-code-hf-eager': T4_PYTORCH,
  'T4.azure-conv-hf-eager': T4_PYTORCH,
  'T4.burstgpt-vllm': T4_IDEAL,
  'T4.azure-code-vllm': T4_IDEAL,
  'T4.azure-conv-vllm': T4_IDEAL,
};
